package pdfsyntax

import (
	"fmt"
	"strconv"
)

// Kind is the type of a scalar value.
type Kind int

// The scalar kinds; arrays and dictionaries have Builder methods of their own.
const (
	Null Kind = iota
	Bool
	Int
	Real
	Name
	String
	Ref
)

// Span is where a value stands in Lexer.Data: [Start, End).
type Span struct{ Start, End int }

// Scalar is a value that holds no other values.
type Scalar struct {
	Kind Kind
	Bool bool
	Int  int64   // an Int, or a Ref's object number
	Gen  int64   // a Ref's generation
	Real float64 // a Real
	Name string  // a Name, decoded, without its slash; the keyword of a Null or Bool
	// String is a String's decoded bytes; the Builder may keep them.
	String []byte
	Span   Span
}

// Entry is one key and value of a dictionary.
type Entry[V any] struct {
	Key   string
	Value V
	Span  Span // of the value
}

// Builder makes the caller's values from what Parse reads.
type Builder[V any] interface {
	Scalar(s Scalar) V
	// Array gets the items, which it may keep.
	Array(items []V, span Span) V
	// Dict gets the entries in file order; the slice is reused after the
	// call returns. depth is how many arrays and dictionaries enclose it.
	Dict(entries []Entry[V], span Span, depth int) V
}

// parser carries one Parse call's state.
type parser[V any] struct {
	l        *Lexer
	b        Builder[V]
	maxDepth int
	entries  []Entry[V] // a stack of the dictionaries being read
}

// Parse reads one value at l.Pos (after white space) and leaves l.Pos just
// after it. It reads "n g R" as a reference; keywords other than null, true
// and false are errors.
func Parse[V any](l *Lexer, b Builder[V]) (V, error) {
	p := parser[V]{l: l, b: b, maxDepth: l.MaxDepth}
	if p.maxDepth <= 0 {
		p.maxDepth = DefaultMaxDepth
	}
	return p.value(0)
}

func (p *parser[V]) value(depth int) (V, error) {
	var zero V
	l := p.l
	if depth > p.maxDepth {
		return zero, l.Fail("objects nested too deep")
	}
	l.SkipSpace()
	if l.Pos >= len(l.Data) {
		return zero, l.short("unexpected end")
	}
	start := l.Pos
	switch c := l.Data[l.Pos]; {
	case c == '/':
		n, err := l.Name()
		if err != nil {
			return zero, err
		}
		return p.b.Scalar(Scalar{Kind: Name, Name: n, Span: Span{start, l.Pos}}), nil
	case c == '(':
		s, err := l.LiteralString()
		if err != nil {
			return zero, err
		}
		return p.b.Scalar(Scalar{Kind: String, String: s, Span: Span{start, l.Pos}}), nil
	case c == '<' && l.Pos+1 < len(l.Data) && l.Data[l.Pos+1] == '<':
		return p.dict(depth)
	case c == '<':
		if l.Pos+1 >= len(l.Data) && l.Partial {
			return zero, ErrShort // perhaps "<<"
		}
		s, err := l.HexString()
		if err != nil {
			return zero, err
		}
		return p.b.Scalar(Scalar{Kind: String, String: s, Span: Span{start, l.Pos}}), nil
	case c == '[':
		l.Pos++
		items := []V{}
		for {
			l.SkipSpace()
			if l.Pos >= len(l.Data) {
				return zero, l.short("unterminated array")
			}
			if l.Data[l.Pos] == ']' {
				l.Pos++
				return p.b.Array(items, Span{start, l.Pos}), nil
			}
			v, err := p.value(depth + 1)
			if err != nil {
				return zero, err
			}
			items = append(items, v)
		}
	}
	s, err := p.word(start)
	if err != nil {
		return zero, err
	}
	return p.b.Scalar(s), nil
}

// word reads a keyword, number or reference.
func (p *parser[V]) word(start int) (Scalar, error) {
	l := p.l
	tok := l.Peek()
	if l.cut(len(tok)) {
		return Scalar{}, ErrShort
	}
	if len(tok) == 0 {
		return Scalar{}, l.Fail(fmt.Sprintf("unexpected %q", l.Data[l.Pos]))
	}
	l.Pos += len(tok)
	span := Span{start, l.Pos}
	switch string(tok) {
	case "null":
		return Scalar{Kind: Null, Name: "null", Span: span}, nil
	case "true", "false":
		return Scalar{Kind: Bool, Bool: tok[0] == 't', Name: string(tok), Span: span}, nil
	}
	if n, err := strconv.ParseInt(string(tok), 10, 64); err == nil {
		gen, isRef, err := p.refAfter(n)
		if err != nil {
			return Scalar{}, err
		}
		if isRef {
			return Scalar{Kind: Ref, Int: n, Gen: gen, Span: Span{start, l.Pos}}, nil
		}
		return Scalar{Kind: Int, Int: n, Span: span}, nil
	}
	c := tok[0]
	if !p.l.Strict || c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') {
		if f, err := strconv.ParseFloat(string(tok), 64); err == nil {
			return Scalar{Kind: Real, Real: f, Span: span}, nil
		}
	}
	return Scalar{}, l.failAt(start, fmt.Sprintf("unknown token %q", tok))
}

// refAfter looks past the integer n for "g R", consuming it only when it
// is there.
func (p *parser[V]) refAfter(n int64) (gen int64, isRef bool, err error) {
	l := p.l
	save := l.Pos
	if l.Strict {
		if n < 0 {
			return 0, false, nil
		}
		gen, err := l.Unsigned()
		if err == nil && gen == 0 {
			err = l.Keyword("R")
		}
		switch {
		case err == ErrShort:
			return 0, false, ErrShort
		case err == nil && gen == 0:
			return 0, true, nil
		}
		l.Pos = save
		return 0, false, nil
	}
	next := func() ([]byte, error) {
		l.SkipSpace()
		t := l.Peek()
		if l.cut(len(t)) {
			return nil, ErrShort
		}
		l.Pos += len(t)
		return t, nil
	}
	g, err := next()
	if err != nil {
		return 0, false, err
	}
	if gen, err := strconv.Atoi(string(g)); err == nil && gen >= 0 {
		r, err := next()
		if err != nil {
			return 0, false, err
		}
		if string(r) == "R" {
			return int64(gen), true, nil
		}
	}
	l.Pos = save
	return 0, false, nil
}

func (p *parser[V]) dict(depth int) (V, error) {
	var zero V
	l := p.l
	start := l.Pos
	l.Pos += 2
	base := len(p.entries)
	defer func() { p.entries = p.entries[:base] }()
	for {
		l.SkipSpace()
		if l.Pos+1 >= len(l.Data) {
			return zero, l.short("unterminated dictionary")
		}
		if l.Data[l.Pos] == '>' && l.Data[l.Pos+1] == '>' {
			l.Pos += 2
			return p.b.Dict(p.entries[base:], Span{start, l.Pos}, depth), nil
		}
		keyAt := l.Pos
		if l.Data[l.Pos] != '/' {
			if _, err := p.value(depth + 1); err != nil {
				return zero, err
			}
			return zero, l.failAt(keyAt, "dictionary key is not a name")
		}
		key, err := l.Name()
		if err != nil {
			return zero, err
		}
		if l.Strict {
			for _, e := range p.entries[base:] {
				if e.Key == key {
					return zero, l.failAt(keyAt, fmt.Sprintf("key /%s given twice", key))
				}
			}
		}
		l.SkipSpace()
		valueAt := l.Pos
		v, err := p.value(depth + 1)
		if err != nil {
			return zero, err
		}
		p.entries = append(p.entries, Entry[V]{Key: key, Value: v, Span: Span{valueAt, l.Pos}})
	}
}
