//go:build eval

package ocr

import (
	"context"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/fixtures"
)

// residentBytes is the process's resident set size (VmRSS).
func residentBytes(t testing.TB) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("parse VmRSS %q: %v", line, err)
			}
			return kb * 1024
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
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
