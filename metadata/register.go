package metadata

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// Register is a dossier register (sổ đăng ký, mục lục hồ sơ) read from a
// CSV file: one row per input file, with the values the issuing office
// recorded for it. Apply merges a row into the metadata extracted from the
// scan. The register is trusted over OCR, but a disagreement between the
// two is never settled silently: it is flagged for review.
//
// A Register is safe for concurrent use by the pipeline's workers.
type Register struct {
	name string
	rows []registerRow

	mu      sync.Mutex
	used    map[int][]string // row index → names of the documents it was applied to
	earlier map[int][]string // row index → names of matching documents done by an earlier run
}

// registerRow is one data row of a register.
type registerRow struct {
	line   int               // line number in the CSV (the header is line 1)
	file   string            // the file column as written
	key    string            // the file column folded for matching (matchKey)
	values map[string]string // field → normalised, non-empty value
}

// ref is how a row is named in metadata.json (source.register) and messages.
func (r *Register) ref(row registerRow) string { return fmt.Sprintf("%s:%d", r.name, row.line) }

// RegisterFileColumn is the register column naming the input file a row
// describes.
const RegisterFileColumn = "file"

// LoadRegister reads a register CSV. name (usually the file's base name)
// is how rows are cited: source.register = "<name>:<line>".
//
// The CSV is UTF-8, with or without a byte order mark, separated by commas,
// semicolons or tabs (detected from the header line, as spreadsheets
// export with the locale's list separator). The header names the column
// "file" and any of the editable fields of document.schema.json
// (RegisterFields), compared case-insensitively; any other column is an
// error naming it. Dates may be written YYYY-MM-DD or DD/MM/YYYY (day
// first, as in Vietnam); mode may lose its leading zero ("1" for "01") as
// spreadsheets do. Every value is checked against the schema (length,
// calendar date, enum), so applying a row keeps a document valid; every
// problem is reported with its line and column. Two rows naming the same
// file (after case and Unicode folding) are an error naming both lines.
// Empty rows are skipped.
func LoadRegister(r io.Reader, name string) (*Register, error) {
	records, lines, err := readSpreadsheetCSV(r)
	if err != nil {
		return nil, fmt.Errorf("register %s: %w", name, err)
	}
	if len(records) == 0 {
		return nil, fmt.Errorf("register %s: empty file, want a header line", name)
	}
	header := records[0]
	fileCol := -1
	cols := make([]*schemaField, len(header))
	var unknown []string
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		switch f := fieldByName(h); {
		case strings.EqualFold(h, RegisterFileColumn):
			fileCol = i
		case f != nil:
			cols[i] = f
		default:
			unknown = append(unknown, strconv.Quote(h))
			continue
		}
		if seen[strings.ToLower(h)] {
			return nil, fmt.Errorf("register %s: column %q appears twice", name, h)
		}
		seen[strings.ToLower(h)] = true
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("register %s: unknown columns %s (allowed: %s, %s)", name, strings.Join(unknown, ", "), RegisterFileColumn, strings.Join(RegisterFields(), ", "))
	}
	if fileCol < 0 {
		return nil, fmt.Errorf("register %s: no %q column naming the input file of each row", name, RegisterFileColumn)
	}

	reg := &Register{name: name, used: map[int][]string{}}
	var problems []error
	byKey := map[string]registerRow{} // key → the first row with it
	for n, rec := range records[1:] {
		line := lines[n+1]
		if isBlankRecord(rec) {
			continue
		}
		row := registerRow{line: line, values: map[string]string{}}
		for i, cell := range rec {
			switch {
			case i == fileCol:
				row.file = strings.TrimSpace(cell)
			case i < len(cols) && cols[i] != nil:
				v, err := cols[i].normalize(cell)
				if err != nil {
					problems = append(problems, fmt.Errorf("line %d, column %s: %w", line, cols[i].name, err))
					continue
				}
				if v != "" {
					row.values[cols[i].name] = v
				}
			}
		}
		if row.file == "" {
			problems = append(problems, fmt.Errorf("line %d: column %s is empty", line, RegisterFileColumn))
			continue
		}
		row.key = matchKey(row.file)
		if first, dup := byKey[row.key]; dup {
			problems = append(problems, fmt.Errorf("lines %d and %d: both describe the same file (%q, %q)", first.line, line, first.file, row.file))
			continue
		}
		byKey[row.key] = row
		reg.rows = append(reg.rows, row)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("register %s: %w", name, errors.Join(problems...))
	}
	return reg, nil
}

// Len is the number of rows of the register.
func (r *Register) Len() int { return len(r.rows) }

// match returns the row describing the document named docName (the
// pipeline's document name, "batch/hs-001/scan.pdf"). A row matches when
// its file is the whole name, a trailing part of its path ("hs-001/scan.pdf")
// or its base name ("scan.pdf"), compared case-insensitively in NFC; a row
// without the extension ("scan") matches too. The longest, most specific
// match wins.
func (r *Register) match(docName string) (int, bool) {
	name := matchKey(docName)
	candidates := []string{name}
	if ext := path.Ext(name); ext != "" && ext != name {
		candidates = append(candidates, strings.TrimSuffix(name, ext))
	}
	best, bestLen := -1, -1
	for i, row := range r.rows {
		for _, c := range candidates {
			if (c == row.key || strings.HasSuffix(c, "/"+row.key)) && len(row.key) > bestLen {
				best, bestLen = i, len(row.key)
			}
		}
	}
	return best, best >= 0
}

// matchKey folds a file name for matching: NFC, lower case, forward
// slashes, no leading "./" or "/".
func matchKey(s string) string {
	s = strings.ToLower(norm.NFC.String(strings.TrimSpace(s)))
	s = strings.ReplaceAll(s, `\`, "/")
	for strings.HasPrefix(s, "./") {
		s = s[2:]
	}
	return strings.TrimLeft(s, "/")
}

// Apply merges the register row describing docName into doc and reports
// whether a row matched. For each non-empty value of the row:
//
//   - the document's field is empty: it is filled;
//   - it is equal (NFC, whitespace collapsed, case-insensitive): it is
//     confirmed, and the value as printed on the paper is kept;
//   - it differs: the register's value is kept and a review reason
//     "<field>: register says X, scan reads Y" is added.
//
// In the three cases fieldConfidence of the field becomes 1.0: it states
// how sure the source of the value is, and the register is authoritative;
// the doubt of a conflict is carried by needsReview and the reason. A
// filled or confirmed field resolves the reasons the extraction gave for
// it (a handwritten number the register supplies needs no reader), unless
// a register conflict on it is pending (Apply run twice never clears its
// own flag). source.register cites the row ("register.csv:5"). needsReview
// and status (digitized or needs_review) are recomputed from the remaining
// reasons; a document flagged without any reason stays flagged.
//
// Documents already approved, signed or failed are left untouched and
// Apply returns false: a register must not change what a person approved.
func (r *Register) Apply(doc *Document, docName string) (applied bool) {
	i, ok := r.match(docName)
	if !ok {
		return false
	}
	switch doc.Status {
	case "", StatusDigitized, StatusNeedsReview:
	default:
		return false
	}
	row := r.rows[i]
	r.mu.Lock()
	if !slices.Contains(r.used[i], docName) {
		r.used[i] = append(r.used[i], docName)
	}
	r.mu.Unlock()

	flaggedWithoutReason := doc.NeedsReview && len(doc.ReviewReasons) == 0
	if doc.FieldConfidence == nil {
		doc.FieldConfidence = map[string]float64{}
	}
	resolved := map[string]bool{}
	var conflicts []string
	for _, f := range schemaFields {
		want, ok := row.values[f.name]
		if !ok {
			continue
		}
		have := f.get(doc)
		switch {
		case have == "":
			f.set(doc, want)
			resolved[f.name] = true
		case sameText(have, want):
			resolved[f.name] = true
		default:
			f.set(doc, want)
			conflicts = append(conflicts, fmt.Sprintf("%s: register says %q, scan reads %q", f.name, want, have))
		}
		doc.FieldConfidence[f.name] = 1.0
	}
	var reasons []string
	for _, reason := range doc.ReviewReasons {
		field := reasonField(reason)
		if resolved[field] && !hasRegisterConflict(doc.ReviewReasons, field) {
			continue
		}
		reasons = append(reasons, reason)
	}
	for _, c := range conflicts {
		if !slices.Contains(reasons, c) {
			reasons = append(reasons, c)
		}
	}
	doc.ReviewReasons = reasons
	if len(reasons) == 0 {
		doc.ReviewReasons = nil
	}
	doc.Source.Register = r.ref(row)
	doc.NeedsReview = len(reasons) > 0 || flaggedWithoutReason
	doc.Status = StatusDigitized
	if doc.NeedsReview {
		doc.Status = StatusNeedsReview
	}
	return true
}

// registerConflictMarker is the text of a reason Apply adds after "<field>: ".
const registerConflictMarker = "register says "

// hasRegisterConflict reports whether reasons hold a register conflict on field.
func hasRegisterConflict(reasons []string, field string) bool {
	for _, r := range reasons {
		if strings.HasPrefix(r, field+": "+registerConflictMarker) {
			return true
		}
	}
	return false
}

// reasonField returns the field a review reason is about ("codeNumber"
// for "codeNumber: looks handwritten"), or "" when it names no field.
func reasonField(reason string) string {
	name, _, ok := strings.Cut(reason, ":")
	if f := fieldByName(name); !ok || f == nil || f.name != name {
		return ""
	}
	return name
}

// DoneEarlier notes that the document named docName was digitized by an
// earlier run and is not digitized again: its row, if any, is not applied
// (a stored document changes only through review, where each change is
// logged) and NotApplied reports it, rather than Unused calling a row
// that names a real document unmatched.
func (r *Register) DoneEarlier(docName string) {
	i, ok := r.match(docName)
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.earlier == nil {
		r.earlier = map[int][]string{}
	}
	if !slices.Contains(r.earlier[i], docName) {
		r.earlier[i] = append(r.earlier[i], docName)
	}
}

// NotApplied lists the rows whose documents were all done by an earlier
// run, as "<name>:<line> (<file>): <doc>, <doc>", in register order.
func (r *Register) NotApplied() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for i, row := range r.rows {
		if docs := r.earlier[i]; len(docs) > 0 && len(r.used[i]) == 0 {
			docs = slices.Clone(docs)
			sort.Strings(docs)
			out = append(out, fmt.Sprintf("%s (%s): %s", r.ref(row), row.file, strings.Join(docs, ", ")))
		}
	}
	return out
}

// Unused lists the rows no document matched, as "<name>:<line> (<file>)",
// in register order: a misspelt file name, or a paper that was not scanned.
// Rows of documents done by an earlier run are in NotApplied instead.
func (r *Register) Unused() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for i, row := range r.rows {
		if len(r.used[i]) == 0 && len(r.earlier[i]) == 0 {
			out = append(out, fmt.Sprintf("%s (%s)", r.ref(row), row.file))
		}
	}
	return out
}

// Ambiguous lists the rows that were applied to more than one document
// (a base name "scan.pdf" shared by files of two folders), as
// "<name>:<line> (<file>): <doc>, <doc>": such rows should name the
// folder too.
func (r *Register) Ambiguous() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for i, row := range r.rows {
		if docs := r.used[i]; len(docs) > 1 {
			docs = slices.Clone(docs)
			sort.Strings(docs)
			out = append(out, fmt.Sprintf("%s (%s): %s", r.ref(row), row.file, strings.Join(docs, ", ")))
		}
	}
	return out
}

// sameText reports whether two values are the same text for a register:
// NFC, whitespace collapsed, case-insensitive.
func sameText(a, b string) bool { return strings.EqualFold(cleanText(a), cleanText(b)) }

// schemaField is a field of document.schema.json that a register or a
// reviewer may set: its name, how to check and normalise a value written
// by a person, and how to read and write it on a Document.
type schemaField struct {
	name     string
	maxLen   int  // schema maxLength, 0 for none
	required bool // in the schema's required list (must not end up empty to count as corrected)
	kind     fieldKind
	get      func(*Document) string
	set      func(*Document, string)
}

type fieldKind int

const (
	kindText fieldKind = iota
	kindDate
	kindPages
	kindMode
	kindLanguage
)

// schemaFields are the editable fields, in the order of the schema.
// docId, schemaVersion, confidenceLevel, status and the review flags are
// not among them: the pipeline owns those.
var schemaFields = []*schemaField{
	textField("fileCode", 100, false, func(d *Document) *string { return &d.FileCode }),
	textField("docCode", 100, false, func(d *Document) *string { return &d.DocCode }),
	textField(FieldTypeName, 100, true, func(d *Document) *string { return &d.TypeName }),
	textField(FieldCodeNumber, 11, true, func(d *Document) *string { return &d.CodeNumber }),
	textField(FieldCodeNotation, 30, true, func(d *Document) *string { return &d.CodeNotation }),
	{name: FieldIssuedDate, required: true, kind: kindDate,
		get: func(d *Document) string { return d.IssuedDate }, set: func(d *Document, v string) { d.IssuedDate = v }},
	textField(FieldPlace, 100, false, func(d *Document) *string { return &d.Place }),
	textField(FieldOrganName, 200, true, func(d *Document) *string { return &d.OrganName }),
	textField(FieldParentOrganName, 200, false, func(d *Document) *string { return &d.ParentOrganName }),
	textField(FieldSubject, 500, true, func(d *Document) *string { return &d.Subject }),
	textField(FieldSignerAuthority, 100, false, func(d *Document) *string { return &d.SignerAuthority }),
	textField(FieldSignerPosition, 100, false, func(d *Document) *string { return &d.SignerPosition }),
	textField(FieldSignerFullName, 50, false, func(d *Document) *string { return &d.SignerFullName }),
	{name: "numberOfPage", required: true, kind: kindPages,
		get: func(d *Document) string {
			if d.NumberOfPage == 0 {
				return ""
			}
			return strconv.Itoa(d.NumberOfPage)
		},
		set: func(d *Document, v string) { d.NumberOfPage, _ = strconv.Atoi(v) }},
	{name: "language", required: true, kind: kindLanguage,
		get: func(d *Document) string { return d.Language }, set: func(d *Document, v string) { d.Language = v }},
	{name: "mode", kind: kindMode,
		get: func(d *Document) string { return d.Mode }, set: func(d *Document, v string) { d.Mode = v }},
	textField("maintenance", 100, false, func(d *Document) *string { return &d.Maintenance }),
	textField("keyword", 100, false, func(d *Document) *string { return &d.Keyword }),
	textField("autograph", 2000, false, func(d *Document) *string { return &d.Autograph }),
	textField("description", 500, false, func(d *Document) *string { return &d.Description }),
}

func textField(name string, maxLen int, required bool, ptr func(*Document) *string) *schemaField {
	return &schemaField{name: name, maxLen: maxLen, required: required, kind: kindText,
		get: func(d *Document) string { return *ptr(d) },
		set: func(d *Document, v string) { *ptr(d) = v }}
}

// RegisterFields lists the schema fields a register (and a review sheet)
// may set, in schema order.
func RegisterFields() []string {
	out := make([]string, len(schemaFields))
	for i, f := range schemaFields {
		out[i] = f.name
	}
	return out
}

// FieldValue returns the value of the editable field named by its schema
// key (as RegisterFields lists them) as the register and the review sheet
// show it, and "" for a key that is not one of them.
func (d *Document) FieldValue(name string) string {
	if f := fieldByName(name); f != nil {
		return f.get(d)
	}
	return ""
}

// fieldByName finds an editable field by its schema key, case-insensitively.
func fieldByName(name string) *schemaField {
	for _, f := range schemaFields {
		if strings.EqualFold(f.name, strings.TrimSpace(name)) {
			return f
		}
	}
	return nil
}

// normalize checks a value a person wrote for the field and returns it in
// the form metadata.json stores: NFC text with whitespace collapsed, an
// ISO date, a two-digit mode. An empty cell gives "".
func (f *schemaField) normalize(raw string) (string, error) {
	v := cleanText(raw)
	if v == "" {
		return "", nil
	}
	switch f.kind {
	case kindDate:
		return parseDate(v)
	case kindPages:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return "", fmt.Errorf("%q is not a page count (a whole number, at least 1)", v)
		}
		return strconv.Itoa(n), nil
	case kindMode:
		switch v {
		case "1", "01", "2", "02", "3", "03":
			return "0" + v[len(v)-1:], nil
		}
		return "", fmt.Errorf("%q is not a mode (01 public, 02 conditional, 03 secret)", v)
	case kindLanguage:
		if _, err := language.Parse(v); err != nil {
			return "", fmt.Errorf("%q is not a BCP 47 language tag like \"vi\"", v)
		}
		return v, nil
	}
	if n := utf8.RuneCountInString(v); f.maxLen > 0 && n > f.maxLen {
		return "", fmt.Errorf("%d characters, more than the %d allowed", n, f.maxLen)
	}
	return v, nil
}

// reDayFirst matches a day-first date: 8/4/2020, 08/04/2020, 08-04-2020, 08.04.2020.
var reDayFirst = regexp.MustCompile(`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$`)

// parseDate reads YYYY-MM-DD or DD/MM/YYYY and returns YYYY-MM-DD; the day
// must exist in the calendar.
func parseDate(s string) (string, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Format(time.DateOnly), nil
	}
	m := reDayFirst.FindStringSubmatch(s)
	if m == nil {
		return "", fmt.Errorf("%q is not a date (write YYYY-MM-DD or DD/MM/YYYY)", s)
	}
	day, _ := strconv.Atoi(m[1])
	month, _ := strconv.Atoi(m[2])
	year, _ := strconv.Atoi(m[3])
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day || int(t.Month()) != month {
		return "", fmt.Errorf("%q is not a calendar date", s)
	}
	return t.Format(time.DateOnly), nil
}

// utf8BOM starts the CSV files spreadsheets write as "CSV UTF-8".
const utf8BOM = "\uFEFF"

// readSpreadsheetCSV reads a CSV as spreadsheets write it: UTF-8 with an
// optional BOM, separated by the first of ',', ';' or tab that is most
// frequent in the header line (outside quotes). It returns the records and
// the line each starts on. A file that is not UTF-8 (the legacy "CSV"
// export of Excel uses the Windows code page) is an error with a hint.
func readSpreadsheetCSV(r io.Reader) (records [][]string, lines []int, err error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("read: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte(utf8BOM))
	if !utf8.Valid(data) {
		return nil, nil, errors.New("not UTF-8 text: save it from the spreadsheet as \"CSV UTF-8\"")
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = detectSeparator(data)
	cr.FieldsPerRecord = -1 // short rows are common when trailing cells are empty
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		records = append(records, rec)
		lines = append(lines, line)
	}
	return records, lines, nil
}

// detectSeparator picks the separator of the first line: the most
// frequent of ',', ';' and tab outside double quotes; ',' when none occurs.
func detectSeparator(data []byte) rune {
	counts := map[rune]int{}
	inQuotes := false
	for _, c := range string(data) {
		if c == '"' {
			inQuotes = !inQuotes
			continue
		}
		if !inQuotes && (c == '\n' || c == '\r') {
			break
		}
		if !inQuotes {
			counts[c]++
		}
	}
	best := ','
	for _, c := range []rune{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

// isBlankRecord reports whether every cell of a record is empty.
func isBlankRecord(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
