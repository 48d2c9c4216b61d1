package ocr

import (
	"image"
	"unicode"
)

// toGray converts flattened pixels to an *image.Gray (Rec. 601 luma).
func toGray(p pixels) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, p.width, p.height))
	if p.channels == 1 {
		copy(g.Pix, p.data)
		return g
	}
	for i := range g.Pix {
		r, gr, b := int(p.data[3*i]), int(p.data[3*i+1]), int(p.data[3*i+2])
		g.Pix[i] = uint8((299*r + 587*gr + 114*b + 500) / 1000)
	}
	return g
}

// halve returns g at half the resolution, each pixel the mean of a 2×2
// block.
func halve(g *image.Gray) *image.Gray {
	b := g.Bounds()
	w, h := b.Dx()/2, b.Dy()/2
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		r0 := g.Pix[g.PixOffset(b.Min.X, b.Min.Y+2*y):]
		r1 := g.Pix[g.PixOffset(b.Min.X, b.Min.Y+2*y+1):]
		for x := 0; x < w; x++ {
			sum := int(r0[2*x]) + int(r0[2*x+1]) + int(r1[2*x]) + int(r1[2*x+1])
			out.Pix[y*out.Stride+x] = uint8((sum + 2) / 4)
		}
	}
	return out
}

// inkThreshold separates ink from paper in a grey image.
const inkThreshold = 128

// inkBounds is the smallest rectangle holding every dark pixel of g, empty
// when there is none.
func inkBounds(g *image.Gray) image.Rectangle {
	b := g.Bounds()
	var ink image.Rectangle
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := g.Pix[g.PixOffset(b.Min.X, y) : g.PixOffset(b.Min.X, y)+b.Dx()]
		first, last := -1, -1
		for x, v := range row {
			if v < inkThreshold {
				if first < 0 {
					first = x
				}
				last = x
			}
		}
		if first >= 0 {
			ink = ink.Union(image.Rect(b.Min.X+first, y, b.Min.X+last+1, y+1))
		}
	}
	return ink
}

func isLetterOrDigit(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
