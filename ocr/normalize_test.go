package ocr

import (
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"eth capital", "\u00D0à Nẵng", "Đà Nẵng"},
		{"eth small", "\u00F0ịnh", "định"},
		{"eth inside word", "SGD\u00D0T", "SGDĐT"},
		{"african D", "\u0189ÀO", "ĐÀO"},
		{"decomposed tone marks", "Quye\u0302\u0301t", "Quyết"},
		{"marks in non-canonical order", "Vie\u0302\u0323t", "Việt"},
		{"eth with combining mark", "\u00D0\u0323", "Đ\u0323"},
		{"ligature", "\uFB01le", "file"},
		{"no-break space", "Số:\u00A01595", "Số: 1595"},
		{"slash read twice", "01/\u20442018/TT-VPCP", "01/2018/TT-VPCP"},
		{"fraction slash alone", "01\u20442018", "01/2018"},
		{"already clean", "Về việc cấp giấy phép xây dựng", "Về việc cấp giấy phép xây dựng"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in)
			if got != tt.want {
				t.Errorf("Normalize(%+q) = %+q, want %+q", tt.in, got, tt.want)
			}
			if !norm.NFC.IsNormalString(got) {
				t.Errorf("Normalize(%+q) = %+q is not NFC", tt.in, got)
			}
		})
	}
}

func TestNormalizeComposesVietnamese(t *testing.T) {
	// Every precomposed Vietnamese vowel, given decomposed, comes back as
	// one code point.
	for _, r := range "ắằẳẵặấầẩẫậếềểễệốồổỗộớờởỡợứừửữựíìỉĩịýỳỷỹỵ" {
		in := norm.NFD.String(string(r))
		if got := Normalize(in); got != string(r) {
			t.Errorf("Normalize(%+q) = %+q, want %+q", in, got, string(r))
		}
	}
}
