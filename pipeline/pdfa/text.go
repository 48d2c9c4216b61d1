package pdfa

import (
	"fmt"
	"image"
	"math"
	"sort"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa/ocr"
)

// minFontSize and minHScale keep degenerate boxes (zero height or width)
// from producing a zero font size or scale, which readers reject or drop.
const (
	minFontSize = 1.0 // pt
	minHScale   = 1.0 // percent
)

// Text extractors do not trust space characters: poppler, for one, starts
// a new word only where the gap between glyphs exceeds 0.1 of the font size,
// and pdf.js uses a similar rule. OCR boxes of tight type may touch or
// overlap, so every word is kept at least minWordGapRatio of the font size
// from the next, shortening the word (or, if it cannot shrink below
// minGlyphWidthRatio per character, moving the next one right). Boxes with a
// normal gap are placed exactly.
//
// Poppler also sizes its word break by the spacing it sees inside words; a
// run of one-character words (OCR specks, dashes) has none, so there the gap
// must be wider, singleCharGapRatio, for the words to come out apart.
const (
	minWordGapRatio    = 0.2
	singleCharGapRatio = 0.6
	minGlyphWidthRatio = 0.05
)

// pageGeometry converts pixel coordinates (origin top-left) to PDF user
// space (points, origin bottom-left).
type pageGeometry struct {
	scale   float64     // points per pixel: 72/DPI
	heightP float64     // page height in points
	origin  image.Point // image bounds minimum, subtracted from boxes
}

func (g pageGeometry) x(px int) float64 { return float64(px-g.origin.X) * g.scale }
func (g pageGeometry) y(px int) float64 { return g.heightP - float64(px-g.origin.Y)*g.scale }

// cleanText returns the text as it goes into the PDF: NFC (so Vietnamese
// letters are single precomposed code points, never base + combining mark),
// with characters that a 2-byte code cannot carry replaced by U+FFFD and
// control characters and U+FEFF dropped.
func cleanText(s string) []rune {
	s = norm.NFC.String(s)
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f || r == 0xFEFF:
			continue
		case !encodableRune(r):
			r = 0xFFFD
		}
		out = append(out, r)
	}
	return out
}

// hexCodes writes runes as big-endian 2-byte codes in a hex string.
func hexCodes(b *strings.Builder, runes []rune) {
	b.WriteByte('<')
	for _, r := range runes {
		fmt.Fprintf(b, "%04X", r)
	}
	b.WriteByte('>')
}

type layoutWord struct {
	text []rune
	box  image.Rectangle
}

// groupLines groups words into text lines by Word.Line, lines in ascending
// Line order, words left to right (Vietnamese is written left to right; the
// spacing rule of textLayer relies on it). Words with no text left after
// cleaning are dropped.
func groupLines(words []ocr.Word) [][]layoutWord {
	idx := make([]int, 0, len(words))
	for i := range words {
		idx = append(idx, i)
	}
	sort.SliceStable(idx, func(a, b int) bool {
		wa, wb := words[idx[a]], words[idx[b]]
		if wa.Line != wb.Line {
			return wa.Line < wb.Line
		}
		return wa.Box.Min.X < wb.Box.Min.X
	})
	var lines [][]layoutWord
	lastLine := 0
	for n, i := range idx {
		wd := words[i]
		text := cleanText(wd.Text)
		if len(text) == 0 {
			continue
		}
		if n == 0 || wd.Line != lastLine || len(lines) == 0 {
			lines = append(lines, nil)
			lastLine = wd.Line
		}
		lines[len(lines)-1] = append(lines[len(lines)-1], layoutWord{text, wd.Box.Canon()})
	}
	return lines
}

// textLayer returns the content stream operators of the invisible text: one
// font size and baseline per line (from the union of its word boxes), each
// word placed at its box and stretched with Tz to the box width, and a space
// character between words stretched over the gap to the next word, so that
// extraction yields the words of a line separated by single spaces.
func textLayer(words []ocr.Word, g pageGeometry) string {
	lines := groupLines(words)
	if len(lines) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("BT\n3 Tr\n")
	space := []rune{' '}
	for _, line := range lines {
		box := line[0].box
		for _, w := range line[1:] {
			box = box.Union(w.box)
		}
		size := max(float64(box.Dy())*g.scale, minFontSize)
		baseline := g.y(box.Max.Y) + size*descentRatio
		fmt.Fprintf(&b, "/F0 %s Tf\n", num(size))
		minGap := minWordGapRatio * size
		cursor := math.Inf(-1) // leftmost start allowed for the next word
		for i, w := range line {
			n := float64(len(w.text))
			x0 := max(g.x(w.box.Min.X), cursor)
			x1 := g.x(w.box.Max.X)
			gap := minGap
			if i+1 < len(line) {
				if len(w.text) == 1 && len(line[i+1].text) == 1 {
					gap = singleCharGapRatio * size
				}
				x1 = min(x1, g.x(line[i+1].box.Min.X)-gap)
			}
			x1 = max(x1, x0+n*minGlyphWidthRatio*size)
			cursor = x1 + gap
			natural := n * glyphWidth * size
			fmt.Fprintf(&b, "1 0 0 1 %s %s Tm %s Tz ", num(x0), num(baseline), num(max(100*(x1-x0)/natural, minHScale)))
			hexCodes(&b, w.text)
			b.WriteString(" Tj")
			if i+1 < len(line) {
				// The space reaches the start of the next word, so the gap
				// is covered for selection as well.
				gap := max(g.x(line[i+1].box.Min.X), cursor) - x1
				fmt.Fprintf(&b, " %s Tz ", num(max(100*gap/(glyphWidth*size), minHScale)))
				hexCodes(&b, space)
				b.WriteString(" Tj")
			}
			b.WriteByte('\n')
		}
	}
	b.WriteString("ET\n")
	return b.String()
}
