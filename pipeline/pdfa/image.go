package pdfa

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zlib"
)

// pixelKind is how a page image is stored in the PDF.
type pixelKind int

const (
	kindBilevel pixelKind = iota // DeviceGray, 1 bit: only pure black and white
	kindGray                     // DeviceGray, 8 bits
	kindRGB                      // DeviceRGB, 8 bits
)

func (k pixelKind) colorSpace() string {
	if k == kindRGB {
		return "/DeviceRGB"
	}
	return "/DeviceGray"
}

func (k pixelKind) bitsPerComponent() int {
	if k == kindBilevel {
		return 1
	}
	return 8
}

func (k pixelKind) colors() int {
	if k == kindRGB {
		return 3
	}
	return 1
}

// rowBytes is the length of one packed row of w pixels.
func (k pixelKind) rowBytes(w int) int {
	switch k {
	case kindBilevel:
		return (w + 7) / 8
	case kindRGB:
		return 3 * w
	}
	return w
}

// zlibLevel trades size for speed: level 1 is several times faster than the
// default on 300-dpi pages and, with the PNG Up predictor, loses little size.
const zlibLevel = zlib.BestSpeed

// jpegInfo tells whether encoded can be passed through as DCTDecode and, if
// so, its size and colour space. CMYK (and anything but 1 or 3 components)
// is not passed through: a CMYK image would need a CMYK output intent.
func jpegInfo(encoded []byte) (w, h int, kind pixelKind, ok bool) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(encoded))
	if err != nil {
		return 0, 0, 0, false
	}
	switch cfg.ColorModel {
	case color.GrayModel:
		return cfg.Width, cfg.Height, kindGray, true
	case color.YCbCrModel, color.RGBAModel:
		return cfg.Width, cfg.Height, kindRGB, true
	}
	return 0, 0, 0, false
}

func isJPEGFormat(format string) bool {
	f := strings.ToLower(format)
	return f == "jpeg" || f == "jpg"
}

// imageDict is the image XObject dictionary without /Length, its samples
// in colorSpace (kind.colorSpace() unless the scan's profile is kept).
func imageDict(w, h int, kind pixelKind, colorSpace, filter string) *dict {
	d := &dict{}
	d.set("Type", "/XObject").set("Subtype", "/Image").
		set("Width", strconv.Itoa(w)).set("Height", strconv.Itoa(h)).
		set("ColorSpace", colorSpace).
		set("BitsPerComponent", strconv.Itoa(kind.bitsPerComponent())).
		set("Filter", filter)
	if filter == "/FlateDecode" {
		d.set("DecodeParms", fmt.Sprintf("<< /Predictor 15 /Colors %d /BitsPerComponent %d /Columns %d >>",
			kind.colors(), kind.bitsPerComponent(), w))
	}
	return d
}

// classify picks the most compact lossless storage for img. Fast paths read
// the pixel slices of the common concrete types; anything else goes through
// the generic row converter.
func classify(img image.Image) pixelKind {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.Gray:
		return grayOrBilevel(m.Pix, m.Stride, b.Dx(), b.Dy())
	case *image.Paletted:
		gray, bilevel := true, true
		for _, c := range m.Palette {
			r, g, bl := overWhite(c)
			if r != g || g != bl {
				gray, bilevel = false, false
				break
			}
			if r != 0 && r != 255 {
				bilevel = false
			}
		}
		switch {
		case bilevel:
			return kindBilevel
		case gray:
			return kindGray
		}
		return kindRGB
	case *image.YCbCr:
		// Cb = Cr = 128 is exactly grey (R=G=B=Y). A colour page fails on
		// its first coloured sample, so the check is cheap either way.
		for _, plane := range [][]byte{m.Cb, m.Cr} {
			for _, v := range plane {
				if v != 128 {
					return kindRGB
				}
			}
		}
		return kindGray
	}
	w, h := b.Dx(), b.Dy()
	conv := newRowConverter(img)
	row := make([]byte, 3*w)
	for y := 0; y < h; y++ {
		conv.rgbRow(y, row)
		for i := 0; i < len(row); i += 3 {
			if row[i] != row[i+1] || row[i+1] != row[i+2] {
				return kindRGB
			}
		}
	}
	return kindGray
}

// grayOrBilevel checks whether an 8-bit grey raster holds only 0 and 255.
func grayOrBilevel(pix []byte, stride, w, h int) pixelKind {
	for y := 0; y < h; y++ {
		for _, v := range pix[y*stride : y*stride+w] {
			if v != 0 && v != 255 {
				return kindGray
			}
		}
	}
	return kindBilevel
}

// overWhite converts any colour to 8-bit RGB composited over white paper
// (PDF/A forbids transparency; a scan with alpha is shown as on paper).
func overWhite(c color.Color) (r, g, b uint8) {
	r32, g32, b32, a32 := c.RGBA() // premultiplied, 16-bit
	bg := 0xffff - a32
	return uint8((r32 + bg) >> 8), uint8((g32 + bg) >> 8), uint8((b32 + bg) >> 8)
}

// rowConverter produces rows of 8-bit RGB or grey pixels of an image,
// reading the pixel slices directly for the common types.
type rowConverter struct {
	img     image.Image
	bounds  image.Rectangle
	palette [][3]uint8 // for *image.Paletted
}

func newRowConverter(img image.Image) *rowConverter {
	c := &rowConverter{img: img, bounds: img.Bounds()}
	if p, ok := img.(*image.Paletted); ok {
		c.palette = make([][3]uint8, 256)
		for i := range c.palette { // indices past the palette show black, like image.Paletted.At
			c.palette[i] = [3]uint8{0, 0, 0}
		}
		for i, col := range p.Palette {
			r, g, b := overWhite(col)
			c.palette[i] = [3]uint8{r, g, b}
		}
	}
	return c
}

// rgbRow fills dst (3 bytes per pixel) with row y (0-based from the top).
func (c *rowConverter) rgbRow(y int, dst []byte) {
	b := c.bounds
	w := b.Dx()
	switch m := c.img.(type) {
	case *image.RGBA:
		src := m.Pix[y*m.Stride : y*m.Stride+4*w]
		for x := 0; x < w; x++ {
			s := src[4*x : 4*x+4 : 4*x+4]
			bg := 255 - s[3] // premultiplied: add the white showing through
			dst[3*x], dst[3*x+1], dst[3*x+2] = s[0]+bg, s[1]+bg, s[2]+bg
		}
	case *image.NRGBA:
		src := m.Pix[y*m.Stride : y*m.Stride+4*w]
		for x := 0; x < w; x++ {
			s := src[4*x : 4*x+4 : 4*x+4]
			if s[3] == 255 {
				dst[3*x], dst[3*x+1], dst[3*x+2] = s[0], s[1], s[2]
			} else { // rare in scans: take the general path
				dst[3*x], dst[3*x+1], dst[3*x+2] = overWhite(color.NRGBA{s[0], s[1], s[2], s[3]})
			}
		}
	case *image.Gray:
		src := m.Pix[y*m.Stride : y*m.Stride+w]
		for x, v := range src {
			dst[3*x], dst[3*x+1], dst[3*x+2] = v, v, v
		}
	case *image.YCbCr:
		yy := b.Min.Y + y
		for x := 0; x < w; x++ {
			xx := b.Min.X + x
			yi := m.YOffset(xx, yy)
			ci := m.COffset(xx, yy)
			dst[3*x], dst[3*x+1], dst[3*x+2] = color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
		}
	case *image.Paletted:
		src := m.Pix[y*m.Stride : y*m.Stride+w]
		for x, i := range src {
			p := c.palette[i]
			dst[3*x], dst[3*x+1], dst[3*x+2] = p[0], p[1], p[2]
		}
	default:
		yy := b.Min.Y + y
		for x := 0; x < w; x++ {
			dst[3*x], dst[3*x+1], dst[3*x+2] = overWhite(c.img.At(b.Min.X+x, yy))
		}
	}
}

// grayRow fills dst (1 byte per pixel) with row y of an image known to be grey.
func (c *rowConverter) grayRow(y int, dst []byte, scratch []byte) {
	w := c.bounds.Dx()
	switch m := c.img.(type) {
	case *image.Gray:
		copy(dst, m.Pix[y*m.Stride:y*m.Stride+w])
		return
	case *image.YCbCr:
		yy := c.bounds.Min.Y + y
		off := m.YOffset(c.bounds.Min.X, yy)
		copy(dst, m.Y[off:off+w])
		return
	case *image.Paletted:
		src := m.Pix[y*m.Stride : y*m.Stride+w]
		for x, i := range src {
			dst[x] = c.palette[i][0]
		}
		return
	}
	c.rgbRow(y, scratch)
	for x := range w {
		dst[x] = scratch[3*x]
	}
}

// packBits packs a row of 0/255 grey values into 1 bit per pixel, MSB first
// (1 = white, as DeviceGray 1-bit reads it).
func packBits(gray []byte, dst []byte) {
	clear(dst)
	for x, v := range gray {
		if v != 0 {
			dst[x>>3] |= 0x80 >> uint(x&7)
		}
	}
}

// writeFlateImage encodes img row by row as PNG-Up-predicted zlib data. Only
// a few rows are held at a time.
func writeFlateImage(out io.Writer, img image.Image, kind pixelKind) error {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	zw, err := zlib.NewWriterLevel(out, zlibLevel)
	if err != nil {
		return err
	}
	conv := newRowConverter(img)
	n := kind.rowBytes(w)
	cur := make([]byte, n)
	prev := make([]byte, n) // zero row above the first one
	filtered := make([]byte, 1+n)
	filtered[0] = 2 // PNG filter type Up: rows of a scan are alike
	gray := make([]byte, w)
	scratch := make([]byte, 3*w)
	for y := 0; y < h; y++ {
		switch kind {
		case kindRGB:
			conv.rgbRow(y, cur)
		case kindGray:
			conv.grayRow(y, cur, scratch)
		case kindBilevel:
			conv.grayRow(y, gray, scratch)
			packBits(gray, cur)
		}
		f := filtered[1:]
		for i := range cur {
			f[i] = cur[i] - prev[i]
		}
		if _, err := zw.Write(filtered); err != nil {
			return err
		}
		cur, prev = prev, cur
	}
	return zw.Close()
}

// pageImage is the image of one page as it goes into the PDF: passed
// through from the source's own encoding, or encoded from decoded pixels.
type pageImage struct {
	width, height int
	dict          *dict                 // without /Length
	data          []byte                // stream data known up front, or
	fill          func(io.Writer) error // stream data produced on the fly
}

// chooseImage picks how p's image is stored: the source's JPEG or PNG data
// untouched when it can be, otherwise p.Image encoded losslessly. Either
// way its colour space is the source's ICC profile (written through
// profiles) when it has a usable one, first the one embedded in the source
// data (p.Encoded), then p.ICCProfile, and device colour otherwise.
func chooseImage(p Page, profiles *profileStreams) (pageImage, error) {
	var width, height int
	if p.Image != nil {
		b := p.Image.Bounds()
		width, height = b.Dx(), b.Dy()
	}
	sameSize := func(w, h int) bool { return p.Image == nil || (w == width && h == height) }
	if len(p.Encoded) > 0 {
		switch {
		case isJPEGFormat(p.Format):
			if jw, jh, kind, ok := jpegInfo(p.Encoded); ok && sameSize(jw, jh) {
				embedded, _ := jpegProfile(p.Encoded) // a broken one is dropped
				profile := usableProfile(kind.colors(), embedded, p.ICCProfile)
				space, err := profiles.colorSpace(profile, kind.colors(), kind.colorSpace())
				if err != nil {
					return pageImage{}, err
				}
				return pageImage{width: jw, height: jh, dict: imageDict(jw, jh, kind, space, "/DCTDecode"), data: p.Encoded}, nil
			}
		case isPNGFormat(p.Format):
			if png, err := parsePNG(p.Encoded); err == nil && png.width > 0 && png.height > 0 && sameSize(png.width, png.height) {
				embedded, _ := png.profile() // a broken one is dropped
				profile := usableProfile(png.profileComponents(), embedded, p.ICCProfile)
				space, err := profiles.colorSpace(profile, png.profileComponents(), png.deviceSpace())
				if err != nil {
					return pageImage{}, err
				}
				return pageImage{width: png.width, height: png.height, dict: png.dict(space), fill: func(out io.Writer) error {
					for _, chunk := range png.idat {
						if _, err := out.Write(chunk); err != nil {
							return err
						}
					}
					return nil
				}}, nil
			}
		}
	}
	if p.Image == nil {
		if len(p.Encoded) > 0 {
			return pageImage{}, fmt.Errorf("cannot pass through %q data and no decoded image given", p.Format)
		}
		return pageImage{}, errors.New("no image")
	}
	if width <= 0 || height <= 0 {
		return pageImage{}, fmt.Errorf("empty image %dx%d", width, height)
	}
	kind := classify(p.Image)
	// The source's profile describes the samples as re-encoded when it has
	// as many components: RGB for kindRGB, GRAY for kindGray and kindBilevel
	// (ICCBased N 1 at 1 bit per component is valid PDF/A). classify
	// stores a page whose pixels are all neutral as one grey sample per
	// pixel, a third of the size; an RGB profile cannot describe such
	// samples (PDF requires /N to match), so that page falls back to
	// DeviceGray under the sRGB OutputIntent, which differs from the
	// source only in the tone curve of its greys.
	profile := usableProfile(kind.colors(), embeddedProfile(p.Format, p.Encoded), p.ICCProfile)
	space, err := profiles.colorSpace(profile, kind.colors(), kind.colorSpace())
	if err != nil {
		return pageImage{}, err
	}
	return pageImage{width: width, height: height, dict: imageDict(width, height, kind, space, "/FlateDecode"), fill: func(out io.Writer) error {
		return writeFlateImage(out, p.Image, kind)
	}}, nil
}

// embeddedProfile is the ICC profile inside a source file that could not
// be passed through (a 16-bit or transparent PNG, a JPEG of another size),
// nil without one: the re-encoded samples are the source's colours.
func embeddedProfile(format string, data []byte) []byte {
	switch {
	case len(data) == 0:
		return nil
	case isPNGFormat(format):
		return pngEmbeddedProfile(data)
	case isJPEGFormat(format):
		profile, _ := jpegProfile(data)
		return profile
	}
	return nil
}

// write writes the image as object num.
func (img pageImage) write(o *objectWriter, num int) error {
	if img.fill == nil {
		if err := o.stream(num, img.dict, img.data); err != nil {
			return fmt.Errorf("write image: %w", err)
		}
		return nil
	}
	if err := o.streamFunc(num, img.dict, img.fill); err != nil {
		return fmt.Errorf("write image: %w", err)
	}
	return nil
}

// imageMatrix is the cm matrix [a b c d e f] that paints a w×h-pixel image
// (the unit square of image space) turned clockwise by rotation and then
// anticlockwise by skew degrees about the centre of a page of the turned
// size, at scale points per pixel: what ocr.Rotate and ocr.Deskew do to the
// pixels, done by the viewer instead. With no correction it is the plain
// [w·scale 0 0 h·scale 0 0].
func imageMatrix(w, h, rotation int, skew, scale float64) [6]float64 {
	if rotation == 0 && skew == 0 {
		return [6]float64{float64(w) * scale, 0, 0, float64(h) * scale, 0, 0}
	}
	// The image's x axis turns clockwise (on the page, y up) by phi; its
	// y axis stays at a right angle to it.
	sin, cos := math.Sincos((float64(rotation) - skew) * math.Pi / 180)
	wp, hp := float64(w)*scale, float64(h)*scale
	a, b := wp*cos, -wp*sin
	c, d := hp*sin, hp*cos
	pageW, pageH := wp, hp
	if rotation == 90 || rotation == 270 {
		pageW, pageH = hp, wp
	}
	// The image's centre, (a+c)/2 + e, lies on the page's centre.
	return [6]float64{a, b, c, d, (pageW - a - c) / 2, (pageH - b - d) / 2}
}
