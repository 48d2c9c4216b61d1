package pdfa

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ocr"
)

// pngOf encodes img as PNG the way Go writes it: RGB or RGBA, 8 or 16-bit
// grey, or a palette of 1, 2, 4 or 8 bits depending on its size.
func pngOf(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// idatOf is the concatenated data of the PNG's IDAT chunks.
func idatOf(data []byte) []byte {
	var out []byte
	for i := 8; i+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i:]))
		if string(data[i+4:i+8]) == "IDAT" {
			out = append(out, data[i+8:i+8+n]...)
		}
		i += 12 + n
	}
	return out
}

func TestPNGPassThrough(t *testing.T) {
	words := layoutWords(testLines, 20, 20, 10)
	rgb := drawPage(310, 439, words, true, true)
	grey := toGray(drawPage(310, 439, words, false, true))
	palette := func(n int) *image.Paletted {
		var pal color.Palette
		for i := range n {
			v := uint8(255 * i / max(1, n-1))
			pal = append(pal, color.RGBA{v, v / 2, 255 - v, 255})
		}
		m := image.NewPaletted(grey.Bounds(), pal)
		for i, v := range grey.Pix {
			m.Pix[i] = uint8(int(v) * n / 256)
		}
		return m
	}
	gray16 := image.NewGray16(grey.Bounds())
	for i, v := range grey.Pix {
		gray16.Pix[2*i], gray16.Pix[2*i+1] = v, v
	}
	alpha := image.NewNRGBA(rgb.Bounds())
	copy(alpha.Pix, rgb.Pix)
	alpha.Pix[3] = 100
	transparentEntry := palette(4)
	transparentEntry.Palette[1] = color.NRGBA{10, 20, 30, 0} // written as tRNS

	cases := []struct {
		name        string
		img         image.Image
		passThrough bool
		color       string // pdfimages -list colour and bits per component
		bpc         int
	}{
		{"RGB", rgb, true, "rgb", 8},
		{"grey", grey, true, "gray", 8},
		{"palette 1 bit", palette(2), true, "index", 1},
		{"palette 2 bits, padded", palette(3), true, "index", 2},
		{"palette 4 bits", palette(16), true, "index", 4},
		{"palette 8 bits", palette(200), true, "index", 8},
		{"16-bit grey is decoded", gray16, false, "gray", 8},
		{"alpha is decoded", alpha, false, "rgb", 8},
		{"tRNS is decoded", transparentEntry, false, "rgb", 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			enc := pngOf(t, tc.img)
			decoded, err := png.Decode(bytes.NewReader(enc))
			if err != nil {
				t.Fatal(err)
			}
			path := writePDF(t, testInfo, Page{Image: decoded, Encoded: enc, Format: "png", DPI: 75, Words: words})
			rows := listImages(t, path)
			if len(rows) != 1 || rows[0][5] != tc.color || rows[0][7] != strconv.Itoa(tc.bpc) || rows[0][8] != "image" {
				t.Fatalf("pdfimages -list: %v, want one %s image at %d bits", rows, tc.color, tc.bpc)
			}
			pdf, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if copied := bytes.Contains(pdf, idatOf(enc)); copied != tc.passThrough {
				t.Errorf("PNG data copied: %v, want %v", copied, tc.passThrough)
			}
			got := firstImage(t, path)
			if pal, ok := decoded.(*image.Paletted); ok && tc.bpc == 1 {
				// pdfimages writes any 1-bit image as black and white:
				// compare the decoded samples with the indices instead.
				samples := run(t, "qpdf", "--show-object="+rows[0][10], "--filtered-stream-data", path)
				if want := packIndices(pal, tc.bpc); samples != string(want) {
					t.Errorf("decoded samples (%d bytes) differ from the PNG's indices (%d bytes)", len(samples), len(want))
				}
				return
			}
			if p, ok := sameOverWhite(got, decoded); !ok {
				t.Errorf("extracted pixels differ from the PNG's at %v", p)
			}
		})
	}

	t.Run("size mismatch falls back to pixels", func(t *testing.T) {
		path := writePDF(t, testInfo, Page{Image: grey.SubImage(image.Rect(0, 0, 300, 400)), Encoded: pngOf(t, grey), Format: "png", DPI: 75})
		if rows := listImages(t, path); len(rows) != 1 || rows[0][3] != "300" {
			t.Fatalf("pdfimages -list: %v, want one 300-wide image", rows)
		}
	})
	t.Run("damaged PNG without pixels fails", func(t *testing.T) {
		w, err := NewWriter(&bytes.Buffer{}, testInfo)
		if err != nil {
			t.Fatal(err)
		}
		enc := pngOf(t, grey)
		if err := w.AddPage(Page{Encoded: enc[:len(enc)/2], Format: "png"}); err == nil {
			t.Error("AddPage accepted half a PNG and no decoded image")
		}
	})
}

// TestImageMatrixMatchesResampling checks that the page shows the stored
// image where ocr.Rotate and ocr.Deskew would have moved its pixels: one
// dark pixel is followed through both.
func TestImageMatrixMatchesResampling(t *testing.T) {
	const w, h = 61, 40
	dot := image.Pt(13, 9)
	src := image.NewGray(image.Rect(0, 0, w, h))
	for i := range src.Pix {
		src.Pix[i] = 255
	}
	src.SetGray(dot.X, dot.Y, color.Gray{0})
	const scale = 72.0 / 150
	for _, rotation := range []int{0, 90, 180, 270} {
		for _, skew := range []float64{0, 2.5, -4} {
			t.Run(strconv.Itoa(rotation)+"/"+strconv.FormatFloat(skew, 'f', -1, 64), func(t *testing.T) {
				shown := ocr.Deskew(ocr.Rotate(src, rotation), skew).(*image.Gray)
				// Where the dot landed: the ink-weighted centre of its pixels.
				var sx, sy, sum float64
				b := shown.Bounds()
				for y := b.Min.Y; y < b.Max.Y; y++ {
					for x := b.Min.X; x < b.Max.X; x++ {
						ink := 255 - float64(shown.GrayAt(x, y).Y)
						sx, sy, sum = sx+ink*(float64(x)+0.5), sy+ink*(float64(y)+0.5), sum+ink
					}
				}
				want := [2]float64{sx / sum, sy / sum}

				m := imageMatrix(w, h, rotation, skew, scale)
				u, v := (float64(dot.X)+0.5)/w, 1-(float64(dot.Y)+0.5)/h // image space
				px := (m[0]*u + m[2]*v + m[4]) / scale
				py := float64(b.Dy()) - (m[1]*u+m[3]*v+m[5])/scale // pixels from the top
				if math.Hypot(px-want[0], py-want[1]) > 0.3 {
					t.Errorf("the page shows the dot at (%.2f, %.2f), resampling puts it at (%.2f, %.2f)", px, py, want[0], want[1])
				}
			})
		}
	}
}

// TestCorrectedPage renders pages written with a correction and compares
// them with the image corrected by ocr.Rotate and ocr.Deskew: the viewer
// must show what OCR read, while the stored image stays the input.
func TestCorrectedPage(t *testing.T) {
	words := layoutWords(testLines, 30, 40, 16)
	upright := drawPage(360, 420, words, true, false)
	for _, tc := range []struct {
		rotation int
		skew     float64
	}{{90, 0}, {180, 0}, {270, 0}, {0, 2}, {90, -3}} {
		t.Run(strconv.Itoa(tc.rotation)+"/"+strconv.FormatFloat(tc.skew, 'f', -1, 64), func(t *testing.T) {
			// The scan lies turned the other way; the correction undoes it.
			scan := ocr.Rotate(ocr.Deskew(upright, -tc.skew), -tc.rotation)
			enc := pngOf(t, scan)
			path := writePDF(t, testInfo, Page{Image: scan, Encoded: enc, Format: "png", DPI: 72,
				Rotation: tc.rotation, SkewDegrees: tc.skew, Words: words})
			if out := run(t, "qpdf", "--check", path); !strings.Contains(out, "No syntax or stream encoding errors found") {
				t.Errorf("qpdf --check:\n%s", out)
			}
			if m := pageSizeRE.FindStringSubmatch(run(t, "pdfinfo", path)); m == nil || m[1] != "360" || m[2] != "420" {
				t.Errorf("page size %v, want the upright 360 x 420", m)
			}
			if got := foldSpace(run(t, "pdftotext", path, "-")); got != foldSpace(joinedText(words)) {
				t.Errorf("pdftotext = %q", got)
			}
			pdf, _ := os.ReadFile(path)
			if !bytes.Contains(pdf, idatOf(enc)) {
				t.Error("the scan's own PNG data is not stored")
			}
			shown := renderPage(t, path)
			want := ocr.Deskew(ocr.Rotate(scan, tc.rotation), tc.skew)
			// Away from the edges (where resampling fills white and the
			// viewer leaves the corners bare), pixels agree up to the
			// viewer's own interpolation.
			if d := meanDiff(shown, want, 12); d > 6 {
				t.Errorf("rendered page differs from the corrected image by %.1f on average", d)
			}
		})
	}
}

// packIndices packs the palette indices of m at bpc bits a sample, rows
// padded to a byte, as a PDF image's samples are.
func packIndices(m *image.Paletted, bpc int) []byte {
	b := m.Bounds()
	var out []byte
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := make([]byte, (b.Dx()*bpc+7)/8)
		for x := 0; x < b.Dx(); x++ {
			bit := x * bpc
			row[bit/8] |= m.ColorIndexAt(b.Min.X+x, y) << (8 - bpc - bit%8)
		}
		out = append(out, row...)
	}
	return out
}

// meanDiff is the mean absolute difference of the grey levels of a and b,
// leaving out a margin of m pixels.
func meanDiff(a, b image.Image, m int) float64 {
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Size() != bb.Size() {
		return math.Inf(1)
	}
	var sum float64
	var n int
	for y := m; y < ab.Dy()-m; y++ {
		for x := m; x < ab.Dx()-m; x++ {
			ga := color.GrayModel.Convert(a.At(ab.Min.X+x, ab.Min.Y+y)).(color.Gray).Y
			gb := color.GrayModel.Convert(b.At(bb.Min.X+x, bb.Min.Y+y)).(color.Gray).Y
			sum += math.Abs(float64(ga) - float64(gb))
			n++
		}
	}
	return sum / float64(n)
}
