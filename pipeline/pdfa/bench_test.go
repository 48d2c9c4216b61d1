package pdfa

import (
	"bytes"
	"image"
	"image/jpeg"
	"io"
	"testing"
)

// countWriter counts bytes and throws them away.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkAddPage writes one A4 page at 300 dpi (2480×3508 pixels) per
// iteration and reports the bytes it adds to the file.
func BenchmarkAddPage(b *testing.B) {
	words := layoutWords(testLines, 240, 300, 60)
	colourNoisy := drawPage(2480, 3508, words, true, true)
	colourClean := drawPage(2480, 3508, words, true, false)
	grey := toGray(drawPage(2480, 3508, words, false, true))
	// Decoded JPEG pixels: smoother, correlated noise like a real scan's.
	decoded, err := jpeg.Decode(bytes.NewReader(jpegOf(b, colourNoisy)))
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name string
		page Page
	}{
		{"RGB noisy", Page{Image: colourNoisy, DPI: 300, Words: words}},
		{"RGB clean", Page{Image: colourClean, DPI: 300, Words: words}},
		{"RGB decoded JPEG", Page{Image: decoded, DPI: 300, Words: words}},
		{"Gray noisy", Page{Image: grey, DPI: 300, Words: words}},
		{"JPEG pass-through", Page{Encoded: jpegOf(b, colourNoisy), Format: "jpeg", DPI: 300, Words: words}},
		{"PNG pass-through RGB noisy", Page{Image: colourNoisy, Encoded: pngOf(b, colourNoisy), Format: "png", DPI: 300, Words: words}},
		{"PNG pass-through, turned and deskewed", Page{Image: colourNoisy, Encoded: pngOf(b, colourNoisy), Format: "png", DPI: 300,
			Rotation: 90, SkewDegrees: 1.2, Words: words}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var cw countWriter
			w, err := NewWriter(&cw, testInfo)
			if err != nil {
				b.Fatal(err)
			}
			start := cw.n
			pixels := image.Rect(0, 0, 2480, 3508)
			b.SetBytes(int64(pixels.Dx() * pixels.Dy() * 3))
			b.ResetTimer()
			for b.Loop() {
				if err := w.AddPage(tc.page); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(cw.n-start)/float64(b.N)/1e6, "MB/page")
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

var _ io.Writer = (*countWriter)(nil)
