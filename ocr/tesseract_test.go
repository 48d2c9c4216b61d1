package ocr

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"strings"
	"testing"
)

func newTestEngine(t testing.TB) *Tesseract {
	t.Helper()
	eng, err := NewTesseract(TesseractOptions{})
	if err != nil {
		t.Fatalf("NewTesseract: %v", err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

// mustContain are the strings of testLines that Tesseract's vie model
// reads exactly on the rendered page. "CTrTT" of the document number is
// left out: vie reads it as "CTTTT" on the six-line page (the r between
// two T's), so that line is checked by edit distance instead.
var mustContain = []string{
	"QUYẾT ĐỊNH",
	"Số: 1595/SGDĐT-",
	"Đà Nẵng, ngày 08 tháng 4 năm 2020",
	"Về việc cấp giấy phép xây dựng",
}

func TestRecognize(t *testing.T) {
	eng := newTestEngine(t)
	page := renderPage(t, testLines, 2480, 1200, 14)
	for _, dpi := range []int{0, 300} {
		t.Run("dpi="+itoa(dpi), func(t *testing.T) {
			res, err := eng.RecognizeWithOptions(context.Background(), page.img, RecognizeOptions{DPI: dpi})
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res, page)
		})
	}
}

// checkResult asserts what every Result of the test page must satisfy.
func checkResult(t *testing.T, res *Result, page testPage) {
	t.Helper()
	for _, s := range mustContain {
		if !strings.Contains(res.Text, s) {
			t.Errorf("text lacks %q:\n%s", s, res.Text)
		}
	}
	gotLines := strings.Split(res.Text, "\n")
	if len(gotLines) != len(testLines) {
		t.Fatalf("got %d lines, want %d:\n%s", len(gotLines), len(testLines), res.Text)
	}
	for i, want := range testLines {
		if d := editDistance(gotLines[i], want); d > 2 {
			t.Errorf("line %d = %q, want %q (edit distance %d)", i, gotLines[i], want, d)
		}
	}
	if res.Width != page.img.Bounds().Dx() || res.Height != page.img.Bounds().Dy() {
		t.Errorf("size %dx%d, want %v", res.Width, res.Height, page.img.Bounds().Size())
	}
	// Text is the words joined, so a text layer built from words gives
	// back Text.
	var joined strings.Builder
	for i, w := range res.Words {
		if i > 0 {
			if w.Line == res.Words[i-1].Line {
				joined.WriteByte(' ')
			} else {
				joined.WriteByte('\n')
			}
		}
		joined.WriteString(w.Text)
	}
	if joined.String() != res.Text {
		t.Errorf("words joined differ from Text:\n%q\n%q", joined.String(), res.Text)
	}
	var sum float64
	for i, w := range res.Words {
		if i > 0 && w.Line != res.Words[i-1].Line && w.Line != res.Words[i-1].Line+1 {
			t.Errorf("word %d %q: line %d follows line %d", i, w.Text, w.Line, res.Words[i-1].Line)
		}
		if !w.Box.In(page.img.Bounds()) || w.Box.Empty() {
			t.Errorf("word %q: box %v not inside image %v", w.Text, w.Box, page.img.Bounds())
		}
		// The word must lie over the ink of the line it belongs to.
		if w.Line < len(page.lines) {
			ink := page.lines[w.Line].Inset(-4)
			if !w.Box.In(ink) {
				t.Errorf("word %q: box %v outside its line's ink %v", w.Text, w.Box, page.lines[w.Line])
			}
		}
		if w.Confidence < 0 || w.Confidence > 1 {
			t.Errorf("word %q: confidence %v outside 0..1", w.Text, w.Confidence)
		}
		sum += w.Confidence
	}
	if len(res.Words) > 0 && res.MeanConfidence != sum/float64(len(res.Words)) {
		t.Errorf("MeanConfidence %v, want %v", res.MeanConfidence, sum/float64(len(res.Words)))
	}
	if res.MeanConfidence < 0.8 {
		t.Errorf("MeanConfidence %v on clean print, want ≥ 0.8", res.MeanConfidence)
	}
}

// TestRecognizeImageKinds feeds the page in each pixel format and each
// transport to Leptonica; all must read the same.
func TestRecognizeImageKinds(t *testing.T) {
	eng := newTestEngine(t)
	page := renderPage(t, testLines[:4], 2480, 900, 14)
	want, err := eng.Recognize(context.Background(), page.img)
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(page.img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), page.img, image.Point{}, draw.Src)
	ycc := image.NewYCbCr(page.img.Bounds(), image.YCbCrSubsampleRatio420)
	copy(ycc.Y, page.img.Pix) // grey: Y is the grey level, chroma neutral
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = 128, 128
	}
	pal := image.NewPaletted(page.img.Bounds(), color.Palette{color.White, color.Black})
	draw.Draw(pal, pal.Bounds(), page.img, image.Point{}, draw.Src)
	tests := []struct {
		name   string
		img    image.Image
		format imageFormat
		// exact: pixels identical to the grey page, so the words must be.
		exact bool
	}{
		{"gray/pnm", page.img, formatPNM, true},
		{"gray/png", page.img, formatPNG, true},
		{"rgba/bmp", rgba, formatBMP, true},
		{"rgba/pnm", rgba, formatPNM, true},
		{"ycbcr/bmp", ycc, formatBMP, true},
		{"paletted/bmp", pal, formatBMP, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng.format = tt.format
			defer func() { eng.format = formatRaw }()
			got, err := eng.Recognize(context.Background(), tt.img)
			if err != nil {
				t.Fatal(err)
			}
			if tt.exact && got.Text != want.Text {
				t.Errorf("text %q, want %q", got.Text, want.Text)
			}
			for _, s := range mustContain[:3] {
				if !strings.Contains(got.Text, s) {
					t.Errorf("text lacks %q: %q", s, got.Text)
				}
			}
			if tt.exact && len(got.Words) == len(want.Words) {
				for i := range got.Words {
					if got.Words[i].Box != want.Words[i].Box {
						t.Errorf("word %d box %v, want %v", i, got.Words[i].Box, want.Words[i].Box)
					}
				}
			}
		})
	}
}

func TestRecognizeSubImageBoxesInImageCoordinates(t *testing.T) {
	eng := newTestEngine(t)
	page := renderPage(t, testLines[:2], 2480, 700, 14)
	sub := page.img.SubImage(image.Rect(200, 150, 2400, 700)).(*image.Gray)
	res, err := eng.Recognize(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Words) == 0 {
		t.Fatal("no words")
	}
	first := res.Words[0]
	if !first.Box.In(page.lines[0].Inset(-4)) {
		t.Errorf("first word %q box %v not over the first line's ink %v", first.Text, first.Box, page.lines[0])
	}
}

func TestRecognizeBlankPage(t *testing.T) {
	eng := newTestEngine(t)
	blank := image.NewGray(image.Rect(0, 0, 1000, 1400))
	draw.Draw(blank, blank.Bounds(), image.White, image.Point{}, draw.Src)
	res, err := eng.Recognize(context.Background(), blank)
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "" || len(res.Words) != 0 || res.MeanConfidence != 0 {
		t.Errorf("blank page read as %q, %d words, confidence %v", res.Text, len(res.Words), res.MeanConfidence)
	}
}

func TestRecognizeErrors(t *testing.T) {
	eng := newTestEngine(t)
	img := image.NewGray(image.Rect(0, 0, 10, 10))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := eng.Recognize(ctx, img); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v, want context.Canceled", err)
	}
	if _, err := eng.Recognize(context.Background(), image.NewGray(image.Rect(0, 0, 0, 0))); err == nil {
		t.Error("empty image: no error")
	}
	if err := eng.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := eng.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := eng.Recognize(context.Background(), img); err == nil {
		t.Error("Recognize after Close: no error")
	}
}

func TestNewTesseractUnknownLanguage(t *testing.T) {
	eng, err := NewTesseract(TesseractOptions{Languages: []string{"no-such-language"}})
	if err == nil {
		eng.Close()
		t.Fatal("no error for a missing model")
	}
	if !strings.Contains(err.Error(), "no-such-language") {
		t.Errorf("error %q does not name the language", err)
	}
}

func TestThreadLimit(t *testing.T) {
	// TestMain re-executed the test binary with OMP_THREAD_LIMIT=1.
	if got := OpenMPThreadLimit(); got != 1 {
		t.Errorf("OpenMP thread limit %d, want 1", got)
	}
}

// editDistance is the Levenshtein distance between a and b in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}
