//go:build eval

package ocr

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/fixtures"
)

// TestEvalHandwriting measures the reading of handwritten numbers and days
// (go test -tags eval -run TestEvalHandwriting -v ./ocr): it renders
// SOHOA_EVAL_HW_DOCS documents (default 50), half with a handwritten
// number and half with a handwritten day, every other one with a second
// variant (skew, JPEG, 200 dpi, rotation, noise, seal), reads their first
// page with ProcessPage and counts the values read right, left empty and
// read wrong, and the CPU time of readHandwriting per page. A value read
// from handwriting is always flagged for review (metadata), so a misread
// digit is never silent; still, the test fails when more than one value
// in ten that the reader dares to give is wrong.
func TestEvalHandwriting(t *testing.T) {
	docs := 50
	if s := os.Getenv("SOHOA_EVAL_HW_DOCS"); s != "" {
		docs, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	eng := newTestEngine(t)
	rend := newRenderer(t)
	extra := []fixtures.Variant{fixtures.VariantSkew, fixtures.VariantJPEG, fixtures.VariantDPI200,
		fixtures.VariantRotate90, fixtures.VariantNoise, fixtures.VariantRotate180, fixtures.VariantSeal}
	type tally struct{ right, exact, empty, wrong int }
	var number, day tally
	var handTime time.Duration
	for i := range docs {
		kind := fixtures.VariantHandwrittenNumber
		if i%2 == 1 {
			kind = fixtures.VariantHandwrittenDay
		}
		vs := []fixtures.Variant{kind}
		if i%4 >= 2 {
			vs = append(vs, extra[(i/4)%len(extra)])
		}
		doc := renderDoc(t, rend, 20260520, i, vs...)
		opts := RecognizeOptions{DPI: doc.Doc.DPI}
		page, err := ProcessPage(ctx, withoutDigitReader(eng), doc.Pages[0], opts)
		if err != nil {
			t.Fatalf("%s: %v", doc.Doc.ID, err)
		}
		start := time.Now()
		if err := readHandwriting(ctx, eng, page, opts); err != nil {
			t.Fatalf("%s: %v", doc.Doc.ID, err)
		}
		handTime += time.Since(start)
		var got []Word
		for _, w := range page.Result.Words {
			if w.Handwritten {
				got = append(got, w)
			}
		}
		want, wantToken, tl := doc.Doc.CodeNumber, doc.Doc.CodeNumber+"/"+doc.Doc.CodeNotation, &number
		if kind == fixtures.VariantHandwrittenDay {
			want, wantToken, tl = doc.Doc.IssuedDate[8:], dayToken(doc.Doc.Pages[0].Text()), &day
		}
		switch {
		case len(got) == 0:
			tl.empty++
			t.Logf("%s %v: empty (want %s)", doc.Doc.ID, vs, wantToken)
		case len(got) == 1 && sameNumber(strings.SplitN(got[0].Text, "/", 2)[0], want):
			tl.right++
			if got[0].Text == wantToken {
				tl.exact++
			} else {
				t.Logf("%s %v: right value, token %q (want %q)", doc.Doc.ID, vs, got[0].Text, wantToken)
			}
		default:
			tl.wrong++
			t.Logf("%s %v: read %v, want %s", doc.Doc.ID, vs, got, wantToken)
		}
	}
	t.Logf("handwritten numbers: %d right (%d as the exact token), %d empty, %d wrong", number.right, number.exact, number.empty, number.wrong)
	t.Logf("handwritten days: %d right (%d as the exact token), %d empty, %d wrong", day.right, day.exact, day.empty, day.wrong)
	t.Logf("readHandwriting: %.1f ms/page", handTime.Seconds()*1000/float64(max(docs, 1)))
	for name, tl := range map[string]tally{"numbers": number, "days": day} {
		if given := tl.right + tl.wrong; tl.wrong*10 > given {
			t.Errorf("handwritten %s: %d of %d values given are wrong (more than one in ten)", name, tl.wrong, given)
		}
	}
}

// sameNumber compares two digit strings as numbers ("08" = "8").
func sameNumber(a, b string) bool {
	x, errA := strconv.Atoi(a)
	y, errB := strconv.Atoi(b)
	return errA == nil && errB == nil && x == y
}
