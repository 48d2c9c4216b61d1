package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa/fixtures"
	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/ocr"
)

// MetadataFields are the extracted fields the metadata benchmark scores,
// in table order.
var MetadataFields = []string{
	metadata.FieldTypeName, metadata.FieldCodeNumber, metadata.FieldCodeNotation,
	metadata.FieldIssuedDate, metadata.FieldPlace, metadata.FieldOrganName,
	metadata.FieldParentOrganName, metadata.FieldSubject, metadata.FieldSignerAuthority,
	metadata.FieldSignerPosition, metadata.FieldSignerFullName,
}

// fieldCodeNumberNotation is the combined row of the table: both parts of
// the số/ký hiệu right.
const fieldCodeNumberNotation = "codeNumber+codeNotation"

// MetaCase is one benchmark document: its ground truth and what the
// pipeline made of it (Err when a page could not be decoded or read).
type MetaCase struct {
	Truth fixtures.Document
	Got   metadata.Document
	Err   error
}

// Verdict is how one extracted field compares with the ground truth.
type Verdict int

const (
	// Correct: the value equals the truth; for a handwritten number or
	// day, it is empty or equals the truth, and is flagged either way.
	Correct Verdict = iota
	// WrongFlagged: wrong or missing, and a review reason names the field.
	WrongFlagged
	// WrongUnflagged: wrong or missing, and nothing tells a reviewer.
	WrongUnflagged
)

// FoldForCompare is the comparison form of a field value: NFC, whitespace
// collapsed, lower case.
func FoldForCompare(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(norm.NFC.String(s)), " "))
}

// truthValue returns the ground truth of field on d.
func truthValue(d fixtures.Document, field string) string {
	f := d.Fields
	switch field {
	case metadata.FieldTypeName:
		return f.TypeName
	case metadata.FieldCodeNumber:
		return f.CodeNumber
	case metadata.FieldCodeNotation:
		return f.CodeNotation
	case metadata.FieldIssuedDate:
		return f.IssuedDate
	case metadata.FieldPlace:
		return f.Place
	case metadata.FieldOrganName:
		return f.OrganName
	case metadata.FieldParentOrganName:
		return f.ParentOrganName
	case metadata.FieldSubject:
		return f.Subject
	case metadata.FieldSignerAuthority:
		return f.SignerAuthority
	case metadata.FieldSignerPosition:
		return f.SignerPosition
	case metadata.FieldSignerFullName:
		return f.SignerFullName
	}
	return ""
}

// flagged tells whether a review reason of d names field ("field: ...").
func flagged(d metadata.Document, field string) bool {
	for _, r := range d.ReviewReasons {
		if strings.HasPrefix(r, field+":") {
			return true
		}
	}
	return false
}

// handwrittenField tells whether field's value is (partly) handwritten on
// the paper: the number, or the date when its day is.
func handwrittenField(d fixtures.Document, field string) bool {
	return (field == metadata.FieldCodeNumber && d.HandwrittenNumber) ||
		(field == metadata.FieldIssuedDate && d.HandwrittenDay)
}

// Judge compares one field of a case with the truth. A case that failed
// (Err) has every field wrong and unflagged: the document produced nothing
// a reviewer would see as metadata.
func Judge(c MetaCase, field string) Verdict {
	if c.Err != nil {
		return WrongUnflagged
	}
	got, want := FoldForCompare(c.Got.FieldValue(field)), FoldForCompare(truthValue(c.Truth, field))
	isFlagged := flagged(c.Got, field)
	if handwrittenField(c.Truth, field) {
		// What is written by hand must reach a person: empty or right, and
		// flagged.
		if isFlagged && (got == "" || got == want) {
			return Correct
		}
		if isFlagged {
			return WrongFlagged
		}
		return WrongUnflagged
	}
	switch {
	case got == want:
		return Correct
	case isFlagged:
		return WrongFlagged
	}
	return WrongUnflagged
}

// fieldTally counts verdicts of one field over a set of cases.
type fieldTally struct {
	n, correct, wrongFlagged, wrongUnflagged int
}

func (t *fieldTally) add(v Verdict) {
	t.n++
	switch v {
	case Correct:
		t.correct++
	case WrongFlagged:
		t.wrongFlagged++
	default:
		t.wrongUnflagged++
	}
}

func pct(a, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(a)/float64(n))
}

// judgeCombined is the verdict of codeNumber+codeNotation: correct when
// both are, unflagged when either wrong part is.
func judgeCombined(c MetaCase) Verdict {
	a, b := Judge(c, metadata.FieldCodeNumber), Judge(c, metadata.FieldCodeNotation)
	return max(a, b)
}

func isHandwritten(d fixtures.Document) bool { return d.HandwrittenNumber || d.HandwrittenDay }

// MetaScore sums up a metadata benchmark run.
type MetaScore struct {
	Docs, HandDocs, Failed int
	// Values is the number of scored field values (documents × fields).
	Values, HandValues int
	// Unflagged counts wrong values nobody is told about, overall and on
	// documents with a handwritten number or day.
	Unflagged, HandUnflagged int
	// Flagged counts the documents with at least one review reason.
	Flagged int

	fields     map[string]*fieldTally
	handFields map[string]*fieldTally
	variants   map[fixtures.Variant]map[string]*fieldTally
}

// ScoreMetadata judges every field of every case.
func ScoreMetadata(cases []MetaCase) MetaScore {
	s := MetaScore{fields: map[string]*fieldTally{}, handFields: map[string]*fieldTally{},
		variants: map[fixtures.Variant]map[string]*fieldTally{}}
	tally := func(m map[string]*fieldTally, field string) *fieldTally {
		if m[field] == nil {
			m[field] = &fieldTally{}
		}
		return m[field]
	}
	for _, c := range cases {
		hand := isHandwritten(c.Truth)
		s.Docs++
		if hand {
			s.HandDocs++
		}
		if c.Err != nil {
			s.Failed++
		}
		if c.Got.NeedsReview {
			s.Flagged++
		}
		for _, v := range c.Truth.Variants {
			if s.variants[v] == nil {
				s.variants[v] = map[string]*fieldTally{}
			}
		}
		for _, f := range append(slices.Clone(MetadataFields), fieldCodeNumberNotation) {
			var v Verdict
			if f == fieldCodeNumberNotation {
				v = judgeCombined(c)
			} else {
				v = Judge(c, f)
				s.Values++
				if hand {
					s.HandValues++
				}
				if v == WrongUnflagged {
					s.Unflagged++
					if hand {
						s.HandUnflagged++
					}
				}
			}
			tally(s.fields, f).add(v)
			if hand {
				tally(s.handFields, f).add(v)
			}
			for _, variant := range c.Truth.Variants {
				tally(s.variants[variant], f).add(v)
			}
		}
	}
	return s
}

// tableFields is the row order of the per-field table.
var tableFields = []string{
	metadata.FieldTypeName, metadata.FieldCodeNumber, metadata.FieldCodeNotation, fieldCodeNumberNotation,
	metadata.FieldIssuedDate, metadata.FieldPlace, metadata.FieldOrganName, metadata.FieldParentOrganName,
	metadata.FieldSubject, metadata.FieldSignerAuthority, metadata.FieldSignerPosition, metadata.FieldSignerFullName,
}

// variantColumns are the fields the per-variant table shows (the ones
// issue #4 sets targets for).
var variantColumns = []string{
	fieldCodeNumberNotation, metadata.FieldIssuedDate, metadata.FieldTypeName, metadata.FieldOrganName,
	metadata.FieldSignerPosition, metadata.FieldSignerFullName, metadata.FieldSubject,
}

// WriteTable writes the score as Markdown tables: per field (all
// documents, then those with a handwritten number or day), and per
// fixtures variant.
func (s MetaScore) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%d documents (%d with a handwritten number or day, %d failed to decode or read); %d flagged for review.\n\n",
		s.Docs, s.HandDocs, s.Failed, s.Flagged)
	b.WriteString("| field | correct | wrong, flagged | wrong, NOT flagged | handwritten docs: correct | handwritten docs: wrong, NOT flagged |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|\n")
	for _, f := range tableFields {
		t, h := s.fields[f], s.handFields[f]
		if t == nil {
			t = &fieldTally{}
		}
		if h == nil {
			h = &fieldTally{}
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %s | %d |\n", f, pct(t.correct, t.n), t.wrongFlagged, t.wrongUnflagged,
			pct(h.correct, h.n), h.wrongUnflagged)
	}
	fmt.Fprintf(&b, "\nWrong and not flagged: %d of %d field values (%s); on documents with a handwritten number or day: %d of %d (%s).\n\n",
		s.Unflagged, s.Values, pct(s.Unflagged, s.Values), s.HandUnflagged, s.HandValues, pct(s.HandUnflagged, s.HandValues))

	b.WriteString("Per variant (a document counts under each of its variants): correct share, and wrong-and-not-flagged over all 11 fields.\n\n")
	b.WriteString("| variant | docs |")
	for _, f := range variantColumns {
		fmt.Fprintf(&b, " %s |", f)
	}
	b.WriteString(" not flagged |\n|---|---:|")
	for range variantColumns {
		b.WriteString("---:|")
	}
	b.WriteString("---:|\n")
	var vs []fixtures.Variant
	for v := range s.variants {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool {
		return slices.Index(fixtures.AllVariants, vs[i]) < slices.Index(fixtures.AllVariants, vs[j])
	})
	for _, v := range vs {
		m := s.variants[v]
		docs := 0
		if t := m[metadata.FieldTypeName]; t != nil {
			docs = t.n
		}
		fmt.Fprintf(&b, "| %s | %d |", v, docs)
		for _, f := range variantColumns {
			t := m[f]
			if t == nil {
				t = &fieldTally{}
			}
			fmt.Fprintf(&b, " %s |", pct(t.correct, t.n))
		}
		unflagged := 0
		for _, f := range MetadataFields {
			if t := m[f]; t != nil {
				unflagged += t.wrongUnflagged
			}
		}
		fmt.Fprintf(&b, " %d |\n", unflagged)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMisses writes one line per wrong field value: document, variants,
// field, what was read, the truth and whether it was flagged, then the
// document's review reasons.
func WriteMisses(w io.Writer, cases []MetaCase) error {
	var b strings.Builder
	for _, c := range cases {
		if c.Err != nil {
			fmt.Fprintf(&b, "%s %v: failed: %v\n", c.Truth.ID, c.Truth.Variants, c.Err)
			continue
		}
		missed := false
		for _, f := range MetadataFields {
			v := Judge(c, f)
			if v == Correct {
				continue
			}
			missed = true
			mark := "flagged"
			if v == WrongUnflagged {
				mark = "NOT FLAGGED"
			}
			fmt.Fprintf(&b, "%s %v: %s = %q, truth %q (%s)\n", c.Truth.ID, c.Truth.Variants, f,
				c.Got.FieldValue(f), truthValue(c.Truth, f), mark)
		}
		if missed {
			fmt.Fprintf(&b, "%s   reasons: %q\n", c.Truth.ID, c.Got.ReviewReasons)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// OCRCache keeps the OCR results of benchmark documents on disk, so the
// extraction can be measured again without reading the pages again. Dir
// is one folder per cache key; Key should change whenever what OCR
// returns may change (fixtures seed, ocr sources, engine version and
// options).
type OCRCache struct {
	Dir string
	Key string
}

func (c OCRCache) path(docID string) string {
	return filepath.Join(c.Dir, c.Key, docID+".json")
}

// Load returns the cached results of a document; ok is false when there
// are none.
func (c OCRCache) Load(docID string) (pages []*ocr.Result, ok bool, err error) {
	if c.Dir == "" {
		return nil, false, nil
	}
	data, err := os.ReadFile(c.path(docID))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("ocr cache: %w", err)
	}
	if err := json.Unmarshal(data, &pages); err != nil {
		return nil, false, fmt.Errorf("ocr cache %s: %w", c.path(docID), err)
	}
	return pages, true, nil
}

// Store writes the results of a document, atomically.
func (c OCRCache) Store(docID string, pages []*ocr.Result) error {
	if c.Dir == "" {
		return nil
	}
	data, err := json.Marshal(pages)
	if err != nil {
		return fmt.Errorf("ocr cache: %w", err)
	}
	return writeAtomic(c.path(docID), data)
}

// LoadTruth returns the ground truth stored under key; ok is false when
// there is none.
func (c OCRCache) LoadTruth(key string) (docs []fixtures.Document, ok bool, err error) {
	if c.Dir == "" {
		return nil, false, nil
	}
	p := filepath.Join(c.Dir, key+".json")
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("truth cache: %w", err)
	}
	if err := json.Unmarshal(data, &docs); err != nil {
		return nil, false, fmt.Errorf("truth cache %s: %w", p, err)
	}
	return docs, true, nil
}

// StoreTruth keeps the ground truth of a generated set under key.
func (c OCRCache) StoreTruth(key string, docs []fixtures.Document) error {
	if c.Dir == "" {
		return nil
	}
	data, err := json.Marshal(docs)
	if err != nil {
		return fmt.Errorf("truth cache: %w", err)
	}
	return writeAtomic(filepath.Join(c.Dir, key+".json"), data)
}

// writeAtomic writes data to a temporary file beside p, then renames it.
func writeAtomic(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}
