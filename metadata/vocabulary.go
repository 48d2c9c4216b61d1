package metadata

import (
	"github.com/sohoa/sohoa/ocr"
	"regexp"
	"strings"
	"unicode"
)

// Tesseract's vie model often drops or swaps the marks of bold capitals
// ("SƠ KE HOẠCH" for "SỞ KẾ HOẠCH", "CÂN THƠ" for "CẦN THƠ") and glues
// short words to the next ("SỞXÂY DỰNG"), with high confidence. The names
// in a header are not free text, though: they are built from a small
// administrative vocabulary (kinds of body, sectors, provinces, titles).
// When the letters read match a vocabulary phrase exactly — only marks
// and spaces differ — the phrase's spelling is the only one the paper can
// show, so it replaces the reading without a review reason. Words outside
// the vocabulary are left as read and checked as before.

// headerVocabulary lists upper-case phrases of organ names, places and
// signer titles. No two phrases may fold to the same letters (a test
// checks it): that is what makes a restoration certain.
var headerVocabulary = concat(kindVocabulary, sectorVocabulary, provinceVocabulary, titleVocabulary)

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// kindVocabulary are kinds of body and of local government.
var kindVocabulary = []string{
	"ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN", "UBND", "HĐND", "THÀNH PHỐ", "TỈNH", "QUẬN", "HUYỆN",
	"THỊ XÃ", "PHƯỜNG", "XÃ", "THỊ TRẤN", "SỞ", "BỘ", "CỤC", "PHÒNG", "TỔNG CỤC", "CHI CỤC", "VỤ",
	"CHI NHÁNH", "VĂN PHÒNG", "TRUNG TÂM", "BAN QUẢN LÝ", "THANH TRA", "KHO BẠC NHÀ NƯỚC",
}

// sectorVocabulary are what ministries, departments and offices are of.
var sectorVocabulary = []string{
	"ĐĂNG KÝ ĐẤT ĐAI", "PHỤC VỤ HÀNH CHÍNH CÔNG", "QUẢN LÝ CHẤT LƯỢNG",
	"GIÁO DỤC VÀ ĐÀO TẠO", "XÂY DỰNG", "NỘI VỤ", "TÀI NGUYÊN VÀ MÔI TRƯỜNG", "KẾ HOẠCH VÀ ĐẦU TƯ",
	"Y TẾ", "TÀI CHÍNH", "TÀI CHÍNH - KẾ HOẠCH", "CÔNG THƯƠNG", "TƯ PHÁP", "GIAO THÔNG VẬN TẢI",
	"LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "VĂN HÓA, THỂ THAO VÀ DU LỊCH", "THÔNG TIN VÀ TRUYỀN THÔNG",
	"NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN", "KHOA HỌC VÀ CÔNG NGHỆ", "NGOẠI VỤ", "QUẢN LÝ ĐÔ THỊ",
	"KINH TẾ", "PHÁP CHẾ", "HÀNH CHÍNH", "ĐĂNG KÝ KINH DOANH",
}

// provinceVocabulary are the provinces and centrally governed cities.
var provinceVocabulary = []string{
	"HÀ NỘI", "HỒ CHÍ MINH", "ĐÀ NẴNG", "HẢI PHÒNG", "CẦN THƠ", "AN GIANG", "BÀ RỊA - VŨNG TÀU",
	"BẮC GIANG", "BẮC KẠN", "BẠC LIÊU", "BẮC NINH", "BẾN TRE", "BÌNH ĐỊNH", "BÌNH DƯƠNG",
	"BÌNH PHƯỚC", "BÌNH THUẬN", "CÀ MAU", "CAO BẰNG", "ĐẮK LẮK", "ĐẮK NÔNG", "ĐIỆN BIÊN",
	"ĐỒNG NAI", "ĐỒNG THÁP", "GIA LAI", "HÀ GIANG", "HÀ NAM", "HÀ TĨNH", "HẢI DƯƠNG", "HẬU GIANG",
	"HÒA BÌNH", "HƯNG YÊN", "KHÁNH HÒA", "KIÊN GIANG", "KON TUM", "LAI CHÂU", "LÂM ĐỒNG",
	"LẠNG SƠN", "LÀO CAI", "LONG AN", "NAM ĐỊNH", "NGHỆ AN", "NINH BÌNH", "NINH THUẬN", "PHÚ THỌ",
	"PHÚ YÊN", "QUẢNG BÌNH", "QUẢNG NAM", "QUẢNG NGÃI", "QUẢNG NINH", "QUẢNG TRỊ", "SÓC TRĂNG",
	"SƠN LA", "TÂY NINH", "THÁI BÌNH", "THÁI NGUYÊN", "THANH HÓA", "THỪA THIÊN HUẾ", "TIỀN GIANG",
	"TRÀ VINH", "TUYÊN QUANG", "VĨNH LONG", "VĨNH PHÚC", "YÊN BÁI",
}

// titleVocabulary are signer titles.
var titleVocabulary = []string{
	"CHỦ TỊCH", "PHÓ CHỦ TỊCH", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG",
	"TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG", "BỘ TRƯỞNG", "THỨ TRƯỞNG",
	"VỤ TRƯỞNG", "PHÓ VỤ TRƯỞNG", "KẾ TOÁN TRƯỞNG", "TỔ TRƯỞNG", "TỔ", "CÔNG CHỨC", "CHÁNH THANH TRA",
	"TRƯỞNG BAN", "PHÓ TRƯỞNG BAN",
}

// vocabularyKey is the letters of a phrase: folded, without spaces or
// punctuation, so that glued and split words compare equal.
func vocabularyKey(s string) string {
	var b strings.Builder
	for _, r := range fold(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// vocabularyIndex maps vocabularyKey of each phrase to the phrase.
type vocabularyIndex struct {
	phrases  map[string]string
	maxWords int
}

// bodyKinds and placeKinds combine with the phrases after them into one
// phrase, so that a kind glued to its name ("SỞXÂY DỰNG", "TỈNHNGHỆ AN")
// still matches.
var (
	bodyKinds  = []string{"SỞ", "BỘ", "CỤC", "VỤ", "PHÒNG", "CHI CỤC", "TỔNG CỤC"}
	placeKinds = []string{"TỈNH", "THÀNH PHỐ"}
)

func newVocabularyIndex(phrases []string) vocabularyIndex {
	v := vocabularyIndex{phrases: map[string]string{}}
	all := append([]string(nil), phrases...)
	for _, k := range bodyKinds {
		for _, p := range sectorVocabulary {
			all = append(all, k+" "+p)
		}
	}
	for _, k := range placeKinds {
		for _, p := range provinceVocabulary {
			all = append(all, k+" "+p)
		}
	}
	for _, p := range all {
		v.phrases[vocabularyKey(p)] = p
		v.maxWords = max(v.maxWords, len(strings.Fields(p)))
	}
	return v
}

var headerIndex = newVocabularyIndex(headerVocabulary)

// restoreUpper gives an upper-case name its printed spelling where its
// letters spell vocabulary phrases: runs of words are matched, longest
// first, against the phrases, and a matching run is replaced by the
// phrase. Words of mixed or lower case, and runs matching nothing, stay
// as read. covered[i] tells whether words[i] was part of a matched run.
func restoreUpper(words []string) (out string, covered []bool) {
	covered = make([]bool, len(words))
	var res []string
	for i := 0; i < len(words); {
		best, bestEnd := "", -1
		for j := i; j < len(words) && j < i+headerIndex.maxWords; j++ {
			if hasLetterOrDigit(words[j]) && !isUpperWord(words[j]) {
				break
			}
			key := vocabularyKey(strings.Join(words[i:j+1], ""))
			if p, ok := headerIndex.phrases[key]; ok && (i == 0 || !ambiguousAlone(p)) {
				best, bestEnd = p, j
			}
		}
		if bestEnd < 0 || (bestEnd == i && i == 0 && ambiguousAlone(best) && !isBodyKind(best)) {
			res = append(res, words[i])
			i++
			continue
		}
		res = append(res, best)
		for k := i; k <= bestEnd; k++ {
			covered[k] = true
		}
		i = bestEnd + 1
	}
	return strings.Join(res, " "), covered
}

// isUpperWord reports a word with letters, all upper case (punctuation
// and digits aside).
func isUpperWord(w string) bool {
	letters := 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			letters++
			if !unicode.IsUpper(r) {
				return false
			}
		}
	}
	return letters > 0
}

// restorePlace gives a place-and-date line's địa danh the spelling of the
// province it names, when its letters match one exactly.
func restorePlace(place string) string {
	p, ok := headerIndex.phrases[vocabularyKey(place)]
	if !ok || !isProvince(p) {
		return place
	}
	return titleWords(p)
}

// restoreFromPlace gives the words of an upper-case name that spell the
// document's own địa danh the marks the place-and-date line shows: a
// district or commune body is named after the place it sits in (Nghị
// định 30: the địa danh is that unit's name), which no vocabulary can
// list, and Tesseract reads the marks of the italic mixed-case place line
// better than those of bold capitals ("QUẬN LIÊN CHIẾU" beside "Liên
// Chiểu, ngày …"). Only a run of whole upper-case words whose letters
// equal the place's exactly is changed.
func restoreFromPlace(name, place string) string {
	key := vocabularyKey(place)
	if len(key) < 4 || !isPlaceName(place) {
		return name
	}
	n := len(strings.Fields(place))
	words := strings.Fields(name)
	for i := 0; i+n <= len(words); i++ {
		run := words[i : i+n]
		upper := true
		for _, w := range run {
			upper = upper && (isUpperWord(w) || !hasLetterOrDigit(w))
		}
		if upper && vocabularyKey(strings.Join(run, "")) == key {
			printed := strings.Fields(strings.ToUpper(place))
			copy(words[i:i+n], printed)
			i += n - 1
		}
	}
	return strings.Join(words, " ")
}

// isProvince tells whether a vocabulary phrase is a province or city.
func isProvince(p string) bool { return indexOf(provinceVocabulary, p) >= 0 }

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// titleWords turns "BÀ RỊA - VŨNG TÀU" into "Bà Rịa - Vũng Tàu".
func titleWords(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		words[i] = string(rs)
	}
	return strings.Join(words, " ")
}

// textFixes are word pairs Tesseract reads with a wrong tone mark at high
// confidence where the reading is not Vietnamese in an administrative
// text ("tuyến dụng" is no phrase; "tuyển dụng" is), so the fix is
// certain. Matched on whole words, case as printed.
var textFixes = []struct{ read, printed string }{
	{"tuyến dụng", "tuyển dụng"},
	{"chỉ nhánh", "chi nhánh"},
	{"cá nhần", "cá nhân"},
	{"công dần", "công dân"},
	{"thấm định", "thẩm định"},
}

// fixText applies textFixes to a subject.
func fixText(s string) string {
	for _, f := range textFixes {
		s = replaceWords(s, f.read, f.printed)
	}
	return s
}

// replaceWords replaces old by new in s where old stands as whole words.
func replaceWords(s, old, new string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(old)
		before := i == 0 || s[i-1] == ' '
		after := end == len(s) || !unicode.IsLetter([]rune(s[end:])[0])
		b.WriteString(s[:i])
		if before && after {
			b.WriteString(new)
		} else {
			b.WriteString(old)
		}
		s = s[end:]
	}
}

// upperPrefixNoise drops leading words of an upper-case header line that
// hold no upper-case letter: specks and rule ends OCR read as "-", "¬",
// "ø-" before the name.
func upperPrefixNoise(ws []ocr.Word) []ocr.Word {
	for len(ws) > 1 && !hasUpperLetter(ws[0].Text) {
		ws = ws[1:]
	}
	return ws
}

func hasUpperLetter(s string) bool {
	return strings.IndexFunc(s, unicode.IsUpper) >= 0
}

// restoredName restores the spelling of an upper-case name read from ws
// (see restoreUpper) and returns it with its confidence: words the
// vocabulary confirmed count as sure (their letters matched a known
// phrase exactly; what Tesseract doubted were the marks), the others
// with their OCR confidence.
func restoredName(ws []ocr.Word) (string, float64) {
	words := make([]string, len(ws))
	for i, w := range ws {
		words[i] = w.Text
	}
	text, covered := restoreUpper(words)
	var rest []ocr.Word
	for i, w := range ws {
		if !covered[i] {
			rest = append(rest, w)
		}
	}
	if len(rest) == 0 {
		return text, max(textConf(ws), vocabularyConfidence)
	}
	return text, textConf(rest)
}

// vocabularyConfidence is the confidence of a name all of whose words
// matched the vocabulary.
const vocabularyConfidence = 0.95

// startsGluedOrgan reports a line whose first word is a body kind glued
// to the name after it ("SỞXÂY DỰNG"): its letters then start with the
// kind and the whole line spells a vocabulary phrase.
func startsGluedOrgan(text string) bool {
	words := strings.Fields(text)
	if len(words) == 0 {
		return false
	}
	_, covered := restoreUpper(words)
	if !covered[0] {
		return false
	}
	first := vocabularyKey(words[0])
	for _, k := range bodyKinds {
		if kk := vocabularyKey(k); strings.HasPrefix(first, kk) && len(first) > len(kk) {
			return true
		}
	}
	return false
}

// ambiguousAlone reports a one-word phrase whose letters also spell
// another word of headers (QUẬN/QUẢN/QUÂN, SỞ/SỐ): alone, its reading is
// kept, except for a body kind starting a name, where only one spelling
// fits ("SƠ Y TẾ" is "SỞ").
func ambiguousAlone(p string) bool {
	if strings.Contains(p, " ") {
		return false
	}
	return len(headerSpellings[vocabularyKey(p)]) > 1
}

func isBodyKind(p string) bool { return indexOf(bodyKinds, p) >= 0 }

// doubtfulWords returns the words of ws the vocabulary did not confirm
// that look misread: read with less than sureWordConfidence, or of one or
// two letters (a short upper-case word outside the vocabulary is most
// often a mangled one: "SỞ Y TI" for "SỞ Y TẾ").
func doubtfulWords(ws []ocr.Word) []string {
	words := make([]string, len(ws))
	for i, w := range ws {
		words[i] = w.Text
	}
	_, covered := restoreUpper(words)
	var out []string
	for i, w := range ws {
		if covered[i] || !hasLetterOrDigit(w.Text) || w.Text == "&" {
			continue
		}
		letters, _ := letterStats(w.Text)
		if w.Confidence < sureWordConfidence || (letters > 0 && letters <= 2 && isUpperWord(w.Text)) {
			out = append(out, w.Text)
		}
	}
	return out
}

// sureWordConfidence is the word confidence from which a proper name's
// word (outside any vocabulary) is taken as read. On the benchmark, words
// Tesseract misread with a wrong mark came back at 0.63–0.87.
const sureWordConfidence = 0.9

// reAuthorityDot is an authority or acting prefix glued to the title
// after it ("KT.GIÁM ĐỐC", "Q.GIÁM ĐỐC").
var reAuthorityDot = regexp.MustCompile(`^(KT|TM|TL|TUQ|Q)\.(\p{Lu})`)

// signerTitle cleans a signer title line read from ws: leading dashes or
// specks dropped, the space after "KT." put back, spelling restored from
// the vocabulary. It returns the text and its confidence.
func signerTitle(ws []ocr.Word) (string, float64) {
	ws = upperPrefixNoise(ws)
	words := make([]ocr.Word, 0, len(ws)+1)
	for i, w := range ws {
		if i == 0 {
			w.Text = strings.TrimLeft(w.Text, "-_—–~.,")
			if m := reAuthorityDot.FindStringSubmatchIndex(w.Text); m != nil {
				prefix, rest := w.Text[:m[3]+1], w.Text[m[3]+1:]
				words = append(words, ocr.Word{Text: prefix, Confidence: w.Confidence, Box: w.Box, Line: w.Line})
				w.Text = rest
			}
		}
		if w.Text != "" {
			words = append(words, w)
		}
	}
	return restoredName(words)
}

// withoutQuotes drops quote marks glued to the words of a line ("'Thị"):
// a speck Tesseract read beside a letter, never part of a name.
func withoutQuotes(l textLine) textLine {
	ws := make([]ocr.Word, 0, len(l.words))
	for _, w := range l.words {
		w.Text = strings.Trim(w.Text, "'‘’\"“”`")
		if w.Text != "" {
			ws = append(ws, w)
		}
	}
	return newTextLine(ws)
}

// holdsTwoNames reports a restored organ name with a body kind in the
// middle after a complete name ("… QUẢNG NAM SỞ XÂY DỰNG"): two header
// lines OCR put on one.
func holdsTwoNames(name string) bool {
	words := strings.Fields(name)
	for i := 1; i < len(words); i++ {
		if (words[i] == "SỞ" || words[i] == "CỤC" || words[i] == "BỘ") && words[i-1] != "VÀ" {
			return true
		}
	}
	return false
}
