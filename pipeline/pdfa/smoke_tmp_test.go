package pdfa

import (
	"bytes"
	"os"
	"testing"
	"time"
)

func TestSmokeTmp(t *testing.T) {
	js := testMetadata(t)
	words := layoutWords(testLines, 40, 40, 20)
	page := Page{Image: drawPage(620, 877, words, false, false), DPI: 75, Words: words}
	path := writeLatePDF(t, PDFA3U, lateInfo(t, js), []Attachment{metadataAttachment(js)}, page)
	orig, _ := os.ReadFile(path)
	info := lateInfo(t, js)
	info.Title = "Tiêu đề mới đã sửa"
	info.Modified = testCreated.Add(48 * time.Hour)
	var out bytes.Buffer
	a := metadataAttachment([]byte(`{"a":1}`))
	if err := UpdateMetadata(bytes.NewReader(orig), int64(len(orig)), &out, info, &a); err != nil {
		t.Fatal(err)
	}
	os.WriteFile("/tmp/upd/1.pdf", out.Bytes(), 0o644)
	os.WriteFile("/tmp/upd/0.pdf", orig, 0o644)
	var out2 bytes.Buffer
	info.Title = "Lần hai"
	info.Modified = info.Modified.Add(time.Hour)
	if err := UpdateMetadata(bytes.NewReader(out.Bytes()), int64(out.Len()), &out2, info, &a); err != nil {
		t.Fatal(err)
	}
	os.WriteFile("/tmp/upd/2.pdf", out2.Bytes(), 0o644)
}
