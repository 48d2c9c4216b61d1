package metadata_test

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/sohoa/sohoa/metadata"
)

func ExampleLoadRegister() {
	reg, err := metadata.LoadRegister(strings.NewReader(
		"\uFEFFfile;codeNumber;issuedDate;signerFullName;mode\n"+
			"hs-001/cv.tif;1595;08/04/2020;Trần Thị Bình;1\n"+
			"hs-002/qd.tif;12;;;\n"), "register.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	// What the scan gave: the number was handwritten, so left empty.
	e := metadata.Extraction{TypeName: "Công văn", CodeNotation: "SGDĐT-CTrTT", IssuedDate: "2020-04-08",
		OrganName: "SỞ GIÁO DỤC VÀ ĐÀO TẠO", Subject: "V/v tuyển sinh", SignerFullName: "Nguyễn Văn An",
		ReviewReasons: []string{"codeNumber: no printed number after 'Số:'"}, NeedsReview: true}
	src := metadata.Source{Files: []metadata.SourceFile{{Name: "cv.tif", SHA256: strings.Repeat("ab", 32)}}}
	doc := e.Document("doc-0001", src, 1, nil)

	fmt.Println(reg.Apply(&doc, "batch/hs-001/cv.tif"))
	fmt.Println(doc.CodeNumber, doc.Mode, doc.SignerFullName, doc.Source.Register, doc.Status)
	fmt.Println(doc.ReviewReasons)
	fmt.Println(reg.Unused())
	// Output:
	// true
	// 1595 01 Trần Thị Bình register.csv:2 needs_review
	// [signerFullName: register says "Trần Thị Bình", scan reads "Nguyễn Văn An"]
	// [register.csv:3 (hs-002/qd.tif)]
}

func ExampleReadReviewCSV() {
	e := metadata.Extraction{TypeName: "Công văn", CodeNotation: "SGDĐT-CTrTT", IssuedDate: "2020-04-08",
		OrganName: "SỞ GIÁO DỤC VÀ ĐÀO TẠO", Subject: "V/v tuyển sinh",
		ReviewReasons: []string{"codeNumber: no printed number after 'Số:'"}, NeedsReview: true}
	src := metadata.Source{Files: []metadata.SourceFile{{Name: "cv.tif", SHA256: strings.Repeat("ab", 32)}}}
	doc := e.Document("doc-0001", src, 1, nil)

	var sheet bytes.Buffer
	if err := metadata.WriteReviewCSV(&sheet, []metadata.ReviewRow{{Name: "batch/cv.tif", Document: doc}}); err != nil {
		fmt.Println(err)
		return
	}
	// Staff type the handwritten number into the codeNumber column (the
	// 10th column; the was:codeNumber column keeps the exported value).
	lines := strings.Split(sheet.String(), "\r\n")
	cells := strings.Split(lines[1], ",")
	cells[9] = "1595"
	lines[1] = strings.Join(cells, ",")

	edits, err := metadata.ReadReviewCSV(strings.NewReader(strings.Join(lines, "\r\n")))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+v\n", edits[0].Fields)
	changes, err := metadata.ApplyEdits(&doc, edits[0], "lan.nguyen", time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range changes {
		fmt.Printf("%s: %q → %q\n", c.Field, c.Old, c.New)
	}
	// Output:
	// [{Field:codeNumber Old: New:1595}]
	// codeNumber: "" → "1595"
	// reviewReasons: "codeNumber: no printed number after 'Số:'" → ""
	// needsReview: "true" → "false"
	// status: "needs_review" → "digitized"
}
