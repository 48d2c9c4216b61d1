package metadata

import (
	"strings"
	"unicode/utf8"
)

// headerSpellings lists the correct spellings of words common in organ
// names and signer titles, keyed by their folded form. Tesseract often
// drops the marks of bold capitals ("SƠ KE HOẠCH" for "SỞ KẾ HOẠCH") with
// high confidence; a word whose folded form is listed but whose spelling
// is not among the listed ones is flagged as misread. Keys whose folded
// form has many legitimate spellings (tu, thanh) are left out rather than
// risk flagging a correct word.
var headerSpellings = map[string][]string{
	"so": {"SỞ", "SỐ"}, "ke": {"KẾ"}, "hoach": {"HOẠCH"}, "dau": {"ĐẦU"},
	"pho": {"PHỐ", "PHÓ", "PHỔ"}, "noi": {"NỘI"}, "hanh": {"HÀNH"},
	"chinh": {"CHÍNH"}, "cong": {"CÔNG", "CỘNG"}, "nhanh": {"NHÁNH"},
	"van": {"VĂN", "VÂN", "VẬN"}, "phong": {"PHÒNG", "PHONG"},
	"dang": {"ĐĂNG", "ĐẢNG"}, "ky": {"KÝ", "KỸ", "KỲ"}, "dat": {"ĐẤT", "ĐẠT"},
	"dai": {"ĐAI", "ĐẠI"}, "quan": {"QUẬN", "QUẢN", "QUÂN"}, "lien": {"LIÊN"},
	"uy": {"ỦY", "UỶ"}, "nhan": {"NHÂN"}, "dan": {"DÂN"}, "tinh": {"TỈNH"},
	"huyen": {"HUYỆN"}, "xa": {"XÃ"}, "phuong": {"PHƯỜNG"},
	"giao": {"GIÁO", "GIAO"}, "duc": {"DỤC", "ĐỨC"}, "dao": {"ĐÀO", "ĐẠO"},
	"tao": {"TẠO"}, "te": {"TẾ"}, "tai": {"TÀI", "TẢI"},
	"nguyen": {"NGUYÊN"}, "truong": {"TRƯỜNG", "TRƯỞNG"}, "bo": {"BỘ"},
	"giam": {"GIÁM"}, "doc": {"ĐỐC"}, "chu": {"CHỦ"}, "tich": {"TỊCH"},
	"thu": {"THỨ", "THƯ"}, "chanh": {"CHÁNH"}, "tam": {"TÂM"},
	"phuc": {"PHỤC"}, "vu": {"VỤ"}, "hoc": {"HỌC"}, "toan": {"TOÁN"},
	"to": {"TỔ"}, "cuc": {"CỤC"}, "viet": {"VIỆT"}, "thuat": {"THUẬT"},
	"phap": {"PHÁP"}, "moi": {"MÔI"}, "nong": {"NÔNG"},
	"nghiep": {"NGHIỆP"}, "lao": {"LAO"}, "dong": {"ĐỘNG", "ĐỒNG"},
	"thuong": {"THƯƠNG", "THƯỜNG"}, "xay": {"XÂY"}, "dung": {"DỰNG", "DỤNG"},
	"khoa": {"KHOA"}, "quoc": {"QUỐC"}, "hoi": {"HỘI"},
	"ngan": {"NGÂN"}, "sach": {"SÁCH"}, "thong": {"THÔNG"}, "tin": {"TIN"},
	"truyen": {"TRUYỀN"}, "du": {"DU"}, "lich": {"LỊCH"}, "the": {"THỂ"},
	"thao": {"THAO"}, "hoa": {"HÓA", "HÒA"}, "ubnd": {"UBND"}, "gia": {"GIA", "GIÁ"},
}

// misspelledWords returns the upper-case words of s that look misread,
// each with the spellings it probably stands for: "SƠ (SỞ?)".
func misspelledWords(s string) []string {
	var out []string
	for _, w := range strings.Fields(s) {
		w = strings.Trim(w, ".,;:()")
		if !isUpperText(w) && utf8.RuneCountInString(w) > 1 {
			continue
		}
		want, ok := headerSpellings[fold(w)]
		if !ok || len(want) == 0 {
			continue
		}
		good := false
		for _, g := range want {
			if w == g {
				good = true
				break
			}
		}
		if !good {
			out = append(out, w+" ("+strings.Join(want, "/")+"?)")
		}
	}
	return out
}
