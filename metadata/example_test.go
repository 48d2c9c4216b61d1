package metadata_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sohoa/sohoa/metadata"
)

func ExampleValidate() {
	e := metadata.Extraction{
		TypeName: "Công văn", CodeNumber: "1595", CodeNotation: "SGDĐT-CTrTT",
		IssuedDate: "2020-04-08", OrganName: "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
		Subject: "V/v triển khai công tác tuyển sinh", Confidence: map[string]float64{"codeNumber": 0.97},
	}
	src := metadata.Source{Files: []metadata.SourceFile{{Name: "cv.tif", SHA256: strings.Repeat("ab", 32)}}}
	doc := e.Document("doc-0001", src, 1, nil)
	data, _ := json.Marshal(doc)
	fmt.Println(doc.Status, metadata.Validate(data))

	doc.CodeNumber = "123456789012"
	data, _ = json.Marshal(doc)
	fmt.Println(metadata.Validate(data))
	// Output:
	// digitized <nil>
	// metadata does not match document.schema.json: codeNumber: maxLength: got 12, want 11
}
