package pdfsyntax

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// describe is a test Builder that writes values back as canonical text, so
// a test can compare what was read with one string.
type describe struct{}

func (describe) Scalar(s Scalar) string {
	switch s.Kind {
	case Null, Bool:
		return s.Name
	case Int:
		return fmt.Sprint(s.Int)
	case Real:
		return fmt.Sprintf("%g", s.Real)
	case Name:
		return "/" + s.Name
	case String:
		return fmt.Sprintf("%q", s.String)
	case Ref:
		return fmt.Sprintf("%d %d R", s.Int, s.Gen)
	}
	return "?"
}

func (describe) Array(items []string, _ Span) string { return "[" + strings.Join(items, " ") + "]" }

func (describe) Dict(entries []Entry[string], _ Span, depth int) string {
	parts := make([]string, len(entries))
	for i, e := range entries {
		parts[i] = "/" + e.Key + " " + e.Value
	}
	return fmt.Sprintf("<<%d %s>>", depth, strings.Join(parts, " "))
}

func TestParse(t *testing.T) {
	cases := []struct {
		name, in string
		lexer    Lexer // Data is set from in
		want     string
		end      int // where Pos must stop; -1: at the end of in
	}{
		{"null", "null ", Lexer{}, "null", 4},
		{"bools", "[true false]", Lexer{}, "[true false]", -1},
		{"integer", "-17", Lexer{}, "-17", -1},
		{"real", "+.5", Lexer{}, "0.5", -1},
		{"name escape", "/application#2Fjson ", Lexer{}, "/application/json", 19},
		{"empty name", "/ ", Lexer{}, "/", 1},
		{"tolerant bad escape", "/a#zz", Lexer{}, "/a#zz", -1},
		{"literal escapes", `(a\(b\)c\\d\n\101\7x)`, Lexer{}, `"a(b)c\\d\nA\ax"`, -1},
		{"balanced parens", "(nested (paren) ok)", Lexer{}, `"nested (paren) ok"`, -1},
		{"line continuation", "(line \\\r\ncontinued)", Lexer{}, `"line continued"`, -1},
		{"EOL normalised", "(a\r\nb\rc)", Lexer{}, `"a\nb\nc"`, -1},
		{"EOL kept", "(a\r\nb\rc)", Lexer{KeepStringEOL: true}, `"a\r\nb\rc"`, -1},
		{"hex", "<FEFF0053 1ED1>", Lexer{}, `"\xfe\xff\x00S\x1e\xd1"`, -1},
		{"hex odd digit", "<414>", Lexer{}, `"A@"`, -1},
		{"empty hex", "<>", Lexer{}, `""`, -1},
		{"reference", "12 0 R", Lexer{}, "12 0 R", -1},
		{"tolerant generation", "12 3 R", Lexer{}, "12 3 R", -1},
		{"strict generation", "12 3 R", Lexer{Strict: true}, "12", 2},
		{"integer not a reference", "12 0 obj", Lexer{}, "12", 2},
		{"array", "[1 2 0 R 3.5 -4 /N]", Lexer{}, "[1 2 0 R 3.5 -4 /N]", -1},
		{"dict", "<< /A 1 /B [/C] /D << /E null >> >>", Lexer{}, "<<0 /A 1 /B [/C] /D <<1 /E null>>>>", -1},
		{"tolerant duplicate", "<</A 1/A 2>>", Lexer{}, "<<0 /A 1 /A 2>>", -1},
		{"comment", "% a comment\n true ", Lexer{}, "true", 17},
		{"tolerant inf", "inf", Lexer{}, "+Inf", -1},
		{"depth at the limit", "[[1]]", Lexer{MaxDepth: 2}, "[[1]]", -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.lexer
			l.Data = []byte(tc.in)
			got, err := Parse[string](&l, describe{})
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			end := tc.end
			if end < 0 {
				end = len(tc.in)
			}
			if got != tc.want || l.Pos != end {
				t.Errorf("Parse(%q) = %s, stopping at %d; want %s, stopping at %d", tc.in, got, l.Pos, tc.want, end)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, in string
		lexer    Lexer
		short    bool // ErrShort rather than a syntax error
	}{
		{"partial dict", "<< /A (abc", Lexer{Partial: true}, true},
		{"partial array", "[1 2", Lexer{Partial: true}, true},
		{"partial name", "/Nam", Lexer{Partial: true}, true},
		{"partial hex", "<41", Lexer{Partial: true}, true},
		{"partial reference", "12 0", Lexer{Partial: true}, true},
		{"partial dict end", "<< /A 1 >", Lexer{Partial: true}, true},
		{"partial escape", "(a\\", Lexer{Partial: true}, true},
		{"partial lone angle", "<", Lexer{Partial: true}, true},
		{"unterminated dict", "<< /A (abc)", Lexer{}, false},
		{"unterminated array", "[1 2", Lexer{}, false},
		{"unterminated string", "(a\\", Lexer{}, false},
		{"unterminated hex", "<41", Lexer{}, false},
		{"bad hex", "<4G>", Lexer{Partial: true}, false},
		{"bad hex unterminated", "<4G", Lexer{}, false},
		{"stray byte", "@ ", Lexer{}, false},
		{"closing bracket", "] ", Lexer{}, false},
		{"strict duplicate", "<< /A 1 /A 2 >>", Lexer{Strict: true}, false},
		{"key not a name", "<< 1 2 >>", Lexer{}, false},
		{"bad number", "1.2.3 ", Lexer{}, false},
		{"strict inf", "inf ", Lexer{Strict: true}, false},
		{"strict bad escape", "/a#zz ", Lexer{Strict: true}, false},
		{"keyword", "endobj ", Lexer{}, false},
		{"empty", "  % only a comment", Lexer{}, false},
		{"too deep", "[[[1]]]", Lexer{MaxDepth: 2}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.lexer
			l.Data = []byte(tc.in)
			got, err := Parse[string](&l, describe{})
			switch {
			case err == nil:
				t.Errorf("Parse(%q) = %s, want an error", tc.in, got)
			case tc.short && !errors.Is(err, ErrShort):
				t.Errorf("Parse(%q): %v, want ErrShort", tc.in, err)
			case !tc.short && !errors.Is(err, ErrSyntax):
				t.Errorf("Parse(%q): %v, want ErrSyntax", tc.in, err)
			}
		})
	}
}

// The outermost dictionary's entries carry where each value stands.
func TestDictSpans(t *testing.T) {
	in := "<< /ByteRange [0 10 20 30] /Contents <00FF> >>"
	l := &Lexer{Data: []byte(in)}
	var spans []string
	var b spanBuilder
	b.record = func(e []Entry[string]) {
		for _, x := range e {
			spans = append(spans, x.Key+"="+in[x.Span.Start:x.Span.End])
		}
	}
	if _, err := Parse[string](l, b); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(spans, ";"), "ByteRange=[0 10 20 30];Contents=<00FF>"; got != want {
		t.Errorf("spans %q, want %q", got, want)
	}
}

type spanBuilder struct{ record func([]Entry[string]) }

func (spanBuilder) Scalar(s Scalar) string               { return describe{}.Scalar(s) }
func (spanBuilder) Array(items []string, sp Span) string { return describe{}.Array(items, sp) }
func (b spanBuilder) Dict(e []Entry[string], sp Span, depth int) string {
	if depth == 0 {
		b.record(e)
	}
	return describe{}.Dict(e, sp, depth)
}

func TestLexerFraming(t *testing.T) {
	cases := []struct {
		name, in  string
		lexer     Lexer
		num, gen  int64
		stream    bool
		dataAt    int
		wantError bool
	}{
		{"strict stream CRLF", "7 0 obj\n<<>>\nstream\r\nDATA", Lexer{Strict: true}, 7, 0, true, 21, false},
		{"strict stream LF", "7 0 obj <<>> stream\nDATA", Lexer{Strict: true}, 7, 0, true, 20, false},
		{"strict stream glued", "7 0 obj <<>> streamDATA", Lexer{Strict: true}, 7, 0, false, 0, false},
		{"strict stream CR", "7 0 obj <<>> stream\rDATA", Lexer{Strict: true}, 0, 0, false, 0, true},
		{"tolerant stream CR", "7 1 obj <<>> stream\rDATA", Lexer{}, 7, 1, true, 20, false},
		{"tolerant negative", "-7 0 obj <<>> endobj", Lexer{}, -7, 0, false, 0, false},
		{"no stream", "7 0 obj <<>> endobj", Lexer{Strict: true}, 7, 0, false, 0, false},
		{"strict negative", "-7 0 obj <<>> endobj", Lexer{Strict: true}, 0, 0, false, 0, true},
		{"no obj", "7 0 R", Lexer{}, 0, 0, false, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.lexer
			l.Data = []byte(tc.in)
			num, gen, err := l.ObjectHeader()
			var isStream bool
			if err == nil {
				if _, err = Parse[string](&l, describe{}); err == nil {
					isStream, err = l.BeginStream()
				}
			}
			if (err != nil) != tc.wantError {
				t.Fatalf("%q: error %v, want error %v", tc.in, err, tc.wantError)
			}
			if err == nil && (num != tc.num || gen != tc.gen || isStream != tc.stream || (isStream && l.Pos != tc.dataAt)) {
				t.Errorf("%q: %d %d stream %v at %d; want %d %d stream %v at %d", tc.in, num, gen, isStream, l.Pos, tc.num, tc.gen, tc.stream, tc.dataAt)
			}
		})
	}
}

func TestKeywordAndUnsigned(t *testing.T) {
	l := &Lexer{Data: []byte("xref\n0 12\ntrailer"), Partial: true}
	if err := l.Keyword("xref"); err != nil {
		t.Fatal(err)
	}
	first, err1 := l.Unsigned()
	count, err2 := l.Unsigned()
	if err1 != nil || err2 != nil || first != 0 || count != 12 {
		t.Fatalf("subsection %d %d (%v, %v), want 0 12", first, count, err1, err2)
	}
	if err := l.Keyword("trailer"); !errors.Is(err, ErrShort) {
		t.Errorf("keyword at the end of a window: %v, want ErrShort", err)
	}
	l = &Lexer{Data: []byte("-3 ")}
	if _, err := l.Unsigned(); !errors.Is(err, ErrSyntax) {
		t.Errorf("Unsigned(-3): %v, want ErrSyntax", err)
	}
}

func TestStreamEnd(t *testing.T) {
	file := []byte("<<>>stream\nABCDEF\nendstream endobj")
	const start = 11
	cases := []struct {
		name   string
		length int64
		end    int
		ok     bool
	}{
		{"right length", 6, 17, true},
		{"length off", 3, 17, true},
		{"length beyond", 1 << 40, 17, true},
		{"no length", -1, 17, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			end, ok := StreamEnd(file, start, tc.length)
			if end != tc.end || ok != tc.ok {
				t.Errorf("StreamEnd(.., %d) = %d %v, want %d %v", tc.length, end, ok, tc.end, tc.ok)
			}
		})
	}
	if _, ok := StreamEnd([]byte("stream\nABC"), 7, 3); ok {
		t.Error("StreamEnd without endstream reports ok")
	}
}

func TestDecodeName(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		strict   bool
		err      bool
	}{
		{"A#20B", "A B", true, false},
		{"#41#42", "AB", true, false},
		{"A#2", "A#2", false, false},
		{"A#2", "", true, true},
		{"A#g0", "A#g0", false, false},
	} {
		got, err := DecodeName([]byte(tc.in), tc.strict)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("DecodeName(%q, %v) = %q, %v; want %q, error %v", tc.in, tc.strict, got, err, tc.want, tc.err)
		}
	}
}

// FuzzParse feeds hostile bytes to every mode: no panic, Pos within the
// data, and a value only without an error.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"<< /A [1 2 0 R (x\\)y) <41>] /B << /C null >> >>", "7 0 obj <</Length 3>> stream\nabc\nendstream",
		"(a\\", "<4G>", "[[[[", "/a#zz", "1 0 R", "-.5e3", "(\r\n)", "%c\n12"} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		l := &Lexer{Data: data, Partial: mode&1 != 0, Strict: mode&2 != 0, KeepStringEOL: mode&4 != 0, MaxDepth: int(mode >> 3)}
		if _, err := Parse[string](l, describe{}); err != nil && !errors.Is(err, ErrShort) && !errors.Is(err, ErrSyntax) {
			t.Fatalf("error %v is neither ErrShort nor ErrSyntax", err)
		}
		if l.Pos < 0 || l.Pos > len(data) {
			t.Fatalf("Pos %d outside %d bytes", l.Pos, len(data))
		}
		l = &Lexer{Data: data, Strict: mode&2 != 0}
		if _, _, err := l.ObjectHeader(); err == nil {
			_, _ = Parse[string](l, describe{})
			if ok, err := l.BeginStream(); ok && err == nil {
				if end, ok := StreamEnd(data, l.Pos, int64(mode)); ok && (end < l.Pos || end > len(data)) {
					t.Fatalf("stream end %d outside [%d, %d]", end, l.Pos, len(data))
				}
			}
		}
	})
}
