package wer

import (
	"strings"
	"testing"
)

func TestWordError(t *testing.T) {
	upper := func(s string) string { return strings.ToUpper(s) }
	tests := []struct {
		name, truth, got string
		normalize        Normalizer
		missing, total   int
	}{
		{"equal", "Số: 25/TB-SKHĐT", "Số: 25/TB-SKHĐT", nil, 0, 2},
		{"order free", "a b c", "c\nb a", nil, 0, 3},
		{"punctuation kept", "Số: 25/TB-SKHĐT", "Số 25/TB-SKHĐT", nil, 1, 2},
		{"decomposed is composed", "Nẵng", "Na\u0306\u0303ng", nil, 0, 1},
		{"repeats counted", "a a a b", "a b extra", nil, 2, 4},
		{"extra words free", "a", "x a y", nil, 0, 1},
		{"empty ocr", "a b", "", nil, 2, 2},
		{"normalizer applied to both", "Hà nội", "HÀ NỘI", upper, 0, 2},
		{"without normalizer case counts", "Hà nội", "HÀ NỘI", nil, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, n := WordError(tt.truth, tt.got, tt.normalize)
			if m != tt.missing || n != tt.total {
				t.Errorf("WordError(%q, %q) = %d/%d, want %d/%d", tt.truth, tt.got, m, n, tt.missing, tt.total)
			}
		})
	}
}

func TestMissingWords(t *testing.T) {
	if got, want := MissingWords("a b a c", "a", nil), `"b" "a" "c"`; got != want {
		t.Errorf("MissingWords = %s, want %s", got, want)
	}
}

func TestTally(t *testing.T) {
	var all Tally
	for _, p := range []Tally{{1, 100, 1}, {3, 100, 2}} {
		all.Merge(p)
	}
	if all.Missing != 4 || all.Total != 200 || all.Pages != 3 {
		t.Fatalf("merged tally %+v", all)
	}
	if got := all.String(); got != "2.00%" {
		t.Errorf("String() = %s, want 2.00%%", got)
	}
	if got := (Tally{}).String(); got != "-" {
		t.Errorf("empty tally String() = %q, want -", got)
	}
}
