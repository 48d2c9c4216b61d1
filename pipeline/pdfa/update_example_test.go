package pdfa_test

import (
	"bytes"
	"fmt"
	"image"
	"log"
	"time"

	"github.com/sohoa/sohoa/pipeline/pdfa"
)

// After review, the corrected metadata goes into the PDF/A as an
// incremental update: the digitized file stays byte for byte at the start.
func ExampleUpdateMetadata() {
	ict := time.FixedZone("ICT", 7*3600)
	var digitized bytes.Buffer
	w, err := pdfa.NewWriter(&digitized, pdfa.Info{
		Producer: "sohoa 1.0",
		Created:  time.Date(2025, 3, 15, 9, 30, 0, 0, ict),
		Flavour:  pdfa.PDFA3U,
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := w.AddPage(pdfa.Page{Image: image.NewGray(image.Rect(0, 0, 2480, 3508))}); err != nil {
		log.Fatal(err)
	}
	ocrJSON := []byte(`{"subject":"V/v tuyen sinh","needsReview":true}`)
	if err := w.SetInfo(pdfa.Info{Title: "V/v tuyen sinh", Language: "vi"}); err != nil {
		log.Fatal(err)
	}
	if err := w.Attach(pdfa.Attachment{Name: "metadata.json", MIMEType: "application/json", Data: ocrJSON}); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	// Staff corrected the subject; the metadata is rebuilt from the
	// corrected metadata.json, as when the document was digitized.
	reviewed := []byte(`{"subject":"V/v tuyển sinh lớp 10","needsReview":false}`)
	fields, err := pdfa.FieldsFromJSON(reviewed)
	if err != nil {
		log.Fatal(err)
	}
	info := pdfa.Info{
		Title:    "V/v tuyển sinh lớp 10",
		Language: "vi",
		Fields:   fields,
		Modified: time.Date(2025, 3, 17, 14, 5, 0, 0, ict),
	}
	attach := pdfa.Attachment{Name: "metadata.json", MIMEType: "application/json", Data: reviewed}
	var updated bytes.Buffer // usually a new file, renamed over the old one
	in := bytes.NewReader(digitized.Bytes())
	if err := pdfa.UpdateMetadata(in, in.Size(), &updated, info, &attach); err != nil {
		log.Fatal(err)
	}
	fmt.Println(bytes.HasPrefix(updated.Bytes(), digitized.Bytes()))
	fmt.Println(bytes.Count(updated.Bytes(), []byte("%%EOF")), "revisions")
	fmt.Println(bytes.Contains(updated.Bytes(), []byte("<xmp:ModifyDate>2025-03-17T14:05:00+07:00</xmp:ModifyDate>")))
	// Output:
	// true
	// 2 revisions
	// true
}
