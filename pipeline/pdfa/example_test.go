package pdfa_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"log"
	"time"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pipeline/pdfa"
)

func ExampleWriter() {
	// A 300-dpi page image and the words OCR found on it.
	page := image.NewGray(image.Rect(0, 0, 2480, 3508))
	draw.Draw(page, page.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	words := []ocr.Word{
		{Text: "Quyết", Box: image.Rect(300, 400, 420, 450), Line: 0},
		{Text: "định", Box: image.Rect(440, 400, 540, 450), Line: 0},
	}

	var out bytes.Buffer // usually a file
	w, err := pdfa.NewWriter(&out, pdfa.Info{
		Producer: "sohoa 1.0",
		Created:  time.Date(2025, 3, 15, 9, 30, 0, 0, time.FixedZone("ICT", 7*3600)),
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := w.AddPage(pdfa.Page{Image: page, DPI: 300, Words: words}); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", bytes.SplitN(out.Bytes(), []byte("\n"), 2)[0])
	fmt.Println(bytes.HasSuffix(out.Bytes(), []byte("%%EOF\n")))
	// Output:
	// %PDF-1.7
	// true
}

// The metadata read from the pages is given after them, and a PDF/A-3u
// document carries its metadata.json as an associated file.
func ExampleWriter_SetInfo() {
	var out bytes.Buffer
	w, err := pdfa.NewWriter(&out, pdfa.Info{
		Producer: "sohoa 1.0",
		Created:  time.Date(2025, 3, 15, 9, 30, 0, 0, time.UTC),
		Flavour:  pdfa.PDFA3U,
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := w.AddPage(pdfa.Page{Image: image.NewGray(image.Rect(0, 0, 2480, 3508))}); err != nil {
		log.Fatal(err)
	}

	metadataJSON := []byte(`{"docId":"HS-1","subject":"V/v tuyển sinh","issuedDate":"2019-05-31","numberOfPage":1}`)
	fields, err := pdfa.FieldsFromJSON(metadataJSON, "issuedDate")
	if err != nil {
		log.Fatal(err)
	}
	err = w.SetInfo(pdfa.Info{
		Title:    "V/v tuyển sinh",
		Author:   "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
		Date:     "2019-05-31",
		Language: "vi",
		Fields:   fields,
	})
	if err != nil {
		log.Fatal(err)
	}
	err = w.Attach(pdfa.Attachment{Name: "metadata.json", MIMEType: "application/json", Data: metadataJSON})
	if err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	for _, f := range fields {
		fmt.Println(f.Name, f.Type)
	}
	fmt.Println(bytes.Contains(out.Bytes(), []byte("<pdfaid:part>3</pdfaid:part>")))
	// Output:
	// docId Text
	// subject Text
	// issuedDate Date
	// numberOfPage Integer
	// true
}
