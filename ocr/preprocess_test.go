package ocr

import (
	"context"
	"image"
	"image/color"
	"slices"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/fixtures"
)

func TestInkLevel(t *testing.T) {
	// Colours as the fixtures lay them: ink multiplied onto paper.
	multiply := func(under, ink color.RGBA, a float64) (uint8, uint8, uint8) {
		f := func(u, c uint8) uint8 { return uint8(float64(u)*(1-a+a*float64(c)/255) + 0.5) }
		return f(under.R, ink.R), f(under.G, ink.G), f(under.B, ink.B)
	}
	paper := color.RGBA{255, 255, 255, 255}
	toner := color.RGBA{22, 22, 24, 255}
	red := color.RGBA{214, 30, 42, 255}
	blue := color.RGBA{28, 48, 150, 255}
	tests := []struct {
		name    string
		r, g, b uint8
		lo, hi  uint8 // accepted grey level
	}{
		{"paper", 255, 255, 255, 255, 255},
		{"black print", 22, 22, 24, 0, 30},
		{"grey print", 128, 128, 128, 127, 129},
		{"red seal on paper", 0, 0, 0, 220, 255},
		{"blue ink on paper", 0, 0, 0, 230, 255},
		{"black print under red seal", 0, 0, 0, 0, 40},
		{"pale red edge", 0, 0, 0, 225, 255},
	}
	tests[3].r, tests[3].g, tests[3].b = multiply(paper, red, 0.85)
	tests[4].r, tests[4].g, tests[4].b = multiply(paper, blue, 0.9)
	tests[5].r, tests[5].g, tests[5].b = multiply(toner, red, 0.85)
	tests[6].r, tests[6].g, tests[6].b = multiply(paper, red, 0.3)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := inkLevel(tt.r, tt.g, tt.b); got < tt.lo || got > tt.hi {
				t.Errorf("inkLevel(%d,%d,%d) = %d, want %d..%d", tt.r, tt.g, tt.b, got, tt.lo, tt.hi)
			}
		})
	}
}

func TestRemoveSpecks(t *testing.T) {
	// A tinted page with a printed bar, a 4×4 dot (an i's dot) and many
	// 1–2 px specks.
	newPage := func(specks bool) *image.Gray {
		g := image.NewGray(image.Rect(0, 0, 400, 300))
		for i := range g.Pix {
			g.Pix[i] = 255
		}
		fill := func(x0, y0, x1, y1 int) {
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					g.SetGray(x, y, color.Gray{20})
				}
			}
		}
		fill(50, 50, 300, 56) // a rule
		fill(60, 80, 64, 84)  // a dot
		if specks {
			for i := 0; i < 40; i++ {
				x, y := 10+(i*37)%380, 100+(i*53)%190
				fill(x, y, x+1+i%2, y+1+i%2)
			}
		}
		return g
	}
	t.Run("noisy", func(t *testing.T) {
		g := newPage(true)
		if n := removeSpecks(g); n != 40 {
			t.Errorf("removed %d specks, want 40", n)
		}
		for y := 100; y < 300; y++ {
			for x := 0; x < 400; x++ {
				if g.GrayAt(x, y).Y != 255 {
					t.Fatalf("speck left at (%d,%d)", x, y)
				}
			}
		}
		if g.GrayAt(100, 52).Y != 20 || g.GrayAt(61, 81).Y != 20 {
			t.Error("print removed with the specks")
		}
	})
	t.Run("clean", func(t *testing.T) {
		g := newPage(false)
		g.SetGray(5, 5, color.Gray{0}) // one stray pixel is not noise
		if n := removeSpecks(g); n != 0 || g.GrayAt(5, 5).Y != 0 {
			t.Errorf("clean page: removed %d specks", n)
		}
	})
}

func TestPrepareForOCR(t *testing.T) {
	src := image.NewRGBA(image.Rect(10, 20, 210, 320))
	for i := range src.Pix {
		src.Pix[i] = 230 // grey paper
	}
	tests := []struct {
		dpi, wantDPI int
		wantScale    float64
	}{
		{300, 300, 1},
		{0, 0, 1},
		{200, 300, 1.5},
		{150, 300, 2},
		{100, 200, 2},
	}
	for _, tt := range tests {
		t.Run(itoa(tt.dpi), func(t *testing.T) {
			in := PrepareForOCR(src, tt.dpi)
			if in.DPI != tt.wantDPI || in.Scale != tt.wantScale {
				t.Errorf("dpi %d, scale %v; want %d, %v", in.DPI, in.Scale, tt.wantDPI, tt.wantScale)
			}
			if b := in.Image.Bounds(); b.Min != (image.Point{}) || b.Dx() != int(200*tt.wantScale) || b.Dy() != int(300*tt.wantScale) {
				t.Errorf("bounds %v", b)
			}
			if v := in.Image.GrayAt(5, 5).Y; v != 255 {
				t.Errorf("grey paper became %d, want 255", v)
			}
		})
	}
}

func TestMapBack(t *testing.T) {
	bounds := image.Rect(100, 200, 1100, 1600)
	res := &Result{Width: 1500, Height: 2100, Words: []Word{
		{Text: "a", Box: image.Rect(150, 300, 301, 331)},
		{Text: "edge", Box: image.Rect(1400, 2000, 1500, 2100)},
	}}
	mapBack(res, 1.5, bounds)
	if res.Width != 1000 || res.Height != 1400 {
		t.Errorf("size %dx%d, want 1000x1400", res.Width, res.Height)
	}
	if got, want := res.Words[0].Box, image.Rect(200, 400, 301, 421); got != want {
		t.Errorf("box %v, want %v", got, want)
	}
	if got := res.Words[1].Box; !got.In(bounds) || got.Empty() {
		t.Errorf("edge box %v not inside %v", got, bounds)
	}
}

// TestRecognizePageFixtures reads, as the pipeline does, a noisy page and
// a sealed one, which plain recognition got wrong, and a 200-dpi page
// whose word boxes must land on the archived page's lines.
func TestRecognizePageFixtures(t *testing.T) {
	if testing.Short() {
		t.Skip("reads three full pages")
	}
	eng := newTestEngine(t)
	rend := newRenderer(t)
	ctx := context.Background()
	for _, v := range []fixtures.Variant{fixtures.VariantNoise, fixtures.VariantSeal} {
		t.Run(string(v), func(t *testing.T) {
			doc := renderDoc(t, rend, 20260101, 0, v)
			first := readLikePipeline(ctx, t, eng, doc.Pages[0], doc.Doc.DPI, RecognizePage)
			number := "Số: " + doc.Doc.CodeNumber + "/" + doc.Doc.CodeNotation
			if !strings.Contains(first.Text, number) {
				t.Errorf("number line %q not read:\n%s", number, first.Text)
			}
			last := first
			if n := len(doc.Pages); n > 1 {
				last = readLikePipeline(ctx, t, eng, doc.Pages[n-1], doc.Doc.DPI, RecognizePage)
			}
			if !strings.Contains(last.Text, doc.Doc.SignerFullName) {
				t.Errorf("signer %q not read:\n%s", doc.Doc.SignerFullName, last.Text)
			}
		})
	}
	t.Run("dpi200 boxes", func(t *testing.T) {
		doc := renderDoc(t, rend, 20260101, 1, fixtures.VariantDPI200)
		page := doc.Pages[0]
		res, err := RecognizePage(ctx, eng, page, RecognizeOptions{DPI: doc.Doc.DPI})
		if err != nil {
			t.Fatal(err)
		}
		if res.Width != page.Bounds().Dx() || res.Height != page.Bounds().Dy() {
			t.Errorf("size %dx%d, want %v", res.Width, res.Height, page.Bounds().Size())
		}
		// Every word of the number line must lie on that line's box.
		var line fixtures.Line
		for _, l := range doc.Doc.Pages[0].Lines {
			if strings.HasPrefix(l.Text, "Số:") {
				line = l
			}
		}
		found := 0
		for _, w := range res.Words {
			if strings.Contains(line.Text, w.Text) && strings.Contains(w.Text, doc.Doc.CodeNumber) {
				found++
				if !w.Box.In(line.Box.Inset(-6)) {
					t.Errorf("word %q box %v off its line %v", w.Text, w.Box, line.Box)
				}
			}
		}
		if found == 0 {
			t.Errorf("number %q not read on the 200-dpi page:\n%s", doc.Doc.CodeNumber, res.Text)
		}
	})
}

// BenchmarkPrepareForOCR measures the cleaning of one A4 page at 300 dpi
// (200 for dpi200), per fixtures variant.
func BenchmarkPrepareForOCR(b *testing.B) {
	rend := newRenderer(b)
	for _, v := range []fixtures.Variant{fixtures.VariantClean, fixtures.VariantNoise, fixtures.VariantSeal, fixtures.VariantDPI200} {
		doc := renderDoc(b, rend, 20260101, 0, v)
		b.Run(string(v), func(b *testing.B) {
			for b.Loop() {
				PrepareForOCR(doc.Pages[0], doc.Doc.DPI)
			}
		})
	}
}

func TestMedian3(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 7, 6))
	seed := uint32(1)
	for i := range g.Pix {
		seed = seed*1664525 + 1013904223
		g.Pix[i] = uint8(seed >> 24)
	}
	got := median3(g)
	for y := 0; y < 6; y++ {
		for x := 0; x < 7; x++ {
			var win []int
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := min(max(x+dx, 0), 6), min(max(y+dy, 0), 5)
					win = append(win, int(g.GrayAt(xx, yy).Y))
				}
			}
			slices.Sort(win)
			if v := int(got.GrayAt(x, y).Y); v != win[4] {
				t.Fatalf("median at (%d,%d) = %d, want %d", x, y, v, win[4])
			}
		}
	}
}
