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
// 200, SOHOA_RSS_PAGES overrides) and reports how the resident set grows
// after a warm-up, to catch memory that the engine never frees.
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
	const warmup = 10
	var base int64
	words := 0
	for i := range n + warmup {
		res, err := eng.RecognizeWithOptions(ctx, page, RecognizeOptions{DPI: 300})
		if err != nil {
			t.Fatal(err)
		}
		words = len(res.Words)
		if i == warmup-1 {
			debug.FreeOSMemory()
			base = residentBytes(t)
		}
		if i >= warmup && (i-warmup+1)%50 == 0 {
			debug.FreeOSMemory()
			rss := residentBytes(t)
			t.Logf("after %d pages: RSS %.1f MiB (%+.1f MiB, %.1f KiB/page), %d words/page",
				i-warmup+1, float64(rss)/(1<<20), float64(rss-base)/(1<<20), float64(rss-base)/1024/float64(i-warmup+1), words)
		}
	}
}
