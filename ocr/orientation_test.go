package ocr

import (
	"bytes"
	"context"
	"errors"
	"image"
	"strings"
	"testing"
)

func TestDetectOrientation(t *testing.T) {
	eng := newTestEngine(t)
	pages := []struct {
		name  string
		lines int // six lines: OSD decides; two: too little for OSD, reading decides
	}{
		{"osd", 6},
		{"reading", 2},
	}
	for _, p := range pages {
		page := renderPage(t, testLines[:p.lines], 2480, 1600, 14)
		if p.name == "reading" {
			if _, _, err := eng.DetectOrientation(context.Background(), page.img); err != nil {
				t.Fatal(err) // loads the OSD model
			}
			if _, _, err := eng.osd.detect(flatten(page.img), 0); !errors.Is(err, errTooLittleText) {
				t.Fatalf("OSD on two lines: err = %v, want errTooLittleText; the fallback is not exercised", err)
			}
		}
		for _, turned := range []int{0, 90, 180, 270} {
			t.Run(p.name+"/turned"+itoa(turned), func(t *testing.T) {
				rotate, conf, err := eng.DetectOrientation(context.Background(), Rotate(page.img, turned))
				if err != nil {
					t.Fatal(err)
				}
				if want := (360 - turned) % 360; rotate != want {
					t.Errorf("rotate = %d, want %d (confidence %.2f)", rotate, want, conf)
				}
				if conf < 0.5 || conf > 1 {
					t.Errorf("confidence %.2f on clean print, want 0.5..1", conf)
				}
			})
		}
	}
}

func TestDetectOrientationBlankPage(t *testing.T) {
	eng := newTestEngine(t)
	blank := image.NewGray(image.Rect(0, 0, 800, 1100))
	for i := range blank.Pix {
		blank.Pix[i] = 0xff
	}
	rotate, conf, err := eng.DetectOrientation(context.Background(), blank)
	if err != nil || rotate != 0 || conf != 0 {
		t.Errorf("blank page: rotate %d, confidence %v, err %v; want 0, 0, nil", rotate, conf, err)
	}
}

func TestPrepare(t *testing.T) {
	eng := newTestEngine(t)
	page := renderPage(t, testLines, 2480, 1600, 14)
	upright, rotation, err := Prepare(context.Background(), eng, Rotate(page.img, 90))
	if err != nil {
		t.Fatal(err)
	}
	if rotation != 270 {
		t.Errorf("rotation %d, want 270", rotation)
	}
	g, ok := upright.(*image.Gray)
	if !ok || g.Bounds() != page.img.Bounds() || !bytes.Equal(g.Pix, page.img.Pix) {
		t.Error("upright page differs from the original")
	}
}

// recognizeOnly is an Engine without orientation detection.
type recognizeOnly struct{ Engine }

func TestPrepareWithoutDetector(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 4, 2))
	got, rotation, err := Prepare(context.Background(), recognizeOnly{}, img)
	if err != nil || rotation != 0 || got != image.Image(img) {
		t.Errorf("Prepare = %v, %d, %v; want the image unchanged", got.Bounds(), rotation, err)
	}
}

// TestDetectOrientationAutoLayout: with layout analysis on, Tesseract
// reads sideways lines turned; the reading fallback must still tell a
// sideways page from an upright one, and leave the layout mode as it was.
func TestDetectOrientationAutoLayout(t *testing.T) {
	eng, err := NewTesseract(TesseractOptions{AutoLayout: true})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	page := renderPage(t, testLines[:2], 2480, 1600, 14)
	rotate, conf, err := eng.DetectOrientation(context.Background(), Rotate(page.img, 90))
	if err != nil {
		t.Fatal(err)
	}
	if rotate != 270 || conf < 0.5 {
		t.Errorf("rotate %d (confidence %.2f), want 270 with confidence ≥ 0.5", rotate, conf)
	}
	// Back in layout mode: the sideways page reads as text again.
	res, err := eng.Recognize(context.Background(), Rotate(page.img, 90))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Text, "QUYẾT ĐỊNH") {
		t.Errorf("layout mode not restored: sideways page read as %q", res.Text)
	}
}
