package bench

import (
	"context"
	"fmt"
	"os/exec"
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
}

// add folds the usage of one finished process into u (not its wall time).
func (u *Usage) add(c *exec.Cmd) {
	st := c.ProcessState
	if st == nil {
		return
	}
	u.CPU += st.UserTime() + st.SystemTime()
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		u.PeakRSS = max(u.PeakRSS, ru.Maxrss*1024) // Linux reports KiB
	}
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
	start := time.Now()
	for range max(parallel, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range next {
				c := newCmd(ctx, job)
				var out []byte
				var err error
				if c.Stdout == nil && c.Stderr == nil {
					out, err = c.CombinedOutput()
				} else {
					err = c.Run() // the caller collects the output
				}
				mu.Lock()
				total.add(c)
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
	return total, firstErr
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
