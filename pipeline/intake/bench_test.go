package intake

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkPages decodes an A4 page at 300 dpi (2480×3508 gray) in each
// container, to see what intake costs next to OCR.
func BenchmarkPages(b *testing.B) {
	page := grayPattern(2480, 3508)
	dir := b.TempDir()
	files := map[string][]byte{
		"a4.png": pngWithDPI(b, page, 300),
		"a4.jpg": jpegWithJFIF(b, page, 1, 300),
		"a4.tif": buildTIFF([]tiffPage{{img: page, dpi: 300}}),
		"a4.pdf": scanPDF(scanPage{mediaW: 595.2, mediaH: 841.92, content: "q 595.2 0 0 841.92 0 0 cm /Im0 Do Q",
			image: pdfObj{dict: "/Type /XObject /Subtype /Image /Width 2480 /Height 3508 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", stream: zlibBytes(b, page.Pix)}}),
	}
	for _, name := range []string{"a4.png", "a4.jpg", "a4.tif", "a4.pdf"} {
		path := filepath.Join(dir, name)
		writeFile(b, path, files[name])
		doc := Document{Name: name, Path: path, Files: []string{path}}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := doc.Pages(context.Background(), Limits{}, func(Page) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
