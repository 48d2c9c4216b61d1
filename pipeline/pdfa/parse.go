package pdfa

// A small reader for the few objects UpdateMetadata needs from a file the
// Writer made: trailers, classic xref tables, the catalog, the Info
// dictionary and the XMP stream's dictionary. It reads only the object
// syntax the Writer produces (and the PDF rules for it), so anything else is
// refused rather than guessed at; pdfcpu would accept any PDF and hide the
// differences we need to see.

import (
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf16"
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
var errShort = errors.New("object runs past the data read")

// parser reads PDF objects from data.
type parser struct {
	data []byte
	pos  int
}

func isWhite(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// skip passes whitespace and comments.
func (p *parser) skip() {
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case isWhite(c):
			p.pos++
		case c == '%':
			for p.pos < len(p.data) && p.data[p.pos] != '\n' && p.data[p.pos] != '\r' {
				p.pos++
			}
		default:
			return
		}
	}
}

// word returns the regular characters at pos (a number or keyword) without
// consuming them.
func (p *parser) word() string {
	end := p.pos
	for end < len(p.data) && !isWhite(p.data[end]) && !isDelim(p.data[end]) {
		end++
	}
	return string(p.data[p.pos:end])
}

// atWordEnd reports whether a token of n bytes at pos is complete: followed
// by a delimiter or whitespace, not by the end of the data read.
func (p *parser) atWordEnd(n int) bool {
	return p.pos+n < len(p.data)
}

// keyword consumes the keyword kw, after whitespace.
func (p *parser) keyword(kw string) error {
	p.skip()
	if p.pos >= len(p.data) {
		return errShort
	}
	w := p.word()
	if !p.atWordEnd(len(w)) {
		return errShort
	}
	if w != kw {
		return fmt.Errorf("at %d: %q where %q belongs", p.pos, w, kw)
	}
	p.pos += len(w)
	return nil
}

// integer consumes an unsigned integer.
func (p *parser) integer() (int64, error) {
	p.skip()
	if p.pos >= len(p.data) {
		return 0, errShort
	}
	w := p.word()
	if !p.atWordEnd(len(w)) {
		return 0, errShort
	}
	n, err := strconv.ParseUint(w, 10, 62)
	if err != nil {
		return 0, fmt.Errorf("at %d: %q is not an object number or count", p.pos, w)
	}
	p.pos += len(w)
	return int64(n), nil
}

// maxDepth bounds nesting, so a hostile file cannot exhaust the stack.
const maxDepth = 32

// value parses one object: a number, reference, name, string, array,
// dictionary or keyword.
func (p *parser) value(depth int) (pdfValue, error) {
	if depth > maxDepth {
		return pdfValue{}, fmt.Errorf("at %d: objects nested too deep", p.pos)
	}
	p.skip()
	if p.pos >= len(p.data) {
		return pdfValue{}, errShort
	}
	start := p.pos
	finish := func(v pdfValue) (pdfValue, error) {
		v.raw = string(p.data[start:p.pos])
		return v, nil
	}
	c := p.data[p.pos]
	switch {
	case c == '/':
		p.pos++
		w := p.word()
		if !p.atWordEnd(len(w)) {
			return pdfValue{}, errShort
		}
		p.pos += len(w)
		n, err := unescapeName(w)
		if err != nil {
			return pdfValue{}, fmt.Errorf("at %d: %w", start, err)
		}
		return finish(pdfValue{kind: kindName, text: n})
	case c == '(':
		s, err := p.literal()
		if err != nil {
			return pdfValue{}, err
		}
		return finish(pdfValue{kind: kindString, text: s})
	case c == '<' && p.pos+1 < len(p.data) && p.data[p.pos+1] == '<':
		p.pos += 2
		v := pdfValue{kind: kindDict}
		for {
			p.skip()
			if p.pos+1 >= len(p.data) {
				return pdfValue{}, errShort
			}
			if p.data[p.pos] == '>' && p.data[p.pos+1] == '>' {
				p.pos += 2
				return finish(v)
			}
			key, err := p.value(depth + 1)
			if err != nil {
				return pdfValue{}, err
			}
			if key.kind != kindName {
				return pdfValue{}, fmt.Errorf("at %d: dictionary key %s is not a name", p.pos, key.raw)
			}
			if _, dup := v.get(key.text); dup {
				return pdfValue{}, fmt.Errorf("at %d: key /%s given twice", p.pos, key.text)
			}
			val, err := p.value(depth + 1)
			if err != nil {
				return pdfValue{}, err
			}
			v.keys, v.vals = append(v.keys, key.text), append(v.vals, val)
		}
	case c == '<':
		s, err := p.hex()
		if err != nil {
			return pdfValue{}, err
		}
		return finish(pdfValue{kind: kindString, text: s})
	case c == '[':
		p.pos++
		v := pdfValue{kind: kindArray}
		for {
			p.skip()
			if p.pos >= len(p.data) {
				return pdfValue{}, errShort
			}
			if p.data[p.pos] == ']' {
				p.pos++
				return finish(v)
			}
			item, err := p.value(depth + 1)
			if err != nil {
				return pdfValue{}, err
			}
			v.items = append(v.items, item)
		}
	case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
		w := p.word()
		if !p.atWordEnd(len(w)) {
			return pdfValue{}, errShort
		}
		if _, err := strconv.ParseFloat(w, 64); err != nil {
			return pdfValue{}, fmt.Errorf("at %d: bad number %q", start, w)
		}
		p.pos += len(w)
		n, err := strconv.ParseInt(w, 10, 64)
		v := pdfValue{kind: kindNumber, num: n, isInt: err == nil}
		if v.isInt && n >= 0 {
			// "n g R" is a reference: look ahead without consuming.
			save := p.pos
			gen, err := p.integer()
			if err == nil && gen == 0 {
				err = p.keyword("R")
			}
			switch {
			case errors.Is(err, errShort):
				return pdfValue{}, errShort
			case err == nil && gen == 0:
				return finish(pdfValue{kind: kindRef, num: n, isInt: true})
			}
			p.pos = save
		}
		return finish(v)
	default:
		w := p.word()
		if !p.atWordEnd(len(w)) {
			return pdfValue{}, errShort
		}
		switch w {
		case "true", "false", "null":
			p.pos += len(w)
			return finish(pdfValue{kind: kindKeyword, text: w})
		}
		return pdfValue{}, fmt.Errorf("at %d: unexpected %q", start, w)
	}
}

// unescapeName decodes the #xx escapes of a name.
func unescapeName(s string) (string, error) {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '#' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("bad name escape in /%s", s)
		}
		n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("bad name escape in /%s", s)
		}
		b = append(b, byte(n))
		i += 2
	}
	return string(b), nil
}

// literal parses a literal string (ISO 32000-1 7.3.4.2) and returns its bytes.
func (p *parser) literal() (string, error) {
	p.pos++ // (
	var b []byte
	depth := 1
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		p.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return string(b), nil
			}
		case '\r': // an end of line in a string reads as \n
			if p.pos < len(p.data) && p.data[p.pos] == '\n' {
				p.pos++
			}
			c = '\n'
		case '\\':
			if p.pos >= len(p.data) {
				return "", errShort
			}
			e := p.data[p.pos]
			p.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r': // a line continuation
				if p.pos < len(p.data) && p.data[p.pos] == '\n' {
					p.pos++
				}
				continue
			case '\n':
				continue
			case '0', '1', '2', '3', '4', '5', '6', '7':
				n := int(e - '0')
				for k := 0; k < 2 && p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '7'; k++ {
					n = n*8 + int(p.data[p.pos]-'0')
					p.pos++
				}
				c = byte(n)
			default: // \( \) \\ and unknown escapes stand for the character
				c = e
			}
		}
		b = append(b, c)
	}
	return "", errShort
}

// hex parses a hexadecimal string and returns its bytes.
func (p *parser) hex() (string, error) {
	p.pos++ // <
	var b []byte
	var half byte
	odd := false
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		p.pos++
		var d byte
		switch {
		case c == '>':
			if odd {
				b = append(b, half<<4) // a missing last digit is 0
			}
			return string(b), nil
		case isWhite(c):
			continue
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return "", fmt.Errorf("at %d: %q in a hex string", p.pos-1, c)
		}
		if odd {
			b = append(b, half<<4|d)
		} else {
			half = d
		}
		odd = !odd
	}
	return "", errShort
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
