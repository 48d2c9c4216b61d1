package ocr

import (
	"context"
	"image"
	"math"
	"testing"

	"github.com/sohoa/sohoa/fixtures"
	"github.com/sohoa/sohoa/internal/bench/wer"
)

// wordError is the project's word-error metric (wer.WordError) with
// sohoa's normalisation: what the eval harness and ocrbench both count.
func wordError(truth, got string) (missing, total int) {
	return wer.WordError(truth, got, Normalize)
}

// TestWordErrorUsesNormalize checks that the harness compares words after
// the Vietnamese look-alike fixes, as the text layer carries them.
func TestWordErrorUsesNormalize(t *testing.T) {
	if m, n := wordError("Đà Nẵng", "\u00D0à Nẵng"); m != 0 || n != 2 {
		t.Errorf("eth read for Đ: missing %d/%d, want 0/2", m, n)
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
