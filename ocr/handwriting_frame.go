package ocr

import (
	"image"
	"image/color"
	"math"
)

// rgbFunc reads one 8-bit RGB pixel.
type rgbFunc func(x, y int) (r, g, b uint8)

// correctedRGB reads the colour pixels of page as its words' boxes see
// them: Page.Image turned by Rotation and deskewed by SkewDegrees, exactly
// as Rotate and Deskew would make it (white outside the scan), without
// resampling the whole colour page: only the few pixels asked for are
// computed. Without a correction it reads Page.Image as it is.
func correctedRGB(page *Page) rgbFunc {
	src := rgbAt(page.Image)
	if !page.Corrected() {
		return src
	}
	b := page.Image.Bounds()
	w, h := b.Dx(), b.Dy()
	// turned reads the page turned clockwise by Rotation (origin 0,0):
	// each of its pixels is one of the scan's.
	tw, th := w, h
	if page.Rotation == 90 || page.Rotation == 270 {
		tw, th = h, w
	}
	turned := func(x, y int) (uint8, uint8, uint8) {
		if x < 0 || y < 0 || x >= tw || y >= th {
			return 255, 255, 255
		}
		switch page.Rotation {
		case 90: // Rotate puts scan (x, y) at (h-1-y, x)
			x, y = y, h-1-x
		case 180:
			x, y = w-1-x, h-1-y
		case 270: // Rotate puts scan (x, y) at (y, w-1-x)
			x, y = w-1-y, x
		}
		return src(b.Min.X+x, b.Min.Y+y)
	}
	if page.SkewDegrees == 0 {
		return turned
	}
	// Deskew turns anticlockwise by the skew around the centre, with
	// bilinear interpolation (see resample, here with the same formula).
	sin, cos := math.Sincos(-page.SkewDegrees * math.Pi / 180)
	cx, cy := float64(tw-1)/2, float64(th-1)/2
	return func(x, y int) (uint8, uint8, uint8) {
		dx, dy := float64(x)-cx, float64(y)-cy
		sx := cx + dx*cos + dy*sin
		sy := cy - dx*sin + dy*cos
		x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
		fx, fy := sx-float64(x0), sy-float64(y0)
		var p [4][3]uint8
		p[0][0], p[0][1], p[0][2] = turned(x0, y0)
		p[1][0], p[1][1], p[1][2] = turned(x0+1, y0)
		p[2][0], p[2][1], p[2][2] = turned(x0, y0+1)
		p[3][0], p[3][1], p[3][2] = turned(x0+1, y0+1)
		var out [3]uint8
		for c := range out {
			top := float64(p[0][c]) + (float64(p[1][c])-float64(p[0][c]))*fx
			bottom := float64(p[2][c]) + (float64(p[3][c])-float64(p[2][c]))*fx
			out[c] = uint8(top + (bottom-top)*fy + 0.5)
		}
		return out[0], out[1], out[2]
	}
}

// rgbAt returns a reader of img's pixels as 8-bit RGB, fast for the image
// types scans decode to.
func rgbAt(img image.Image) rgbFunc {
	switch src := img.(type) {
	case *image.RGBA:
		return func(x, y int) (uint8, uint8, uint8) {
			i := src.PixOffset(x, y)
			return src.Pix[i], src.Pix[i+1], src.Pix[i+2]
		}
	case *image.YCbCr:
		return func(x, y int) (uint8, uint8, uint8) {
			return color.YCbCrToRGB(src.Y[src.YOffset(x, y)], src.Cb[src.COffset(x, y)], src.Cr[src.COffset(x, y)])
		}
	}
	return func(x, y int) (uint8, uint8, uint8) {
		// Composite over white: transparent areas of a scan are paper.
		r, g, b, a := img.At(x, y).RGBA()
		return uint8((r + 0xffff - a) >> 8), uint8((g + 0xffff - a) >> 8), uint8((b + 0xffff - a) >> 8)
	}
}
