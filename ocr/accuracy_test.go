package ocr

import (
	"context"
	"image"
	"math"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/fixtures"
	"golang.org/x/text/unicode/norm"
)

// wordError compares a page's ground truth with what OCR read on it and
// returns how many ground-truth words OCR missed, out of how many.
//
// The definition, used by every accuracy test and by the eval harness:
// both texts are put in Unicode NFC and through Normalize, then split on
// white space into words; punctuation stays part of the word it is
// printed against, exactly as Tesseract returns it ("Số:" and
// "25/TB-SKHĐT" are words). Each text is a multiset of words, and order
// does not matter. A ground-truth word is missing for every occurrence
// that the OCR text lacks: missing = Σ over distinct words w of
// max(0, count_truth(w) − count_ocr(w)). The word error rate is
// missing/total; extra OCR words (seal text, signature scribbles) do not
// count.
func wordError(truth, got string) (missing, total int) {
	counts := make(map[string]int)
	for _, w := range strings.Fields(Normalize(norm.NFC.String(got))) {
		counts[w]++
	}
	for _, w := range strings.Fields(Normalize(norm.NFC.String(truth))) {
		total++
		if counts[w] > 0 {
			counts[w]--
		} else {
			missing++
		}
	}
	return missing, total
}

func TestWordError(t *testing.T) {
	tests := []struct {
		name, truth, got string
		missing, total   int
	}{
		{"equal", "Số: 25/TB-SKHĐT", "Số: 25/TB-SKHĐT", 0, 2},
		{"order free", "a b c", "c\nb a", 0, 3},
		{"punctuation kept", "Số: 25/TB-SKHĐT", "Số 25/TB-SKHĐT", 1, 2},
		{"eth is Đ", "Đà Nẵng", "\u00D0à Nẵng", 0, 2},
		{"decomposed is composed", "Nẵng", "Na\u0306\u0303ng", 0, 1},
		{"repeats counted", "a a a b", "a b extra", 2, 4},
		{"extra words free", "a", "x a y", 0, 1},
		{"empty ocr", "a b", "", 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, n := wordError(tt.truth, tt.got)
			if m != tt.missing || n != tt.total {
				t.Errorf("wordError(%q, %q) = %d/%d, want %d/%d", tt.truth, tt.got, m, n, tt.missing, tt.total)
			}
		})
	}
}

// pageRecognizer is how a page is read once it is upright and deskewed:
// RecognizeWithOptions (the old way) or RecognizePage.
type pageRecognizer func(ctx context.Context, engine Engine, img image.Image, opts RecognizeOptions) (*Result, error)

// readLikePipeline reads one rendered page as the pipeline does:
// orientation, deskew from 0.3°, then recognition.
func readLikePipeline(ctx context.Context, t testing.TB, engine Engine, page image.Image, dpi int, read pageRecognizer) *Result {
	t.Helper()
	upright, _, err := Prepare(ctx, engine, page)
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	if skew := MeasureSkew(upright); math.Abs(skew) >= 0.3 {
		upright = Deskew(upright, skew)
	}
	res, err := read(ctx, engine, upright, RecognizeOptions{DPI: dpi})
	if err != nil {
		t.Fatalf("recognise: %v", err)
	}
	return res
}

// renderDoc renders document index of seed with exactly the variants vs.
func renderDoc(t testing.TB, r *fixtures.Renderer, seed uint64, index int, vs ...fixtures.Variant) *fixtures.Rendered {
	t.Helper()
	doc, err := r.Render(fixtures.NewSpec(seed, index, vs))
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return doc
}

func newRenderer(t testing.TB) *fixtures.Renderer {
	t.Helper()
	r, err := fixtures.NewRenderer()
	if err != nil {
		t.Skipf("fixtures cannot render: %v", err)
	}
	return r
}
