package intake

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

func assertGrayPixels(t *testing.T, img image.Image, want *image.Gray) {
	t.Helper()
	if img.Bounds().Dx() != want.Rect.Dx() || img.Bounds().Dy() != want.Rect.Dy() {
		t.Fatalf("size %v, want %v", img.Bounds().Size(), want.Rect.Size())
	}
	for y := range want.Rect.Dy() {
		for x := range want.Rect.Dx() {
			if got, w := grayAt(img, x, y), want.Pix[y*want.Stride+x]; got != w {
				t.Fatalf("pixel (%d,%d) = %d, want %d", x, y, got, w)
			}
		}
	}
}

func assertSinglePage(t *testing.T, pages []Page, err error) Page {
	t.Helper()
	if err != nil {
		t.Fatalf("Pages: %v", err)
	}
	if len(pages) != 1 {
		t.Fatalf("got %d pages, want 1", len(pages))
	}
	return pages[0]
}

// upPredicted prefixes each row with PNG filter 2 (Up) and stores the
// difference to the row above, as a Flate stream with /Predictor 15 holds.
func upPredicted(img *image.Gray) []byte {
	var out []byte
	w := img.Rect.Dx()
	for y := range img.Rect.Dy() {
		out = append(out, 2)
		for x := range w {
			v := img.Pix[y*img.Stride+x]
			if y > 0 {
				v -= img.Pix[(y-1)*img.Stride+x]
			}
			out = append(out, v)
		}
	}
	return out
}

// ccittG4 is an 8×4 image, each row 4 white then 4 black pixels, coded by
// hand in CCITT Group 4: row 1 in horizontal mode (001, white 4 = 1011,
// black 4 = 011), rows 2–4 as two vertical-0 codes (1 1) each, then EOFB.
var ccittG4 = func() []byte {
	bits := "001" + "1011" + "011" + "11" + "11" + "11" + "000000000001" + "000000000001"
	for len(bits)%8 != 0 {
		bits += "0"
	}
	out := make([]byte, len(bits)/8)
	for i, c := range bits {
		if c == '1' {
			out[i/8] |= 0x80 >> (i % 8)
		}
	}
	return out
}()

func encryptPDF(t *testing.T, plain []byte, userPW, ownerPW string) []byte {
	t.Helper()
	api.DisableConfigDir()
	conf := model.NewAESConfiguration(userPW, ownerPW, 256)
	var out bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(plain), &out, conf); err != nil {
		t.Fatalf("encrypt: %v", err)
	}
	return out.Bytes()
}

func TestPagesDecodesFormats(t *testing.T) {
	pattern := grayPattern(40, 30)
	jpegFile := jpegWithJFIF(t, pattern, 1, 200)
	flatePage := scanPage{
		mediaW: 144, mediaH: 108,
		image: pdfObj{
			dict:   "/Type /XObject /Subtype /Image /Width 40 /Height 30 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 1 /BitsPerComponent 8 /Columns 40 >>",
			stream: zlibBytes(t, upPredicted(pattern)),
		},
		// 40 px over 20 pt: 144 dpi, although the MediaBox would say 20.
		content: "q 20 0 0 15 10 10 cm /Im0 Do Q",
	}

	tests := []struct {
		name  string
		file  string
		data  []byte
		check func(t *testing.T, pages []Page, err error)
	}{
		{
			name: "PNG with pHYs 300 dpi",
			file: "scan.png",
			data: pngWithDPI(t, pattern, 300),
			check: func(t *testing.T, pages []Page, err error) {
				p := assertSinglePage(t, pages, err)
				assertGrayPixels(t, p.Image, pattern)
				if p.DPI != 300 {
					t.Errorf("DPI = %v, want 300", p.DPI)
				}
				if p.Format != "png" || !bytes.Equal(p.Encoded, pngWithDPI(t, pattern, 300)) {
					t.Errorf("Encoded/Format = %d bytes/%q, want the file's bytes/png", len(p.Encoded), p.Format)
				}
			},
		},
		{
			name: "PNG named .pdf is read by content",
			file: "liar.pdf",
			data: pngWithDPI(t, pattern, 0),
			check: func(t *testing.T, pages []Page, err error) {
				p := assertSinglePage(t, pages, err)
				assertGrayPixels(t, p.Image, pattern)
				if p.DPI != 0 {
					t.Errorf("DPI = %v, want 0 (unknown)", p.DPI)
				}
			},
		},
		{
			name: "JPEG with JFIF 200 dpi passes through",
			file: "scan.jpg",
			data: jpegFile,
			check: func(t *testing.T, pages []Page, err error) {
				p := assertSinglePage(t, pages, err)
				if d := meanAbsDiff(p.Image, pattern); d > 3 {
					t.Errorf("decoded JPEG differs by %.2f on average", d)
				}
				if p.DPI != 200 {
					t.Errorf("DPI = %v, want 200", p.DPI)
				}
				if p.Format != "jpeg" || !bytes.Equal(p.Encoded, jpegFile) {
					t.Errorf("Encoded/Format = %d bytes/%q, want the file's %d bytes/jpeg", len(p.Encoded), p.Format, len(jpegFile))
				}
			},
		},
		{
			name: "JPEG with JFIF dots per cm",
			file: "cm.jpg",
			data: jpegWithJFIF(t, pattern, 2, 118),
			check: func(t *testing.T, pages []Page, err error) {
				p := assertSinglePage(t, pages, err)
				if p.DPI != 299.72 {
					t.Errorf("DPI = %v, want 299.72", p.DPI)
				}
			},
		},
		{
			name: "JPEG with only EXIF resolution",
			file: "camera.jpg",
			data: jpegWithEXIF(t, pattern, 300),
			check: func(t *testing.T, pages []Page, err error) {
				p := assertSinglePage(t, pages, err)
				if p.DPI != 300 {
					t.Errorf("DPI = %v, want 300", p.DPI)
				}
			},
		},
		{
			name: "single-page TIFF 150 dpi",
			file: "one.tif",
			data: buildTIFF([]tiffPage{{img: pattern, dpi: 150}}),
			check: func(t *testing.T, pages []Page, err error) {
				p := assertSinglePage(t, pages, err)
				assertGrayPixels(t, p.Image, pattern)
				if p.DPI != 150 {
					t.Errorf("DPI = %v, want 150", p.DPI)
				}
			},
		},
		{
			name: "multi-page TIFF skips thumbnails",
			file: "multi.tiff",
			data: buildTIFF([]tiffPage{
				{img: grayPattern(10, 5), dpi: 100},
				{img: grayPattern(4, 4), dpi: 72, thumbnail: true},
				{img: grayPattern(20, 6), dpi: 200},
				{img: grayPattern(30, 7), dpi: 300},
			}),
			check: func(t *testing.T, pages []Page, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if len(pages) != 3 {
					t.Fatalf("got %d pages, want 3", len(pages))
				}
				for i, want := range []struct{ w, h int }{{10, 5}, {20, 6}, {30, 7}} {
					if pages[i].Index != i {
						t.Errorf("page %d has Index %d", i, pages[i].Index)
					}
					assertGrayPixels(t, pages[i].Image, grayPattern(want.w, want.h))
					if wantDPI := float64(100 * (i + 1)); pages[i].DPI != wantDPI {
						t.Errorf("page %d DPI = %v, want %v", i, pages[i].DPI, wantDPI)
					}
				}
			},
		},
		{
			name: "PDF with DCT image placed by cm",
			file: "jpeg.pdf",
			data: scanPDF(scanPage{
				mediaW: 595, mediaH: 842,
				image:   pdfObj{dict: "/Type /XObject /Subtype /Image /Width 40 /Height 30 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode", stream: jpegFile},
				content: "q 1 0 0 1 0 0 cm q 28.8 0 0 21.6 100 100 cm /Im0 Do Q Q",
			}),
			check: func(t *testing.T, pages []Page, err error) {
				p := assertSinglePage(t, pages, err)
				if d := meanAbsDiff(p.Image, pattern); d > 3 {
					t.Errorf("decoded JPEG differs by %.2f on average", d)
				}
				if p.DPI != 100 {
					t.Errorf("DPI = %v, want 100 (40 px over 28.8 pt)", p.DPI)
				}
				if p.Format != "jpeg" || !bytes.Equal(p.Encoded, jpegFile) {
					t.Errorf("Encoded/Format = %d bytes/%q, want the embedded JPEG", len(p.Encoded), p.Format)
				}
			},
		},
		{
			name: "PDF with Flate gray image and PNG predictor",
			file: "flate.pdf",
			data: scanPDF(flatePage),
			check: func(t *testing.T, pages []Page, err error) {
				p := assertSinglePage(t, pages, err)
				assertGrayPixels(t, p.Image, pattern)
				if p.DPI != 144 {
					t.Errorf("DPI = %v, want 144", p.DPI)
				}
				if p.Encoded != nil {
					t.Error("a Flate image must not be passed through as JPEG")
				}
			},
		},
		{
			name: "PDF 1-bit image with Decode [1 0]",
			file: "bilevel.pdf",
			data: scanPDF(scanPage{
				mediaW: 72, mediaH: 72,
				// Rows of 10 pixels: 1100110011 then its inverse.
				image: pdfObj{
					dict:   "/Type /XObject /Subtype /Image /Width 10 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 1 /Decode [1 0]",
					stream: []byte{0b11001100, 0b11000000, 0b00110011, 0b00000000},
				},
				content: "q 72 0 0 72 0 0 cm /Im0 Do Q",
			}),
			check: func(t *testing.T, pages []Page, err error) {
				p := assertSinglePage(t, pages, err)
				rows := []string{"1100110011", "0011001100"}
				for y, row := range rows {
					for x, c := range row {
						// Decode [1 0]: a 1 bit is black.
						want := uint8(255)
						if c == '1' {
							want = 0
						}
						if got := grayAt(p.Image, x, y); got != want {
							t.Fatalf("pixel (%d,%d) = %d, want %d", x, y, got, want)
						}
					}
				}
				if p.DPI != 10 {
					t.Errorf("DPI = %v, want 10", p.DPI)
				}
			},
		},
		{
			name: "PDF indexed image",
			file: "indexed.pdf",
			data: scanPDF(scanPage{
				mediaW: 72, mediaH: 72,
				image: pdfObj{
					dict:   "/Type /XObject /Subtype /Image /Width 3 /Height 1 /ColorSpace [/Indexed /DeviceRGB 1 <FF0000 0000FF>] /BitsPerComponent 8",
					stream: []byte{0, 1, 0},
				},
				content: "q 72 0 0 72 0 0 cm /Im0 Do Q",
			}),
			check: func(t *testing.T, pages []Page, err error) {
				p := assertSinglePage(t, pages, err)
				red, blue := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}
				for x, want := range []color.RGBA{red, blue, red} {
					if got := color.RGBAModel.Convert(p.Image.At(x, 0)); got != want {
						t.Errorf("pixel %d = %v, want %v", x, got, want)
					}
				}
			},
		},
		{
			name: "PDF CCITT G4 image",
			file: "fax.pdf",
			data: scanPDF(scanPage{
				mediaW: 72, mediaH: 36,
				image: pdfObj{
					dict:   "/Type /XObject /Subtype /Image /Width 8 /Height 4 /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns 8 /Rows 4 >>",
					stream: ccittG4,
				},
				content: "q 72 0 0 36 0 0 cm /Im0 Do Q",
			}),
			check: func(t *testing.T, pages []Page, err error) {
				p := assertSinglePage(t, pages, err)
				if p.Image.Bounds().Dx() != 8 || p.Image.Bounds().Dy() != 4 {
					t.Fatalf("size %v, want 8×4", p.Image.Bounds().Size())
				}
				for y := range 4 {
					for x := range 8 {
						want := uint8(255)
						if x >= 4 {
							want = 0
						}
						if got := grayAt(p.Image, x, y); got != want {
							t.Fatalf("pixel (%d,%d) = %d, want %d", x, y, got, want)
						}
					}
				}
				if p.DPI != 8 {
					t.Errorf("DPI = %v, want 8", p.DPI)
				}
			},
		},
		{
			name: "PDF image inside a Form XObject, DPI from MediaBox",
			file: "form.pdf",
			data: buildPDF(
				pdfObj{dict: "/Type /Catalog /Pages 2 0 R"},
				pdfObj{dict: "/Type /Pages /Kids [3 0 R] /Count 1"},
				pdfObj{dict: "/Type /Page /Parent 2 0 R /MediaBox [0 0 28.8 21.6] /Resources << /XObject << /Fm0 5 0 R >> >> /Contents 4 0 R"},
				pdfObj{stream: []byte("/Fm0 Do")},
				pdfObj{dict: "/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Resources << /XObject << /Im7 6 0 R /Logo 7 0 R >> >>", stream: []byte("/Im7 Do /Logo Do")},
				pdfObj{dict: "/Type /XObject /Subtype /Image /Width 40 /Height 30 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", stream: zlibBytes(t, pattern.Pix)},
				pdfObj{dict: "/Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8", stream: []byte{0, 0, 0, 0}},
			),
			check: func(t *testing.T, pages []Page, err error) {
				p := assertSinglePage(t, pages, err)
				assertGrayPixels(t, p.Image, pattern)
				if p.DPI != 100 {
					t.Errorf("DPI = %v, want 100 (40 px over a 28.8 pt MediaBox)", p.DPI)
				}
			},
		},
		{
			name: "PDF encrypted with only an owner password opens",
			file: "owner-only.pdf",
			data: encryptPDF(t, scanPDF(flatePage), "", "owner-secret"),
			check: func(t *testing.T, pages []Page, err error) {
				p := assertSinglePage(t, pages, err)
				assertGrayPixels(t, p.Image, pattern)
			},
		},
		{
			name: "PDF pages in order",
			file: "two.pdf",
			data: scanPDF(
				scanPage{mediaW: 72, mediaH: 72, content: "q 72 0 0 72 0 0 cm /Im0 Do Q",
					image: pdfObj{dict: "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8", stream: []byte{10}}},
				scanPage{mediaW: 72, mediaH: 72, content: "q 72 0 0 72 0 0 cm /Im0 Do Q",
					image: pdfObj{dict: "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8", stream: []byte{20}}},
			),
			check: func(t *testing.T, pages []Page, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if len(pages) != 2 {
					t.Fatalf("got %d pages, want 2", len(pages))
				}
				for i, want := range []uint8{10, 20} {
					if got := grayAt(pages[i].Image, 0, 0); got != want || pages[i].Index != i {
						t.Errorf("page %d: pixel %d index %d, want %d %d", i, got, pages[i].Index, want, i)
					}
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, filepath.Join(t.TempDir(), tc.file), tc.data)
			pages, err := collectPages(t, path, Limits{})
			for _, p := range pages {
				if p.File != path {
					t.Errorf("Page.File = %q, want %q", p.File, path)
				}
			}
			tc.check(t, pages, err)
		})
	}
}

func TestPagesErrors(t *testing.T) {
	pattern := grayPattern(40, 30)
	validPNG := pngWithDPI(t, pattern, 300)
	validTIFF := buildTIFF([]tiffPage{{img: pattern, dpi: 300}, {img: pattern, dpi: 300}})
	// A PNG whose IHDR claims 100000×100000: only the header is needed.
	bomb := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", []byte{0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0, 8, 0, 0, 0, 0})...)
	bomb = append(bomb, pngChunk("IDAT", zlibBytes(t, []byte{0, 0, 0}))...)
	corruptPNG := bytes.Clone(validPNG)
	for i := 60; i < len(corruptPNG)-20; i++ {
		corruptPNG[i] ^= 0x5A // inside IDAT: CRC and zlib data break
	}
	// Point the second page's strip past the end of the file: the first
	// page still decodes.
	pastEOF := bytes.Clone(validTIFF)
	stripTag := []byte{0x11, 0x01, 4, 0, 1, 0, 0, 0} // StripOffsets, LONG, 1 value
	second := bytes.LastIndex(pastEOF, stripTag)
	binary.LittleEndian.PutUint32(pastEOF[second+8:], uint32(len(pastEOF)+100))

	tests := []struct {
		name     string
		file     string
		data     []byte
		lim      Limits
		kind     error
		page     int
		contains string
		decoded  int // pages delivered before the error
	}{
		{name: "empty file", file: "empty.png", data: []byte{}, kind: ErrEmpty, contains: "empty file"},
		{name: "corrupt PNG", file: "bad.png", data: corruptPNG, kind: ErrCorrupt, contains: "invalid PNG"},
		{name: "truncated PNG", file: "cut.png", data: validPNG[:len(validPNG)/2], kind: ErrCorrupt, contains: "PNG"},
		{name: "PNG bomb", file: "bomb.png", data: bomb, kind: ErrTooLarge, contains: "image too large: 100000×100000 pixels exceeds the limit of 150000000"},
		{name: "TIFF strip past EOF", file: "scan.tif", data: pastEOF, kind: ErrCorrupt, page: 2, contains: "scan.tif: page 2: truncated TIFF: unexpected EOF", decoded: 1},
		{name: "TIFF cut in its last IFD", file: "cut.tif", data: validTIFF[:len(validTIFF)-50], kind: ErrCorrupt, page: 2, contains: "truncated TIFF"},
		{name: "TIFF IFD loop", file: "loop.tif", data: tiffLoop(validTIFF), kind: ErrCorrupt, contains: "loops back"},
		{name: "TIFF with old-style JPEG", file: "ojpeg.tif", data: buildTIFF([]tiffPage{{img: pattern, compression: 6}}), kind: ErrUnsupported, page: 1, contains: "unsupported TIFF compression 6"},
		{name: "TIFF over the page limit", file: "many.tif", data: validTIFF, lim: Limits{MaxPages: 1}, kind: ErrTooLarge, contains: "too many pages"},
		{name: "TIFF page over the pixel limit", file: "big.tif", data: validTIFF, lim: Limits{MaxPixels: 1000}, kind: ErrTooLarge, page: 1, contains: "40×30 pixels exceeds the limit of 1000"},
		{name: "unknown type", file: "notes.docx", data: []byte("PK\x03\x04 not a scan"), kind: ErrUnsupported, contains: "unsupported file type"},
		{
			name: "PDF with JBIG2 image", file: "jbig2.pdf", kind: ErrUnsupported, page: 1, contains: "unsupported image compression JBIG2Decode",
			data: scanPDF(scanPage{mediaW: 72, mediaH: 72, content: "/Im0 Do",
				image: pdfObj{dict: "/Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /JBIG2Decode", stream: []byte("junk")}}),
		},
		{
			name: "PDF page without image", file: "text.pdf", kind: ErrUnsupported, page: 1, contains: "no scanned image",
			data: buildPDF(
				pdfObj{dict: "/Type /Catalog /Pages 2 0 R"},
				pdfObj{dict: "/Type /Pages /Kids [3 0 R] /Count 1"},
				pdfObj{dict: "/Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> /Contents 4 0 R"},
				pdfObj{stream: []byte("BT ET")},
			),
		},
		{
			name: "PDF image data too short", file: "short.pdf", kind: ErrCorrupt, page: 1, contains: "image data too short",
			data: scanPDF(scanPage{mediaW: 72, mediaH: 72, content: "/Im0 Do",
				image: pdfObj{dict: "/Type /XObject /Subtype /Image /Width 40 /Height 30 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", stream: zlibBytes(t, pattern.Pix[:100])}}),
		},
		{
			name: "PDF image over the pixel limit", file: "huge.pdf", kind: ErrTooLarge, page: 1, contains: "image too large: 100000×100000",
			data: scanPDF(scanPage{mediaW: 72, mediaH: 72, content: "/Im0 Do",
				image: pdfObj{dict: "/Type /XObject /Subtype /Image /Width 100000 /Height 100000 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", stream: zlibBytes(t, []byte{0})}}),
		},
		{name: "PDF garbage", file: "garbage.pdf", data: []byte("%PDF-1.7\nthis is not a PDF body at all"), kind: ErrCorrupt, contains: "invalid PDF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, filepath.Join(t.TempDir(), tc.file), tc.data)
			pages, err := collectPages(t, path, tc.lim)
			if err == nil {
				t.Fatalf("no error, got %d pages", len(pages))
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("error %q is not %v", err, tc.kind)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error", err)
			}
			if e.File != tc.file || !strings.HasPrefix(err.Error(), tc.file+": ") {
				t.Errorf("error %q does not name the file %s first", err, tc.file)
			}
			if e.Page != tc.page {
				t.Errorf("error page = %d, want %d (%v)", e.Page, tc.page, err)
			}
			if !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("error %q does not contain %q", err, tc.contains)
			}
			if len(pages) != tc.decoded {
				t.Errorf("%d pages delivered before the error, want %d", len(pages), tc.decoded)
			}
		})
	}
}

func TestPasswordProtectedPDF(t *testing.T) {
	plain := scanPDF(scanPage{mediaW: 72, mediaH: 72, content: "/Im0 Do",
		image: pdfObj{dict: "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8", stream: []byte{7}}})
	path := writeFile(t, filepath.Join(t.TempDir(), "locked.pdf"), encryptPDF(t, plain, "user-secret", "owner-secret"))
	doc := Document{Name: "locked.pdf", Path: path, Files: []string{path}}
	err := doc.Pages(context.Background(), Limits{}, func(Page) error {
		t.Error("a locked PDF must not deliver pages")
		return nil
	})
	if !errors.Is(err, ErrEncrypted) || !strings.Contains(err.Error(), "password-protected") || !strings.HasPrefix(err.Error(), "locked.pdf: ") {
		t.Errorf("Pages error = %v, want ErrEncrypted naming locked.pdf and saying password-protected", err)
	}
	if _, err := doc.PageCount(context.Background(), Limits{}); !errors.Is(err, ErrEncrypted) {
		t.Errorf("PageCount error = %v, want ErrEncrypted", err)
	}
}

func TestPageCount(t *testing.T) {
	dir := t.TempDir()
	img := grayPattern(4, 4)
	page := scanPage{mediaW: 72, mediaH: 72, content: "/Im0 Do",
		image: pdfObj{dict: "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8", stream: []byte{7}}}
	tests := []struct {
		name string
		doc  Document
		want int
	}{
		{"PNG", Document{Path: writeFile(t, filepath.Join(dir, "a.png"), pngWithDPI(t, img, 0))}, 1},
		{"TIFF", Document{Path: writeFile(t, filepath.Join(dir, "b.tif"), buildTIFF([]tiffPage{{img: img}, {img: img}, {img: img}}))}, 3},
		{"PDF", Document{Path: writeFile(t, filepath.Join(dir, "c.pdf"), scanPDF(page, page))}, 2},
		{"folder", Document{Path: dir, Files: []string{filepath.Join(dir, "a.png"), filepath.Join(dir, "a.png")}}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := tc.doc.PageCount(context.Background(), Limits{})
			if err != nil || n != tc.want {
				t.Errorf("PageCount = %d, %v; want %d", n, err, tc.want)
			}
		})
	}
}

func TestPagesFolderDocument(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i := range 3 {
		files = append(files, writeFile(t, filepath.Join(dir, fmt.Sprintf("page-%d.png", i+1)), pngWithDPI(t, grayPattern(5+i, 5), 300)))
	}
	t.Run("pages in file order", func(t *testing.T) {
		doc := Document{Name: "hs-001", Path: dir, Files: files}
		var widths []int
		err := doc.Pages(context.Background(), Limits{}, func(p Page) error {
			if p.Index != len(widths) || p.File != files[p.Index] {
				t.Errorf("page %d: Index %d File %s", len(widths), p.Index, p.File)
			}
			widths = append(widths, p.Image.Bounds().Dx())
			return nil
		})
		if err != nil || fmt.Sprint(widths) != "[5 6 7]" {
			t.Errorf("widths %v, err %v; want [5 6 7]", widths, err)
		}
	})
	t.Run("a bad page names its file and page", func(t *testing.T) {
		bad := writeFile(t, filepath.Join(dir, "page-4.png"), []byte("\x89PNG\r\n\x1a\ngarbage"))
		doc := Document{Name: "hs-001", Path: dir, Files: append(slicesClone(files), bad)}
		err := doc.Pages(context.Background(), Limits{}, func(Page) error { return nil })
		var e *Error
		if !errors.As(err, &e) || e.Page != 4 || e.File != "hs-001/page-4.png" || !errors.Is(err, ErrCorrupt) {
			t.Errorf("error = %v, want ErrCorrupt on hs-001/page-4.png page 4", err)
		}
	})
	t.Run("callback error comes back unchanged", func(t *testing.T) {
		stop := errors.New("stop here")
		doc := Document{Name: "hs-001", Path: dir, Files: files}
		calls := 0
		err := doc.Pages(context.Background(), Limits{}, func(Page) error { calls++; return stop })
		if err != stop || calls != 1 {
			t.Errorf("err = %v after %d calls, want the callback's error after 1", err, calls)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		doc := Document{Name: "hs-001", Path: dir, Files: files}
		if err := doc.Pages(ctx, Limits{}, func(Page) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("page limit", func(t *testing.T) {
		doc := Document{Name: "hs-001", Path: dir, Files: files}
		err := doc.Pages(context.Background(), Limits{MaxPages: 2}, func(Page) error { return nil })
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("err = %v, want ErrTooLarge", err)
		}
	})
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

func TestMain(m *testing.M) {
	// pdfcpu's encrypt helpers would otherwise create a config folder.
	api.DisableConfigDir()
	os.Exit(m.Run())
}

// tiffLoop makes the last IFD of a TIFF point back at the first.
func tiffLoop(valid []byte) []byte {
	out := bytes.Clone(valid)
	first := binary.LittleEndian.Uint32(out[4:])
	copy(out[len(out)-4:], binary.LittleEndian.AppendUint32(nil, first))
	return out
}

// jpegWithEXIF encodes img with an EXIF APP1 segment whose IFD0 holds
// XResolution dpi/1 and ResolutionUnit inch, and no JFIF segment.
func jpegWithEXIF(t *testing.T, img image.Image, dpi uint32) []byte {
	t.Helper()
	plain := jpegWithJFIF(t, img, 0, 1)
	plain = append(plain[:2:2], plain[2+18:]...) // drop the JFIF segment again
	le := binary.LittleEndian
	tiffData := []byte("II*\x00")
	tiffData = le.AppendUint32(tiffData, 8)
	tiffData = le.AppendUint16(tiffData, 2)
	tiffData = append(tiffData, 0x1A, 0x01, 5, 0, 1, 0, 0, 0) // XResolution, RATIONAL
	tiffData = le.AppendUint32(tiffData, 8+2+24+4)
	tiffData = append(tiffData, 0x28, 0x01, 3, 0, 1, 0, 0, 0, 2, 0, 0, 0) // ResolutionUnit inch
	tiffData = le.AppendUint32(tiffData, 0)
	tiffData = le.AppendUint32(tiffData, dpi)
	tiffData = le.AppendUint32(tiffData, 1)
	payload := append([]byte("Exif\x00\x00"), tiffData...)
	app1 := binary.BigEndian.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(payload)+2))
	app1 = append(app1, payload...)
	return append(append(append([]byte{}, plain[:2]...), app1...), plain[2:]...)
}
