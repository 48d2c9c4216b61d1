package ocr

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/fixtures"
)

// withoutDigitReader hides the DigitReader capability of eng, so that
// ProcessPage reads the page as it did before handwriting was read.
func withoutDigitReader(eng *Tesseract) Engine {
	return struct {
		Engine
		OrientationDetector
		OptionsRecognizer
	}{eng, eng, eng}
}

// TestCorrectedRGB checks that the colour pixels read for handwriting are
// those of the page turned and deskewed exactly as Rotate and Deskew make
// it, which is the frame the word boxes are in.
func TestCorrectedRGB(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	big := image.NewRGBA(image.Rect(0, 0, 80, 50))
	for i := range big.Pix {
		big.Pix[i] = uint8(rng.IntN(256))
	}
	scan := big.SubImage(image.Rect(7, 5, 68, 42)).(*image.RGBA) // odd size, origin not (0,0)
	for _, rotation := range []int{0, 90, 180, 270} {
		for _, skew := range []float64{0, 1.7, -2.4} {
			want := Deskew(Rotate(scan, rotation), skew)
			got := correctedRGB(&Page{Image: scan, Rotation: rotation, SkewDegrees: skew})
			b := want.Bounds()
			bad := 0
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					r, g, bl := got(x, y)
					w := color.RGBAModel.Convert(want.At(x, y)).(color.RGBA)
					if r != w.R || g != w.G || bl != w.B {
						bad++
					}
				}
			}
			if bad > 0 {
				t.Errorf("rotation %d skew %.1f: %d of %d pixels differ from Deskew(Rotate(…))", rotation, skew, bad, b.Dx()*b.Dy())
			}
		}
	}
}

// fakeDigits is an Engine that reads digits as told and keeps what it was
// shown.
type fakeDigits struct {
	digits string
	conf   float64
	shown  []*image.Gray
}

func (f *fakeDigits) Recognize(context.Context, image.Image) (*Result, error) { return &Result{}, nil }
func (f *fakeDigits) Close() error                                            { return nil }
func (f *fakeDigits) ReadDigits(_ context.Context, img *image.Gray, _ int) (string, float64, error) {
	f.shown = append(f.shown, img)
	return f.digits, f.conf, nil
}

var (
	blue  = color.RGBA{40, 60, 160, 255}
	black = color.RGBA{20, 20, 20, 255}
)

// handPage is a synthetic page: the words given, and strokes of colour
// c (one bar per rectangle) standing for handwriting.
func handPage(words []Word, strokes []image.Rectangle, c color.RGBA) *Page {
	img := image.NewRGBA(image.Rect(0, 0, 1000, 1400))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for _, r := range strokes {
		draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
	}
	res := &Result{Words: words, Width: 1000, Height: 1400}
	res.refresh()
	return &Page{Image: img, Result: res}
}

// numberLine is "Số: …/QĐ-STP" with a blank for four written digits,
// and the strokes of those digits: four bars, each a line high.
func numberLine(notation string) ([]Word, []image.Rectangle) {
	// OCR makes the remains of the ink it did not remove part of the
	// word: its box then starts on the ink.
	notationStart := 370
	if !strings.HasPrefix(notation, "/") {
		notationStart = 300
	}
	words := []Word{
		{Text: "UBND", Box: image.Rect(100, 40, 220, 80), Confidence: 0.95, Line: 0},
		{Text: "Số:", Box: image.Rect(100, 100, 160, 140), Confidence: 0.97, Line: 1},
		{Text: notation, Box: image.Rect(notationStart, 103, 560, 148), Confidence: 0.8, Line: 1},
		{Text: "ngày", Box: image.Rect(600, 100, 700, 150), Confidence: 0.97, Line: 1},
		{Text: "tháng", Box: image.Rect(800, 100, 900, 150), Confidence: 0.97, Line: 1},
	}
	var bars []image.Rectangle
	for i := range 4 {
		x := 190 + 40*i
		bars = append(bars, image.Rect(x, 90, x+12, 145))
	}
	return words, bars
}

func TestReadHandwritingNumber(t *testing.T) {
	tests := []struct {
		name       string
		notation   string // OCR's word after "Số:"
		digits     string
		conf       float64
		ink        color.RGBA
		wantText   string // line 1; "" means unchanged
		wantReader bool   // whether the digits were read at all
	}{
		{"read and joined", "/QĐ-STP", "2826", 0.9, blue, "Số: 2826/QĐ-STP ngày tháng", true},
		{"ink remains glued to the notation", "“~'/QĐ-STP", "2826", 0.9, blue, "Số: 2826/QĐ-STP ngày tháng", true},
		{"unsure: remains go, nothing added", "“~'/QĐ-STP", "2826", 0.3, blue, "Số: /QĐ-STP ngày tháng", true},
		{"more strokes than digits", "/QĐ-STP", "28", 0.9, blue, "Số: /QĐ-STP ngày tháng", true},
		{"not digits", "/QĐ-STP", "", 0, blue, "Số: /QĐ-STP ngày tháng", true},
		{"black print is not handwriting", "/QĐ-STP", "2826", 0.9, black, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			words, bars := numberLine(tt.notation)
			page := handPage(words, bars, tt.ink)
			before := page.Result.Text
			eng := &fakeDigits{digits: tt.digits, conf: tt.conf}
			if err := readHandwriting(context.Background(), eng, page, RecognizeOptions{DPI: 300}); err != nil {
				t.Fatal(err)
			}
			if got := len(eng.shown) > 0; got != tt.wantReader {
				t.Fatalf("digits read: %v, want %v", got, tt.wantReader)
			}
			res := page.Result
			want := tt.wantText
			if want == "" {
				want = strings.Split(before, "\n")[1]
			}
			if got := strings.Split(res.Text, "\n")[1]; got != want {
				t.Errorf("line 1 = %q, want %q", got, want)
			}
			checkConsistent(t, res)
			// Exactly the word holding the digits read is marked
			// Handwritten: the metadata flags values by that mark.
			var hand []Word
			for _, w := range res.Words {
				if w.Handwritten {
					hand = append(hand, w)
				}
			}
			wantHand := 0
			if tt.digits != "" && strings.Contains(want, tt.digits+"/") {
				wantHand = 1
			}
			if len(hand) != wantHand {
				t.Fatalf("%d words marked Handwritten (%v), want %d", len(hand), hand, wantHand)
			}
			for _, w := range hand {
				if !strings.HasPrefix(w.Text, tt.digits+"/") {
					t.Errorf("handwritten word %q does not start with the digits read", w.Text)
				}
				if w.Confidence > handwritingConfidence {
					t.Errorf("handwritten word confidence %.2f > %.2f", w.Confidence, handwritingConfidence)
				}
				if !w.Box.In(image.Rect(180, 85, 560, 150)) || w.Box.Min.X > 190 || w.Box.Max.X < 560 {
					t.Errorf("box %v is not the union of the ink and the notation", w.Box)
				}
			}
			if len(eng.shown) > 0 {
				checkCleanInk(t, eng.shown[0], bars)
			}
		})
	}
}

func TestReadHandwritingDay(t *testing.T) {
	words := []Word{
		{Text: "Số:", Box: image.Rect(100, 100, 160, 140), Confidence: 0.97, Line: 0},
		{Text: "15/QĐ-STP", Box: image.Rect(170, 103, 360, 148), Confidence: 0.9, Line: 0},
		{Text: "Nội,", Box: image.Rect(480, 100, 560, 150), Confidence: 0.97, Line: 0},
		{Text: "ngày", Box: image.Rect(580, 100, 680, 150), Confidence: 0.97, Line: 0},
		{Text: "~", Box: image.Rect(712, 110, 730, 130), Confidence: 0.2, Line: 0},
		{Text: "tháng", Box: image.Rect(800, 100, 900, 150), Confidence: 0.97, Line: 0},
		{Text: "7", Box: image.Rect(910, 100, 930, 140), Confidence: 0.97, Line: 0},
		{Text: "QUYẾT", Box: image.Rect(400, 250, 600, 300), Confidence: 0.97, Line: 1},
	}
	bars := []image.Rectangle{image.Rect(705, 92, 717, 147), image.Rect(745, 92, 757, 147)}
	tests := []struct {
		digits string
		want   string
	}{
		{"22", "Số: 15/QĐ-STP Nội, ngày 22 tháng 7\nQUYẾT"},
		{"32", "Số: 15/QĐ-STP Nội, ngày tháng 7\nQUYẾT"}, // no 32nd day
		{"0", "Số: 15/QĐ-STP Nội, ngày tháng 7\nQUYẾT"},
	}
	for _, tt := range tests {
		t.Run(tt.digits, func(t *testing.T) {
			page := handPage(append([]Word(nil), words...), bars, blue)
			eng := &fakeDigits{digits: tt.digits, conf: 0.95}
			if err := readHandwriting(context.Background(), eng, page, RecognizeOptions{DPI: 300}); err != nil {
				t.Fatal(err)
			}
			if page.Result.Text != tt.want {
				t.Errorf("text = %q, want %q", page.Result.Text, tt.want)
			}
			checkConsistent(t, page.Result)
			if len(eng.shown) != 1 {
				t.Fatalf("digits read %d times, want once (the printed number has no ink)", len(eng.shown))
			}
		})
	}
}

// checkConsistent asserts that Text, MeanConfidence and
// LowConfidenceWords follow Words.
func checkConsistent(t *testing.T, res *Result) {
	t.Helper()
	var lines []string
	sum, low := 0.0, 0
	for i, w := range res.Words {
		if i == 0 || w.Line != res.Words[i-1].Line {
			lines = append(lines, w.Text)
		} else {
			lines[len(lines)-1] += " " + w.Text
		}
		sum += w.Confidence
		if w.Confidence < LowConfidence {
			low++
		}
	}
	if got := strings.Join(lines, "\n"); res.Text != got {
		t.Errorf("Text %q is not the words %q", res.Text, got)
	}
	if len(res.Words) > 0 && (res.LowConfidenceWords != low || math.Abs(res.MeanConfidence-sum/float64(len(res.Words))) > 1e-9) {
		t.Errorf("confidences not recomputed: mean %.3f low %d", res.MeanConfidence, res.LowConfidenceWords)
	}
}

// checkCleanInk asserts that the image given to the digit reader is the
// strokes black on white: as many dark pixels as the bars hold.
func checkCleanInk(t *testing.T, g *image.Gray, bars []image.Rectangle) {
	t.Helper()
	dark, want := 0, 0
	for _, v := range g.Pix {
		if v < 128 {
			dark++
		}
	}
	for _, r := range bars {
		want += r.Dx() * r.Dy()
	}
	if dark != want {
		t.Errorf("clean image has %d dark pixels, the strokes %d", dark, want)
	}
	b := g.Bounds()
	for x := b.Min.X; x < b.Max.X; x++ {
		if g.GrayAt(x, b.Min.Y).Y != 255 || g.GrayAt(x, b.Max.Y-1).Y != 255 {
			t.Fatalf("clean image has no white margin")
		}
	}
}

// TestHandwritingOnFixtures reads four generated pages with a handwritten
// number or day (plain, at 200 dpi, speckled) with Tesseract and checks
// the values against the truth: each read, as the truth's token, and
// marked Handwritten. The eval TestEvalHandwriting counts on 50 pages.
func TestHandwritingOnFixtures(t *testing.T) {
	if testing.Short() {
		t.Skip("reads four pages")
	}
	eng := newTestEngine(t)
	rend := newRenderer(t)
	// Documents of TestEvalHandwriting's set (seed 20260520) whose
	// handwriting is read.
	for _, tc := range []struct {
		index    int
		variants []fixtures.Variant
	}{
		{20, []fixtures.Variant{fixtures.VariantHandwrittenNumber}},
		{10, []fixtures.Variant{fixtures.VariantHandwrittenNumber, fixtures.VariantDPI200}},
		{19, []fixtures.Variant{fixtures.VariantHandwrittenDay, fixtures.VariantNoise}},
		{25, []fixtures.Variant{fixtures.VariantHandwrittenDay}},
	} {
		doc := renderDoc(t, rend, 20260520, tc.index, tc.variants...)
		t.Run(doc.Doc.ID, func(t *testing.T) {
			page, err := ProcessPage(context.Background(), eng, doc.Pages[0], RecognizeOptions{DPI: doc.Doc.DPI})
			if err != nil {
				t.Fatal(err)
			}
			want := doc.Doc.CodeNumber + "/" + doc.Doc.CodeNotation
			if doc.Doc.HandwrittenDay {
				want = dayToken(doc.Doc.Pages[0].Text())
			}
			var got []string
			for _, w := range page.Result.Words {
				if w.Handwritten {
					got = append(got, w.Text)
				}
			}
			if len(got) != 1 || got[0] != want {
				t.Errorf("handwritten words %q, want [%q]", got, want)
			}
			checkConsistent(t, page.Result)
		})
	}
}

// dayToken is the day as the truth transcribes it: the word between
// "ngày" and "tháng".
func dayToken(text string) string {
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		for i := 0; i+2 < len(f); i++ {
			if f[i] == "ngày" && f[i+2] == "tháng" {
				return f[i+1]
			}
		}
	}
	return ""
}

// BenchmarkReadHandwriting measures what reading the handwriting adds to
// a page (go test -bench ReadHandwriting -run ^$ ./ocr): the page is read
// once, then only readHandwriting runs, on a copy of the result.
func BenchmarkReadHandwriting(b *testing.B) {
	eng := newTestEngine(b)
	rend := newRenderer(b)
	ctx := context.Background()
	for i, v := range []fixtures.Variant{fixtures.VariantHandwrittenNumber, fixtures.VariantHandwrittenDay, fixtures.VariantClean} {
		doc := renderDoc(b, rend, 20260520, i, v)
		opts := RecognizeOptions{DPI: doc.Doc.DPI}
		page, err := ProcessPage(ctx, withoutDigitReader(eng), doc.Pages[0], opts)
		if err != nil {
			b.Fatal(err)
		}
		read := *page.Result
		b.Run(string(v), func(b *testing.B) {
			start := cpuTime()
			for b.Loop() {
				res := read
				res.Words = append([]Word(nil), read.Words...)
				p := *page
				p.Result = &res
				if err := readHandwriting(ctx, eng, &p, opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/page")
		})
	}
}

// A tessdata folder without the digit model is reported before any page is
// read, with the package that brings it; the page model alone still loads.
func TestHandwritingReadyReportsMissingDigitModel(t *testing.T) {
	full, err := NewTesseract(TesseractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	if err := full.HandwritingReady(); err != nil {
		t.Fatalf("installed tessdata: %v (run scripts/install-deps.sh)", err)
	}
	vie := filepath.Join(installedTessdata(t), "vie.traineddata")
	dir := t.TempDir()
	if err := os.Symlink(vie, filepath.Join(dir, "vie.traineddata")); err != nil {
		t.Fatal(err)
	}
	partial, err := NewTesseract(TesseractOptions{TessdataPrefix: dir})
	if err != nil {
		t.Fatalf("tessdata with vie alone: %v", err)
	}
	defer partial.Close()
	err = partial.HandwritingReady()
	if err == nil || !strings.Contains(err.Error(), "tesseract-ocr-eng") {
		t.Fatalf("tessdata without eng: %v, want an error naming tesseract-ocr-eng", err)
	}
}

// installedTessdata finds the folder vie.traineddata was installed in.
func installedTessdata(t *testing.T) string {
	t.Helper()
	matches, _ := filepath.Glob("/usr/share/tesseract-ocr/*/tessdata/vie.traineddata")
	if prefix := os.Getenv("TESSDATA_PREFIX"); prefix != "" {
		matches = append([]string{filepath.Join(prefix, "vie.traineddata")}, matches...)
	}
	for _, m := range matches {
		if _, err := os.Stat(m); err == nil {
			return filepath.Dir(m)
		}
	}
	t.Fatal("vie.traineddata not found (run scripts/install-deps.sh)")
	return ""
}
