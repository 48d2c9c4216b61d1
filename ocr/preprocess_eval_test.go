//go:build eval

package ocr

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/fixtures"
	"github.com/sohoa/sohoa/internal/bench/wer"
)

// TestEvalAccuracy is the accuracy harness (go test -tags eval -run
// TestEvalAccuracy -v ./ocr): it renders SOHOA_EVAL_DOCS documents (default
// 3) per fixtures variant, reads every page once as the pipeline did before
// preprocessing (OSD, deskew, plain RecognizeWithOptions: "before") and once
// as it does now (ProcessPage: "after"), and logs the word error per variant (see wordError). It fails
// when ProcessPage misses the targets: ≤ 0.8 % overall, ≤ 1.5 %
// on seal pages, ≤ 1 % on every other variant. SOHOA_EVAL_VARIANTS
// (comma-separated) restricts the variants, SOHOA_EVAL_SKIP_BEFORE=1 skips
// the "before" reading, SOHOA_EVAL_LAYOUT=auto reads with
// TesseractOptions.AutoLayout.
func TestEvalAccuracy(t *testing.T) {
	docs := 3
	if s := os.Getenv("SOHOA_EVAL_DOCS"); s != "" {
		docs, _ = strconv.Atoi(s)
	}
	variants := fixtures.AllVariants
	if s := os.Getenv("SOHOA_EVAL_VARIANTS"); s != "" {
		variants = nil
		for _, v := range strings.Split(s, ",") {
			variants = append(variants, fixtures.Variant(v))
		}
	}
	skipBefore := os.Getenv("SOHOA_EVAL_SKIP_BEFORE") == "1"
	ctx := context.Background()
	eng, err := NewTesseract(TesseractOptions{AutoLayout: os.Getenv("SOHOA_EVAL_LAYOUT") == "auto"})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	rend := newRenderer(t)

	type tally struct{ missing, total, pages int }
	var before, after, allBefore, allAfter tally
	var prepTime time.Duration
	var table strings.Builder
	fmt.Fprintf(&table, "%-20s %5s %6s %9s %9s\n", "variant", "pages", "words", "before", "after")
	var failures []string
	for _, v := range variants {
		// Documents are numbered by the variant's place in AllVariants, so
		// a run over some variants reads the same pages as a full run.
		vi := slices.Index(fixtures.AllVariants, v)
		before, after = tally{}, tally{}
		for i := range docs {
			doc := renderDoc(t, rend, 20260101, 100*vi+i, v)
			for p, page := range doc.Pages {
				truth := doc.Doc.Pages[p].Text()
				if !skipBefore {
					res := readLikePipeline(ctx, t, eng, page, doc.Doc.DPI, RecognizeWithOptions)
					m, n := wordError(truth, res.Text)
					before.missing, before.total, before.pages = before.missing+m, before.total+n, before.pages+1
				}
				start := time.Now()
				_ = PrepareForOCR(page, doc.Doc.DPI)
				prepTime += time.Since(start)
				pg, err := ProcessPage(ctx, eng, page, RecognizeOptions{DPI: doc.Doc.DPI})
				if err != nil {
					t.Fatalf("%s: %v", doc.Doc.ID, err)
				}
				res := pg.Result
				m, n := wordError(truth, res.Text)
				after.missing, after.total, after.pages = after.missing+m, after.total+n, after.pages+1
				if m > 0 && testing.Verbose() {
					t.Logf("%s %s p%d: missed %d/%d: %s", v, doc.Doc.ID, p+1, m, n, missingWords(truth, res.Text))
				}
			}
		}
		rate := func(x tally) string {
			if x.total == 0 {
				return "-"
			}
			return fmt.Sprintf("%.2f%%", 100*float64(x.missing)/float64(x.total))
		}
		fmt.Fprintf(&table, "%-20s %5d %6d %9s %9s\n", v, after.pages, after.total, rate(before), rate(after))
		allBefore.missing, allBefore.total = allBefore.missing+before.missing, allBefore.total+before.total
		allAfter.missing, allAfter.total, allAfter.pages = allAfter.missing+after.missing, allAfter.total+after.total, allAfter.pages+after.pages
		limit := 1.0
		if v == fixtures.VariantSeal {
			limit = 1.5
		}
		if got := 100 * float64(after.missing) / float64(max(after.total, 1)); got > limit {
			failures = append(failures, fmt.Sprintf("%s: %.2f%% > %.1f%%", v, got, limit))
		}
	}
	fmt.Fprintf(&table, "%-20s %5d %6d %9s %9s\n", "overall", allAfter.pages, allAfter.total,
		fmt.Sprintf("%.2f%%", 100*float64(allBefore.missing)/float64(max(allBefore.total, 1))),
		fmt.Sprintf("%.2f%%", 100*float64(allAfter.missing)/float64(max(allAfter.total, 1))))
	t.Logf("word error (share of ground-truth words missing), %d docs per variant:\n%s", docs, table.String())
	t.Logf("PrepareForOCR: %.0f ms/page", prepTime.Seconds()*1000/float64(max(allAfter.pages, 1)))
	if got := 100 * float64(allAfter.missing) / float64(max(allAfter.total, 1)); got > 0.8 {
		failures = append(failures, fmt.Sprintf("overall: %.2f%% > 0.8%%", got))
	}
	for _, f := range failures {
		t.Errorf("target missed: %s", f)
	}
}

// missingWords lists the ground-truth words OCR missed, for diagnosis.
func missingWords(truth, got string) string { return wer.MissingWords(truth, got, Normalize) }
