//go:build eval

package ocr

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/fixtures"
)

// residentBytes is the process's resident set size (VmRSS).
func residentBytes(t testing.TB) int64 {
	t.Helper()
	rss, err := processMemory("self", "VmRSS")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	return rss
}

// processMemory reads a size field of /proc/PID/status (VmRSS, the
// resident set; VmHWM, its peak) of a process ("self" or a PID), in bytes.
func processMemory(pid, field string) (int64, error) {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse %q: %w", line, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%s/status", field, pid)
}

// TestEvalRSSOverPages recognises the same dense page many times (default
// 200, SOHOA_RSS_PAGES overrides) and logs the resident set every 50
// pages. The first 50 pages warm up (malloc arenas, Tesseract's caches);
// growth after that is memory the engine never frees, and the test fails
// above 4 KiB a page. Before the engine drove Tesseract's C API itself,
// gosseract leaked about 14 KiB a page (355 words).
func TestEvalRSSOverPages(t *testing.T) {
	n := 200
	if s := os.Getenv("SOHOA_RSS_PAGES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	r, err := fixtures.Render(fixtures.NewSpec(7, 0, []fixtures.Variant{fixtures.VariantClean}))
	if err != nil {
		t.Fatal(err)
	}
	page := r.Pages[0]
	eng := newTestEngine(t)
	ctx := context.Background()
	const warmup = 50
	var base int64
	for i := 1; i <= n; i++ {
		res, err := eng.RecognizeWithOptions(ctx, page, RecognizeOptions{DPI: 300})
		if err != nil {
			t.Fatal(err)
		}
		if i%50 != 0 {
			continue
		}
		debug.FreeOSMemory()
		rss := residentBytes(t)
		if i == warmup {
			base = rss
		}
		t.Logf("after %d pages: RSS %.1f MiB, %d words/page", i, float64(rss)/(1<<20), len(res.Words))
		if i == n && n > warmup {
			perPage := float64(rss-base) / 1024 / float64(n-warmup)
			t.Logf("growth after warm-up: %.1f KiB/page", perPage)
			if perPage > 4 {
				t.Errorf("resident set grows by %.1f KiB/page after warm-up", perPage)
			}
		}
	}
}

// digitizeRun is what one `sohoa digitize` run cost.
type digitizeRun struct {
	pages   int
	peakRSS int64         // bytes: the last VmHWM read before the exit
	cpu     time.Duration // user + system
	wall    time.Duration
	samples []int64 // VmRSS once a second
}

// TestEvalDigitizeRSS measures the real binary the way BENCHMARKS.md does:
// it builds cmd/sohoa, generates the sets named by SOHOA_RSS_SETS
// (documents:seed pairs, default "40:77,300:78", about 60 and 400 pages;
// kept in SOHOA_RSS_DIR, default $TMPDIR/sohoa-rss, and reused), runs
// `sohoa digitize --workers 2` on each with a fresh store, and logs peak
// RSS, CPU seconds per page and VmRSS over time. The child gets none of
// the allocator variables, so the settings the binary makes itself are the
// ones measured; SOHOA_RSS_ENV ("K=V K=V") adds some for experiments.
//
// It fails when a peak exceeds 600 MB (issue #3) or when the largest set's
// peak is more than 10 % above the smallest set's: memory must not grow
// with the batch.
//
//	go test -tags eval -run TestEvalDigitizeRSS -v -timeout 60m ./ocr
func TestEvalDigitizeRSS(t *testing.T) {
	sets := os.Getenv("SOHOA_RSS_SETS")
	if sets == "" {
		sets = "40:77,300:78"
	}
	dir := os.Getenv("SOHOA_RSS_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "sohoa-rss")
	}
	bin := filepath.Join(t.TempDir(), "sohoa")
	build := exec.Command("go", "build", "-o", bin, "../cmd/sohoa")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build sohoa: %v\n%s", err, out)
	}
	const limit = 600 << 20
	var runs []digitizeRun
	for _, set := range strings.Split(sets, ",") {
		n, seed, err := parseSet(set)
		if err != nil {
			t.Fatal(err)
		}
		in := filepath.Join(dir, fmt.Sprintf("n%d-seed%d", n, seed))
		if err := ensureSet(in, n, seed); err != nil {
			t.Fatal(err)
		}
		r, err := runDigitize(bin, in, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
		t.Logf("%d documents, %d pages: peak RSS %d MB, CPU %.2f s/page, wall %.0f s", n, r.pages,
			r.peakRSS>>20, r.cpu.Seconds()/float64(r.pages), r.wall.Seconds())
		t.Logf("  VmRSS (MB) at each tenth of the run: %s", tenths(r.samples))
		if r.peakRSS > limit {
			t.Errorf("%d pages: peak RSS %d MB over the %d MB target", r.pages, r.peakRSS>>20, limit>>20)
		}
	}
	if len(runs) > 1 {
		small, large := runs[0], runs[len(runs)-1]
		if float64(large.peakRSS) > 1.1*float64(small.peakRSS) {
			t.Errorf("peak RSS grows with the batch: %d MB on %d pages, %d MB on %d pages",
				small.peakRSS>>20, small.pages, large.peakRSS>>20, large.pages)
		}
	}
}

// parseSet reads "documents:seed".
func parseSet(s string) (n int, seed uint64, err error) {
	count, seedText, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return 0, 0, fmt.Errorf("set %q: want documents:seed", s)
	}
	if n, err = strconv.Atoi(count); err != nil {
		return 0, 0, fmt.Errorf("set %q: %w", s, err)
	}
	if seed, err = strconv.ParseUint(seedText, 10, 64); err != nil {
		return 0, 0, fmt.Errorf("set %q: %w", s, err)
	}
	return n, seed, nil
}

// ensureSet generates a fixture set unless an earlier run left it
// complete (its truth file is written last).
func ensureSet(dir string, n int, seed uint64) error {
	if _, err := os.Stat(filepath.Join(dir, fixtures.TruthFile)); err == nil {
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("clear %s: %w", dir, err)
	}
	if _, err := fixtures.Generate(context.Background(), fixtures.Options{N: n, Seed: seed, OutDir: dir}); err != nil {
		return fmt.Errorf("generate %d documents (seed %d): %w", n, seed, err)
	}
	return nil
}

// runDigitize runs `sohoa digitize --workers 2 --json` on a set, sampling
// the child's VmRSS every second and its peak (VmHWM) four times as often.
// The peak is not taken from getrusage: Go starts children with vfork, so
// the kernel counts this test process's own peak in the child's.
func runDigitize(bin, set, store string) (digitizeRun, error) {
	cmd := exec.Command(bin, "digitize", "--store", store, "--workers", "2", "--json", set)
	cmd.Env = childEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return digitizeRun{}, fmt.Errorf("start %s: %w", bin, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var r digitizeRun
	tick := time.NewTicker(time.Second / 4)
	defer tick.Stop()
	pid := strconv.Itoa(cmd.Process.Pid) // re-exec keeps the PID
	ticks := 0
wait:
	for {
		select {
		case err := <-done:
			if err != nil {
				return r, fmt.Errorf("sohoa digitize %s: %w\n%s", set, err, stderr.Bytes())
			}
			break wait
		case <-tick.C:
			if peak, err := processMemory(pid, "VmHWM"); err == nil {
				r.peakRSS = peak
			}
			if ticks++; ticks%4 != 0 {
				continue
			}
			if rss, err := processMemory(pid, "VmRSS"); err == nil {
				r.samples = append(r.samples, rss)
			}
		}
	}
	r.wall = time.Since(start)
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	var sum struct {
		Pages int `json:"pages"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		return r, fmt.Errorf("read summary: %w", err)
	}
	if sum.Pages == 0 {
		return r, fmt.Errorf("sohoa digitize %s: no pages digitized\n%s", set, stderr.Bytes())
	}
	r.pages = sum.Pages
	return r, nil
}

// childEnv is this process's environment without the allocator, GC and
// OpenMP settings (the binary chooses its own), plus SOHOA_RSS_ENV.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case name == ThreadLimitEnv, name == "GOGC", name == "GOMEMLIMIT", strings.HasPrefix(name, "MALLOC_"):
			continue
		}
		env = append(env, kv)
	}
	return append(env, strings.Fields(os.Getenv("SOHOA_RSS_ENV"))...)
}

// tenths lists the highest VmRSS sample (MB) of each tenth of a run.
func tenths(samples []int64) string {
	if len(samples) == 0 {
		return "(none)"
	}
	var parts []string
	for i := range 10 {
		lo, hi := i*len(samples)/10, (i+1)*len(samples)/10
		if hi <= lo {
			continue
		}
		peak := int64(0)
		for _, s := range samples[lo:hi] {
			peak = max(peak, s)
		}
		parts = append(parts, strconv.FormatInt(peak>>20, 10))
	}
	return strings.Join(parts, " ")
}
