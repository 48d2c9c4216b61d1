package metadata

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The review sheet is a CSV file staff open in a spreadsheet to correct
// the metadata of a batch and accept flagged documents. WriteReviewCSV
// exports it; ReadReviewCSV reads it back; ApplyEdits applies one row to a
// document.
//
// Columns, in order:
//
//	docId, name, status, needsReview, reviewReasons   read-only context
//	accept                                            staff write yes/x/1
//	fileCode … description                            the editable fields (RegisterFields)
//	was:fileCode … was:description                    the exported values; do not edit
//
// The was: columns are the snapshot the changes are computed against: a
// cell is an edit when it differs from its was: cell, so a sheet carries
// its own baseline and is read without the store. They sit at the right
// end, away from the working columns. A spreadsheet that re-formats a
// value (a date shown as 08/04/2020, mode 01 shown as 1) re-formats its
// was: copy alike, and both are normalised before comparing, so no
// spurious edit arises. ApplyEdits also compares each edit's was: value
// with the document's current value and refuses a sheet that is out of
// date (ErrStaleEdit) rather than overwrite a newer change.
//
// The file starts with a UTF-8 byte order mark so that Excel shows
// Vietnamese correctly; ReadReviewCSV accepts it with or without one, with
// ',' or ';' separators. A cell starting with = + - or @ is written with a
// leading apostrophe so a spreadsheet does not run it as a formula; the
// apostrophe is removed again on reading.

// Review sheet column names besides the fields.
const (
	ReviewColumnDocID         = "docId"
	ReviewColumnName          = "name"
	ReviewColumnStatus        = "status"
	ReviewColumnNeedsReview   = "needsReview"
	ReviewColumnReviewReasons = "reviewReasons"
	ReviewColumnAccept        = "accept"
	// ReviewWasPrefix prefixes the column holding a field's exported value.
	ReviewWasPrefix = "was:"
	// ReviewReasonSeparator joins the review reasons in one cell.
	ReviewReasonSeparator = " | "
)

// ReviewRow is one document to export to a review sheet.
type ReviewRow struct {
	// Name is the document's name in the batch ("batch/hs-001/scan.pdf").
	Name     string
	Document Document
}

// ReviewEdit is what staff did to one document in a review sheet.
type ReviewEdit struct {
	DocID string
	Name  string
	// Line is the row's line in the CSV, for messages.
	Line int
	// Accept is true when staff accepted the document as it is.
	Accept bool
	// Fields are the changed fields, in column order.
	Fields []FieldEdit
}

// FieldEdit is one changed cell: the value exported (Old) and the value
// read back (New), both normalised as metadata.json stores them.
type FieldEdit struct {
	Field string
	Old   string
	New   string
}

// Change is one modification ApplyEdits made to a document, for the
// document's history: a field, or the review state (fields "reviewReasons",
// "needsReview", "status").
type Change struct {
	Field string    `json:"field"`
	Old   string    `json:"old"`
	New   string    `json:"new"`
	Who   string    `json:"who"`
	When  time.Time `json:"when"`
}

var (
	// ErrStaleEdit is returned by ApplyEdits when a document changed since
	// the sheet was exported: the sheet's was: value is not the current one.
	ErrStaleEdit = errors.New("review sheet is out of date")
	// ErrLocked is returned by ApplyEdits for a signed document, which is
	// never changed in place.
	ErrLocked = errors.New("document is signed")
)

// reviewHeader returns the columns of a review sheet.
func reviewHeader() []string {
	h := []string{ReviewColumnDocID, ReviewColumnName, ReviewColumnStatus, ReviewColumnNeedsReview, ReviewColumnReviewReasons, ReviewColumnAccept}
	for _, f := range schemaFields {
		h = append(h, f.name)
	}
	for _, f := range schemaFields {
		h = append(h, ReviewWasPrefix+f.name)
	}
	return h
}

// WriteReviewCSV writes a review sheet for docs (see the column layout
// above), with a UTF-8 byte order mark and CRLF line ends.
func WriteReviewCSV(w io.Writer, docs []ReviewRow) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return fmt.Errorf("write review sheet: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(reviewHeader()); err != nil {
		return fmt.Errorf("write review sheet: %w", err)
	}
	for _, row := range docs {
		d := &row.Document
		rec := []string{d.DocID, row.Name, d.Status, strconv.FormatBool(d.NeedsReview),
			strings.Join(d.ReviewReasons, ReviewReasonSeparator), ""}
		for _, f := range schemaFields {
			rec = append(rec, f.get(d))
		}
		for _, f := range schemaFields {
			rec = append(rec, f.get(d))
		}
		for i := range rec {
			rec[i] = guardFormula(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write review sheet: %s: %w", d.DocID, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write review sheet: %w", err)
	}
	return nil
}

// guardFormula prefixes an apostrophe to a cell a spreadsheet would read
// as a formula (CSV injection).
func guardFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}

// unguardFormula undoes guardFormula.
func unguardFormula(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@", rune(s[1])) {
		return s[1:]
	}
	return s
}

// ReadReviewCSV reads a review sheet back and returns, per document that
// staff changed or accepted, what they did; untouched rows are left out.
// Every value is checked against the schema (a real calendar date, written
// YYYY-MM-DD or DD/MM/YYYY; lengths; mode; page count); all problems are
// reported together, each naming its line and column, and then no edit is
// returned. Read-only columns may be edited or removed without effect; a
// field column may be removed (it is then not edited) but not its was:
// column; an unknown column is an error.
func ReadReviewCSV(r io.Reader) ([]ReviewEdit, error) {
	records, lines, err := readSpreadsheetCSV(r)
	if err != nil {
		return nil, fmt.Errorf("review sheet: %w", err)
	}
	if len(records) == 0 {
		return nil, errors.New("review sheet: empty file, want a header line")
	}
	header := records[0]
	col := map[string]int{}
	var unknown []string
	for i, h := range header {
		h = strings.TrimSpace(h)
		if !slices.Contains(reviewHeader(), h) {
			unknown = append(unknown, strconv.Quote(h))
			continue
		}
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("review sheet: column %q appears twice", h)
		}
		col[h] = i
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("review sheet: unknown columns %s", strings.Join(unknown, ", "))
	}
	if _, ok := col[ReviewColumnDocID]; !ok {
		return nil, fmt.Errorf("review sheet: no %q column", ReviewColumnDocID)
	}
	var fields []*schemaField
	for _, f := range schemaFields {
		_, edited := col[f.name]
		_, was := col[ReviewWasPrefix+f.name]
		switch {
		case edited && !was:
			return nil, fmt.Errorf("review sheet: column %q has no %q column to compare with: export a new sheet", f.name, ReviewWasPrefix+f.name)
		case edited:
			fields = append(fields, f)
		}
	}

	var (
		edits    []ReviewEdit
		problems []error
		seen     = map[string]int{}
	)
	for n, rec := range records[1:] {
		line := lines[n+1]
		if isBlankRecord(rec) {
			continue
		}
		if len(rec) < len(header) {
			problems = append(problems, fmt.Errorf("line %d: %d cells, the header has %d", line, len(rec), len(header)))
			continue
		}
		cell := func(name string) string {
			i, ok := col[name]
			if !ok {
				return ""
			}
			return unguardFormula(strings.TrimSpace(rec[i]))
		}
		e := ReviewEdit{DocID: cell(ReviewColumnDocID), Name: cell(ReviewColumnName), Line: line}
		if e.DocID == "" {
			problems = append(problems, fmt.Errorf("line %d, column %s: empty", line, ReviewColumnDocID))
			continue
		}
		if first, dup := seen[e.DocID]; dup {
			problems = append(problems, fmt.Errorf("lines %d and %d: both are document %s", first, line, e.DocID))
			continue
		}
		seen[e.DocID] = line
		accept, err := parseAccept(cell(ReviewColumnAccept))
		if err != nil {
			problems = append(problems, fmt.Errorf("line %d, column %s: %w", line, ReviewColumnAccept, err))
		}
		e.Accept = accept
		for _, f := range fields {
			v, err := f.normalize(cell(f.name))
			if err != nil {
				problems = append(problems, fmt.Errorf("line %d, column %s: %w", line, f.name, err))
				continue
			}
			old := f.canonical(cell(ReviewWasPrefix + f.name))
			if v != old {
				e.Fields = append(e.Fields, FieldEdit{Field: f.name, Old: old, New: v})
			}
		}
		if e.Accept || len(e.Fields) > 0 {
			edits = append(edits, e)
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("review sheet: %w", errors.Join(problems...))
	}
	return edits, nil
}

// parseAccept reads the accept cell: yes, x, 1 (also y, true, có, co,
// ok) accept; empty, no, 0 (also n, false, không, khong) do not.
func parseAccept(s string) (bool, error) {
	switch strings.ToLower(cleanText(s)) {
	case "yes", "y", "x", "1", "true", "có", "co", "ok":
		return true, nil
	case "", "no", "n", "0", "false", "không", "khong":
		return false, nil
	}
	return false, fmt.Errorf("%q: write yes, x or 1 to accept, or leave it empty", s)
}

// ApplyEdits applies one review sheet row to doc and returns the changes
// it made, attributed to who at when. It changes nothing and returns an
// error when the row is for another document, when doc is signed
// (ErrLocked), when a field's current value is not the one the sheet was
// exported with (ErrStaleEdit), or when the result would not satisfy
// document.schema.json.
//
// Each edited field takes the new value with fieldConfidence 1.0 (a person
// read it). The review rule:
//
//   - a field counts as corrected when it was edited to a value (a
//     required field edited to empty is not a correction), and the review
//     reasons about a corrected field are resolved and removed;
//   - accept resolves every reason: a person checked the document as it is;
//   - needsReview becomes false, and status digitized, when no reason is
//     left. A document flagged without any reason is cleared only by
//     accept. Reasons that name no field can only be accepted.
//
// An approved document that is edited loses its approval (status back to
// digitized or needs_review): the approval was for other values. The
// changes of review state are reported as changes of the pseudo-fields
// reviewReasons, needsReview and status.
func ApplyEdits(doc *Document, edit ReviewEdit, who string, when time.Time) ([]Change, error) {
	if doc.DocID != edit.DocID {
		return nil, fmt.Errorf("review line %d: for document %s, not %s", edit.Line, edit.DocID, doc.DocID)
	}
	if doc.Status == StatusSigned {
		return nil, fmt.Errorf("review line %d: document %s: %w", edit.Line, doc.DocID, ErrLocked)
	}
	d := *doc
	d.FieldConfidence = make(map[string]float64, len(doc.FieldConfidence)+len(edit.Fields))
	for k, v := range doc.FieldConfidence {
		d.FieldConfidence[k] = v
	}
	var changes []Change
	record := func(field, old, new string) {
		changes = append(changes, Change{Field: field, Old: old, New: new, Who: who, When: when})
	}
	corrected := map[string]bool{}
	for _, fe := range edit.Fields {
		f := fieldByName(fe.Field)
		if f == nil || f.name != fe.Field {
			return nil, fmt.Errorf("review line %d: document %s: %q is not an editable field", edit.Line, doc.DocID, fe.Field)
		}
		cur := f.get(&d)
		if f.canonical(cur) != f.canonical(fe.Old) {
			return nil, fmt.Errorf("review line %d: document %s: %s is now %q, the sheet was made when it was %q: %w", edit.Line, doc.DocID, f.name, cur, fe.Old, ErrStaleEdit)
		}
		if _, err := f.normalize(fe.New); err != nil {
			return nil, fmt.Errorf("review line %d: document %s: %s: %w", edit.Line, doc.DocID, f.name, err)
		}
		if fe.New == f.canonical(cur) {
			continue
		}
		f.set(&d, fe.New)
		d.FieldConfidence[f.name] = 1.0
		record(f.name, cur, fe.New)
		corrected[f.name] = fe.New != "" || !f.required
	}

	var reasons []string
	if !edit.Accept {
		for _, r := range doc.ReviewReasons {
			if !corrected[reasonField(r)] {
				reasons = append(reasons, r)
			}
		}
	}
	if !slices.Equal(reasons, doc.ReviewReasons) {
		record("reviewReasons", strings.Join(doc.ReviewReasons, ReviewReasonSeparator), strings.Join(reasons, ReviewReasonSeparator))
	}
	d.ReviewReasons = reasons
	d.NeedsReview = len(reasons) > 0 || (doc.NeedsReview && len(doc.ReviewReasons) == 0 && !edit.Accept)
	if d.NeedsReview != doc.NeedsReview {
		record("needsReview", strconv.FormatBool(doc.NeedsReview), strconv.FormatBool(d.NeedsReview))
	}
	switch {
	case doc.Status == StatusApproved && len(changes) == 0:
		// Accepting an approved document again changes nothing.
	case doc.Status == "" || doc.Status == StatusDigitized || doc.Status == StatusNeedsReview || doc.Status == StatusApproved:
		d.Status = StatusDigitized
		if d.NeedsReview {
			d.Status = StatusNeedsReview
		}
	}
	if d.Status != doc.Status {
		record("status", doc.Status, d.Status)
	}
	data, err := json.Marshal(&d)
	if err != nil {
		return nil, fmt.Errorf("review line %d: document %s: %w", edit.Line, doc.DocID, err)
	}
	if err := Validate(data); err != nil {
		return nil, fmt.Errorf("review line %d: document %s: %w", edit.Line, doc.DocID, err)
	}
	*doc = d
	return changes, nil
}

// canonical is the normalised form of a value already stored or exported;
// one that does not pass normalize (a value older than a schema change)
// is compared as cleaned text.
func (f *schemaField) canonical(v string) string {
	if n, err := f.normalize(v); err == nil {
		return n
	}
	return cleanText(v)
}
