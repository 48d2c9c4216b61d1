package intake

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// grayPattern is a test page whose every pixel is predictable.
func grayPattern(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Pix[y*img.Stride+x] = uint8((x*7 + y*13) % 256)
		}
	}
	return img
}

func writeFile(t testing.TB, path string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pngWithDPI encodes img and inserts a pHYs chunk (pixels per metre) right
// after IHDR; dpi 0 writes none.
func pngWithDPI(t testing.TB, img image.Image, dpi float64) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if dpi == 0 {
		return b
	}
	ppm := uint32(dpi/0.0254 + 0.5)
	var data [9]byte
	binary.BigEndian.PutUint32(data[0:], ppm)
	binary.BigEndian.PutUint32(data[4:], ppm)
	data[8] = 1
	chunk := pngChunk("pHYs", data[:])
	ihdrEnd := 8 + 8 + 13 + 4
	return append(append(append([]byte{}, b[:ihdrEnd]...), chunk...), b[ihdrEnd:]...)
}

func pngChunk(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// jpegWithJFIF encodes img and inserts a JFIF APP0 segment with the given
// density unit (1 = dpi, 2 = dots per cm) and density.
func jpegWithJFIF(t testing.TB, img image.Image, unit byte, density uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	app0 := []byte{0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, unit}
	app0 = binary.BigEndian.AppendUint16(app0, density)
	app0 = binary.BigEndian.AppendUint16(app0, density)
	app0 = append(app0, 0, 0)
	return append(append(append([]byte{}, b[:2]...), app0...), b[2:]...)
}

// tiffPage is one IFD of a hand-built little-endian TIFF: 8-bit gray,
// uncompressed unless compression says otherwise.
type tiffPage struct {
	img         *image.Gray
	dpi         uint32
	compression uint16
	thumbnail   bool
	// profile, when set, is written as the InterColorProfile tag (34675,
	// UNDEFINED, count its length); profileType and profileCount, when
	// set, replace the entry's type and count to damage it.
	profile      []byte
	profileType  uint16
	profileCount uint32
}

// buildTIFF writes a multi-page TIFF by hand: x/image/tiff only writes one
// page.
func buildTIFF(pages []tiffPage) []byte {
	le := binary.LittleEndian
	out := []byte("II*\x00\x00\x00\x00\x00")
	prevNext := 4 // where the previous IFD's "next" offset lives
	for _, p := range pages {
		w, h := p.img.Rect.Dx(), p.img.Rect.Dy()
		pixOff := len(out)
		out = append(out, p.img.Pix...)
		if len(out)%2 == 1 {
			out = append(out, 0)
		}
		resOff := len(out)
		out = le.AppendUint32(out, p.dpi)
		out = le.AppendUint32(out, 1)
		profileOff := len(out)
		out = append(out, p.profile...)
		if len(out)%2 == 1 {
			out = append(out, 0)
		}
		compression := p.compression
		if compression == 0 {
			compression = 1
		}
		type entry struct {
			tag, typ uint16
			value    uint32
		}
		var entries []entry
		if p.thumbnail {
			entries = append(entries, entry{254, 4, 1})
		}
		entries = append(entries,
			entry{256, 4, uint32(w)},
			entry{257, 4, uint32(h)},
			entry{258, 3, 8},
			entry{259, 3, uint32(compression)},
			entry{262, 3, 1},
			entry{273, 4, uint32(pixOff)},
			entry{277, 3, 1},
			entry{278, 4, uint32(h)},
			entry{279, 4, uint32(w * h)},
			entry{282, 5, uint32(resOff)},
			entry{283, 5, uint32(resOff)},
			entry{296, 3, 2},
		)
		ifdOff := len(out)
		le.PutUint32(out[prevNext:], uint32(ifdOff))
		n := len(entries)
		if p.profile != nil {
			n++
		}
		out = le.AppendUint16(out, uint16(n))
		for _, e := range entries {
			out = le.AppendUint16(out, e.tag)
			out = le.AppendUint16(out, e.typ)
			out = le.AppendUint32(out, 1)
			if e.typ == 3 {
				out = le.AppendUint16(out, uint16(e.value))
				out = le.AppendUint16(out, 0)
			} else {
				out = le.AppendUint32(out, e.value)
			}
		}
		if p.profile != nil { // the highest tag: last, as IFDs are sorted
			typ, count := uint16(typeUndefined), uint32(len(p.profile))
			if p.profileType != 0 {
				typ = p.profileType
			}
			if p.profileCount != 0 {
				count = p.profileCount
			}
			out = le.AppendUint16(out, tagICCProfile)
			out = le.AppendUint16(out, typ)
			out = le.AppendUint32(out, count)
			out = le.AppendUint32(out, uint32(profileOff))
		}
		prevNext = len(out)
		out = le.AppendUint32(out, 0)
	}
	return out
}

// pdfObj is one object of a hand-built PDF: a dictionary body (without
// << >>) with an optional stream, or, when raw is set, any object text.
type pdfObj struct {
	dict   string
	stream []byte
	raw    string
}

// buildPDF writes objects 1..n (object 1 must be the catalog) with a
// correct cross-reference table.
func buildPDF(objs ...pdfObj) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		switch {
		case o.raw != "":
			b.WriteString(o.raw)
		case o.stream != nil:
			fmt.Fprintf(&b, "<< %s /Length %d >>\nstream\n", o.dict, len(o.stream))
			b.Write(o.stream)
			b.WriteString("\nendstream")
		default:
			fmt.Fprintf(&b, "<< %s >>", o.dict)
		}
		b.WriteString("\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// scanPage is one page of scanPDF: a MediaBox, an image XObject /Im0 and
// the content stream that paints it.
type scanPage struct {
	mediaW, mediaH float64
	image          pdfObj
	content        string
}

// scanPDF builds a PDF whose pages each show one image: objects 1 catalog,
// 2 page tree, then page, content and image for each page.
func scanPDF(pages ...scanPage) []byte {
	var kids []string
	objs := []pdfObj{{dict: "/Type /Catalog /Pages 2 0 R"}, {}}
	for i, p := range pages {
		pageNr := 3 + 3*i
		kids = append(kids, fmt.Sprintf("%d 0 R", pageNr))
		objs = append(objs,
			pdfObj{dict: fmt.Sprintf("/Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R",
				p.mediaW, p.mediaH, pageNr+2, pageNr+1)},
			pdfObj{dict: "", stream: []byte(p.content)},
			p.image,
		)
	}
	objs[1] = pdfObj{dict: fmt.Sprintf("/Type /Pages /Kids [%s] /Count %d", strings.Join(kids, " "), len(pages))}
	return buildPDF(objs...)
}

func zlibBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// collectPages decodes every page of a one-file document.
func collectPages(t *testing.T, path string, lim Limits) ([]Page, error) {
	t.Helper()
	doc := Document{Name: filepath.Base(path), Path: path, Files: []string{path}}
	var pages []Page
	err := doc.Pages(context.Background(), lim, func(p Page) error {
		pages = append(pages, p)
		return nil
	})
	return pages, err
}

// grayAt reads pixel (x, y) of any image as 8-bit gray.
func grayAt(img image.Image, x, y int) uint8 {
	r, g, b, _ := img.At(img.Bounds().Min.X+x, img.Bounds().Min.Y+y).RGBA()
	return uint8(((r + g + b) / 3) >> 8)
}

// meanAbsDiff compares an image with the gray pattern (for lossy JPEG).
func meanAbsDiff(img image.Image, want *image.Gray) float64 {
	var sum float64
	w, h := want.Rect.Dx(), want.Rect.Dy()
	for y := range h {
		for x := range w {
			d := int(grayAt(img, x, y)) - int(want.Pix[y*want.Stride+x])
			if d < 0 {
				d = -d
			}
			sum += float64(d)
		}
	}
	return sum / float64(w*h)
}
