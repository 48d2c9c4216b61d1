package metadata

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// confusables maps characters Tesseract's vie model emits for look-alike
// Vietnamese letters. Only unambiguous swaps are listed: each right-hand
// side is what the printed glyph really is in Vietnamese text.
var confusables = strings.NewReplacer(
	"\u00D0", "\u0110", // Ð (Icelandic eth) → Đ
	"\u00F0", "\u0111", // ð → đ
	"\u0189", "\u0110", // Ɖ (African D) → Đ
	"\u01CE", "\u0103", // ǎ (a with caron, from some fonts' "ă") → ă
	"\u01CD", "\u0102", // Ǎ → Ă
)

// cleanText returns s as NFC with confusables folded and whitespace
// collapsed to single spaces.
func cleanText(s string) string {
	s = norm.NFC.String(s)
	s = confusables.Replace(s)
	// NFC again: folding ǎ → ă may leave a combining mark that now composes.
	s = norm.NFC.String(s)
	return strings.Join(strings.Fields(s), " ")
}

// foldRune maps a rune to a lower-case ASCII base letter ("Ấ" → 'a',
// "đ" → 'd'); runes without an ASCII base become '~'. One rune always
// gives one byte, so byte offsets in a folded string are rune offsets in
// the original: regular expressions can run on the folded form and their
// matches be cut out of the printed text.
func foldRune(r rune) byte {
	if r < 0x80 {
		return byte(unicode.ToLower(r))
	}
	switch r {
	case 'đ', 'Đ':
		return 'd'
	}
	d := norm.NFD.String(string(r))
	if b := d[0]; b < 0x80 {
		return byte(unicode.ToLower(rune(b)))
	}
	if unicode.IsSpace(r) {
		return ' '
	}
	return '~'
}

// fold returns the folded form of s (see foldRune); len(fold(s)) equals
// the number of runes in s.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteByte(foldRune(r))
	}
	return b.String()
}

// sentenceCase lower-cases s and upper-cases its first letter:
// "QUYẾT ĐỊNH" → "Quyết định".
func sentenceCase(s string) string {
	rs := []rune(strings.ToLower(s))
	for i, r := range rs {
		if unicode.IsLetter(r) {
			rs[i] = unicode.ToUpper(r)
			break
		}
	}
	return string(rs)
}

// letterStats counts letters and upper-case letters in s.
func letterStats(s string) (letters, upper int) {
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	return letters, upper
}

// isUpperText reports whether s is mostly upper-case letters, as the
// header, type name and signer title lines are printed. One lower-case
// letter OCR got wrong does not change the verdict.
func isUpperText(s string) bool {
	letters, upper := letterStats(s)
	return letters >= 2 && float64(upper) >= 0.85*float64(letters)
}

// hasLetterOrDigit reports whether s holds anything but punctuation.
func hasLetterOrDigit(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// isPersonName reports whether s looks like a Vietnamese personal name as
// printed under a signature: 2 to 7 words, each a capital letter followed
// by lower-case letters ("Nguyễn Văn A", "Lê Thị Thu Hà").
func isPersonName(s string) bool {
	words := strings.Fields(s)
	if len(words) < 2 || len(words) > 7 {
		return false
	}
	for _, w := range words {
		for i, r := range []rune(w) {
			// Vietnamese letters only: a Latin base letter under its marks
			// ("ø" or "ß" in a name is an OCR error).
			if !unicode.IsLetter(r) || foldRune(r) < 'a' || foldRune(r) > 'z' {
				return false
			}
			if i == 0 && !unicode.IsUpper(r) {
				return false
			}
			if i > 0 && !unicode.IsLower(r) {
				return false
			}
		}
	}
	return true
}

// surnames are Vietnamese family names (họ): the common Kinh ones and
// those of the larger ethnic groups of the north (Tày, Thái, Mường,
// Nùng, Dao, H'Mông), which differ from Kinh names by a mark only
// ("Lường"/"Lương", "Ma"/"Mã", "Lô"/"Lò", "Hà"/"Hạ"). A name under a
// signature starts with one; a first word that is none of them but has
// the letters of exactly one ("Đỉnh", "Định" for "Đinh") may be that one
// with a mark misread. The list cannot hold every surname, so a reading
// outside it is only replaced when OCR itself doubted it (see
// signature).
var surnames = []string{
	"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
	"Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lâm", "Mai", "Trịnh", "Đào", "Cao", "Lương",
	"Lưu", "Tạ", "Tô", "Châu", "Quách", "Thái", "Phùng", "Kiều", "Tăng", "Từ", "Chu", "Triệu",
	"Vương", "Thân", "Khúc", "Đàm", "Hứa", "Tôn", "Mạc", "Âu", "Giang", "Nghiêm", "Ông", "Quan",
	"Kim", "Lục", "Diệp", "Bạch", "Khổng", "Lạc", "Nông", "Tống", "Viên", "Ninh", "Phí", "Thạch",
	"Đoàn", "Doãn", "Hà", "La", "Lã", "Văn", "Đồng", "Tiêu", "Hầu", "Khương", "Mã", "Lò", "Vi",
	"Lại", "Lữ", "Khuất", "Cù", "Cấn", "Chử", "Chế", "Chung", "Cung", "Công", "Diêm",
	"Đậu", "Đới", "Đường", "Giáp", "Hạ", "Hàn", "Hồng", "Kha", "Khâu", "Lăng", "Liêu",
	"Liễu", "Mạch", "Mẫn", "Ngụy", "Nhâm", "Nhan", "Phó", "Phương", "Quản", "Sái", "Tào",
	"Thiều", "Tiết", "Trình", "Trà", "Tưởng", "Ung", "Ưng", "Vưu", "Yên", "Bành", "Biện",
	"Cam", "Dư", "Đan", "Giả", "Lộc", "Lỗ", "Mạnh", "Nhữ", "Thi",
	"Tòng", "Trầm", "Vy", "Bế", "Bàn", "Sầm", "Cầm", "Đèo", "Lường", "Lô", "Ma",
	"Sùng", "Thào", "Giàng", "Vàng", "Vừ", "Lù", "Xa", "Danh",
}

// fixSurname returns name with its first word spelled as the one surname
// it can be, when that word is no surname on the list; ok is false
// otherwise. It is a suggestion: the caller decides whether OCR doubted
// the word enough to take it.
func fixSurname(name string) (string, bool) {
	words := strings.Fields(name)
	if len(words) < 2 {
		return "", false
	}
	first := words[0]
	match := ""
	for _, s := range surnames {
		if s == first {
			return "", false
		}
		if fold(s) == fold(first) {
			if match != "" {
				return "", false // "Doãn" or "Đoàn": no telling
			}
			match = s
		}
	}
	if match == "" {
		return "", false
	}
	words[0] = match
	return strings.Join(words, " "), true
}

// hasHoiOrSac reports whether s has a letter with the hỏi (ả) or sắc (á)
// tone mark.
func hasHoiOrSac(s string) bool {
	for _, r := range norm.NFD.String(s) {
		if r == '\u0309' || r == '\u0301' {
			return true
		}
	}
	return false
}
