package metadata

import (
	"image"
	"math"
	"strings"
	"unicode"

	"github.com/sohoa/sohoa/ocr"
)

// A ký hiệu is built by Nghị định 30/2020 (Phụ lục III, VI) as "type
// abbreviation - organ abbreviation[-unit abbreviation]" ("QĐ-SGDĐT",
// "TB-UBND"); a công văn has no type part ("SGDĐT-CTrTT"); a legal
// document puts the year first ("2019/TT-BNV"). The type part comes from
// a fixed table (types.go) and must agree with the type name printed in
// the title; the organ part is usually the initials of the organ's name.
// Both are independent readings of what OCR read in the number, so they
// confirm it, correct it where only one spelling fits, or flag it.

// notationParts splits a ký hiệu into its year prefix ("2019/" or "") and
// its dash-separated parts.
func notationParts(n string) (year string, parts []string) {
	if i := strings.LastIndexByte(n, '/'); i >= 0 {
		year, n = n[:i+1], n[i+1:]
	}
	return year, strings.Split(n, "-")
}

// typePartFix returns the type abbreviation part that OCR most likely
// misread as read, when the document's type (from its title) has
// abbreviation want: the same letters with one letter doubled ("QĐĐ"),
// the stroke of Đ lost ("QD"), or one letter that Vietnamese never uses
// in its place ("GŒN"). ok is false when read is not one of these
// misreadings of want.
func typePartFix(read, want string) (string, bool) {
	if read == want || want == "" {
		return "", false
	}
	r, w := []rune(read), []rune(want)
	switch {
	case len(r) == len(w)+1:
		// One letter doubled: dropping one of the pair gives want.
		for i := 1; i < len(r); i++ {
			if r[i] == r[i-1] && string(r[:i])+string(r[i+1:]) == want {
				return want, true
			}
		}
	case len(r) == len(w):
		if vocabularyKey(read) == vocabularyKey(want) && strings.EqualFold(fold(read), fold(want)) {
			return want, true // marks only: "QD" for "QĐ"
		}
		diff := -1
		for i := range r {
			if r[i] != w[i] {
				if diff >= 0 {
					return "", false
				}
				diff = i
			}
		}
		if diff >= 0 && !isVietnameseLetter(r[diff]) {
			return want, true
		}
	}
	return "", false
}

// isVietnameseLetter reports a letter of the Vietnamese alphabet, marks
// aside ("Œ", "ß" and "Ø" are not: OCR made them from a blot).
func isVietnameseLetter(r rune) bool {
	if !unicode.IsLetter(r) {
		return false
	}
	b := foldRune(r)
	return b >= 'a' && b <= 'z' && strings.IndexByte("fjwz", b) < 0
}

// organInitials are the initials of an organ name as the ký hiệu writes
// them: one capital per word without its tone mark (Đ stays Đ), "và" and
// punctuation left out ("SỞ KẾ HOẠCH VÀ ĐẦU TƯ" → "SKHĐT"); a word that
// is already an abbreviation ("UBND": no vowel after its first letter)
// is kept whole.
func organInitials(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		w = strings.Trim(w, ".,;:-–()")
		rs := []rune(w)
		if len(rs) == 0 || !unicode.IsLetter(rs[0]) || fold(w) == "va" {
			continue
		}
		if len(rs) > 1 && isUpperWord(w) && !strings.ContainsAny(fold(string(rs[1:])), "aeiouy") {
			b.WriteString(w)
			continue
		}
		b.WriteRune(initialOf(rs[0]))
	}
	return b.String()
}

// initialOf is the capital an abbreviation writes for a word starting
// with r: its base letter, but Đ for đ.
func initialOf(r rune) rune {
	if r == 'đ' || r == 'Đ' {
		return 'Đ'
	}
	return unicode.ToUpper(rune(foldRune(r)))
}

// restoreStroke gives the letters of part that read D where initials
// have Đ (or the reverse) the spelling of initials, when part's letters
// appear in the initials exactly once, marks aside: "SKHDT" with the
// organ "SỞ KẾ HOẠCH VÀ ĐẦU TƯ" is "SKHĐT". ok is false when nothing
// changes or the match is not unique.
func restoreStroke(part, initials string) (string, bool) {
	if part == "" || initials == "" {
		return "", false
	}
	fp, fi := fold(part), fold(initials)
	at := strings.Index(fi, fp)
	if at < 0 || strings.LastIndex(fi, fp) != at {
		return "", false
	}
	p, in := []rune(part), []rune(initials)
	changed := false
	for i := range p {
		c := in[at+i]
		if p[i] != c && (p[i] == 'D' || p[i] == 'Đ') && (c == 'D' || c == 'Đ') {
			p[i], changed = c, true
		}
	}
	if !changed {
		return "", false
	}
	return string(p), true
}

// timesAdvance is the advance width, in thousandths of an em, of a
// character in Times New Roman (the font Nghị định 30/2020 prescribes;
// Liberation Serif has the same metrics). Letters with marks take the
// width of their base letter.
func timesAdvance(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return 500
	case r == 'Đ':
		return 722
	case r == 'đ':
		return 500
	}
	switch r {
	case '/':
		return 278
	case '-':
		return 333
	case '.', ',':
		return 250
	case '&':
		return 778
	}
	b := rune(foldRune(r))
	upper := unicode.IsUpper(r)
	if b < 'a' || b > 'z' {
		return 600
	}
	if upper {
		return []int{722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722, 556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611}[b-'a']
	}
	return []int{444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500, 500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444}[b-'a']
}

// numberFontPt is the size Nghị định 30/2020 (Phụ lục I) prints the số
// and ký hiệu in.
const numberFontPt = 13

// a4Width is the width of an A4 page in inches, the paper Nghị định 30
// prescribes.
const a4Width = 210 / 25.4

// printedWidthRatio compares the width of words as scanned with the width
// their text has printed in Times New Roman at numberFontPt, the page
// being A4 (its resolution follows from its width in pixels). It is about
// 1 for a number read right; a letter OCR doubled or inserted makes it
// smaller ("QĐĐ" is wider in print than the "QĐ" on paper). ok is false
// when the page is not an upright A4 or there are no words.
func printedWidthRatio(ws []ocr.Word, page image.Point) (ratio float64, ok bool) {
	var b strings.Builder
	for _, w := range ws {
		b.WriteString(w.Text)
	}
	return printedWidthRatioOf(ws, b.String(), page)
}

// printedWidthRatioOf is printedWidthRatio of ws measured against text
// (spaces not counted, as between words) instead of their own text: the
// width the same words would have if they read text.
func printedWidthRatioOf(ws []ocr.Word, text string, page image.Point) (ratio float64, ok bool) {
	dpi, ok := a4Resolution(page)
	if len(ws) == 0 || !ok {
		return 0, false
	}
	got := 0.0
	for _, w := range ws {
		got += float64(w.Box.Dx())
	}
	want := timesWidth(strings.ReplaceAll(text, " ", "")) * numberFontPt / 72.0 * dpi
	if want <= 0 {
		return 0, false
	}
	return got / want, true
}

// a4Resolution is the resolution of an upright A4 page scanned whole, in
// dots per inch; ok is false when page does not have the proportions of A4.
func a4Resolution(page image.Point) (dpi float64, ok bool) {
	if page.X <= 0 || page.Y <= page.X {
		return 0, false
	}
	if aspect := float64(page.Y) / float64(page.X); math.Abs(aspect-math.Sqrt2) > 0.03 {
		return 0, false
	}
	return float64(page.X) / a4Width, true
}

// Bounds of printedWidthRatio for text printed as read. Readings right
// on the benchmark pages gave 0.96–1.03; a doubled or inserted capital
// 0.88–0.91. Above: a number printed at 14 pt is 1.08.
const (
	minPrintedWidth = 0.94
	maxPrintedWidth = 1.12
)

// printedWidth reports words whose scanned width fits their text printed
// at the size of a number: print, not a handwritten number (larger,
// wider) whose box only happens to be tall.
func printedWidth(ws []ocr.Word, page image.Point) bool {
	ratio, ok := printedWidthRatio(ws, page)
	return ok && ratio >= minPrintedWidth && ratio <= maxPrintedWidth
}

// timesWidth is the advance width of s in Times New Roman, in ems.
func timesWidth(s string) float64 {
	w := 0
	for _, r := range s {
		w += timesAdvance(r)
	}
	return float64(w) / 1000
}
