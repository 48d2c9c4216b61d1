package index

import (
	"strings"
	"testing"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Ủy ban nhân dân Đà Nẵng", "uy ban nhan dan da nang"},
		{"QĐ-UBND", "qd-ubnd"},
		{"ÐỒNG Ý", "dong y"},     // Tesseract's Ð for Đ
		{"Quye\u0301t", "quyet"}, // NFD input
		{"  Số 125 ", "so 125"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := fold(tc.in); got != tc.want {
				t.Errorf("fold(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestFTSQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"quyết định", `"quyet" "dinh"`},
		{`"phê duyệt" kế hoạch`, `"phe duyet" "ke" "hoach"`},
		{"QĐ-UBND", `"qd ubnd"`},
		{"nguyễn*", `"nguyen"*`},
		{`a" OR b -c NEAR(`, `"a" "or b c near"`},
		{"?!", ``},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := ftsQuery(parseWords(tc.in)); got != tc.want {
				t.Errorf("ftsQuery(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("chữ ", 50) + "Quyết định\nsố 12. " + strings.Repeat("khác ", 50)
	tests := []struct {
		name, text, words string
		want              []string // substrings
		not               []string
	}{
		{"marks folded matches", "Điều 1. Phê duyệt kế hoạch.", "dieu ke hoach", []string{"«Điều» 1. Phê duyệt «kế» «hoạch»."}, nil},
		{"window around the match", long, "quyet dinh", []string{"…", "«Quyết» «định» số 12.", "…"}, []string{"\n"}},
		{"phrase needs the words together", "định quyết. quyết định", `"quyet dinh"`, []string{"định quyết. «quyết» «định»"}, nil},
		{"prefix", "Nguyễn Văn An", "nguy*", []string{"«Nguyễn» Văn An"}, nil},
		{"no match", "không có gì", "quyet", nil, []string{"«"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := snippet(tc.text, parseWords(tc.words), 24)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("snippet = %q, want it to contain %q", got, w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(got, w) {
					t.Errorf("snippet = %q, must not contain %q", got, w)
				}
			}
			if len(tc.want) > 0 && len(strings.Fields(got)) > 30 {
				t.Errorf("snippet too long: %q", got)
			}
		})
	}
}
