package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Usage is what a run of one or more processes cost.
type Usage struct {
	Wall time.Duration
	// CPU is user plus system time of every process run (and of their
	// children that were waited for).
	CPU time.Duration
	// PeakRSS is the largest resident set any single process reached, in
	// bytes (getrusage's ru_maxrss).
	PeakRSS int64
	// OtherCPU is the CPU time the rest of the machine used meanwhile
	// (from /proc/stat; 0 where it cannot be read): wall times are only
	// comparable between runs that shared the machine alike.
	OtherCPU time.Duration
}

// add folds the usage of one finished process into u (not its wall time).
// peak is the peak RSS in bytes that GNU time wrote to rssFile ("" when
// the command ran without it).
func (u *Usage) add(c *exec.Cmd, rssFile string) {
	st := c.ProcessState
	if st == nil {
		return
	}
	u.CPU += st.UserTime() + st.SystemTime()
	if rssFile != "" {
		if kb, ok := readTimeRSS(rssFile); ok {
			u.PeakRSS = max(u.PeakRSS, kb*1024)
			return
		}
	}
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		u.PeakRSS = max(u.PeakRSS, ru.Maxrss*1024) // Linux reports KiB
	}
}

// gnuTime runs commands when present: Go starts children with the
// parent's memory map shared until exec (vfork), and Linux then counts the
// parent's peak RSS into the child's ru_maxrss, so a tool started from a
// large process would inherit its peak. GNU time forks from a small one.
const gnuTime = "/usr/bin/time"

// wrapWithTime makes c run under GNU time writing the peak RSS in KiB
// to a new file, whose name it returns ("" when GNU time is missing).
func wrapWithTime(c *exec.Cmd) string {
	if _, err := os.Stat(gnuTime); err != nil {
		return ""
	}
	f, err := os.CreateTemp("", "ocrbench-rss-*")
	if err != nil {
		return ""
	}
	f.Close()
	c.Args = append([]string{gnuTime, "-f", "%M", "-o", f.Name(), c.Path}, c.Args[1:]...)
	c.Path = gnuTime
	return f.Name()
}

// readTimeRSS reads the %M that GNU time wrote: the last line (a failed
// command gets a line about its exit status before it).
func readTimeRSS(name string) (kb int64, ok bool) {
	data, err := os.ReadFile(name)
	os.Remove(name)
	if err != nil {
		return 0, false
	}
	lines := strings.Fields(strings.TrimSpace(string(data)))
	if len(lines) == 0 {
		return 0, false
	}
	kb, err = strconv.ParseInt(lines[len(lines)-1], 10, 64)
	return kb, err == nil
}

// RunAll runs the commands made by newCmd for every job, parallel at a
// time (a command with Stdout or Stderr set keeps them; others have
// their output collected for the error), and returns the total usage, wall time from first start to last
// end. It stops at the first failure, with the command's output.
func RunAll(ctx context.Context, jobs, parallel int, newCmd func(ctx context.Context, job int) *exec.Cmd) (Usage, error) {
	var (
		mu       sync.Mutex
		total    Usage
		firstErr error
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	busyBefore := machineBusy()
	start := time.Now()
	for range max(parallel, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range next {
				c := newCmd(ctx, job)
				rssFile := wrapWithTime(c)
				var out []byte
				var err error
				if c.Stdout == nil && c.Stderr == nil {
					out, err = c.CombinedOutput()
				} else {
					err = c.Run() // the caller collects the output
				}
				mu.Lock()
				total.add(c, rssFile)
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("%s: %w\n%s", c.String(), err, tail(out, 2000))
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	for job := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- job
	}
	close(next)
	wg.Wait()
	total.Wall = time.Since(start)
	if busyBefore > 0 {
		total.OtherCPU = max(0, machineBusy()-busyBefore-total.CPU)
	}
	return total, firstErr
}

// machineBusy is the CPU time all processes have used since boot, from
// the first line of /proc/stat (user, nice, system, irq, softirq, steal);
// 0 when it cannot be read.
func machineBusy() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/stat: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
