package pdfa

// A small reader for the few objects UpdateMetadata needs from a file the
// Writer made: trailers, classic xref tables, the catalog, the Info
// dictionary and the XMP stream's dictionary. It reads only the object
// syntax the Writer produces (and the PDF rules for it), so anything else is
// refused rather than guessed at; pdfcpu would accept any PDF and hide the
// differences we need to see.

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/sohoa/sohoa/internal/pdfsyntax"
)

// valueKind is the type of a parsed PDF object.
type valueKind int

const (
	kindNumber valueKind = iota
	kindRef
	kindName
	kindString
	kindArray
	kindDict
	kindKeyword // true, false, null
)

// pdfValue is a parsed PDF object; raw is its bytes as they stand in the
// file, so a value can be copied into a new revision unchanged.
type pdfValue struct {
	kind  valueKind
	raw   string
	text  string // a name without its slash; a string's decoded bytes; a keyword
	num   int64  // an integer, or a reference's object number
	isInt bool   // num holds the number (reals are only kept raw)
	keys  []string
	vals  []pdfValue // a dictionary's values, by keys
	items []pdfValue // an array's items
}

// get returns the value of a dictionary's key.
func (v pdfValue) get(key string) (pdfValue, bool) {
	for i, k := range v.keys {
		if k == key {
			return v.vals[i], true
		}
	}
	return pdfValue{}, false
}

// errShort reports that an object runs past the bytes read; the caller may
// read more and parse again.
var errShort = pdfsyntax.ErrShort

// maxDepth bounds nesting, so a hostile file cannot exhaust the stack.
const maxDepth = 32

// newLexer reads data strictly, as a window that may end before the object
// does: the Writer's syntax is known, so anything unusual is refused.
func newLexer(data []byte) *pdfsyntax.Lexer {
	return &pdfsyntax.Lexer{Data: data, Partial: true, Strict: true, MaxDepth: maxDepth}
}

// valueBuilder makes pdfValues, with their raw bytes, from what pdfsyntax
// reads in data.
type valueBuilder struct{ data []byte }

func (b *valueBuilder) raw(s pdfsyntax.Span) string { return string(b.data[s.Start:s.End]) }

func (b *valueBuilder) Scalar(s pdfsyntax.Scalar) pdfValue {
	v := pdfValue{raw: b.raw(s.Span)}
	switch s.Kind {
	case pdfsyntax.Null, pdfsyntax.Bool:
		v.kind, v.text = kindKeyword, s.Name
	case pdfsyntax.Int:
		v.kind, v.num, v.isInt = kindNumber, s.Int, true
	case pdfsyntax.Real:
		v.kind = kindNumber
	case pdfsyntax.Name:
		v.kind, v.text = kindName, s.Name
	case pdfsyntax.String:
		v.kind, v.text = kindString, string(s.String)
	case pdfsyntax.Ref:
		v.kind, v.num, v.isInt = kindRef, s.Int, true
	}
	return v
}

func (b *valueBuilder) Array(items []pdfValue, span pdfsyntax.Span) pdfValue {
	if len(items) == 0 {
		items = nil
	}
	return pdfValue{kind: kindArray, raw: b.raw(span), items: items}
}

func (b *valueBuilder) Dict(entries []pdfsyntax.Entry[pdfValue], span pdfsyntax.Span, _ int) pdfValue {
	v := pdfValue{kind: kindDict, raw: b.raw(span)}
	for _, e := range entries {
		v.keys, v.vals = append(v.keys, e.Key), append(v.vals, e.Value)
	}
	return v
}

// parseValue parses one object at l.Pos: a number, reference, name,
// string, array, dictionary or keyword.
func parseValue(l *pdfsyntax.Lexer) (pdfValue, error) {
	return pdfsyntax.Parse[pdfValue](l, &valueBuilder{data: l.Data})
}

// decodeText decodes a PDF text string's bytes: UTF-16BE after a byte order
// mark, otherwise PDFDocEncoding, read as Latin-1 (the Writer only writes
// ASCII that way).
func decodeText(s string) string {
	if len(s) >= 2 && s[0] == 0xFE && s[1] == 0xFF {
		units := make([]uint16, 0, len(s)/2)
		for i := 2; i+1 < len(s); i += 2 {
			units = append(units, uint16(s[i])<<8|uint16(s[i+1]))
		}
		return string(utf16.Decode(units))
	}
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

// parsePDFDate reads a date in the form pdfDate writes:
// D:YYYYMMDDHHmmSS followed by Z or a zone +HH'mm'.
func parsePDFDate(s string) (time.Time, error) {
	const stamp = "D:20060102150405"
	if len(s) < len(stamp) {
		return time.Time{}, fmt.Errorf("date %q is not D:YYYYMMDDHHmmSS", s)
	}
	zone := s[len(stamp):]
	loc := time.UTC
	switch {
	case zone == "Z":
	case len(zone) == 7 && (zone[0] == '+' || zone[0] == '-') && zone[3] == '\'' && zone[6] == '\'':
		h, err1 := strconv.Atoi(zone[1:3])
		m, err2 := strconv.Atoi(zone[4:6])
		if err1 != nil || err2 != nil || h > 23 || m > 59 {
			return time.Time{}, fmt.Errorf("date %q has a bad zone", s)
		}
		off := h*3600 + m*60
		if zone[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	default:
		return time.Time{}, fmt.Errorf("date %q has no zone in the form Z or +HH'mm'", s)
	}
	t, err := time.ParseInLocation(stamp, s[:len(stamp)], loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q: %w", s, err)
	}
	return t, nil
}
