package ocr

import (
	"context"
	"image"
	"testing"

	"github.com/sohoa/sohoa/fixtures"
	"github.com/sohoa/sohoa/internal/bench/wer"
)

func TestLayoutOrientation(t *testing.T) {
	r := newRenderer(t)
	for i, v := range []fixtures.Variant{fixtures.VariantClean, fixtures.VariantSeal, fixtures.VariantNoise} {
		doc := renderDoc(t, r, 77, i, v)
		for _, turned := range []int{0, 90, 180, 270} {
			t.Run(string(v)+"/"+string(rune('0'+turned/90)), func(t *testing.T) {
				l := analyseLayout(reducedGray(Rotate(doc.Pages[0], turned)))
				rot, sure := l.upright()
				if want := (360 - turned) % 360; rot != want || !sure {
					t.Errorf("page turned %d°: upright() = %d, %v; want %d, true (layout %+v)", turned, rot, sure, want, l)
				}
			})
		}
	}
}

func TestLayoutBlankPageIsUnsure(t *testing.T) {
	blank := image.NewGray(image.Rect(0, 0, 800, 1100))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	if rot, sure := analyseLayout(blank).upright(); sure {
		t.Errorf("blank page: upright() = %d, sure; want unsure", rot)
	}
}

// scriptedEngine answers Recognize with words of a fixed confidence and
// DetectOrientation with a fixed rotation, counting the calls.
type scriptedEngine struct {
	confidence  float64
	osdRotation int
	reads, osds int
}

func (e *scriptedEngine) Recognize(ctx context.Context, img image.Image) (*Result, error) {
	e.reads++
	res := &Result{Width: img.Bounds().Dx(), Height: img.Bounds().Dy(), MeanConfidence: e.confidence}
	for i := range 40 {
		res.Words = append(res.Words, Word{Text: "chữ", Box: image.Rect(10*i, 10, 10*i+8, 20), Confidence: e.confidence})
		if e.confidence < LowConfidence {
			res.LowConfidenceWords++
		}
	}
	return res, nil
}

func (e *scriptedEngine) DetectOrientation(ctx context.Context, img image.Image) (int, float64, error) {
	e.osds++
	return e.osdRotation, 1, nil
}

func (e *scriptedEngine) Close() error { return nil }

func TestProcessPageOrientationSteps(t *testing.T) {
	r := newRenderer(t)
	page := renderDoc(t, r, 77, 0, fixtures.VariantClean).Pages[0]
	tests := []struct {
		name                string
		turned              int // how the scan lies
		confidence          float64
		osdRotation         int
		wantRotation        int
		wantReads, wantOSDs int
	}{
		// The layout decides and a confident reading confirms: no OSD.
		{"upright, confident", 0, 0.95, 0, 0, 1, 0},
		{"upside down, confident", 180, 0.95, 0, 180, 1, 0},
		{"sideways, confident", 90, 0.95, 0, 270, 1, 0},
		// A doubtful reading asks OSD; when it agrees the page is not
		// read again, when it disagrees it is read its way.
		{"doubtful, OSD agrees", 0, 0.4, 0, 0, 1, 1},
		{"doubtful, OSD disagrees", 0, 0.4, 180, 180, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := &scriptedEngine{confidence: tt.confidence, osdRotation: tt.osdRotation}
			pg, err := ProcessPage(context.Background(), eng, Rotate(page, tt.turned), RecognizeOptions{DPI: 300})
			if err != nil {
				t.Fatal(err)
			}
			if pg.Rotation != tt.wantRotation || eng.reads != tt.wantReads || eng.osds != tt.wantOSDs {
				t.Errorf("rotation %d after %d readings and %d OSD calls; want %d, %d, %d",
					pg.Rotation, eng.reads, eng.osds, tt.wantRotation, tt.wantReads, tt.wantOSDs)
			}
			if s := pg.Size(); s != page.Bounds().Size() || pg.Result.Width != s.X || pg.Result.Height != s.Y {
				t.Errorf("page shown %v, read %dx%d, want upright %v", s, pg.Result.Width, pg.Result.Height, page.Bounds().Size())
			}
		})
	}
}

func TestProcessPageReadsTurnedPage(t *testing.T) {
	r := newRenderer(t)
	doc := renderDoc(t, r, 20260101, 300, fixtures.VariantRotate180)
	pg, err := ProcessPage(context.Background(), newTestEngine(t), doc.Pages[0], RecognizeOptions{DPI: doc.Doc.DPI})
	if err != nil {
		t.Fatal(err)
	}
	if pg.Rotation != doc.Doc.UprightRotation {
		t.Errorf("rotation %d, want %d", pg.Rotation, doc.Doc.UprightRotation)
	}
	if m, n := wordError(doc.Doc.Pages[0].Text(), pg.Result.Text); float64(m) > 0.03*float64(n) {
		t.Errorf("missed %d of %d words: %s", m, n, wer.MissingWords(doc.Doc.Pages[0].Text(), pg.Result.Text, Normalize))
	}
}
