package ocr

import (
	"encoding/binary"
	"image"
	"image/color"
	"strconv"
)

// pixels is an image flattened to the layout Tesseract and Leptonica read:
// rows top to bottom, no padding, one byte per channel, 1 channel (grey)
// or 3 (RGB).
type pixels struct {
	data          []byte
	width, height int
	channels      int
}

// flatten converts img to pixels. Grey images stay grey; everything else
// becomes RGB, because Tesseract thresholds each colour channel on its own
// and a red seal over black text then drops out instead of turning black.
// A grey image already laid out without padding is shared, not copied:
// the result must be treated as read-only.
func flatten(img image.Image) pixels {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch src := img.(type) {
	case *image.Gray:
		if src.Stride == w && b.Min == (image.Point{}) {
			return pixels{data: src.Pix[:w*h], width: w, height: h, channels: 1}
		}
		p := pixels{data: make([]byte, w*h), width: w, height: h, channels: 1}
		for y := 0; y < h; y++ {
			off := src.PixOffset(b.Min.X, b.Min.Y+y)
			copy(p.data[y*w:(y+1)*w], src.Pix[off:off+w])
		}
		return p
	case *image.RGBA:
		p := pixels{data: make([]byte, w*h*3), width: w, height: h, channels: 3}
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			out := p.data[y*w*3 : (y+1)*w*3]
			for x := 0; x < w; x++ {
				out[3*x], out[3*x+1], out[3*x+2] = row[4*x], row[4*x+1], row[4*x+2]
			}
		}
		return p
	case *image.YCbCr:
		p := pixels{data: make([]byte, w*h*3), width: w, height: h, channels: 3}
		for y := 0; y < h; y++ {
			out := p.data[y*w*3 : (y+1)*w*3]
			for x := 0; x < w; x++ {
				yi := src.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := src.COffset(b.Min.X+x, b.Min.Y+y)
				out[3*x], out[3*x+1], out[3*x+2] = color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
			}
		}
		return p
	}
	if isGrey(img) {
		p := pixels{data: make([]byte, w*h), width: w, height: h, channels: 1}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				p.data[y*w+x] = color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y
			}
		}
		return p
	}
	p := pixels{data: make([]byte, w*h*3), width: w, height: h, channels: 3}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// Composite over white: transparent areas of a scan are paper.
			r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			i := (y*w + x) * 3
			p.data[i] = uint8((r + 0xffff - a) >> 8)
			p.data[i+1] = uint8((g + 0xffff - a) >> 8)
			p.data[i+2] = uint8((bl + 0xffff - a) >> 8)
		}
	}
	return p
}

// isGrey reports whether img's colour model is a grey one, including
// palettes (bilevel TIFF, grey PNG) whose entries are all grey.
func isGrey(img image.Image) bool {
	switch m := img.ColorModel(); m {
	case color.GrayModel, color.Gray16Model:
		return true
	default:
		pal, ok := m.(color.Palette)
		if !ok {
			return false
		}
		for _, c := range pal {
			r, g, b, a := c.RGBA()
			if r != g || g != b || a != 0xffff {
				return false
			}
		}
		return true
	}
}

// pnm encodes p as binary PGM (P5) or PPM (P6): a short text header and the
// raw bytes. Cheap to write, but Leptonica 1.82 reads it a byte at a time
// through stdio, which costs as much as decoding PNG; kept for comparison.
func (p pixels) pnm() []byte {
	magic := "P6"
	if p.channels == 1 {
		magic = "P5"
	}
	header := magic + "\n" + strconv.Itoa(p.width) + " " + strconv.Itoa(p.height) + "\n255\n"
	out := make([]byte, 0, len(header)+len(p.data))
	out = append(out, header...)
	return append(out, p.data...)
}

// bmp encodes p as an uncompressed BMP (24-bit, or 8-bit with a grey
// palette) carrying dpi in its header when dpi > 0. It is the cheapest way
// into Leptonica: a copy to write, a copy to read.
func (p pixels) bmp(dpi int) []byte {
	bpp := 24
	paletteSize := 0
	if p.channels == 1 {
		bpp = 8
		paletteSize = 256 * 4
	}
	rowSize := (p.width*bpp/8 + 3) &^ 3
	const headerSize = 14 + 40
	dataOffset := headerSize + paletteSize
	size := dataOffset + rowSize*p.height
	out := make([]byte, size)
	le := binary.LittleEndian
	out[0], out[1] = 'B', 'M'
	le.PutUint32(out[2:], uint32(size))
	le.PutUint32(out[10:], uint32(dataOffset))
	le.PutUint32(out[14:], 40)
	le.PutUint32(out[18:], uint32(p.width))
	le.PutUint32(out[22:], uint32(p.height)) // positive: rows bottom-up
	le.PutUint16(out[26:], 1)
	le.PutUint16(out[28:], uint16(bpp))
	ppm := uint32(float64(dpi)/0.0254 + 0.5)
	le.PutUint32(out[38:], ppm)
	le.PutUint32(out[42:], ppm)
	if p.channels == 1 {
		le.PutUint32(out[46:], 256)
		for i := 0; i < 256; i++ {
			o := headerSize + 4*i
			out[o], out[o+1], out[o+2] = byte(i), byte(i), byte(i)
		}
	}
	rowBytes := p.width * p.channels
	for y := 0; y < p.height; y++ {
		src := p.data[y*rowBytes : (y+1)*rowBytes]
		dst := out[dataOffset+(p.height-1-y)*rowSize:]
		if p.channels == 1 {
			copy(dst, src)
			continue
		}
		for x := 0; x < p.width; x++ { // BMP stores BGR
			dst[3*x], dst[3*x+1], dst[3*x+2] = src[3*x+2], src[3*x+1], src[3*x]
		}
	}
	return out
}
