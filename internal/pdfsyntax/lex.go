// Package pdfsyntax reads the object syntax of PDF (ISO 32000-1 section 7.3):
// the tokens, the value types (null, booleans, numbers, names, literal and
// hexadecimal strings, arrays, dictionaries, indirect references) and the
// "N G obj" and stream framing around an indirect object.
//
// It builds no object model of its own. Parse hands each value to a Builder,
// so a caller keeps the representation that suits it: pipeline/pdfa keeps
// values ordered and with their raw bytes (to copy them into an update),
// signer keeps maps (to look keys up while walking revisions).
//
// Two readers share it with different needs, set per Lexer:
//   - Strict refuses what a tolerant reader would pass over (see Lexer).
//   - Partial says Data may be a window that ends before the object does;
//     then running out of data is ErrShort, so the caller can read more and
//     try again, rather than a syntax error.
package pdfsyntax

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrSyntax is wrapped by every error for data that is not PDF syntax.
var ErrSyntax = errors.New("PDF syntax error")

// ErrShort reports, in Partial mode only, that an object runs past the data
// read; the caller may read more and parse again.
var ErrShort = errors.New("object runs past the data read")

// DefaultMaxDepth bounds nesting when Lexer.MaxDepth is 0.
const DefaultMaxDepth = 64

// Lexer reads tokens and objects from Data, starting at Pos.
type Lexer struct {
	Data []byte
	Pos  int

	// Partial: Data may stop before the input does. A token that touches
	// the end of Data may be cut, so reading it gives ErrShort.
	Partial bool

	// Strict refuses a bad #xx escape in a name (a tolerant reader keeps the
	// bytes), a key given twice in a dictionary (tolerant: the last wins)
	// and number-like tokens strconv reads but PDF does not (inf, nan). It
	// reads "n g R" as a reference only for object numbers ≥ 0 and
	// generation 0 written as digits (the only references a writer of
	// single-generation files makes), and reads object headers with
	// unsigned numbers.
	Strict bool

	// KeepStringEOL keeps a bare CR or CR LF inside a literal string as it
	// is; by default it reads as LF, as ISO 32000-1 7.3.4.2 says.
	KeepStringEOL bool

	// MaxDepth bounds how many arrays and dictionaries a value may sit in,
	// so hostile input cannot exhaust the stack; 0 means DefaultMaxDepth.
	MaxDepth int
}

// IsWhite reports whether c is PDF white space.
func IsWhite(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

// IsDelim reports whether c is a PDF delimiter.
func IsDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// Fail returns a syntax error at the current position.
func (l *Lexer) Fail(what string) error {
	return l.failAt(l.Pos, what)
}

func (l *Lexer) failAt(pos int, what string) error {
	return fmt.Errorf("%w at offset %d: %s", ErrSyntax, pos, what)
}

// short is the error for data that ends too early: ErrShort when more may
// follow, otherwise a syntax error saying what is unterminated.
func (l *Lexer) short(what string) error {
	if l.Partial {
		return ErrShort
	}
	return l.Fail(what)
}

// SkipSpace passes white space and comments.
func (l *Lexer) SkipSpace() {
	for l.Pos < len(l.Data) {
		c := l.Data[l.Pos]
		switch {
		case IsWhite(c):
			l.Pos++
		case c == '%':
			for l.Pos < len(l.Data) && l.Data[l.Pos] != '\n' && l.Data[l.Pos] != '\r' {
				l.Pos++
			}
		default:
			return
		}
	}
}

// Peek returns the regular characters at Pos (a number or keyword, possibly
// empty) without consuming them.
func (l *Lexer) Peek() []byte {
	end := l.Pos
	for end < len(l.Data) && !IsWhite(l.Data[end]) && !IsDelim(l.Data[end]) {
		end++
	}
	return l.Data[l.Pos:end]
}

// Token consumes and returns the regular characters at Pos.
func (l *Lexer) Token() []byte {
	t := l.Peek()
	l.Pos += len(t)
	return t
}

// cut reports whether a token of n bytes at Pos may continue past the data
// read (Partial mode, and nothing after it).
func (l *Lexer) cut(n int) bool {
	return l.Partial && l.Pos+n >= len(l.Data)
}

// completeToken skips space and returns the next regular token without
// consuming it, or ErrShort when it may be cut.
func (l *Lexer) completeToken() ([]byte, error) {
	l.SkipSpace()
	if l.Pos >= len(l.Data) {
		return nil, l.short("unexpected end")
	}
	w := l.Peek()
	if l.cut(len(w)) {
		return nil, ErrShort
	}
	return w, nil
}

// Keyword consumes the keyword kw after white space, or fails.
func (l *Lexer) Keyword(kw string) error {
	w, err := l.completeToken()
	if err != nil {
		return err
	}
	if string(w) != kw {
		return l.Fail(fmt.Sprintf("%q where %q belongs", w, kw))
	}
	l.Pos += len(w)
	return nil
}

// Unsigned consumes an unsigned decimal integer after white space (an
// object number, generation or count).
func (l *Lexer) Unsigned() (int64, error) {
	w, err := l.completeToken()
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseUint(string(w), 10, 62)
	if err != nil {
		return 0, l.Fail(fmt.Sprintf("%q is not an object number or count", w))
	}
	l.Pos += len(w)
	return int64(n), nil
}

// ObjectHeader consumes "N G obj" and returns N and G. A Strict lexer wants
// unsigned numbers; a tolerant one any integers.
func (l *Lexer) ObjectHeader() (num, gen int64, err error) {
	if l.Strict {
		if num, err = l.Unsigned(); err != nil {
			return 0, 0, err
		}
		if gen, err = l.Unsigned(); err != nil {
			return 0, 0, err
		}
		return num, gen, l.Keyword("obj")
	}
	start := l.Pos
	l.SkipSpace()
	n, err1 := strconv.Atoi(string(l.Token()))
	l.SkipSpace()
	g, err2 := strconv.Atoi(string(l.Token()))
	l.SkipSpace()
	if err1 != nil || err2 != nil || string(l.Token()) != "obj" {
		return 0, 0, l.failAt(start, "no object header")
	}
	return int64(n), int64(g), nil
}

// BeginStream consumes the keyword "stream" and its end of line, if they
// come next (after white space), and reports whether they did. The data
// starts at Pos then. A Strict lexer wants the end of line the standard
// asks for (CR LF or LF); a tolerant one takes CR, LF, both or none.
func (l *Lexer) BeginStream() (bool, error) {
	l.SkipSpace()
	const kw = "stream"
	rest := l.Data[l.Pos:]
	if !l.Strict {
		if len(rest) < len(kw) || string(rest[:len(kw)]) != kw {
			return false, nil
		}
		l.Pos += len(kw)
		if l.Pos < len(l.Data) && l.Data[l.Pos] == '\r' {
			l.Pos++
		}
		if l.Pos < len(l.Data) && l.Data[l.Pos] == '\n' {
			l.Pos++
		}
		return true, nil
	}
	if string(l.Peek()) != kw {
		return false, nil
	}
	l.Pos += len(kw)
	switch {
	case l.Pos+1 < len(l.Data) && l.Data[l.Pos] == '\r' && l.Data[l.Pos+1] == '\n':
		l.Pos += 2
	case l.Pos < len(l.Data) && l.Data[l.Pos] == '\n':
		l.Pos++
	case l.Partial && l.Pos+1 >= len(l.Data):
		return false, ErrShort
	default:
		return false, l.Fail("no end of line after stream")
	}
	return true, nil
}

// unhex is the value of a hexadecimal digit, or -1.
func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// DecodeName decodes the #xx escapes of a name's characters (without its
// slash). With strict, a '#' not followed by two hex digits is an error;
// otherwise it stands for itself.
func DecodeName(b []byte, strict bool) (string, error) {
	i := 0
	for i < len(b) && b[i] != '#' {
		i++
	}
	if i == len(b) {
		return string(b), nil
	}
	out := make([]byte, i, len(b))
	copy(out, b[:i])
	for ; i < len(b); i++ {
		if b[i] == '#' && i+2 < len(b) {
			hi, lo := unhex(b[i+1]), unhex(b[i+2])
			if hi >= 0 && lo >= 0 {
				out = append(out, byte(hi<<4|lo))
				i += 2
				continue
			}
		}
		if b[i] == '#' && strict {
			return "", fmt.Errorf("bad name escape in /%s", b)
		}
		out = append(out, b[i])
	}
	return string(out), nil
}

// Name consumes a name at Pos (which holds '/') and returns it decoded.
func (l *Lexer) Name() (string, error) {
	start := l.Pos
	l.Pos++
	w := l.Peek()
	if l.cut(len(w)) {
		l.Pos = start
		return "", ErrShort
	}
	l.Pos += len(w)
	n, err := DecodeName(w, l.Strict)
	if err != nil {
		return "", l.failAt(start, err.Error())
	}
	return n, nil
}

// LiteralString consumes a literal string at Pos (which holds '(') and
// returns its bytes, escapes decoded.
func (l *Lexer) LiteralString() ([]byte, error) {
	l.Pos++
	var out []byte
	depth := 1
	for l.Pos < len(l.Data) {
		c := l.Data[l.Pos]
		l.Pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return out, nil
			}
		case '\r':
			if !l.KeepStringEOL {
				if l.Pos < len(l.Data) && l.Data[l.Pos] == '\n' {
					l.Pos++
				}
				c = '\n'
			}
		case '\\':
			if l.Pos >= len(l.Data) {
				return nil, l.short("unterminated string")
			}
			e := l.Data[l.Pos]
			l.Pos++
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
				if l.Pos < len(l.Data) && l.Data[l.Pos] == '\n' {
					l.Pos++
				}
				continue
			case '\n':
				continue
			case '0', '1', '2', '3', '4', '5', '6', '7':
				n := int(e - '0')
				for k := 0; k < 2 && l.Pos < len(l.Data) && l.Data[l.Pos] >= '0' && l.Data[l.Pos] <= '7'; k++ {
					n = n*8 + int(l.Data[l.Pos]-'0')
					l.Pos++
				}
				c = byte(n)
			default: // \( \) \\ and unknown escapes stand for the character
				c = e
			}
		}
		out = append(out, c)
	}
	return nil, l.short("unterminated string")
}

// HexString consumes a hexadecimal string at Pos (which holds '<') and
// returns its bytes; a missing last digit reads as 0.
func (l *Lexer) HexString() ([]byte, error) {
	l.Pos++
	// Signatures hold kilobytes of hex: size the result once.
	end := l.Pos
	for end < len(l.Data) && l.Data[end] != '>' {
		end++
	}
	out := make([]byte, 0, (end-l.Pos)/2+1)
	var hi byte
	half := false
	for ; l.Pos < end; l.Pos++ {
		c := l.Data[l.Pos]
		d := unhex(c)
		if d < 0 {
			if IsWhite(c) {
				continue
			}
			return nil, l.Fail(fmt.Sprintf("%q in a hex string", c))
		}
		if half {
			out = append(out, hi<<4|byte(d))
		} else {
			hi = byte(d)
		}
		half = !half
	}
	if end == len(l.Data) {
		return nil, l.short("unterminated hex string")
	}
	l.Pos++ // >
	if half {
		out = append(out, hi<<4)
	}
	return out, nil
}
