package ocr

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// randomImages returns images of each fast-path type (and one that takes
// the generic path), w×h with random pixels, starting at a non-zero origin.
func randomImages(w, h int) map[string]image.Image {
	rng := rand.New(rand.NewPCG(1, 2))
	r := image.Rect(4, 8, 4+w, 8+h)
	fill := func(b []byte) {
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
	}
	gray := image.NewGray(r)
	fill(gray.Pix)
	rgba := image.NewRGBA(r)
	fill(rgba.Pix)
	nrgba := image.NewNRGBA(r)
	fill(nrgba.Pix)
	g16 := image.NewGray16(r)
	fill(g16.Pix)
	cmyk := image.NewCMYK(r)
	fill(cmyk.Pix)
	pal := image.NewPaletted(r, color.Palette{color.Black, color.White, color.Gray{128}})
	for i := range pal.Pix {
		pal.Pix[i] = byte(rng.IntN(3))
	}
	out := map[string]image.Image{"gray": gray, "rgba": rgba, "nrgba": nrgba, "gray16": g16, "cmyk": cmyk, "paletted": pal}
	for name, ratio := range map[string]image.YCbCrSubsampleRatio{
		"ycbcr444": image.YCbCrSubsampleRatio444, "ycbcr420": image.YCbCrSubsampleRatio420,
		"ycbcr422": image.YCbCrSubsampleRatio422, "ycbcr411": image.YCbCrSubsampleRatio411,
	} {
		y := image.NewYCbCr(r, ratio)
		fill(y.Y)
		fill(y.Cb)
		fill(y.Cr)
		out[name] = y
	}
	a64 := image.NewAlpha16(r) // no fast path
	fill(a64.Pix)
	out["alpha16"] = a64
	return out
}

func TestRotate(t *testing.T) {
	for _, size := range []image.Point{{8, 4}, {7, 5}} { // odd sizes defeat YCbCr subsampling
		for name, src := range randomImages(size.X, size.Y) {
			for _, deg := range []int{0, 90, 180, 270, -90, 450} {
				t.Run(name+"/"+image.Rect(0, 0, size.X, size.Y).String()+"/"+itoa(deg), func(t *testing.T) {
					got := Rotate(src, deg)
					b := src.Bounds()
					w, h := b.Dx(), b.Dy()
					norm := ((deg % 360) + 360) % 360
					wantSize := image.Pt(w, h)
					if norm%180 != 0 {
						wantSize = image.Pt(h, w)
					}
					if got.Bounds().Size() != wantSize {
						t.Fatalf("size %v, want %v", got.Bounds().Size(), wantSize)
					}
					o := got.Bounds().Min
					for y := 0; y < h; y++ {
						for x := 0; x < w; x++ {
							var dx, dy int // where (x, y) lands, turning clockwise
							switch norm {
							case 0:
								dx, dy = x, y
							case 90:
								dx, dy = h-1-y, x
							case 180:
								dx, dy = w-1-x, h-1-y
							case 270:
								dx, dy = y, w-1-x
							}
							want := color.RGBA64Model.Convert(src.At(b.Min.X+x, b.Min.Y+y))
							have := color.RGBA64Model.Convert(got.At(o.X+dx, o.Y+dy))
							if want != have {
								t.Fatalf("pixel (%d,%d) → (%d,%d): got %v, want %v", x, y, dx, dy, have, want)
							}
						}
					}
				})
			}
		}
	}
}

func TestRotateKeepsType(t *testing.T) {
	for name, src := range randomImages(8, 4) {
		if name == "alpha16" {
			continue
		}
		deg := 90
		if name == "ycbcr411" {
			deg = 180 // a quarter turn of 4:1:1 has no Go subsampling ratio
		}
		got := Rotate(src, deg)
		if gotT, wantT := typeName(got), typeName(src); gotT != wantT {
			t.Errorf("%s: Rotate returned %s, want %s", name, gotT, wantT)
		}
	}
}

func TestRotatePanicsOnOddAngle(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Rotate by 45 did not panic")
		}
	}()
	Rotate(image.NewGray(image.Rect(0, 0, 2, 2)), 45)
}

func typeName(img image.Image) string {
	switch img.(type) {
	case *image.Gray:
		return "Gray"
	case *image.Gray16:
		return "Gray16"
	case *image.RGBA:
		return "RGBA"
	case *image.NRGBA:
		return "NRGBA"
	case *image.CMYK:
		return "CMYK"
	case *image.Paletted:
		return "Paletted"
	case *image.YCbCr:
		return "YCbCr"
	}
	return "other"
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func BenchmarkRotateA4(b *testing.B) {
	for _, name := range []string{"gray", "rgba", "ycbcr420"} {
		src := randomImages(2480, 3508)[name]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Rotate(src, 90)
			}
		})
	}
}
