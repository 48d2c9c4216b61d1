package intake

import (
	"bytes"
	"math"
	"strconv"
)

// matrix is a PDF transformation matrix [a b c d e f].
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// times returns m × n (m applied first, as PDF's "cm" concatenates).
func (m matrix) times(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2],
		m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2],
		m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4],
		m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

// maxGraphicsDepth bounds the q/Q stack against hostile content.
const maxGraphicsDepth = 256

// placedSizes reads a page content stream and returns, for each XObject it
// paints with "Do", the size in points of the unit square it is painted
// into (the image's width and height on the page), the largest if painted
// more than once. It understands only what placement needs: numbers,
// names, q/Q/cm/Do, and skips strings, inline images and everything else.
func placedSizes(content []byte) map[string][2]float64 {
	sizes := map[string][2]float64{}
	ctm := identity
	var stack []matrix
	var nums []float64
	var lastName string
	s := scanner{b: content}
	for {
		tok, kind := s.next()
		switch kind {
		case tokEOF:
			return sizes
		case tokNumber:
			if v, err := strconv.ParseFloat(string(tok), 64); err == nil {
				nums = append(nums, v)
			}
			continue
		case tokName:
			lastName = string(tok[1:])
			continue
		case tokOther:
			continue
		}
		// An operator.
		switch string(tok) {
		case "q":
			if len(stack) < maxGraphicsDepth {
				stack = append(stack, ctm)
			}
		case "Q":
			if n := len(stack); n > 0 {
				ctm, stack = stack[n-1], stack[:n-1]
			}
		case "cm":
			if n := len(nums); n >= 6 {
				var m matrix
				copy(m[:], nums[n-6:])
				ctm = m.times(ctm)
			}
		case "Do":
			w, h := math.Hypot(ctm[0], ctm[1]), math.Hypot(ctm[2], ctm[3])
			if old := sizes[lastName]; w*h > old[0]*old[1] {
				sizes[lastName] = [2]float64{w, h}
			}
		case "BI":
			s.skipInlineImage()
		}
		nums, lastName = nums[:0], ""
	}
}

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokNumber
	tokName
	tokOperator
	tokOther // strings, arrays, dictionaries: skipped
)

type scanner struct {
	b   []byte
	pos int
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelimiter(c byte) bool {
	return bytes.IndexByte([]byte("()<>[]{}/%"), c) >= 0
}

func (s *scanner) next() ([]byte, tokenKind) {
	for s.pos < len(s.b) {
		c := s.b[s.pos]
		switch {
		case isSpace(c):
			s.pos++
		case c == '%':
			for s.pos < len(s.b) && s.b[s.pos] != '\n' && s.b[s.pos] != '\r' {
				s.pos++
			}
		case c == '(':
			s.skipString()
			return nil, tokOther
		case c == '<' && s.pos+1 < len(s.b) && s.b[s.pos+1] == '<', c == '>' && s.pos+1 < len(s.b) && s.b[s.pos+1] == '>':
			s.pos += 2
			return nil, tokOther
		case c == '<':
			end := bytes.IndexByte(s.b[s.pos:], '>')
			if end < 0 {
				s.pos = len(s.b)
			} else {
				s.pos += end + 1
			}
			return nil, tokOther
		case c == '[', c == ']', c == '{', c == '}', c == ')', c == '>':
			s.pos++
			return nil, tokOther
		case c == '/':
			start := s.pos
			s.pos++
			s.regular()
			return s.b[start:s.pos], tokName
		default:
			start := s.pos
			s.regular()
			tok := s.b[start:s.pos]
			if c == '+' || c == '-' || c == '.' || isDigit(c) {
				return tok, tokNumber
			}
			return tok, tokOperator
		}
	}
	return nil, tokEOF
}

// regular advances over regular characters.
func (s *scanner) regular() {
	for s.pos < len(s.b) && !isSpace(s.b[s.pos]) && !isDelimiter(s.b[s.pos]) {
		s.pos++
	}
}

// skipString skips a literal string with nested parentheses and escapes.
func (s *scanner) skipString() {
	depth := 0
	for ; s.pos < len(s.b); s.pos++ {
		switch s.b[s.pos] {
		case '\\':
			s.pos++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				s.pos++
				return
			}
		}
	}
}

// skipInlineImage skips from after BI to after EI; the data between ID and
// EI is binary and must not be tokenised.
func (s *scanner) skipInlineImage() {
	id := bytes.Index(s.b[s.pos:], []byte("ID"))
	if id < 0 {
		s.pos = len(s.b)
		return
	}
	s.pos += id + 2
	for s.pos < len(s.b) {
		ei := bytes.Index(s.b[s.pos:], []byte("EI"))
		if ei < 0 {
			s.pos = len(s.b)
			return
		}
		at := s.pos + ei
		s.pos = at + 2
		before := at == 0 || isSpace(s.b[at-1])
		after := s.pos >= len(s.b) || isSpace(s.b[s.pos]) || isDelimiter(s.b[s.pos])
		if before && after {
			return
		}
	}
}
