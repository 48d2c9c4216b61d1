package metadata

import (
	"image"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/sohoa/sohoa/ocr"
)

// textLine is a run of words on one printed line, left to right, with
// whitespace-collapsed NFC text and the rune offset of each word in it, so
// that a value cut out of the text can be traced back to the words (and
// their confidences) it came from.
type textLine struct {
	words  []ocr.Word
	text   string
	starts []int // rune offset of words[i] in text
	box    image.Rectangle
}

func newTextLine(words []ocr.Word) textLine {
	l := textLine{words: words, starts: make([]int, len(words))}
	var b strings.Builder
	pos := 0
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
			pos++
		}
		l.starts[i] = pos
		b.WriteString(w.Text)
		pos += utf8.RuneCountInString(w.Text)
		if i == 0 {
			l.box = w.Box
		} else {
			l.box = l.box.Union(w.Box)
		}
	}
	l.text = b.String()
	return l
}

func (l textLine) empty() bool { return len(l.words) == 0 }

// height is the line's box height, at least 1.
func (l textLine) height() int { return max(l.box.Dy(), 1) }

// centerX is the horizontal centre of the line.
func (l textLine) centerX() int { return (l.box.Min.X + l.box.Max.X) / 2 }

// wordsIn returns the words that overlap the rune range [from, to) of the
// text.
func (l textLine) wordsIn(from, to int) []ocr.Word {
	var out []ocr.Word
	for i, w := range l.words {
		start := l.starts[i]
		end := start + utf8.RuneCountInString(w.Text)
		if start < to && end > from {
			out = append(out, w)
		}
	}
	return out
}

// isNoiseWord reports words that are specks, table rules or scanner dirt
// rather than text: no letter or digit and made only of rule-like marks.
func isNoiseWord(s string) bool {
	if s == "" {
		return true
	}
	if hasLetterOrDigit(s) {
		return false
	}
	// A lone dash is kept: it is part of names ("TÀI CHÍNH - KẾ HOẠCH").
	return strings.Trim(s, "|¦_~`^•·=*'‘’\".,:;") == ""
}

// pageLines turns an OCR result into text lines sorted top to bottom.
//
// Words are grouped by Tesseract's line number first, then each group is
// re-split by vertical overlap, so a result without line numbers (all 0)
// or with a bad merge still gives one textLine per printed row. Words of
// two columns that Tesseract merged into one line stay in one textLine;
// splitColumns separates them by x.
func pageLines(p *ocr.Result) []textLine {
	if p == nil {
		return nil
	}
	groups := map[int][]ocr.Word{}
	var order []int
	for _, w := range p.Words {
		w.Text = cleanText(w.Text)
		if isNoiseWord(w.Text) || w.Box.Empty() {
			continue
		}
		if _, ok := groups[w.Line]; !ok {
			order = append(order, w.Line)
		}
		groups[w.Line] = append(groups[w.Line], w)
	}
	var lines []textLine
	for _, n := range order {
		for _, row := range rowsOf(groups[n]) {
			lines = append(lines, newTextLine(trimRuleWords(row)))
		}
	}
	out := lines[:0]
	for _, l := range lines {
		if !l.empty() {
			out = append(out, l)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].box.Min.Y != out[j].box.Min.Y {
			return out[i].box.Min.Y < out[j].box.Min.Y
		}
		return out[i].box.Min.X < out[j].box.Min.X
	})
	return out
}

// trimRuleWords drops punctuation-only words at either end of a line (the
// short rule under an organ name or a trích yếu often reads as "—" or
// "_").
func trimRuleWords(ws []ocr.Word) []ocr.Word {
	for len(ws) > 0 && !hasLetterOrDigit(ws[0].Text) && strings.Trim(ws[0].Text, "-—–_=.") == "" {
		ws = ws[1:]
	}
	for len(ws) > 0 && !hasLetterOrDigit(ws[len(ws)-1].Text) && strings.Trim(ws[len(ws)-1].Text, "-—–_=") == "" {
		ws = ws[:len(ws)-1]
	}
	return ws
}

// rowsOf clusters words into rows by vertical overlap and sorts each row
// left to right.
func rowsOf(ws []ocr.Word) [][]ocr.Word {
	sorted := append([]ocr.Word(nil), ws...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return sorted[i].Box.Min.Y+sorted[i].Box.Max.Y < sorted[j].Box.Min.Y+sorted[j].Box.Max.Y
	})
	type row struct {
		box   image.Rectangle
		words []ocr.Word
	}
	var rows []*row
	for _, w := range sorted {
		var best *row
		bestOverlap := 0
		for _, r := range rows {
			ov := min(r.box.Max.Y, w.Box.Max.Y) - max(r.box.Min.Y, w.Box.Min.Y)
			need := min(r.box.Dy(), w.Box.Dy()) / 2
			if ov > need && ov > bestOverlap {
				best, bestOverlap = r, ov
			}
		}
		if best == nil {
			rows = append(rows, &row{box: w.Box, words: []ocr.Word{w}})
			continue
		}
		best.words = append(best.words, w)
		best.box = best.box.Union(w.Box)
	}
	out := make([][]ocr.Word, 0, len(rows))
	for _, r := range rows {
		sort.SliceStable(r.words, func(i, j int) bool { return r.words[i].Box.Min.X < r.words[j].Box.Min.X })
		out = append(out, r.words)
	}
	return out
}

// geometry holds the page size and the typical word height, the unit for
// "a small gap" and "a big gap".
type geometry struct {
	width, height int
	wordHeight    int // median word box height
}

func pageGeometry(p *ocr.Result, lines []textLine) geometry {
	g := geometry{width: p.Width, height: p.Height}
	var hs []int
	for _, l := range lines {
		for _, w := range l.words {
			hs = append(hs, w.Box.Dy())
			g.width = max(g.width, w.Box.Max.X)
			g.height = max(g.height, w.Box.Max.Y)
		}
	}
	g.width, g.height = max(g.width, 1), max(g.height, 1)
	if len(hs) > 0 {
		sort.Ints(hs)
		g.wordHeight = hs[len(hs)/2]
	}
	g.wordHeight = max(g.wordHeight, 1)
	return g
}

// fx is a fraction of the page width in pixels.
func (g geometry) fx(f float64) int { return int(f * float64(g.width)) }

// fy is a fraction of the page height in pixels.
func (g geometry) fy(f float64) int { return int(f * float64(g.height)) }

// segments splits a line where the horizontal gap between two words is
// wider than a column gutter could be inside one phrase.
func (g geometry) segments(l textLine) [][]ocr.Word {
	gap := max(5*g.wordHeight/2, g.fx(0.03))
	var out [][]ocr.Word
	start := 0
	for i := 1; i <= len(l.words); i++ {
		if i == len(l.words) || l.words[i].Box.Min.X-l.words[i-1].Box.Max.X > gap {
			out = append(out, l.words[start:i])
			start = i
		}
	}
	return out
}

// splitColumns separates the words of a line into the left and right
// column at x = boundary. A gap-separated segment lying mostly on one side
// goes to that side whole (a long place-and-date line may start a little
// left of the boundary); a segment straddling it is split word by word.
// spanning reports a segment crossing the boundary well on both sides: a
// centred or full-width line, not a two-column row.
func (g geometry) splitColumns(l textLine, boundary int) (left, right textLine, spanning bool) {
	var lw, rw []ocr.Word
	margin := g.fx(0.02)
	for _, seg := range g.segments(l) {
		minX, maxX := seg[0].Box.Min.X, seg[len(seg)-1].Box.Max.X
		width := max(maxX-minX, 1)
		leftPart := min(max(boundary-minX, 0), width)
		frac := float64(leftPart) / float64(width)
		switch {
		case frac >= 0.75:
			lw = append(lw, seg...)
		case frac <= 0.25:
			rw = append(rw, seg...)
		default:
			if minX < boundary-margin && maxX > boundary+margin {
				spanning = true
			}
			for _, w := range seg {
				if (w.Box.Min.X+w.Box.Max.X)/2 < boundary {
					lw = append(lw, w)
				} else {
					rw = append(rw, w)
				}
			}
		}
	}
	return newTextLine(trimRuleWords(lw)), newTextLine(trimRuleWords(rw)), spanning
}
