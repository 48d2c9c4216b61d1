package metadata

import (
	"image"
	"testing"

	"github.com/sohoa/sohoa/ocr"
)

func TestSplitNumber(t *testing.T) {
	tests := []struct{ line, num, notation string }{
		{"Số: 1595/QĐ-SGDĐT", "1595", "QĐ-SGDĐT"},
		{"Số: 02/2019/TT-BNV", "02", "2019/TT-BNV"},
		{"Số: /2019/TT-BNV", "", "2019/TT-BNV"},
		// Ink of a handwritten number read with slashes (metabench seed 4).
		{"Số: - 1/2 /UBND-VP", "-1/2", "UBND-VP"},
		{"Số: 2/ /TB-SXD", "2/", "TB-SXD"},
		{"Số: ƒ©/2/2 /QĐ-SXD", "ƒ©/2/2", "QĐ-SXD"},
		{"Số: 12/QĐ-UBND /", "12", "QĐ-UBND"},
		{"Số: 123", "123", ""},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			rs := []rune(tc.line)
			start, ok := matchNumberPrefix(tc.line)
			if !ok {
				t.Fatal("no Số: prefix")
			}
			num, notation, _, _ := numberParts(rs, start)
			if num != tc.num || notation != tc.notation {
				t.Errorf("number %q, notation %q; want %q, %q", num, notation, tc.num, tc.notation)
			}
		})
	}
}

func TestTypePartFix(t *testing.T) {
	tests := []struct {
		read, want, fixed string
		ok                bool
	}{
		{"QĐĐ", "QĐ", "QĐ", true},   // doubled Đ (metabench: 4 documents)
		{"GŒN", "GCN", "GCN", true}, // Œ is no Vietnamese letter
		{"QD", "QĐ", "QĐ", true},    // stroke lost
		{"QĐ", "QĐ", "", false},
		{"TB", "QĐ", "", false},  // another type: a contradiction, not a misreading
		{"GCN", "GP", "", false}, // one letter more but not doubled
		{"TT", "TTr", "", false},
		{"GBN", "GCN", "", false}, // B is a Vietnamese letter: no telling
	}
	for _, tc := range tests {
		t.Run(tc.read+"→"+tc.want, func(t *testing.T) {
			got, ok := typePartFix(tc.read, tc.want)
			if got != tc.fixed || ok != tc.ok {
				t.Errorf("typePartFix = %q, %v; want %q, %v", got, ok, tc.fixed, tc.ok)
			}
		})
	}
}

func TestOrganInitialsAndStroke(t *testing.T) {
	tests := []struct {
		organ, initials, part, restored string
		ok                              bool
	}{
		{"SỞ KẾ HOẠCH VÀ ĐẦU TƯ", "SKHĐT", "SKHDT", "SKHĐT", true},
		{"SỞ GIÁO DỤC VÀ ĐÀO TẠO", "SGDĐT", "SGDĐT", "", false},
		{"ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM", "UBNDTQN", "UBND", "", false},
		{"UBND QUẬN HẢI CHÂU", "UBNDQHC", "UBND", "", false},
		{"CHI NHÁNH VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI", "CNVPĐKĐĐ", "CNVPDKĐĐ", "CNVPĐKĐĐ", true},
		{"PHÒNG TÀI CHÍNH - KẾ HOẠCH", "PTCKH", "TCKH", "", false},
		{"SỞ XÂY DỰNG", "SXD", "STP", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.organ, func(t *testing.T) {
			if got := organInitials(tc.organ); got != tc.initials {
				t.Errorf("organInitials = %q, want %q", got, tc.initials)
			}
			got, ok := restoreStroke(tc.part, tc.initials)
			if got != tc.restored || ok != tc.ok {
				t.Errorf("restoreStroke(%q) = %q, %v; want %q, %v", tc.part, got, ok, tc.restored, tc.ok)
			}
		})
	}
}

func TestPrintedWidthRatio(t *testing.T) {
	a4 := image.Pt(2480, 3508) // 300 dpi
	// printed is a word as wide as text printed at 13 pt, 300 dpi.
	printed := func(text string) ocr.Word {
		w := int(timesWidth(text) * numberFontPt / 72 * 300)
		return ocr.Word{Text: text, Box: image.Rect(500, 420, 500+w, 460), Confidence: 0.9}
	}
	// misread carries the box of paper but the text OCR read.
	misread := func(paper, read string) ocr.Word {
		w := printed(paper)
		w.Text = read
		return w
	}
	tests := []struct {
		name      string
		ws        []ocr.Word
		page      image.Point
		printedOK bool
		measured  bool
	}{
		{"read right", []ocr.Word{printed("1049/QĐ-BNV")}, a4, true, true},
		{"split in two words", []ocr.Word{printed("1049/"), printed("QĐ-BNV")}, a4, true, true},
		// Real misreadings of metabench seed 4.
		{"Đ doubled", []ocr.Word{misread("1049/QĐ-BNV", "1049/QĐĐ-BNV")}, a4, false, true},
		{"U inserted", []ocr.Word{misread("879/SCT-QLTM", "879/SCT-QLUTM")}, a4, false, true},
		{"200 dpi", []ocr.Word{{Text: "12/QĐ-UBND", Box: image.Rect(0, 0, int(timesWidth("12/QĐ-UBND")*13/72*200), 30)}}, image.Pt(1654, 2339), true, true},
		{"not A4", []ocr.Word{printed("1049/QĐ-BNV")}, image.Pt(2480, 2480), false, false},
		{"landscape", []ocr.Word{printed("1049/QĐ-BNV")}, image.Pt(3508, 2480), false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, measured := printedWidthRatio(tc.ws, tc.page)
			if measured != tc.measured {
				t.Errorf("measured = %v, want %v", measured, tc.measured)
			}
			if got := printedWidth(tc.ws, tc.page); got != tc.printedOK {
				ratio, _ := printedWidthRatio(tc.ws, tc.page)
				t.Errorf("printedWidth = %v (ratio %.3f), want %v", got, ratio, tc.printedOK)
			}
		})
	}
}

func TestFixSurname(t *testing.T) {
	tests := []struct {
		read, want string
		ok         bool
	}{
		{"Đỉnh Xuân Trường", "Đinh Xuân Trường", true},
		{"Định Xuân Trường", "Đinh Xuân Trường", true},
		{"Nguyen Văn An", "Nguyễn Văn An", true},
		{"Đinh Xuân Trường", "", false},
		{"Lương Thế Hiến", "", false}, // the surname is right; the given name has no list
		{"Doan Văn Hùng", "", false},  // Đoàn or Doãn
		{"Xyz Văn An", "", false},
		// Surnames of the northern minorities, a mark away from Kinh ones.
		{"Lường Văn Sáng", "", false},
		{"Ma Văn Sáng", "", false},
		{"Lô Văn Sáng", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.read, func(t *testing.T) {
			got, ok := fixSurname(tc.read)
			if got != tc.want || ok != tc.ok {
				t.Errorf("fixSurname = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestFixTitleLetters(t *testing.T) {
	tests := []struct {
		read []string
		want string
		ok   bool
	}{
		{[]string{"GLÁM", "ĐỐC"}, "GIÁM ĐỐC", true},
		{[]string{"KT:", "GLIÁM", "ĐỐC"}, "KT: GIÁM ĐỐC", true},
		{[]string{"GIÁM", "ĐỐC"}, "", false},
		{[]string{"CHỦ", "TỊCH", "ZZY"}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			got, ok := fixTitleLetters(tc.read)
			if got != tc.want || ok != tc.ok {
				t.Errorf("fixTitleLetters(%q) = %q, %v; want %q, %v", tc.read, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestTitleBeforeSpecks(t *testing.T) {
	w := func(text string, conf float64) ocr.Word { return ocr.Word{Text: text, Confidence: conf} }
	tests := []struct {
		name string
		ws   []ocr.Word
		k    int
		ok   bool
	}{
		{"specks after", []ocr.Word{w("CHỦ", 0.96), w("TỊCH", 0.96), w("Ỉ", 0.2), w("ZZY", 0.1)}, 2, true},
		{"roman numeral speck", []ocr.Word{w("PHÓ", 0.9), w("CỤC", 0.9), w("TRƯỞNG", 0.9), w("II", 0.4)}, 3, true},
		{"nothing after", []ocr.Word{w("GIÁM", 0.96), w("ĐỐC", 0.96)}, 0, false},
		{"a real word after", []ocr.Word{w("GIÁM", 0.96), w("ĐỐC", 0.96), w("BỆNH", 0.95), w("VIỆN", 0.95)}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, ok := titleBeforeSpecks(tc.ws)
			if k != tc.k || ok != tc.ok {
				t.Errorf("titleBeforeSpecks = %d, %v; want %d, %v", k, ok, tc.k, tc.ok)
			}
		})
	}
}

func TestMisreadSubjectWords(t *testing.T) {
	tests := []struct {
		subject string
		bad     int
	}{
		{"Kết quả thẩm định hồ sơ của Công ty 'NHH Dịch vụ Vận tải Sông Hàn", 1},
		{"V/v báo cáo tình hình giải quyết thủ tục hành chính quý H năm 2016", 1},
		{"V/v báo cáo tình hình giải quyết thủ tục hành chính quý III năm 2016", 0},
		{"công nhận đạt chuẩn quốcgia", 1},
		{"Về việc tuyển dụng viên chức năm 2022 (trực tuyến, online)", 0},
		{"Quý 2 năm 2020", 0},
	}
	for _, tc := range tests {
		t.Run(tc.subject, func(t *testing.T) {
			if got := misreadSubjectWords(tc.subject); len(got) != tc.bad {
				t.Errorf("misreadSubjectWords = %q, want %d words", got, tc.bad)
			}
		})
	}
}

// TestHandwrittenWordsFlagged: what the ocr package read from ink (a word
// marked Handwritten, the number joined with the printed ký hiệu after
// it) is kept but always flagged.
func TestHandwrittenWordsFlagged(t *testing.T) {
	d := quyetDinh()
	d.number = "Số: 2826/QĐ-SGDĐT@0.7"
	d.date = "Đà Nẵng, ngày 8@0.7 tháng 4 năm 2020"
	pages := d.build()
	marked := 0
	for i, w := range pages[0].Words {
		if w.Text == "2826/QĐ-SGDĐT" || w.Text == "8" {
			pages[0].Words[i].Handwritten = true
			marked++
		}
	}
	if marked != 2 {
		t.Fatalf("marked %d words, want 2", marked)
	}
	e := extract(pages)
	if e.CodeNumber != "2826" || e.CodeNotation != "QĐ-SGDĐT" || e.IssuedDate != "2020-04-08" {
		t.Errorf("number %q, notation %q, date %q", e.CodeNumber, e.CodeNotation, e.IssuedDate)
	}
	for _, want := range []string{
		"codeNumber: " + handwrittenReason,
		"codeNotation: read in one word with a handwritten number",
		"issuedDate: handwritten day read by machine: check against the paper",
	} {
		if !containsSub(e.ReviewReasons, want) {
			t.Errorf("no reason %q in %q", want, e.ReviewReasons)
		}
	}
}
