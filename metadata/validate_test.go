package metadata

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
)

// validDoc is a complete metadata.json as a map, so cases can break one
// field at a time.
func validDoc() map[string]any {
	return map[string]any{
		"schemaVersion":   "1",
		"docId":           "doc-000001",
		"typeName":        "Công văn",
		"codeNumber":      "1595",
		"codeNotation":    "SGDĐT-CTrTT",
		"issuedDate":      "2020-04-08",
		"place":           "Đà Nẵng",
		"organName":       "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
		"subject":         "V/v triển khai công tác tuyển sinh",
		"numberOfPage":    2,
		"language":        "vi",
		"confidenceLevel": "02",
		"needsReview":     false,
		"fieldConfidence": map[string]any{"codeNumber": 0.97},
		"source": map[string]any{"files": []any{
			map[string]any{"name": "cv-1595.tif", "sha256": strings.Repeat("0a", 32)},
		}},
		"status": "digitized",
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(d map[string]any)
		// wantField is "" for a valid document, else the field the error
		// must name.
		wantField string
	}{
		{"valid", func(map[string]any) {}, ""},
		{"unreadable date left empty", func(d map[string]any) { d["issuedDate"] = ""; d["needsReview"] = true }, ""},
		{"missing required field", func(d map[string]any) { delete(d, "codeNotation") }, "codeNotation: required"},
		{"missing nested required field", func(d map[string]any) {
			d["source"] = map[string]any{"files": []any{map[string]any{"name": "a.tif"}}}
		}, "source.files.0.sha256: required"},
		{"bad date format", func(d map[string]any) { d["issuedDate"] = "08/04/2020" }, "issuedDate:"},
		{"not a calendar date", func(d map[string]any) { d["issuedDate"] = "2020-02-30" }, "issuedDate:"},
		{"codeNumber too long", func(d map[string]any) { d["codeNumber"] = "123456789012" }, "codeNumber:"},
		{"bad sha256", func(d map[string]any) {
			d["source"] = map[string]any{"files": []any{map[string]any{"name": "a.tif", "sha256": strings.Repeat("0A", 32)}}}
		}, "source.files.0.sha256:"},
		{"confidence above 1", func(d map[string]any) { d["fieldConfidence"] = map[string]any{"subject": 1.5} }, "fieldConfidence.subject:"},
		{"unknown status", func(d map[string]any) { d["status"] = "done" }, "status:"},
		{"wrong confidenceLevel", func(d map[string]any) { d["confidenceLevel"] = "01" }, "confidenceLevel:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := validDoc()
			tc.change(d)
			data, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			err = Validate(data)
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate accepted a document with a bad %s", tc.wantField)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.wantField) {
				t.Errorf("error %q does not name %q", err, tc.wantField)
			}
		})
	}
}

func TestValidateNotJSON(t *testing.T) {
	err := Validate([]byte(`{"docId": `))
	if err == nil || errors.Is(err, ErrInvalid) {
		t.Fatalf("Validate(truncated JSON) = %v, want a parse error", err)
	}
}

func TestValidateConcurrent(t *testing.T) {
	data, err := json.Marshal(validDoc())
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), `"1595"`, `"123456789012"`, 1)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 8; i++ {
		wg.Add(2)
		go func() { defer wg.Done(); errs <- Validate(data) }()
		go func() {
			defer wg.Done()
			if Validate([]byte(bad)) == nil {
				errs <- errors.New("bad document accepted")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
