package metadata

import "strings"

// documentType is one tên loại văn bản: its name in sentence case and the
// abbreviation Nghị định 30/2020 Phụ lục III uses in the số/ký hiệu.
type documentType struct {
	name   string
	abbrev string
}

// documentTypes lists the types of Nghị định 30/2020 Phụ lục III plus the
// legal-document types and certificates sohoa meets in practice.
var documentTypes = []documentType{
	{"Quyết định", "QĐ"}, {"Nghị quyết", "NQ"}, {"Chỉ thị", "CT"},
	{"Quy chế", "QC"}, {"Quy định", "QyĐ"}, {"Thông cáo", "TC"},
	{"Thông báo", "TB"}, {"Hướng dẫn", "HD"}, {"Chương trình", "CTr"},
	{"Kế hoạch", "KH"}, {"Phương án", "PA"}, {"Đề án", "ĐA"},
	{"Dự án", "DA"}, {"Báo cáo", "BC"}, {"Biên bản", "BB"},
	{"Tờ trình", "TTr"}, {"Hợp đồng", "HĐ"}, {"Công điện", "CĐ"},
	{"Bản ghi nhớ", "BGN"}, {"Bản thỏa thuận", "BTT"},
	{"Giấy ủy quyền", "GUQ"}, {"Giấy mời", "GM"},
	{"Giấy giới thiệu", "GGT"}, {"Giấy nghỉ phép", "GNP"},
	{"Phiếu gửi", "PG"}, {"Phiếu chuyển", "PC"}, {"Phiếu báo", "PB"},
	{"Giấy phép", "GP"}, {"Giấy chứng nhận", "GCN"},
	{"Giấy xác nhận", "GXN"}, {"Chứng chỉ", "CC"},
	{"Thông tư", "TT"}, {"Thông tư liên tịch", "TTLT"},
	{"Nghị định", "NĐ"}, {"Luật", ""}, {"Pháp lệnh", ""},
	{"Công văn", ""},
}

// typeByAbbrev returns the type whose abbreviation is a (case-sensitive,
// as printed in notations: "QĐ", "TTr").
func typeByAbbrev(a string) (documentType, bool) {
	for _, t := range documentTypes {
		if t.abbrev != "" && t.abbrev == a {
			return t, true
		}
	}
	return documentType{}, false
}

// matchTypeName matches a title line against the known type names,
// longest name first, comparing folded words so that a word OCR read
// without its diacritics still matches. rest is what follows the type
// name on the line, as printed; exact is false when the match needed
// folding.
func matchTypeName(title string) (t documentType, rest string, exact, ok bool) {
	t, n, exact, ok := matchTypeWords(title)
	if !ok {
		return t, "", false, false
	}
	return t, strings.Join(strings.Fields(title)[n:], " "), exact, true
}

// matchTypeWords is matchTypeName returning how many words of title the
// type name took. Letters are compared without the spaces, so that words
// OCR glued together ("GIẤY CHỨNGNHẬN") still match, but the name must end
// where a printed word ends.
func matchTypeWords(title string) (t documentType, n int, exact, ok bool) {
	words := strings.Fields(title)
	keys := make([]string, len(words))
	for i, w := range words {
		keys[i] = vocabularyKey(w)
	}
	best, bestLen := -1, 0
	for i, cand := range documentTypes {
		want := vocabularyKey(cand.name)
		got := ""
		for j := 0; j < len(words) && len(got) < len(want); j++ {
			got += keys[j]
			if got == want && len(want) > bestLen {
				best, bestLen, n = i, len(want), j+1
			}
		}
	}
	if best < 0 {
		return documentType{}, 0, false, false
	}
	t = documentTypes[best]
	printed := strings.Join(words[:n], "")
	exact = strings.EqualFold(strings.Trim(printed, ".,:;"), strings.ReplaceAll(t.name, " ", ""))
	return t, n, exact, true
}

// typeByName returns the type named name (sentence case, as extracted).
func typeByName(name string) (documentType, bool) {
	for _, t := range documentTypes {
		if t.name == name {
			return t, true
		}
	}
	return documentType{}, false
}
