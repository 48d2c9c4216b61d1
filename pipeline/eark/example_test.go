package eark_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/pipeline/eark"
)

func ExampleWrite() {
	open := func(s string) func() (io.ReadCloser, error) {
		return func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil }
	}
	pkg := eark.Package{
		ID: "HS-2025-01", FileCode: "HS-01", Title: "Hồ sơ tuyển sinh",
		Created: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC), SoftwareVersion: "0.9.0",
		Documents: []eark.Document{{
			Metadata: metadata.Document{DocID: "doc-0001", CodeNumber: "1595", CodeNotation: "SGDĐT-CTrTT",
				Subject: "V/v tuyển sinh", IssuedDate: "2020-04-08", NumberOfPage: 1, Language: "vi"},
			Files: []eark.File{
				{Role: eark.RoleDigitized, Name: "cv.pdf", MIMEType: "application/pdf", Open: open("%PDF-1.7 ...")},
				{Role: eark.RoleOriginal, Name: "cv.tif", MIMEType: "image/tiff", Open: open("II*\x00...")},
			},
			Events: []eark.Event{{Type: "digitization", Time: time.Date(2025, 2, 28, 9, 0, 0, 0, time.UTC), Tool: "sohoa 0.9.0"}},
		}},
	}
	var buf bytes.Buffer
	if err := eark.Write(&buf, pkg); err != nil {
		fmt.Println(err)
		return
	}
	zr, _ := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	for _, f := range zr.File {
		fmt.Println(f.Name)
	}
	// Output:
	// HS-2025-01/representations/rep1/data/doc-0001/cv.pdf
	// HS-2025-01/representations/rep0/data/doc-0001/cv.tif
	// HS-2025-01/metadata/descriptive/EAD.xml
	// HS-2025-01/metadata/preservation/PREMIS.xml
	// HS-2025-01/METS.xml
}
