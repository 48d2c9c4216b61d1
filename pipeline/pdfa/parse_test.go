package pdfa

import (
	"errors"
	"testing"
	"time"
)

func TestParseValue(t *testing.T) {
	cases := []struct {
		in    string
		kind  valueKind
		text  string // decoded name, string or keyword
		num   int64
		items int // of an array or dictionary
		raw   string
	}{
		{in: "/application#2Fjson ", kind: kindName, text: "application/json", raw: "/application#2Fjson"},
		{in: `(a\(b\)c\\d\n\101) `, kind: kindString, text: "a(b)c\\d\nA", raw: `(a\(b\)c\\d\n\101)`},
		{in: "(nested (paren)\r\nok)", kind: kindString, text: "nested (paren)\nok"},
		{in: "(line \\\ncontinued)", kind: kindString, text: "line continued"},
		{in: "<FEFF0053 1ED1>", kind: kindString, text: "\xFE\xFF\x00S\x1E\xD1"},
		{in: "<414>", kind: kindString, text: "A@"},
		{in: "12 0 R ", kind: kindRef, num: 12, raw: "12 0 R"},
		{in: "12 3 ", kind: kindNumber, num: 12, raw: "12"}, // generation 3: not a reference we write
		{in: "[1 2 0 R 3.5 -4]", kind: kindArray, items: 4},
		{in: "<< /A 1 /B [/C] /D << >> >>", kind: kindDict, items: 3},
		{in: "% a comment\n true ", kind: kindKeyword, text: "true", raw: "true"},
	}
	for _, tc := range cases {
		v, err := parseValue(newLexer([]byte(tc.in)))
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		n := len(v.items) + len(v.keys)
		if v.kind != tc.kind || (tc.text != "" && v.text != tc.text) || v.num != tc.num || n != tc.items ||
			(tc.raw != "" && v.raw != tc.raw) {
			t.Errorf("%q: parsed %+v, want kind %d text %q num %d items %d raw %q", tc.in, v, tc.kind, tc.text, tc.num, tc.items, tc.raw)
		}
	}

	for _, in := range []string{"<< /A (abc", "[1 2", "/Nam", "<41", "12 0", "<< /A 1 >", "(a\\"} {
		if _, err := parseValue(newLexer([]byte(in))); !errors.Is(err, errShort) {
			t.Errorf("%q: error %v, want errShort", in, err)
		}
	}
	for _, in := range []string{"<4G>", "@ ", "<< /A 1 /A 2 >>", "<< 1 2 >>", "1.2.3 ", "/a#zz ", "endobj "} {
		if v, err := parseValue(newLexer([]byte(in))); err == nil || errors.Is(err, errShort) {
			t.Errorf("%q: parsed %+v, %v; want a syntax error", in, v, err)
		}
	}
	deep := ""
	for range maxDepth + 2 {
		deep += "["
	}
	if _, err := parseValue(newLexer([]byte(deep))); err == nil || errors.Is(err, errShort) {
		t.Errorf("nesting beyond %d: %v, want an error", maxDepth, err)
	}
}

func TestPDFDateRoundTrip(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2025, 3, 15, 9, 30, 0, 0, time.FixedZone("ICT", 7*3600)),
		time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2001, 2, 3, 4, 5, 6, 0, time.FixedZone("", -(5*3600+30*60))),
	} {
		got, err := parsePDFDate(pdfDate(tm))
		if err != nil || !got.Equal(tm) || pdfDate(got) != pdfDate(tm) {
			t.Errorf("%s: read back %v, %v", pdfDate(tm), got, err)
		}
	}
	for _, bad := range []string{"", "D:2025", "D:20250315093000", "D:20250315093000+7'00'", "D:20251315093000Z", "20250315093000Z"} {
		if got, err := parsePDFDate(bad); err == nil {
			t.Errorf("%q: read %v, want an error", bad, got)
		}
	}
}

func TestDecodeText(t *testing.T) {
	for _, s := range []string{"sohoa test", "SỞ GIÁO DỤC VÀ ĐÀO TẠO", "𝒳 outside the BMP", ""} {
		if got := decodeText(string(textBytes(s))); got != s {
			t.Errorf("decodeText(textBytes(%q)) = %q", s, got)
		}
	}
}
