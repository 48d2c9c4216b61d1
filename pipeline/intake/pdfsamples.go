package intake

import (
	"image"
	"image/color"
	"math"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// colorSpace is the part of a PDF colour space needed to turn samples into
// pixels.
type colorSpace struct {
	components int // samples per pixel: 1 gray, 3 RGB, 4 CMYK, 1 indexed
	indexed    bool
	base       *colorSpace // of an indexed space
	hival      int
	lookup     []byte
}

const maxColorSpaceDepth = 4

func (d *pdfDoc) colorSpace(o types.Object, depth int) (colorSpace, error) {
	if depth > maxColorSpaceDepth {
		return colorSpace{}, failure(ErrCorrupt, nil, "invalid PDF colour space: nested too deep")
	}
	o, err := d.xref.Dereference(o)
	if err != nil {
		return colorSpace{}, failure(ErrCorrupt, err, "invalid PDF colour space")
	}
	switch o := o.(type) {
	case types.Name:
		return deviceSpace(string(o))
	case types.Array:
		if len(o) == 0 {
			return colorSpace{}, failure(ErrCorrupt, nil, "invalid PDF colour space: empty array")
		}
		name, _ := o[0].(types.Name)
		switch name {
		case "ICCBased":
			if len(o) < 2 {
				break
			}
			sd, _, err := d.xref.DereferenceStreamDict(o[1])
			if err != nil || sd == nil {
				return colorSpace{}, failure(ErrCorrupt, err, "invalid ICCBased colour space")
			}
			n, _ := d.intEntry(sd.Dict, "N")
			switch n {
			case 1:
				return colorSpace{components: 1}, nil
			case 3:
				return colorSpace{components: 3}, nil
			case 4:
				return colorSpace{components: 4}, nil
			}
			return colorSpace{}, failure(ErrCorrupt, nil, "invalid ICCBased colour space: N=%d", n)
		case "CalGray", "CalRGB", "DeviceGray", "DeviceRGB", "DeviceCMYK":
			return deviceSpace(string(name))
		case "Indexed", "I":
			if len(o) < 4 {
				break
			}
			base, err := d.colorSpace(o[1], depth+1)
			if err != nil {
				return colorSpace{}, err
			}
			if base.indexed {
				return colorSpace{}, failure(ErrCorrupt, nil, "invalid Indexed colour space: indexed base")
			}
			hival, err := d.xref.DereferenceInteger(o[2])
			if err != nil || hival == nil || hival.Value() < 0 || hival.Value() > 255 {
				return colorSpace{}, failure(ErrCorrupt, err, "invalid Indexed colour space: bad hival")
			}
			lookup, err := d.lookupBytes(o[3])
			if err != nil {
				return colorSpace{}, err
			}
			if len(lookup) < (hival.Value()+1)*base.components {
				return colorSpace{}, failure(ErrCorrupt, nil, "invalid Indexed colour space: lookup table too short")
			}
			return colorSpace{components: 1, indexed: true, base: &base, hival: hival.Value(), lookup: lookup}, nil
		default:
			return colorSpace{}, failure(ErrUnsupported, nil, "unsupported colour space %s", name)
		}
	}
	return colorSpace{}, failure(ErrCorrupt, nil, "invalid PDF colour space")
}

func deviceSpace(name string) (colorSpace, error) {
	switch name {
	case "DeviceGray", "CalGray", "G":
		return colorSpace{components: 1}, nil
	case "DeviceRGB", "CalRGB", "RGB":
		return colorSpace{components: 3}, nil
	case "DeviceCMYK", "CMYK":
		return colorSpace{components: 4}, nil
	}
	return colorSpace{}, failure(ErrUnsupported, nil, "unsupported colour space %s", name)
}

// lookupBytes reads an Indexed lookup table: a string or a stream.
func (d *pdfDoc) lookupBytes(o types.Object) ([]byte, error) {
	o, err := d.xref.Dereference(o)
	if err != nil {
		return nil, failure(ErrCorrupt, err, "invalid Indexed lookup table")
	}
	switch o := o.(type) {
	case types.StringLiteral:
		b, err := types.Unescape(string(o))
		if err != nil {
			return nil, failure(ErrCorrupt, err, "invalid Indexed lookup table")
		}
		return b, nil
	case types.HexLiteral:
		b, err := o.Bytes()
		if err != nil {
			return nil, failure(ErrCorrupt, err, "invalid Indexed lookup table")
		}
		return b, nil
	case types.StreamDict:
		return applyFilters(o.Raw, o.FilterPipeline, 1<<20)
	}
	return nil, failure(ErrCorrupt, nil, "invalid Indexed lookup table")
}

// decodeSamples turns decoded image samples (Flate, LZW, … already undone)
// into an image, following /BitsPerComponent, /ColorSpace and /Decode.
func (d *pdfDoc) decodeSamples(im pdfImage, data []byte) (image.Image, error) {
	sd := im.sd
	var cs colorSpace
	bpc, _ := d.intEntry(sd.Dict, "BitsPerComponent")
	if d.boolEntry(sd.Dict, "ImageMask") {
		// A stencil mask: 1 bit, sample 0 paints (black on a scan).
		cs, bpc = colorSpace{components: 1}, 1
	} else {
		o, ok := sd.Find("ColorSpace")
		if !ok {
			return nil, failure(ErrCorrupt, nil, "invalid PDF image: no /ColorSpace")
		}
		var err error
		if cs, err = d.colorSpace(o, 0); err != nil {
			return nil, err
		}
	}
	switch bpc {
	case 1, 2, 4, 8, 16:
	default:
		return nil, failure(ErrUnsupported, nil, "unsupported /BitsPerComponent %d", bpc)
	}
	w, h := im.w, im.h
	stride := (w*cs.components*bpc + 7) / 8
	if int64(len(data)) < int64(stride)*int64(h) {
		return nil, failure(ErrCorrupt, nil, "image data too short: %d bytes for %d×%d pixels", len(data), w, h)
	}
	luts := sampleLUTs(cs, bpc, d.decodeArray(sd.Dict))
	rect := image.Rect(0, 0, w, h)
	switch {
	case cs.indexed:
		palette := make(color.Palette, cs.hival+1)
		for i := range palette {
			palette[i] = baseColor(*cs.base, cs.lookup[i*cs.base.components:])
		}
		img := image.NewPaletted(rect, palette)
		forEachSample(data, w, h, stride, 1, bpc, func(x, y, _ int, s uint32) {
			idx := luts[0][s]
			img.Pix[y*img.Stride+x] = min(idx, uint8(cs.hival))
		})
		return img, nil
	case cs.components == 1:
		img := image.NewGray(rect)
		forEachSample(data, w, h, stride, 1, bpc, func(x, y, _ int, s uint32) {
			img.Pix[y*img.Stride+x] = luts[0][s]
		})
		return img, nil
	case cs.components == 3:
		img := image.NewRGBA(rect)
		forEachSample(data, w, h, stride, 3, bpc, func(x, y, c int, s uint32) {
			i := y*img.Stride + x*4
			img.Pix[i+c] = luts[c][s]
			img.Pix[i+3] = 0xFF
		})
		return img, nil
	default:
		img := image.NewCMYK(rect)
		forEachSample(data, w, h, stride, 4, bpc, func(x, y, c int, s uint32) {
			img.Pix[y*img.Stride+x*4+c] = luts[c][s]
		})
		return img, nil
	}
}

// sampleLUTs maps each component's raw sample (the high byte of a 16-bit
// one) to an 8-bit value, applying /Decode. For an indexed space the value
// is the palette index.
func sampleLUTs(cs colorSpace, bpc int, decode []float64) [][]uint8 {
	bits := min(bpc, 8)
	levels := 1 << bits
	maxSample := float64(levels - 1)
	luts := make([][]uint8, cs.components)
	for c := range luts {
		lo, hi := 0.0, 1.0
		if cs.indexed {
			hi = maxSample
		}
		if len(decode) >= 2*(c+1) {
			lo, hi = decode[2*c], decode[2*c+1]
		}
		lut := make([]uint8, levels)
		for s := range lut {
			v := lo + float64(s)*(hi-lo)/maxSample
			if cs.indexed {
				lut[s] = uint8(math.Max(0, math.Min(255, math.Round(v))))
			} else {
				lut[s] = uint8(math.Round(math.Max(0, math.Min(1, v)) * 255))
			}
		}
		luts[c] = lut
	}
	return luts
}

// forEachSample calls fn for every sample in row-major order.
func forEachSample(data []byte, w, h, stride, components, bpc int, fn func(x, y, c int, s uint32)) {
	mask := uint32(1)<<min(bpc, 8) - 1
	for y := range h {
		row := data[y*stride : (y+1)*stride]
		for x := range w {
			for c := range components {
				i := x*components + c
				var s uint32
				switch bpc {
				case 8:
					s = uint32(row[i])
				case 16:
					s = uint32(row[2*i]) // high byte is enough for 8-bit output
				default:
					bit := i * bpc
					s = uint32(row[bit/8]>>(8-bpc-bit%8)) & mask
				}
				fn(x, y, c, s)
			}
		}
	}
}

func baseColor(base colorSpace, b []byte) color.Color {
	switch base.components {
	case 1:
		return color.Gray{Y: b[0]}
	case 3:
		return color.RGBA{R: b[0], G: b[1], B: b[2], A: 0xFF}
	default:
		r, g, bl := color.CMYKToRGB(b[0], b[1], b[2], b[3])
		return color.RGBA{R: r, G: g, B: bl, A: 0xFF}
	}
}
