package pdfa

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// pngSignature starts every PNG file.
const pngSignature = "\x89PNG\r\n\x1a\n"

// PNG colour types whose samples a PDF image reads the same way.
const (
	pngGray    = 0
	pngRGB     = 2
	pngPalette = 3
)

// pngImage is a PNG whose compressed pixel data can be copied into a PDF
// image as it is: the concatenated IDAT chunks are one zlib stream of
// PNG-filtered rows, which FlateDecode with /Predictor 15 reads back to the
// very samples a PNG decoder gives.
type pngImage struct {
	width, height int
	depth         int    // bits per sample
	colors        int    // samples per pixel: 1 or 3
	palette       []byte // RGB triples for a palette image, nil otherwise
	iccp          []byte // body of the iCCP chunk, nil without one
	idat          [][]byte
}

func isPNGFormat(format string) bool { return strings.EqualFold(format, "png") }

// parsePNG reads the chunk structure of data and tells whether its pixel
// data can be passed through. It refuses what a PDF image cannot show the
// same way without decoding: interlacing (Adam7 is not row order), alpha and
// tRNS transparency (PDF/A forbids it; the decoded page is shown over
// white instead) and 16-bit samples (decoded and written at 8 bits). Chunk
// CRCs are not checked here: the page was decoded from the same bytes.
func parsePNG(data []byte) (pngImage, error) {
	var p pngImage
	colorType := -1
	err := walkPNG(data, func(typ string, chunk []byte) (bool, error) {
		if colorType < 0 && typ != "IHDR" {
			return false, fmt.Errorf("PNG does not start with IHDR")
		}
		switch typ {
		case "IHDR":
			if len(chunk) != 13 {
				return false, fmt.Errorf("bad PNG IHDR")
			}
			p.width = int(binary.BigEndian.Uint32(chunk[0:]))
			p.height = int(binary.BigEndian.Uint32(chunk[4:]))
			p.depth, colorType = int(chunk[8]), int(chunk[9])
			if chunk[10] != 0 || chunk[11] != 0 {
				return false, fmt.Errorf("unknown PNG compression or filter method")
			}
			if chunk[12] != 0 {
				return false, fmt.Errorf("interlaced PNG")
			}
			switch {
			case colorType == pngGray && p.depth <= 8, colorType == pngPalette && p.depth <= 8:
				p.colors = 1
			case colorType == pngRGB && p.depth == 8:
				p.colors = 3
			default:
				return false, fmt.Errorf("PNG colour type %d at %d bits", colorType, p.depth)
			}
			if p.depth != 1 && p.depth != 2 && p.depth != 4 && p.depth != 8 {
				return false, fmt.Errorf("PNG depth %d", p.depth)
			}
		case "PLTE":
			if colorType == pngPalette {
				if len(chunk)%3 != 0 || len(chunk) == 0 || len(chunk)/3 > 1<<p.depth {
					return false, fmt.Errorf("bad PNG palette")
				}
				// Indices past the palette read as opaque black, as Go's
				// PNG decoder shows them: the PDF palette is padded to
				// every index the depth allows.
				p.palette = make([]byte, 3<<p.depth)
				copy(p.palette, chunk)
			}
		case "iCCP":
			// The PNG specification puts it before PLTE and IDAT, once.
			if p.iccp == nil && p.palette == nil && len(p.idat) == 0 {
				p.iccp = chunk
			}
		case "tRNS":
			return false, fmt.Errorf("PNG with transparency")
		case "IDAT":
			p.idat = append(p.idat, chunk)
		case "IEND":
			if len(p.idat) == 0 || (colorType == pngPalette && p.palette == nil) {
				return false, fmt.Errorf("PNG without pixel data or palette")
			}
			return true, nil
		}
		return false, nil
	})
	return p, err
}

// walkPNG calls fn with each chunk of the PNG data, in order, until fn
// stops (true) or fails, or the data ends. Chunk CRCs are not checked.
func walkPNG(data []byte, fn func(typ string, body []byte) (stop bool, err error)) error {
	if !bytes.HasPrefix(data, []byte(pngSignature)) {
		return fmt.Errorf("not a PNG")
	}
	for i := len(pngSignature); ; {
		if i+8 > len(data) {
			return fmt.Errorf("truncated PNG")
		}
		n := int(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		body := i + 8
		if n < 0 || n > len(data)-body-4 {
			return fmt.Errorf("truncated PNG chunk %q", typ)
		}
		if stop, err := fn(typ, data[body:body+n]); stop || err != nil {
			return err
		}
		i = body + n + 4
	}
}

// pngEmbeddedProfile is the ICC profile of any PNG's iCCP chunk, also of
// one that cannot be passed through (16-bit, alpha, interlaced): its
// re-encoded samples keep the source's colours. nil without a readable one.
func pngEmbeddedProfile(data []byte) []byte {
	var iccp []byte
	walkPNG(data, func(typ string, body []byte) (bool, error) {
		switch typ {
		case "iCCP":
			iccp = body
			return true, nil
		case "PLTE", "IDAT", "IEND": // iCCP comes before these or not at all
			return true, nil
		}
		return false, nil
	})
	if iccp == nil {
		return nil
	}
	profile, err := pngProfile(iccp)
	if err != nil {
		return nil
	}
	return profile
}

// profileComponents is the number of colour components the image's
// colours have, and so its profile must describe: a palette holds RGB.
func (p pngImage) profileComponents() int {
	if p.palette != nil {
		return 3
	}
	return p.colors
}

// deviceSpace is the device colour space of the image's colours (of the
// palette entries, for a palette image).
func (p pngImage) deviceSpace() string {
	if p.profileComponents() == 3 {
		return "/DeviceRGB"
	}
	return "/DeviceGray"
}

// profile is the ICC profile of the iCCP chunk: nil without one, and nil
// with the reason when the chunk cannot be read.
func (p pngImage) profile() ([]byte, error) {
	if p.iccp == nil {
		return nil, nil
	}
	return pngProfile(p.iccp)
}

// colorSpace is the PDF colour space of the image whose colours (palette
// entries, for a palette image) are in base.
func (p pngImage) colorSpace(base string) string {
	if p.palette != nil {
		return fmt.Sprintf("[/Indexed %s %d <%x>]", base, len(p.palette)/3-1, p.palette)
	}
	return base
}

// dict is the image XObject dictionary for the PNG's data, its colours in
// base (deviceSpace or the profile's ICCBased space).
func (p pngImage) dict(base string) *dict {
	d := &dict{}
	return d.set("Type", "/XObject").set("Subtype", "/Image").
		set("Width", fmt.Sprint(p.width)).set("Height", fmt.Sprint(p.height)).
		set("ColorSpace", p.colorSpace(base)).
		set("BitsPerComponent", fmt.Sprint(p.depth)).
		set("Filter", "/FlateDecode").
		set("DecodeParms", fmt.Sprintf("<< /Predictor 15 /Colors %d /BitsPerComponent %d /Columns %d >>",
			p.colors, p.depth, p.width))
}

// size is the total length of the pixel data.
func (p pngImage) size() int {
	n := 0
	for _, c := range p.idat {
		n += len(c)
	}
	return n
}
