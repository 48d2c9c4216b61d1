package ocr

import (
	"context"
	"fmt"
	"image"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// DigitReader is an optional capability of an Engine: it reads one short
// line of digits (a handwritten number or day) on a clean black-on-white
// image of dpi dots per inch (0: unknown), and tells how sure it is (0..1).
// It returns "" when it sees no digit.
type DigitReader interface {
	ReadDigits(ctx context.Context, img *image.Gray, dpi int) (digits string, confidence float64, err error)
}

// On real papers the document number and the day are often written by
// hand in blue ink beside the printed "Số:" and "ngày". OCR reads a copy of
// the page with coloured ink removed (inkGray), so it never sees them;
// readHandwriting looks for that ink where the number and the day belong
// and reads it on its own, restricted to digits.
const (
	// handwritingConfidence caps the confidence of a handwritten word:
	// even a sure reading of handwriting deserves a second look.
	handwritingConfidence = 0.7
	// minHandwritingConfidence is the engine confidence under which a
	// reading is dropped rather than risk a wrong number or day (chosen on
	// the fixtures, see TestHandwritingOnFixtures and the eval in
	// handwriting_eval_test.go).
	minHandwritingConfidence = 0.6
	// maxHeaderLine is the last line (from 0) where "Số:" and the date may
	// be: they sit under the header's two columns.
	maxHeaderLine = 8
	// inkStrengthMin is how coloured a pixel must be to belong to a stroke
	// (0..1, see colourInk).
	inkStrengthMin = 0.5
	// maxNumberDigits bounds a document number written by hand.
	maxNumberDigits = 5
	// maxBlankLines is the widest blank left for a handwritten number, in
	// line heights (16 mm at 13 pt is about 4.7).
	maxBlankLines = 5
)

// handKind tells which field a slot holds.
type handKind int

const (
	handNumber handKind = iota // after "Số:", before "/notation"
	handDay                    // between "ngày" and "tháng"
)

func (k handKind) String() string {
	if k == handDay {
		return "day"
	}
	return "number"
}

// inkSlot is a place on the page where a handwritten number or day may
// be: right of an anchor word printed before it.
type inkSlot struct {
	kind   handKind
	anchor int // index of "Số:" or "ngày" in Result.Words
	// next is the index of the printed word after the blank ("/QĐ-STP",
	// "tháng"), -1 when the line has none.
	next int
	// lineHeight is the height of the printed line's words (median), the
	// unit of every distance here.
	lineHeight int
	// search is where strokes are looked for, in page coordinates.
	search image.Rectangle
}

// handReading is what was found in a slot.
type handReading struct {
	slot inkSlot
	// ink is the bounding box of the strokes; empty when none was found.
	ink    image.Rectangle
	digits string // "" when the reading was unsure
	conf   float64
}

// readHandwriting reads the handwritten number and day of page, if any,
// and adds them to page.Result as words marked Handwritten. It does
// nothing when the engine cannot read digits alone or the page has no
// colour.
func readHandwriting(ctx context.Context, engine Engine, page *Page, opts RecognizeOptions) error {
	reader, ok := engine.(DigitReader)
	if !ok || page == nil || page.Result == nil || page.Image == nil || isGrey(page.Image) {
		return nil
	}
	res := page.Result
	// Word boxes are in the corrected page's frame, which starts at (0,0)
	// when a correction was made.
	frame := page.Image.Bounds()
	if page.Corrected() {
		frame = image.Rect(0, 0, res.Width, res.Height)
	}
	rgb := correctedRGB(page)
	var readings []handReading
	for _, slot := range findInkSlots(res, frame) {
		r, err := readSlot(ctx, reader, rgb, slot, opts.DPI)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("handwritten %s: %w", slot.kind, err)
			}
			// Reading handwriting is a bonus: when it fails (the digit
			// model missing, say) the ink counts as unread (r.digits is
			// empty), and the metadata flags the blank number or day.
		}
		if !r.ink.Empty() {
			readings = append(readings, r)
		}
	}
	if len(readings) == 0 {
		return nil
	}
	applyReadings(res, readings)
	return nil
}

// findInkSlots finds "Số:" and the date's "ngày … tháng" on the first lines
// of res.
func findInkSlots(res *Result, bounds image.Rectangle) []inkSlot {
	var slots []inkSlot
	haveNumber, haveDay := false, false
	for i, w := range res.Words {
		if w.Line > maxHeaderLine {
			break
		}
		// The header is in the top half of the page.
		if w.Box.Min.Y > bounds.Min.Y+bounds.Dy()/2 {
			continue
		}
		word := strings.ToLower(w.Text)
		switch {
		case !haveNumber && (word == "số:" || word == "số"):
			slot := newSlot(res, i, handNumber)
			a := w.Box
			// The number starts right of "Số:"; a blank of 16 mm at most
			// holds it, about 7 line heights.
			slot.search = image.Rect(a.Max.X-slot.lineHeight/4, a.Min.Y-slot.lineHeight,
				a.Max.X+8*slot.lineHeight, a.Max.Y+slot.lineHeight*2/3).Intersect(bounds)
			slots = append(slots, slot)
			haveNumber = true
		case !haveDay && strings.HasPrefix(word, "ngày"):
			slot := newSlot(res, i, handDay)
			if slot.next < 0 || !strings.HasSuffix(strings.ToLower(res.Words[slot.next].Text), "tháng") {
				continue
			}
			a, n := w.Box, res.Words[slot.next].Box
			// A hand-written day may touch the "y" of "ngày": search from
			// the middle of the word, up to "tháng".
			slot.search = image.Rect((a.Min.X+a.Max.X)/2, a.Min.Y-slot.lineHeight,
				n.Min.X+slot.lineHeight/2, a.Max.Y+slot.lineHeight*2/3).Intersect(bounds)
			slots = append(slots, slot)
			haveDay = true
		}
	}
	return slots
}

// newSlot makes the slot anchored at word i: the printed word after the
// blank is the first one after i on the line that holds a '/' (number) or
// ends in "tháng" (day), within a few words.
func newSlot(res *Result, i int, kind handKind) inkSlot {
	line := res.Words[i].Line
	slot := inkSlot{kind: kind, anchor: i, next: -1}
	var heights []int
	for j, w := range res.Words {
		if w.Line == line {
			heights = append(heights, w.Box.Dy())
		}
		if j <= i || j > i+3 || w.Line != line || slot.next >= 0 {
			continue
		}
		text := strings.ToLower(w.Text)
		if (kind == handNumber && strings.Contains(text, "/")) || (kind == handDay && strings.HasSuffix(text, "tháng")) {
			slot.next = j
		}
	}
	slices.Sort(heights)
	slot.lineHeight = max(heights[len(heights)/2], 8)
	return slot
}

// readSlot finds the coloured strokes in slot.search and reads them.
func readSlot(ctx context.Context, reader DigitReader, rgb rgbFunc, slot inkSlot, dpi int) (handReading, error) {
	out := handReading{slot: slot}
	strokes := findStrokes(rgb, slot)
	if strokes == nil {
		return out, nil
	}
	if !strokes.plausible(slot.lineHeight) {
		return out, nil
	}
	out.ink = strokes.box
	digits, conf, err := reader.ReadDigits(ctx, strokes.clean(slot.lineHeight), dpi)
	if err != nil {
		return out, err
	}
	if conf >= minHandwritingConfidence && validDigits(slot.kind, digits, strokes.box, strokes.strokes) {
		out.digits, out.conf = digits, conf
	}
	return out, nil
}

// validDigits tells whether digits can be what a hand wrote in a box of
// that size in that many strokes: only digits, as many as the box's width
// allows, no more strokes than digits (but for 4, 5 and 7, often written
// in two), and for a day 1 to 31. Touching digits make fewer strokes, so
// fewer are fine.
func validDigits(kind handKind, digits string, box image.Rectangle, strokes int) bool {
	if digits == "" || strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return false
	}
	n := len(digits)
	if strokes > n+strings.Count(digits, "4")+strings.Count(digits, "5")+strings.Count(digits, "7") {
		return false
	}
	// A handwritten digit is about 0.4 to 0.9 times as wide as it is
	// high, with little space between digits; a "1" is narrower.
	ratio := float64(box.Dx()) / float64(max(box.Dy(), 1))
	if ratio > 0.95*float64(n)+0.4 || ratio < 0.3*float64(n) {
		return false
	}
	switch kind {
	case handDay:
		d, err := strconv.Atoi(digits)
		return n <= 2 && err == nil && d >= 1 && d <= 31
	default:
		return n <= maxNumberDigits
	}
}

// strokeSet is the coloured ink found in a slot.
type strokeSet struct {
	box image.Rectangle // page coordinates
	// strength is the ink of box's pixels (0..1), row by row, with
	// everything outside the chosen strokes 0.
	strength []float32
	// printed counts dark neutral (printed) pixels inside box.
	printed int
	// inked counts the pixels of the strokes.
	inked int
	// strokes counts the strokes (connected groups of ink pixels).
	strokes int
}

// findStrokes labels the coloured strokes of slot.search and keeps the
// run of them that starts near the anchor, gaps between digits allowed.
// It returns nil when there is none.
func findStrokes(rgb rgbFunc, slot inkSlot) *strokeSet {
	r := slot.search
	if r.Dx() < 2 || r.Dy() < 2 {
		return nil
	}
	w, h := r.Dx(), r.Dy()
	strength := make([]float32, w*h)
	neutralDark := make([]bool, w*h)
	anyInk := false
	for y := range h {
		for x := range w {
			cr, cg, cb := rgb(r.Min.X+x, r.Min.Y+y)
			s := colourInk(cr, cg, cb)
			strength[y*w+x] = s
			anyInk = anyInk || s >= inkStrengthMin
			neutralDark[y*w+x] = s == 0 && int(cr)+int(cg)+int(cb) < 3*inkThreshold
		}
	}
	if !anyInk {
		return nil
	}
	comps, labels := labelStrokes(strength, w, h, slot.lineHeight)
	if len(comps) == 0 {
		return nil
	}
	// Chain the strokes from the one nearest the anchor rightwards: a
	// stroke joins when it starts within a line height of the run.
	slices.SortFunc(comps, func(a, b component) int { return a.box.Min.X - b.box.Min.X })
	lh := slot.lineHeight
	startLimit := 2 * lh // the blank starts within that distance
	keep := map[int32]bool{}
	var box image.Rectangle
	for _, c := range comps {
		if box.Empty() {
			if c.box.Min.X > startLimit {
				break
			}
			box = c.box
			keep[c.label] = true
			continue
		}
		if c.box.Min.X > box.Max.X+lh {
			break
		}
		box = box.Union(c.box)
		keep[c.label] = true
	}
	if box.Empty() {
		return nil
	}
	set := &strokeSet{box: box.Add(r.Min), strength: make([]float32, box.Dx()*box.Dy()), strokes: len(keep)}
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			i := y*w + x
			if neutralDark[i] {
				set.printed++
			}
			l := labels[i]
			// Pixels too faint to be labelled (the strokes' soft edges)
			// stay; those of strokes left out go.
			if l != 0 && !keep[l] {
				continue
			}
			set.strength[(y-box.Min.Y)*box.Dx()+x-box.Min.X] = strength[i]
			if l != 0 {
				set.inked++
			}
		}
	}
	return set
}

// plausible tells whether the strokes look like digits written in the
// blank: about a line high, and not over printed text (a printed number
// with a mark beside it is read by OCR already).
func (s *strokeSet) plausible(lineHeight int) bool {
	h := s.box.Dy()
	return h >= lineHeight*2/3 && h <= lineHeight*3 && s.printed <= s.inked/5
}

// clean draws the strokes black on white with a margin of half a line
// height, as Tesseract wants text.
func (s *strokeSet) clean(lineHeight int) *image.Gray {
	pad := max(lineHeight/2, 10)
	bw, bh := s.box.Dx(), s.box.Dy()
	g := image.NewGray(image.Rect(0, 0, bw+2*pad, bh+2*pad))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	for y := range bh {
		row := g.Pix[(y+pad)*g.Stride+pad:]
		for x := range bw {
			row[x] = uint8(255 - 255*s.strength[y*bw+x] + 0.5)
		}
	}
	return g
}

// component is one connected stroke.
type component struct {
	label  int32
	box    image.Rectangle
	pixels int
}

// labelStrokes labels the 8-connected groups of pixels whose strength is
// at least inkStrengthMin. Specks too small to be part of a digit (under
// a fortieth of a line height squared) keep their label but are not
// returned.
func labelStrokes(strength []float32, w, h, lineHeight int) ([]component, []int32) {
	labels := make([]int32, w*h)
	minPixels := max(lineHeight*lineHeight/40, 6)
	var comps []component
	var stack []int
	next := int32(0)
	for start, s := range strength {
		if s < inkStrengthMin || labels[start] != 0 {
			continue
		}
		next++
		c := component{label: next, box: image.Rect(start%w, start/w, start%w+1, start/w+1)}
		labels[start] = next
		stack = append(stack[:0], start)
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			c.pixels++
			px, py := p%w, p/w
			c.box = c.box.Union(image.Rect(px, py, px+1, py+1))
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					qx, qy := px+dx, py+dy
					if qx < 0 || qy < 0 || qx >= w || qy >= h {
						continue
					}
					if q := qy*w + qx; labels[q] == 0 && strength[q] >= inkStrengthMin {
						labels[q] = next
						stack = append(stack, q)
					}
				}
			}
		}
		if c.pixels >= minPixels {
			comps = append(comps, c)
		}
	}
	return comps, labels
}

// colourInk tells how much a pixel looks like coloured (blue, violet,
// green) pen ink, 0..1, by its chroma as inkLevel counts it. Red is left
// out: it is the seals', not the pens'. Black print, even under ink, is
// neutral and counts 0.
func colourInk(r, g, b uint8) float32 {
	mx, mn := max(r, g, b), min(r, g, b)
	if r == mx && r > b && r > g {
		return 0
	}
	chroma := int(mx) - int(mn)
	if chroma <= chromaLow {
		return 0
	}
	return float32(min(chroma-chromaLow, chromaHigh-chromaLow)) / float32(chromaHigh-chromaLow)
}

// applyReadings puts what was read into res: each sure reading becomes a
// Handwritten word (a number merged with the "/notation" printed after
// it), and the words OCR made of the ink's remains are removed. Text,
// MeanConfidence and LowConfidenceWords follow.
func applyReadings(res *Result, readings []handReading) {
	drop := map[int]bool{}
	insert := map[int]Word{} // new word placed before index
	replace := map[int]Word{}
	for _, r := range readings {
		s := r.slot
		lh := s.lineHeight
		zone := r.ink.Inset(-lh / 4)
		line := res.Words[s.anchor].Line
		// Words between the anchor and the printed word after the blank
		// that lie on the ink are its remains.
		end := s.next
		if end < 0 {
			end = len(res.Words)
		}
		for j := s.anchor + 1; j < end && res.Words[j].Line == line; j++ {
			if inside(res.Words[j].Box, zone) {
				drop[j] = true
			}
		}
		// The printed word after the blank may have the remains glued
		// before it ("“~'/GP-SXD", "~tháng").
		var next *Word
		if s.next >= 0 {
			n := res.Words[s.next]
			if n.Box.Min.X < zone.Max.X {
				n.Text = stripRemains(s.kind, n.Text)
			}
			replace[s.next] = n
			next = &n
		}
		if r.digits == "" {
			continue
		}
		hw := Word{Text: r.digits, Box: r.ink, Confidence: min(r.conf, handwritingConfidence), Line: line, Handwritten: true}
		if s.kind == handNumber && next != nil && strings.HasPrefix(next.Text, "/") && next.Box.Min.X-r.ink.Max.X <= maxBlankLines*lh {
			// "2826" + "/QĐ-STP" is one token, as printed numbers are
			// read and the notation parser wants them; a short number
			// leaves much of the blank empty.
			hw.Text += next.Text
			hw.Box = hw.Box.Union(next.Box)
			hw.Confidence = min(hw.Confidence, next.Confidence)
			drop[s.next] = true
			delete(replace, s.next)
		}
		insert[s.anchor+1] = hw
	}
	words := make([]Word, 0, len(res.Words)+len(insert))
	for i, w := range res.Words {
		if hw, ok := insert[i]; ok {
			words = append(words, hw)
		}
		if drop[i] {
			continue
		}
		if n, ok := replace[i]; ok {
			w = n
		}
		if w.Text != "" {
			words = append(words, w)
		}
	}
	if hw, ok := insert[len(res.Words)]; ok {
		words = append(words, hw)
	}
	res.Words = words
	res.refresh()
}

// inside tells whether the centre of box lies in zone.
func inside(box, zone image.Rectangle) bool {
	return image.Pt((box.Min.X+box.Max.X)/2, (box.Min.Y+box.Max.Y)/2).In(zone)
}

// stripRemains removes what ink remains made of the start of a printed
// word: what precedes the '/' of a notation, or what precedes "tháng".
func stripRemains(kind handKind, text string) string {
	if kind == handNumber {
		if i := strings.IndexByte(text, '/'); i > 0 && strings.IndexFunc(text[:i], unicode.IsLetter) < 0 {
			return text[i:]
		}
		return text
	}
	lower := strings.ToLower(text)
	if i := strings.LastIndex(lower, "tháng"); i > 0 && strings.IndexFunc(text[:i], isLetterOrDigit) < 0 {
		return text[i:]
	}
	return text
}

// refresh recomputes Text, MeanConfidence and LowConfidenceWords from
// Words, which are in reading order: spaces within a line, '\n' between
// lines, as buildResult writes them.
func (res *Result) refresh() {
	var text strings.Builder
	sum := 0.0
	res.LowConfidenceWords = 0
	for i, w := range res.Words {
		if i > 0 {
			if w.Line != res.Words[i-1].Line {
				text.WriteByte('\n')
			} else {
				text.WriteByte(' ')
			}
		}
		text.WriteString(w.Text)
		sum += w.Confidence
		if w.Confidence < LowConfidence {
			res.LowConfidenceWords++
		}
	}
	res.Text = text.String()
	res.MeanConfidence = 0
	if len(res.Words) > 0 {
		res.MeanConfidence = sum / float64(len(res.Words))
	}
}
