package ocr

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// confusables maps characters that Tesseract's vie model emits in place of
// the Vietnamese letter that was printed. Each pair was observed in real
// output: the Icelandic eth looks exactly like the Vietnamese D with stroke,
// and spacing accents appear when a diacritic is read as its own glyph.
var confusables = strings.NewReplacer(
	"\u00D0", "\u0110", // Ð (eth) → Đ
	"\u00F0", "\u0111", // ð (eth) → đ
	"\u0189", "\u0110", // Ɖ (African D) → Đ
	"\u0256", "\u0111", // ɖ (d with tail) → đ
	"\uFB01", "fi", // ligatures are typography, not text
	"\uFB02", "fl",
	"\uFB00", "ff",
	"\u00A0", " ", // no-break space → space, so word splitting is plain
	// vie reads a slash in dates and numbers as "/⁄" (with U+2044
	// FRACTION SLASH): "01/⁄2018" for "01/2018".
	"/\u2044", "/",
	"\u2044", "/",
)

// Normalize returns s in Unicode NFC with the look-alike characters that
// Tesseract's Vietnamese model produces replaced by the intended letters
// (Ð U+00D0 → Đ U+0110, ð → đ, …). Combining marks that follow their base
// letter are composed, so "Đà" typed as D-stroke + a + U+0300 comes out as
// two code points.
func Normalize(s string) string {
	// NFD first so that a confusable hidden in a precomposed letter cannot
	// survive, then replace, then compose.
	s = confusables.Replace(norm.NFD.String(s))
	return norm.NFC.String(s)
}
