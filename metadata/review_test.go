package metadata

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// reviewDocs are two documents: doc-0001 flagged (handwritten number),
// doc-0002 clean, with a subject a spreadsheet would take for a formula.
func reviewDocs(t *testing.T) []ReviewRow {
	d1 := extractedDoc(t)
	d2 := extractedDoc(t)
	d2.DocID, d2.CodeNumber, d2.Subject = "doc-0002", "07", "=HYPERLINK(\"x\")"
	d2.ReviewReasons, d2.NeedsReview, d2.Status = nil, false, StatusDigitized
	return []ReviewRow{{Name: "batch/cv.tif", Document: d1}, {Name: "batch/qđ.tif", Document: d2}}
}

// sheet is a review sheet as a table, for tests that play the staff.
type sheet struct {
	header []string
	rows   [][]string
}

func exportSheet(t *testing.T, docs []ReviewRow) sheet {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteReviewCSV(&buf, docs); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF")) {
		t.Fatal("export does not start with a UTF-8 BOM")
	}
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return sheet{header: recs[0], rows: recs[1:]}
}

func (s sheet) set(row int, col, value string) {
	s.rows[row][slices.Index(s.header, col)] = value
}

func (s sheet) get(row int, col string) string { return s.rows[row][slices.Index(s.header, col)] }

// bytes writes the sheet back as a spreadsheet would: BOM, sep separator.
func (s sheet) bytes(t *testing.T, sep rune) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString(utf8BOM)
	w := csv.NewWriter(&buf)
	w.Comma = sep
	w.UseCRLF = true
	if err := w.WriteAll(append([][]string{s.header}, s.rows...)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReviewCSVRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		staff func(s sheet)
		want  []ReviewEdit
	}{
		{name: "untouched", staff: func(sheet) {}},
		{
			name: "correct and accept",
			staff: func(s sheet) {
				s.set(0, FieldCodeNumber, "1595")
				s.set(0, FieldSignerFullName, "  Nguyễn   Văn An ") // whitespace only: no edit
				s.set(1, ReviewColumnAccept, "X")
			},
			want: []ReviewEdit{
				{DocID: "doc-0001", Name: "batch/cv.tif", Line: 2, Fields: []FieldEdit{{FieldCodeNumber, "", "1595"}}},
				{DocID: "doc-0002", Name: "batch/qđ.tif", Line: 3, Accept: true},
			},
		},
		{
			name: "spreadsheet reformatted dates and modes alike",
			staff: func(s sheet) {
				for _, c := range []string{FieldIssuedDate, ReviewWasPrefix + FieldIssuedDate} {
					s.set(0, c, "08/04/2020")
				}
				s.set(1, "mode", "2")
			},
			want: []ReviewEdit{{DocID: "doc-0002", Name: "batch/qđ.tif", Line: 3, Fields: []FieldEdit{{"mode", "", "02"}}}},
		},
		{
			name:  "day-first date edit is stored ISO",
			staff: func(s sheet) { s.set(1, FieldIssuedDate, "9/4/2020") },
			want:  []ReviewEdit{{DocID: "doc-0002", Name: "batch/qđ.tif", Line: 3, Fields: []FieldEdit{{FieldIssuedDate, "2020-04-08", "2020-04-09"}}}},
		},
		{
			name:  "read-only columns ignored, NFD typed value normalised",
			staff: func(s sheet) { s.set(0, ReviewColumnStatus, "signed"); s.set(0, FieldPlace, "Đà Na\u0306\u0303ng") },
			want:  []ReviewEdit{{DocID: "doc-0001", Name: "batch/cv.tif", Line: 2, Fields: []FieldEdit{{FieldPlace, "", "Đà Nẵng"}}}},
		},
	}
	for _, tt := range tests {
		for _, sep := range []rune{',', ';'} {
			t.Run(tt.name+" "+string(sep), func(t *testing.T) {
				s := exportSheet(t, reviewDocs(t))
				if got := s.get(1, FieldSubject); got != `'=HYPERLINK("x")` {
					t.Errorf("formula not guarded: %q", got)
				}
				if got := s.get(0, ReviewColumnReviewReasons); !strings.HasPrefix(got, "codeNumber: ") {
					t.Errorf("reasons cell %q", got)
				}
				tt.staff(s)
				edits, err := ReadReviewCSV(bytes.NewReader(s.bytes(t, sep)))
				if err != nil {
					t.Fatal(err)
				}
				if len(edits) != len(tt.want) {
					t.Fatalf("edits = %+v, want %+v", edits, tt.want)
				}
				for i := range edits {
					g, w := edits[i], tt.want[i]
					if g.DocID != w.DocID || g.Name != w.Name || g.Line != w.Line || g.Accept != w.Accept || !slices.Equal(g.Fields, w.Fields) {
						t.Errorf("edit %d = %+v, want %+v", i, g, w)
					}
				}
			})
		}
	}
}

func TestReviewCSVBOMRoundTrip(t *testing.T) {
	docs := reviewDocs(t)
	var first bytes.Buffer
	if err := WriteReviewCSV(&first, docs); err != nil {
		t.Fatal(err)
	}
	// Re-export what was read: byte-identical, BOM and Vietnamese included.
	s := exportSheet(t, docs)
	again := s.bytes(t, ',')
	if !bytes.Equal(first.Bytes(), again) {
		t.Errorf("export is not stable through a CSV round trip:\n%q\n%q", first.Bytes(), again)
	}
	if !strings.Contains(first.String(), "SỞ GIÁO DỤC VÀ ĐÀO TẠO") {
		t.Error("Vietnamese text not written as UTF-8")
	}
	for _, in := range [][]byte{first.Bytes(), first.Bytes()[3:]} {
		edits, err := ReadReviewCSV(bytes.NewReader(in))
		if err != nil || len(edits) != 0 {
			t.Errorf("read back with BOM %v: %v, %v", bytes.HasPrefix(in, []byte(utf8BOM)), edits, err)
		}
	}
}

func TestReadReviewCSVErrors(t *testing.T) {
	tests := []struct {
		name  string
		staff func(s *sheet)
		want  []string
	}{
		{"impossible date", func(s *sheet) { s.set(0, FieldIssuedDate, "31/02/2020") }, []string{"line 2, column issuedDate"}},
		{"too long", func(s *sheet) { s.set(1, FieldSignerFullName, strings.Repeat("Nguyễn ", 10)) }, []string{"line 3, column signerFullName", "50"}},
		{"bad accept", func(s *sheet) { s.set(1, ReviewColumnAccept, "maybe") }, []string{"line 3, column accept"}},
		{"two problems", func(s *sheet) { s.set(0, "mode", "7"); s.set(1, "numberOfPage", "two") }, []string{"line 2, column mode", "line 3, column numberOfPage"}},
		{"unknown column", func(s *sheet) { s.header[1] = "ghi chú" }, []string{`"ghi chú"`}},
		{"missing was column", func(s *sheet) {
			i := slices.Index(s.header, ReviewWasPrefix+FieldSubject)
			s.header = slices.Delete(s.header, i, i+1)
			for r := range s.rows {
				s.rows[r] = slices.Delete(s.rows[r], i, i+1)
			}
		}, []string{`"was:subject"`}},
		{"duplicate document", func(s *sheet) { s.set(1, ReviewColumnDocID, "doc-0001") }, []string{"lines 2 and 3"}},
		{"short row", func(s *sheet) { s.rows[1] = s.rows[1][:3] }, []string{"line 3: 3 cells"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := exportSheet(t, reviewDocs(t))
			tt.staff(&s)
			edits, err := ReadReviewCSV(bytes.NewReader(s.bytes(t, ',')))
			if err == nil {
				t.Fatalf("no error, edits %+v", edits)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestApplyEdits(t *testing.T) {
	when := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	const numberReason = "codeNumber: no printed number after 'Số:' (blank left for a handwritten number)"
	const noteReason = "handwritten note in the margin"
	tests := []struct {
		name        string
		setup       func(*Document)
		edit        ReviewEdit
		wantErr     error
		wantReview  bool
		wantReasons []string
		wantFields  []string // fields of the changes, in order
	}{
		{
			name:       "correcting the flagged field clears the flag",
			edit:       ReviewEdit{Fields: []FieldEdit{{FieldCodeNumber, "", "1595"}}},
			wantFields: []string{FieldCodeNumber, "reviewReasons", "needsReview", "status"},
		},
		{
			name:        "another field leaves the flag",
			edit:        ReviewEdit{Fields: []FieldEdit{{FieldPlace, "", "Đà Nẵng"}}},
			wantReview:  true,
			wantReasons: []string{numberReason},
			wantFields:  []string{FieldPlace},
		},
		{
			name:        "a reason naming no field needs accept",
			setup:       func(d *Document) { d.ReviewReasons = append(d.ReviewReasons, noteReason) },
			edit:        ReviewEdit{Fields: []FieldEdit{{FieldCodeNumber, "", "1595"}}},
			wantReview:  true,
			wantReasons: []string{noteReason},
			wantFields:  []string{FieldCodeNumber, "reviewReasons"},
		},
		{
			name:       "accept as is",
			setup:      func(d *Document) { d.ReviewReasons = append(d.ReviewReasons, noteReason) },
			edit:       ReviewEdit{Accept: true},
			wantFields: []string{"reviewReasons", "needsReview", "status"},
		},
		{
			name:        "emptying a required field is no correction",
			setup:       func(d *Document) { d.ReviewReasons = []string{"subject: garbled"} },
			edit:        ReviewEdit{Fields: []FieldEdit{{FieldSubject, "V/v triển khai công tác tuyển sinh", ""}}},
			wantReview:  true,
			wantReasons: []string{"subject: garbled"},
			wantFields:  []string{FieldSubject},
		},
		{
			name:       "approved document edited loses approval",
			setup:      func(d *Document) { d.ReviewReasons, d.NeedsReview, d.Status = nil, false, StatusApproved },
			edit:       ReviewEdit{Fields: []FieldEdit{{"keyword", "", "tuyển sinh"}}},
			wantFields: []string{"keyword", "status"},
		},
		{
			name:    "stale sheet",
			setup:   func(d *Document) { d.CodeNumber = "1596" },
			edit:    ReviewEdit{Fields: []FieldEdit{{FieldCodeNumber, "", "1595"}}},
			wantErr: ErrStaleEdit,
		},
		{
			name:    "signed",
			setup:   func(d *Document) { d.Status = StatusSigned },
			edit:    ReviewEdit{Accept: true},
			wantErr: ErrLocked,
		},
		{
			name: "invalid value refused",
			edit: ReviewEdit{Fields: []FieldEdit{{FieldCodeNumber, "", "123456789012"}}},
		},
		{
			name: "other document",
			edit: ReviewEdit{DocID: "doc-9999", Accept: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := extractedDoc(t)
			if tt.setup != nil {
				tt.setup(&d)
			}
			if tt.edit.DocID == "" {
				tt.edit.DocID = d.DocID
			}
			before, _ := jsonOf(d)
			changes, err := ApplyEdits(&d, tt.edit, "lan.nguyen", when)
			failing := tt.wantErr != nil || tt.wantFields == nil
			if failing {
				if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if after, _ := jsonOf(d); after != before {
					t.Error("a refused edit changed the document")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var fields []string
			for _, c := range changes {
				fields = append(fields, c.Field)
				if c.Who != "lan.nguyen" || !c.When.Equal(when) || c.Old == c.New {
					t.Errorf("change %+v", c)
				}
			}
			if !slices.Equal(fields, tt.wantFields) {
				t.Errorf("changed %v, want %v", fields, tt.wantFields)
			}
			if d.NeedsReview != tt.wantReview || !slices.Equal(d.ReviewReasons, tt.wantReasons) {
				t.Errorf("needsReview %v reasons %q; want %v %q", d.NeedsReview, d.ReviewReasons, tt.wantReview, tt.wantReasons)
			}
			wantStatus := map[bool]string{true: StatusNeedsReview, false: StatusDigitized}[tt.wantReview]
			if d.Status != wantStatus {
				t.Errorf("status %q, want %q", d.Status, wantStatus)
			}
			for _, fe := range tt.edit.Fields {
				if got := fieldByName(fe.Field).get(&d); got != fe.New {
					t.Errorf("%s = %q, want %q", fe.Field, got, fe.New)
				}
				if d.FieldConfidence[fe.Field] != 1 {
					t.Errorf("fieldConfidence[%s] = %v", fe.Field, d.FieldConfidence[fe.Field])
				}
			}
			mustValid(t, d)
		})
	}
}

// TestReviewEndToEnd exports, edits as staff would, reads and applies.
func TestReviewEndToEnd(t *testing.T) {
	docs := reviewDocs(t)
	s := exportSheet(t, docs)
	s.set(0, FieldCodeNumber, "1595")
	s.set(0, FieldIssuedDate, "09/04/2020")
	edits, err := ReadReviewCSV(bytes.NewReader(s.bytes(t, ';')))
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) != 1 {
		t.Fatalf("edits %+v", edits)
	}
	d := docs[0].Document
	if _, err := ApplyEdits(&d, edits[0], "staff", time.Now()); err != nil {
		t.Fatal(err)
	}
	if d.CodeNumber != "1595" || d.IssuedDate != "2020-04-09" || d.NeedsReview || d.Status != StatusDigitized {
		t.Errorf("after review: %+v", d)
	}
	// The same sheet applied twice is stale: the document moved on.
	if _, err := ApplyEdits(&d, edits[0], "staff", time.Now()); !errors.Is(err, ErrStaleEdit) {
		t.Errorf("second apply: %v", err)
	}
}

func jsonOf(d Document) (string, error) {
	b, err := json.Marshal(d)
	return string(b), err
}
