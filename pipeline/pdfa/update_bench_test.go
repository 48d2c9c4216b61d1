package pdfa

import (
	"bytes"
	"testing"
	"time"
)

// BenchmarkUpdateMetadata updates the metadata of a 100-page 300-dpi
// PDF/A-3u document held in memory; the copy of the pages dominates.
func BenchmarkUpdateMetadata(b *testing.B) {
	js := testMetadata(b)
	words := layoutWords(testLines, 240, 300, 60)
	page := Page{Encoded: jpegOf(b, drawPage(2480, 3508, words, true, true)), Format: "jpeg", DPI: 300, Words: words}
	var doc bytes.Buffer
	w, err := NewWriter(&doc, Info{Producer: "sohoa bench", Created: testCreated, Flavour: PDFA3U})
	if err != nil {
		b.Fatal(err)
	}
	for range 100 {
		if err := w.AddPage(page); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.SetInfo(lateInfo(b, js)); err != nil {
		b.Fatal(err)
	}
	if err := w.Attach(metadataAttachment(js)); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	info := lateInfo(b, reviewedJSON(b, js, "Trích yếu đã sửa"))
	info.Modified = testCreated.Add(time.Hour)
	attach := metadataAttachment(reviewedJSON(b, js, "Trích yếu đã sửa"))
	b.SetBytes(int64(doc.Len()))
	for b.Loop() {
		var cw countWriter
		if err := UpdateMetadata(bytes.NewReader(doc.Bytes()), int64(doc.Len()), &cw, info, &attach); err != nil {
			b.Fatal(err)
		}
	}
}
