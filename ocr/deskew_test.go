package ocr

import (
	"context"
	"image"
	"math"
	"strings"
	"testing"
)

func TestMeasureSkew(t *testing.T) {
	page := renderPage(t, testLines, 2480, 1600, 14)
	for _, lean := range []float64{0, 2, -1.3, 4.5, -0.4} {
		t.Run(strings.ReplaceAll(formatDeg(lean), ".", "_"), func(t *testing.T) {
			leaning := Deskew(page.img, -lean) // turning clockwise makes lines lean clockwise
			got := MeasureSkew(leaning)
			if math.Abs(got-lean) > 0.15 {
				t.Errorf("MeasureSkew = %.1f°, want %.1f°", got, lean)
			}
		})
	}
	blank := image.NewGray(image.Rect(0, 0, 100, 100))
	for i := range blank.Pix {
		blank.Pix[i] = 0xff
	}
	if got := MeasureSkew(blank); got != 0 {
		t.Errorf("blank page: MeasureSkew = %v, want 0", got)
	}
}

func TestDeskewedPageReads(t *testing.T) {
	eng := newTestEngine(t)
	page := renderPage(t, testLines, 2480, 1600, 14)
	leaning := Deskew(page.img, -3) // 3° clockwise
	straight := Deskew(leaning, MeasureSkew(leaning))
	res, err := eng.Recognize(context.Background(), straight)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range mustContain {
		if !strings.Contains(res.Text, s) {
			t.Errorf("deskewed page lacks %q:\n%s", s, res.Text)
		}
	}
	if straight.Bounds() != page.img.Bounds() {
		t.Errorf("bounds %v, want %v", straight.Bounds(), page.img.Bounds())
	}
}

func TestDeskewKeepsPaperWhite(t *testing.T) {
	rgba := image.NewRGBA(image.Rect(0, 0, 50, 40))
	for i := range rgba.Pix {
		rgba.Pix[i] = 0xff
	}
	out := Deskew(rgba, 3).(*image.RGBA)
	for i, v := range out.Pix {
		if v != 0xff {
			t.Fatalf("byte %d = %d after turning a white page, want 255", i, v)
		}
	}
}

func formatDeg(d float64) string {
	s := itoa(int(math.Round(math.Abs(d) * 10)))
	if len(s) == 1 {
		s = "0" + s
	}
	s = s[:len(s)-1] + "." + s[len(s)-1:]
	if d < 0 {
		s = "-" + s
	}
	return s
}

func BenchmarkMeasureSkewA4(b *testing.B) {
	page := Deskew(a4Page(b), -1.5)
	for b.Loop() {
		MeasureSkew(page)
	}
}

func BenchmarkDeskewA4(b *testing.B) {
	page := a4Page(b)
	for b.Loop() {
		Deskew(page, 1.5)
	}
}
