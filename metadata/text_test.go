package metadata

import (
	"strings"
	"testing"
)

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ÐÀ  NẴNG", "ĐÀ NẴNG"},
		{"QÐ-UBND", "QĐ-UBND"},
		{"nǎm 2020", "năm 2020"},
		{"Vie\u0302\u0323t  Nam\t", "Việt Nam"}, // decomposed → NFC
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := cleanText(tc.in); got != tc.want {
				t.Errorf("cleanText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestFoldKeepsRuneOffsets(t *testing.T) {
	for _, s := range []string{"Đà Nẵng, ngày 8 tháng 4 năm 2020", "Số: 1595/SGDĐT–CTrTT", "ỦY BAN “X”"} {
		f := fold(s)
		if len(f) != len([]rune(s)) {
			t.Errorf("fold(%q) = %q: %d bytes for %d runes", s, f, len(f), len([]rune(s)))
		}
	}
	if got := fold("Đà Nẵng, NGÀY"); got != "da nang, ngay" {
		t.Errorf("fold = %q", got)
	}
}

func TestMatchNumberPrefix(t *testing.T) {
	tests := []struct {
		line string
		ok   bool
		rest string
	}{
		{"Số: 1595/SGDĐT-CTrTT", true, "1595/SGDĐT-CTrTT"},
		{"Số:1595/SGDĐT", true, "1595/SGDĐT"},
		{"Số : 12/QĐ-UBND", true, "12/QĐ-UBND"},
		{"S6: 12/QĐ-UBND", true, "12/QĐ-UBND"},
		{"Sô: /QĐ-UBND", true, "/QĐ-UBND"},
		{"Số 12/QĐ-UBND", true, "12/QĐ-UBND"},
		{"SỞ GIÁO DỤC VÀ ĐÀO TẠO", false, ""},
		{"SỞ Y TẾ", false, ""},
		{"Sông Hàn 12/3", false, ""},
		{"So sánh", false, ""},
		// Specks before "Số:" (metabench seed 4).
		{"_Số: .c= /SGTVT-QLVT", true, ".c= /SGTVT-QLVT"},
		{"vn Số: ” /GP-SGTVT", true, "” /GP-SGTVT"},
		{"vn Số 12/QĐ-UBND", false, ""},
		{"là Sông Hàn", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			at, ok := matchNumberPrefix(tc.line)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if ok && string([]rune(tc.line)[at:]) != tc.rest {
				t.Errorf("rest = %q, want %q", string([]rune(tc.line)[at:]), tc.rest)
			}
		})
	}
}

func TestFindDate(t *testing.T) {
	tests := []struct {
		line             string
		day, month, year string // "" day/month: blank; found=false: no date
		found            bool
	}{
		{"Đà Nẵng, ngày 8 tháng 4 năm 2020", "8", "4", "2020", true},
		{"Hà Nội, ngày 08/4/2020", "08", "4", "2020", true},
		{"Huế, ngày 8.4.2020", "8", "4", "2020", true},
		{"Đà Nẵng, ngay 8 thang 4 nam 2020", "8", "4", "2020", true},
		{"Đà Nẵng, ngày   tháng 4 năm 2020", "", "4", "2020", true},
		{"Đà Nẵng, ngày ,ẽ tháng 4 năm 2020", "ẽ", "4", "2020", true},
		{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			m := findDate(tc.line)
			if (m != nil) != tc.found {
				t.Fatalf("found = %v, want %v", m != nil, tc.found)
			}
			if m == nil {
				return
			}
			rs := []rune(tc.line)
			part := func(i int) string { return strings.TrimSpace(string(rs[m[i]:m[i+1]])) }
			if part(2) != tc.day || part(4) != tc.month || part(6) != tc.year {
				t.Errorf("got %q %q %q, want %q %q %q", part(2), part(4), part(6), tc.day, tc.month, tc.year)
			}
		})
	}
}

func TestIsPersonName(t *testing.T) {
	tests := map[string]bool{
		"Nguyễn Văn An": true, "Lê Thị Thu Hà": true, "Đỗ Đức Thắng": true,
		"Nguyễn Văn A": true, "GIÁM ĐỐC": false, "Nguyễn": false,
		"Tøànế Thị Hà": false, "Nơi nhận:": false, "nguyễn văn an": false, "Lê 2 Hà": false,
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			if got := isPersonName(name); got != want {
				t.Errorf("isPersonName(%q) = %v, want %v", name, got, want)
			}
		})
	}
}

func TestMatchTypeName(t *testing.T) {
	tests := []struct {
		title, name, rest string
		exact, ok         bool
	}{
		{"QUYẾT ĐỊNH", "Quyết định", "", true, true},
		{"QUYET ĐỊNH", "Quyết định", "", false, true},
		{"GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", "Giấy chứng nhận", "ĐĂNG KÝ HỘ KINH DOANH", true, true},
		{"GIẤY PHÉP", "Giấy phép", "", true, true},
		{"THÔNG TƯ LIÊN TỊCH", "Thông tư liên tịch", "", true, true},
		{"BÁO CÁO", "Báo cáo", "", true, true},
		{"SỞ Y TẾ", "", "", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.title, func(t *testing.T) {
			dt, rest, exact, ok := matchTypeName(tc.title)
			if ok != tc.ok || dt.name != tc.name || rest != tc.rest || exact != tc.exact {
				t.Errorf("got %q %q exact=%v ok=%v", dt.name, rest, exact, ok)
			}
		})
	}
}

func TestMisspelledWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"SỞ KẾ HOẠCH VÀ ĐẦU TƯ", nil},
		{"SƠ KE HOẠCH VÀ ĐẦU TƯ", []string{"SƠ", "KE"}},
		{"ỦY BAN NHÂN DÂN THANH PHO HÀ NỌI", []string{"PHO", "NỌI"}},
		{"UBND THÀNH PHỐ ĐÀ NẴNG", nil},
		{"PHÓ CHỦ TICH", []string{"TICH"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got := misspelledWords(tc.in)
			if len(got) != len(tc.want) {
				t.Fatalf("got %q, want words %q", got, tc.want)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w+" (") {
					t.Errorf("got %q, want %q first", got[i], w)
				}
			}
		})
	}
}
