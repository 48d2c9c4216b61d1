package ocr

import (
	"image"
	"image/draw"
	"math"
)

// Skew search range and precision, in degrees. Scans fed by hand rarely
// lean more than a few degrees; beyond that the page was put in sideways
// and orientation detection handles it.
const (
	maxSkew    = 5.0
	coarseStep = 0.5
	fineStep   = 0.1
)

// skewSampleWidth is the width the page is reduced to before measuring:
// text lines are still several pixels high, and the search stays cheap.
const skewSampleWidth = 1240

// MeasureSkew estimates by how many degrees the text lines of an upright
// page lean clockwise (negative: anticlockwise), within ±5° to about 0.1°.
// A page without ink gives 0. Correct it with Deskew.
//
// It binarises a reduced grey copy of the page in which coloured ink
// (seals, signatures) is paper, and searches the angle whose horizontal
// projection profile is the most peaked: along the true line direction
// ink piles up in few rows, and the sum of squared row counts is largest.
func MeasureSkew(img image.Image) float64 {
	return analyseLayout(reducedGray(img)).Skew
}

// Deskew returns img turned anticlockwise by skewDegrees (as measured by
// MeasureSkew) around its centre, with bilinear interpolation, on a white
// background, the same size as img and starting at (0,0). Grey images stay
// *image.Gray; others become *image.RGBA. A zero angle returns img itself.
func Deskew(img image.Image, skewDegrees float64) image.Image {
	if skewDegrees == 0 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if src, ok := img.(*image.Gray); ok {
		dst := image.NewGray(image.Rect(0, 0, w, h))
		resample(dst.Pix, dst.Stride, src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride, w, h, 1, -skewDegrees)
		return dst
	}
	src, ok := img.(*image.RGBA)
	if !ok || b.Min != (image.Point{}) {
		src = image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	resample(dst.Pix, dst.Stride, src.Pix[src.PixOffset(0, 0):], src.Stride, w, h, 4, -skewDegrees)
	return dst
}

// resample writes into dst the w×h plane src (n bytes per pixel) turned
// clockwise by deg around its centre. Pixels that come from outside src
// are white.
func resample(dst []byte, dstStride int, src []byte, srcStride, w, h, n int, deg float64) {
	sin, cos := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(w-1)/2, float64(h-1)/2
	for y := 0; y < h; y++ {
		dy := float64(y) - cy
		out := dst[y*dstStride:]
		for x := 0; x < w; x++ {
			dx := float64(x) - cx
			// Inverse rotation: where in src does (x, y) come from?
			sx := cx + dx*cos + dy*sin
			sy := cy - dx*sin + dy*cos
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			fx, fy := sx-float64(x0), sy-float64(y0)
			for c := 0; c < n; c++ {
				p00 := sample(src, srcStride, w, h, n, x0, y0, c)
				p10 := sample(src, srcStride, w, h, n, x0+1, y0, c)
				p01 := sample(src, srcStride, w, h, n, x0, y0+1, c)
				p11 := sample(src, srcStride, w, h, n, x0+1, y0+1, c)
				top := p00 + (p10-p00)*fx
				bottom := p01 + (p11-p01)*fx
				out[x*n+c] = uint8(top + (bottom-top)*fy + 0.5)
			}
		}
	}
}

// sample is channel c of pixel (x, y), white (opaque) outside the plane.
func sample(src []byte, stride, w, h, n, x, y, c int) float64 {
	if x < 0 || y < 0 || x >= w || y >= h {
		return 255
	}
	return float64(src[y*stride+x*n+c])
}
