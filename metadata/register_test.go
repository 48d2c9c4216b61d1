package metadata

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
)

// extractedDoc is a document as Extraction.Document builds it, with a
// handwritten number the extraction left empty and flagged.
func extractedDoc(t *testing.T) Document {
	t.Helper()
	e := Extraction{
		TypeName: "Công văn", CodeNotation: "SGDĐT-CTrTT", IssuedDate: "2020-04-08",
		OrganName: "SỞ GIÁO DỤC VÀ ĐÀO TẠO", Subject: "V/v triển khai công tác tuyển sinh",
		SignerFullName: "Nguyễn Văn An",
		Confidence:     map[string]float64{FieldCodeNotation: 0.9, FieldIssuedDate: 0.95},
		ReviewReasons:  []string{"codeNumber: no printed number after 'Số:' (blank left for a handwritten number)"},
		NeedsReview:    true,
	}
	src := Source{Files: []SourceFile{{Name: "cv.tif", SHA256: strings.Repeat("ab", 32)}}}
	return e.Document("doc-0001", src, 2, nil)
}

func mustValid(t *testing.T, d Document) {
	t.Helper()
	data, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(data); err != nil {
		t.Fatalf("document no longer valid: %v", err)
	}
}

func TestLoadRegisterFormats(t *testing.T) {
	tests := []struct {
		name string
		csv  string
	}{
		{"comma", "file,codeNumber,issuedDate\ncv.tif,1595,08/04/2020\n"},
		{"semicolon with BOM", "\uFEFFfile;codeNumber;issuedDate\r\ncv.tif;1595;2020-04-08\r\n"},
		{"tab, header case, blank rows", "File\tCodeNumber\tISSUEDDATE\n\n\t\t\ncv.tif\t1595\t8/4/2020\n"},
		{"quoted separators", "file;codeNumber;issuedDate;subject\ncv.tif;1595;2020-04-08;\"V/v a, b; c\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, err := LoadRegister(strings.NewReader(tt.csv), "reg.csv")
			if err != nil {
				t.Fatal(err)
			}
			if reg.Len() != 1 {
				t.Fatalf("Len = %d, want 1", reg.Len())
			}
			d := extractedDoc(t)
			if !reg.Apply(&d, "batch/cv.tif") {
				t.Fatal("row did not match")
			}
			if d.CodeNumber != "1595" || d.IssuedDate != "2020-04-08" {
				t.Errorf("codeNumber %q issuedDate %q", d.CodeNumber, d.IssuedDate)
			}
			if strings.Contains(tt.csv, "subject") && d.Subject != "V/v a, b; c" {
				t.Errorf("subject %q", d.Subject)
			}
			mustValid(t, d)
		})
	}
}

func TestLoadRegisterErrors(t *testing.T) {
	tests := []struct {
		name string
		csv  string
		want []string // substrings of the error
	}{
		{"unknown columns", "file,so,ngay\na.tif,1,2\n", []string{`"so"`, `"ngay"`}},
		{"no file column", "codeNumber\n1\n", []string{`"file" column`}},
		{"duplicate file", "file,codeNumber\na.tif,1\nb.tif,2\nA.TIF,3\n", []string{"lines 2 and 4", "a.tif", "A.TIF"}},
		{"duplicate NFD/NFC", "file\nhồ sơ.tif\nho\u0302\u0300 sơ.tif\n", []string{"lines 2 and 3"}},
		{"bad date", "file,issuedDate\na.tif,31/02/2020\n", []string{"line 2, column issuedDate", "not a calendar date"}},
		{"not a date", "file,issuedDate\na.tif,tháng 4\n", []string{"line 2, column issuedDate"}},
		{"too long", "file,codeNumber\na.tif,123456789012\n", []string{"line 2, column codeNumber", "more than the 11"}},
		{"bad mode", "file,mode\na.tif,04\n", []string{"line 2, column mode"}},
		{"bad pages", "file,numberOfPage\na.tif,0\n", []string{"line 2, column numberOfPage"}},
		{"empty file cell", "file,codeNumber\n,12\n", []string{"line 2: column file is empty"}},
		{"not utf-8", "file,organName\na.tif,S\xd4\n", []string{"CSV UTF-8"}},
		{"docId not settable", "file,docId\na.tif,x\n", []string{`"docId"`}},
		{"column twice", "file,codeNumber,CODENUMBER\na.tif,1,1\n", []string{"twice"}},
		{"empty", "", []string{"empty file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadRegister(strings.NewReader(tt.csv), "reg.csv")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestRegisterMatch(t *testing.T) {
	reg, err := LoadRegister(strings.NewReader(
		"file,codeNumber\n"+
			"scan.pdf,1\n"+ // line 2: base name
			"hs-002/scan.pdf,2\n"+ // line 3: more specific path
			"Batch/HS-003/Quyết định.PDF,3\n"+ // line 4: full name, other case
			"cv-004,4\n"+ // line 5: without extension
			"hs-005,5\n"+ // line 6: a page folder
			"never.pdf,6\n"), "reg.csv")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		doc  string
		want string // codeNumber after Apply, "" for no match
	}{
		{"batch/hs-001/scan.pdf", "1"},
		{"batch/hs-002/scan.pdf", "2"},
		{"batch/hs-003/quye\u0302\u0301t định.pdf", "3"}, // NFD input
		{"batch/cv-004.tif", "4"},
		{"batch/hs-005", "5"},
		{"batch/hs-006/other.pdf", ""},
		{"batch/xscan.pdf", ""}, // a suffix that is not a path element
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			d := extractedDoc(t)
			got := reg.Apply(&d, tt.doc)
			if got != (tt.want != "") {
				t.Fatalf("Apply = %v", got)
			}
			if got && d.CodeNumber != tt.want {
				t.Errorf("codeNumber = %q, want %q (source.register %s)", d.CodeNumber, tt.want, d.Source.Register)
			}
		})
	}
	// hs-002 has its own row, so only one document used line 2 so far.
	if amb := reg.Ambiguous(); len(amb) != 0 {
		t.Errorf("Ambiguous = %v", amb)
	}
	// A second document with the base name scan.pdf makes line 2 ambiguous.
	d := extractedDoc(t)
	reg.Apply(&d, "other/hs-009/scan.pdf")
	if amb := reg.Ambiguous(); len(amb) != 1 || !strings.HasPrefix(amb[0], "reg.csv:2 (scan.pdf): batch/hs-001/scan.pdf, other/hs-009/scan.pdf") {
		t.Errorf("Ambiguous = %v", amb)
	}
	if got, want := reg.Unused(), []string{"reg.csv:7 (never.pdf)"}; !slices.Equal(got, want) {
		t.Errorf("Unused = %v, want %v", got, want)
	}
}

func TestRegisterApply(t *testing.T) {
	const reason = "codeNumber: no printed number after 'Số:' (blank left for a handwritten number)"
	tests := []struct {
		name        string
		csv         string
		edit        func(*Document) // applied before the register, to set up the case
		wantField   string
		wantValue   string
		wantReview  bool
		wantReasons []string
	}{
		{
			name:      "fill an empty field resolves its reason",
			csv:       "file,codeNumber\ncv.tif,1595\n",
			wantField: FieldCodeNumber, wantValue: "1595",
			wantReview: false,
		},
		{
			name:      "confirm, case and whitespace folded, printed value kept",
			csv:       "file,organName\ncv.tif,\"Sở  giáo dục và đào tạo \"\n",
			wantField: FieldOrganName, wantValue: "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
			wantReview: true, wantReasons: []string{reason},
		},
		{
			name:      "conflict keeps the register value and flags",
			csv:       "file,codeNumber,signerFullName\ncv.tif,1595,Trần Thị Bình\n",
			wantField: FieldSignerFullName, wantValue: "Trần Thị Bình",
			wantReview: true, wantReasons: []string{`signerFullName: register says "Trần Thị Bình", scan reads "Nguyễn Văn An"`},
		},
		{
			name:      "dossier fields from the register",
			csv:       "file;fileCode;mode;maintenance;codeNumber\ncv.tif;HS-2020-01;1;70 năm;1595\n",
			wantField: "mode", wantValue: "01",
			wantReview: false,
		},
		{
			name:      "page count conflict",
			csv:       "file,numberOfPage,codeNumber\ncv.tif,3,1595\n",
			wantField: "numberOfPage", wantValue: "3",
			wantReview: true, wantReasons: []string{`numberOfPage: register says "3", scan reads "2"`},
		},
		{
			name:      "flag without reasons stays",
			csv:       "file,codeNumber\ncv.tif,1595\n",
			edit:      func(d *Document) { d.ReviewReasons = nil },
			wantField: FieldCodeNumber, wantValue: "1595",
			wantReview: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, err := LoadRegister(strings.NewReader(tt.csv), "reg.csv")
			if err != nil {
				t.Fatal(err)
			}
			d := extractedDoc(t)
			if tt.edit != nil {
				tt.edit(&d)
			}
			if !reg.Apply(&d, "batch/cv.tif") {
				t.Fatal("no match")
			}
			f := fieldByName(tt.wantField)
			if got := f.get(&d); got != tt.wantValue {
				t.Errorf("%s = %q, want %q", tt.wantField, got, tt.wantValue)
			}
			if d.FieldConfidence[tt.wantField] != 1.0 {
				t.Errorf("fieldConfidence[%s] = %v", tt.wantField, d.FieldConfidence[tt.wantField])
			}
			if d.NeedsReview != tt.wantReview {
				t.Errorf("needsReview = %v, reasons %q", d.NeedsReview, d.ReviewReasons)
			}
			wantStatus := map[bool]string{true: StatusNeedsReview, false: StatusDigitized}[tt.wantReview]
			if d.Status != wantStatus {
				t.Errorf("status = %q, want %q", d.Status, wantStatus)
			}
			if !slices.Equal(d.ReviewReasons, tt.wantReasons) {
				t.Errorf("reasons = %q, want %q", d.ReviewReasons, tt.wantReasons)
			}
			if d.Source.Register != "reg.csv:2" {
				t.Errorf("source.register = %q", d.Source.Register)
			}
			mustValid(t, d)

			// Applying again must not clear a pending conflict.
			before := slices.Clone(d.ReviewReasons)
			reg.Apply(&d, "batch/cv.tif")
			if !slices.Equal(d.ReviewReasons, before) || d.NeedsReview != tt.wantReview {
				t.Errorf("second Apply changed reasons %q → %q", before, d.ReviewReasons)
			}
		})
	}
}

func TestRegisterApplyLeavesSigned(t *testing.T) {
	reg, err := LoadRegister(strings.NewReader("file,codeNumber\ncv.tif,9\n"), "reg.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, status := range []string{StatusApproved, StatusSigned, StatusFailed} {
		d := extractedDoc(t)
		d.Status = status
		if reg.Apply(&d, "cv.tif") || d.CodeNumber != "" {
			t.Errorf("%s: Apply changed the document", status)
		}
	}
	if len(reg.Unused()) != 1 {
		t.Errorf("a row not applied counts as used: %v", reg.Unused())
	}
}

func TestRegisterConcurrentApply(t *testing.T) {
	var b strings.Builder
	b.WriteString("file,codeNumber\n")
	for i := range 50 {
		b.WriteString("doc-" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".tif,1\n")
	}
	reg, err := LoadRegister(strings.NewReader(b.String()), "reg.csv")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			d := extractedDoc(t)
			reg.Apply(&d, "b/doc-"+string(rune('a'+i%26))+string(rune('a'+i/26))+".tif")
		})
	}
	wg.Wait()
	if u := reg.Unused(); len(u) != 0 {
		t.Errorf("Unused = %v", u)
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2020-04-08", "2020-04-08"}, {"08/04/2020", "2020-04-08"}, {"8/4/2020", "2020-04-08"},
		{"08.04.2020", "2020-04-08"}, {"29/02/2024", "2024-02-29"},
		{"29/02/2023", ""}, {"2020-13-01", ""}, {"04/2020", ""}, {"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDate(tt.in)
			if (err != nil) != (tt.want == "") || got != tt.want {
				t.Errorf("parseDate(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// A row whose document was done by an earlier run is reported as not
// applied, not as matching nothing; a row applied this run is neither.
func TestRegisterDoneEarlier(t *testing.T) {
	reg, err := LoadRegister(strings.NewReader("file,codeNumber\na.tif,1\nb.tif,2\nc.tif,3\n"), "reg.csv")
	if err != nil {
		t.Fatal(err)
	}
	reg.DoneEarlier("batch/a.tif")
	reg.DoneEarlier("batch/nothing.tif")
	d := extractedDoc(t)
	reg.Apply(&d, "batch/b.tif")
	reg.DoneEarlier("batch/b.tif") // the same name later in the batch: b's row was applied
	if got, want := reg.NotApplied(), []string{"reg.csv:2 (a.tif): batch/a.tif"}; !slices.Equal(got, want) {
		t.Errorf("NotApplied = %v, want %v", got, want)
	}
	if got, want := reg.Unused(), []string{"reg.csv:4 (c.tif)"}; !slices.Equal(got, want) {
		t.Errorf("Unused = %v, want %v", got, want)
	}
}

func TestFieldValue(t *testing.T) {
	d := Document{CodeNumber: "15", IssuedDate: "2020-04-08", SignerFullName: "Nguyễn Văn A", NumberOfPage: 2}
	for name, want := range map[string]string{
		FieldCodeNumber: "15", FieldIssuedDate: "2020-04-08", FieldSignerFullName: "Nguyễn Văn A",
		"numberOfPage": "2", FieldSubject: "", "docId": "", "no such field": "",
	} {
		if got := d.FieldValue(name); got != want {
			t.Errorf("FieldValue(%q) = %q, want %q", name, got, want)
		}
	}
}
