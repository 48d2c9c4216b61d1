package intake

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzPages feeds damaged files of every supported type to Pages: it must
// never panic, and every failure must be a categorised *Error.
func FuzzPages(f *testing.F) {
	img := grayPattern(12, 9)
	f.Add(pngWithDPI(f, img, 300))
	f.Add(jpegWithJFIF(f, img, 1, 300))
	f.Add(buildTIFF([]tiffPage{{img: img, dpi: 300}, {img: img, dpi: 200}}))
	f.Add(scanPDF(scanPage{mediaW: 72, mediaH: 54, content: "q 72 0 0 54 0 0 cm /Im0 Do Q",
		image: pdfObj{dict: "/Type /XObject /Subtype /Image /Width 12 /Height 9 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", stream: zlibBytes(f, img.Pix)}}))
	f.Add(scanPDF(scanPage{mediaW: 72, mediaH: 36, content: "/Im0 Do",
		image: pdfObj{dict: "/Type /XObject /Subtype /Image /Width 8 /Height 4 /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns 8 /Rows 4 >>", stream: ccittG4}}))
	f.Add(scanPDF(scanPage{mediaW: 72, mediaH: 72, content: "/Im0 Do",
		image: pdfObj{dict: "/Type /XObject /Subtype /Image /Width 3 /Height 1 /ColorSpace [/Indexed /DeviceRGB 1 <FF0000 0000FF>] /BitsPerComponent 2", stream: []byte{0x44}}}))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.bin")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		doc := Document{Name: "fuzz.bin", Path: path, Files: []string{path}}
		lim := Limits{MaxPixels: 1 << 20, MaxPages: 20}
		err := doc.Pages(context.Background(), lim, func(p Page) error {
			if b := p.Image.Bounds(); int64(b.Dx())*int64(b.Dy()) > lim.MaxPixels {
				t.Errorf("page of %v pixels passed the limit", b.Size())
			}
			return nil
		})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind == nil || e.File != "fuzz.bin" {
				t.Errorf("uncategorised error %T: %v", err, err)
			}
		}
		if _, err := doc.PageCount(context.Background(), lim); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind == nil {
				t.Errorf("PageCount: uncategorised error %T: %v", err, err)
			}
		}
	})
}

// FuzzPlacedSizes: the content-stream scanner must end on any input.
func FuzzPlacedSizes(f *testing.F) {
	f.Add([]byte("q 595 0 0 842 0 0 cm /Im0 Do Q"))
	f.Add([]byte("BT (a\\)b) Tj ET BI /W 1 ID xx EI <</A 1>> [1 2] <00ff> % c\n/X Do"))
	f.Fuzz(func(t *testing.T, data []byte) {
		placedSizes(data)
	})
}
