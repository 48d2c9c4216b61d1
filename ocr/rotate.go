package ocr

import (
	"image"
	"image/draw"
)

// Rotate returns img turned clockwise by degrees, which must be a multiple
// of 90 (negative values turn anticlockwise). The rotation is exact: pixels
// are moved, never resampled. *image.Gray, *image.RGBA, *image.NRGBA,
// *image.RGBA64, *image.Paletted, *image.Gray16, *image.CMYK and *image.YCbCr keep their
// type (YCbCr planes are rotated as they are, so no colour conversion
// happens unless the chroma grid cannot be turned); other types become
// *image.RGBA64. The result starts at (0,0).
// Rotate by 0 returns img itself.
func Rotate(img image.Image, degrees int) image.Image {
	deg := ((degrees % 360) + 360) % 360
	if deg%90 != 0 {
		panic("ocr.Rotate: degrees must be a multiple of 90")
	}
	if deg == 0 {
		return img
	}
	b := img.Bounds()
	dw, dh := b.Dx(), b.Dy()
	if deg != 180 {
		dw, dh = dh, dw
	}
	switch src := img.(type) {
	case *image.Gray:
		dst := image.NewGray(image.Rect(0, 0, dw, dh))
		rotatePlane(dst.Pix, dst.Stride, src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride, b.Dx(), b.Dy(), 1, deg)
		return dst
	case *image.Gray16:
		dst := image.NewGray16(image.Rect(0, 0, dw, dh))
		rotatePlane(dst.Pix, dst.Stride, src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride, b.Dx(), b.Dy(), 2, deg)
		return dst
	case *image.RGBA:
		dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
		rotatePlane(dst.Pix, dst.Stride, src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride, b.Dx(), b.Dy(), 4, deg)
		return dst
	case *image.NRGBA:
		dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
		rotatePlane(dst.Pix, dst.Stride, src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride, b.Dx(), b.Dy(), 4, deg)
		return dst
	case *image.RGBA64:
		dst := image.NewRGBA64(image.Rect(0, 0, dw, dh))
		rotatePlane(dst.Pix, dst.Stride, src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride, b.Dx(), b.Dy(), 8, deg)
		return dst
	case *image.CMYK:
		dst := image.NewCMYK(image.Rect(0, 0, dw, dh))
		rotatePlane(dst.Pix, dst.Stride, src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride, b.Dx(), b.Dy(), 4, deg)
		return dst
	case *image.Paletted:
		dst := image.NewPaletted(image.Rect(0, 0, dw, dh), src.Palette)
		rotatePlane(dst.Pix, dst.Stride, src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride, b.Dx(), b.Dy(), 1, deg)
		return dst
	case *image.YCbCr:
		if dst := rotateYCbCr(src, deg); dst != nil {
			return dst
		}
	}
	dst := image.NewRGBA64(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
	return Rotate(dst, deg)
}

// rotatePlane writes into dst the w×h plane src (bpp bytes per pixel)
// turned clockwise by deg (90, 180 or 270).
func rotatePlane(dst []byte, dstStride int, src []byte, srcStride, w, h, bpp, deg int) {
	for y := 0; y < h; y++ {
		row := src[y*srcStride : y*srcStride+w*bpp]
		switch deg {
		case 180:
			out := dst[(h-1-y)*dstStride:]
			for x := 0; x < w; x++ {
				copy(out[(w-1-x)*bpp:(w-x)*bpp], row[x*bpp:(x+1)*bpp])
			}
		case 90: // (x, y) → (h-1-y, x)
			col := (h - 1 - y) * bpp
			for x := 0; x < w; x++ {
				o := x*dstStride + col
				copy(dst[o:o+bpp], row[x*bpp:(x+1)*bpp])
			}
		case 270: // (x, y) → (y, w-1-x)
			col := y * bpp
			for x := 0; x < w; x++ {
				o := (w-1-x)*dstStride + col
				copy(dst[o:o+bpp], row[x*bpp:(x+1)*bpp])
			}
		}
	}
}

// rotateYCbCr rotates the three planes of src. It returns nil when the
// chroma grid does not line up with the image edges (odd sizes with
// subsampling), where moving chroma samples would shift colours; the caller
// then falls back to a colour conversion.
func rotateYCbCr(src *image.YCbCr, deg int) *image.YCbCr {
	b := src.Bounds()
	ratio := src.SubsampleRatio
	var sx, sy int // chroma subsampling factors
	switch ratio {
	case image.YCbCrSubsampleRatio444:
		sx, sy = 1, 1
	case image.YCbCrSubsampleRatio422:
		sx, sy = 2, 1
	case image.YCbCrSubsampleRatio420:
		sx, sy = 2, 2
	case image.YCbCrSubsampleRatio440:
		sx, sy = 1, 2
	case image.YCbCrSubsampleRatio411:
		sx, sy = 4, 1
	case image.YCbCrSubsampleRatio410:
		sx, sy = 4, 2
	default:
		return nil
	}
	if b.Min.X%sx != 0 || b.Min.Y%sy != 0 || b.Dx()%sx != 0 || b.Dy()%sy != 0 {
		return nil
	}
	cw, ch := b.Dx()/sx, b.Dy()/sy // chroma plane size
	dw, dh := b.Dx(), b.Dy()
	if deg != 180 {
		dw, dh = dh, dw
		var ok bool
		if ratio, ok = transposedRatio(ratio); !ok {
			return nil
		}
	}
	dst := image.NewYCbCr(image.Rect(0, 0, dw, dh), ratio)
	rotatePlane(dst.Y, dst.YStride, src.Y[src.YOffset(b.Min.X, b.Min.Y):], src.YStride, b.Dx(), b.Dy(), 1, deg)
	co := src.COffset(b.Min.X, b.Min.Y)
	rotatePlane(dst.Cb, dst.CStride, src.Cb[co:], src.CStride, cw, ch, 1, deg)
	rotatePlane(dst.Cr, dst.CStride, src.Cr[co:], src.CStride, cw, ch, 1, deg)
	return dst
}

// transposedRatio is the subsampling of a YCbCr image after a quarter turn:
// horizontal and vertical factors swap. Go has no ratio for the transpose
// of 4:1:1 (4×1 → 1×4) or 4:1:0 (4×2 → 2×4), hence ok.
func transposedRatio(r image.YCbCrSubsampleRatio) (_ image.YCbCrSubsampleRatio, ok bool) {
	switch r {
	case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio420:
		return r, true
	case image.YCbCrSubsampleRatio422:
		return image.YCbCrSubsampleRatio440, true
	case image.YCbCrSubsampleRatio440:
		return image.YCbCrSubsampleRatio422, true
	}
	return r, false
}
