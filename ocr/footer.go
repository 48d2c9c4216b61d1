package ocr

import (
	"context"
	"fmt"
	"image"
	"strings"
)

// The end of an ND 30 paper (Phụ lục I) has two columns side by side as
// the header has: the recipients ("Nơi nhận:", then "- Như trên;",
// "- Lưu: VT, …") in a small font on the left, the signer's block
// (authority, position, signature, name) on the right. Read as one block,
// Tesseract joins a recipients line with the signer line beside it and
// loses words of the small one ("Như", "trên;", "VT,"); read alone, the
// column comes out right, as the header column does (readHeaderApart).

// readFooterApart reads the recipients column of img again on its own
// when res, the reading of the whole of img, merged it with the signer's
// block, and puts that reading in res in place of the column's words
// (boxes in img's coordinates, lines in reading order: the column's lines
// where its first line was, the signer's lines after them, in their
// order), each word as the more confident of its two readings
// (keepSurerWords). A page without "Nơi nhận:" costs nothing more.
func readFooterApart(ctx context.Context, engine Engine, img *image.Gray, res *Result, opts RecognizeOptions) error {
	b := img.Bounds()
	region, ok := footerLeftColumn(res, b.Dx(), b.Dy())
	if !ok {
		return nil
	}
	region = region.Add(b.Min)
	keepSurer := func(sub *Result) { keepSurerWords(sub, res, region) }
	if err := readColumnApart(ctx, engine, img, res, region, opts, keepSurer); err != nil {
		return fmt.Errorf("footer column: %w", err)
	}
	return nil
}

// footerLeftColumn returns the rectangle of the recipients column on a
// page read as res (boxes in the coordinates of the image read, width ×
// height): from the left edge and just above "Nơi nhận:" to just left of
// the signer's block and the end of the page's text. ok is false when res
// shows no recipients label in the left third of the lower three
// quarters of the page, or no signer's words right of the page middle
// beside or under it.
func footerLeftColumn(res *Result, width, height int) (r image.Rectangle, ok bool) {
	ws := res.Words
	label := -1
	// The last label on the page: the recipients come at the very end.
	for i := len(ws) - 1; i >= 0; i-- {
		w := ws[i]
		if w.Box.Min.X > width/3 || w.Box.Min.Y < height/4 {
			continue
		}
		if (i == 0 || ws[i-1].Line != w.Line) && isRecipientsLabel(ws, i, width) {
			label = i
			break
		}
	}
	if label < 0 {
		return image.Rectangle{}, false
	}
	lw := ws[label]
	top := lw.Box.Min.Y - lw.Box.Dy()/2
	right, bottom := width, lw.Box.Max.Y
	for _, w := range ws {
		if centre(w.Box).Y < top {
			continue
		}
		if w.Box.Min.X >= width/2 && w.Box.Min.X < right {
			right = w.Box.Min.X
		}
		bottom = max(bottom, w.Box.Max.Y)
	}
	if right == width {
		return image.Rectangle{}, false // no signer's block beside it
	}
	margin := width / 100
	// A long signer line (a TM. authority with its body's name) may start
	// left of the middle: a word the column's edge would cut, or a signer
	// word closely preceded on its line by one left of the middle, means
	// the columns are not apart there, and the page stays as read.
	for i, w := range ws {
		c := centre(w.Box)
		if c.Y < top {
			continue
		}
		if c.X < right && w.Box.Max.X > right-margin {
			return image.Rectangle{}, false
		}
		if i > 0 && w.Box.Min.X >= width/2 {
			p := ws[i-1]
			if p.Line == w.Line && p.Box.Min.X < width/2 && w.Box.Min.X-p.Box.Max.X < 2*w.Box.Dy() {
				return image.Rectangle{}, false
			}
		}
	}
	bottom = min(height, bottom+lw.Box.Dy()/2)
	return image.Rect(0, top, right-margin, bottom), true
}

// isRecipientsLabel reports whether ws[i] starts "Nơi nhận:" as OCR reads
// it ("Nơi nhận;", "Noi nhận:", "Nơinhận:"): a word of the body starting
// "Nơi nhận hồ sơ" is told from it by what follows on its line, which for
// the label is nothing or the signer's block right of the page middle.
func isRecipientsLabel(ws []Word, i, width int) bool {
	f := foldWord(ws[i].Text)
	n := 1
	switch {
	case strings.HasPrefix(f, "noinhan") && len(f) <= len("noinhan:"):
	case len(f) == 3 && f[0] == 'n' && (f[1] == 'o' || f[2] == 'i'):
		next := foldWord(wordAfter(ws, i, 1))
		if !strings.HasPrefix(next, "nhan") && !(strings.HasPrefix(next, "nh") && strings.HasSuffix(next, ":")) || len(next) > len("nhan:") {
			return false
		}
		n = 2
	default:
		return false
	}
	if i+n < len(ws) && ws[i+n].Line == ws[i].Line && ws[i+n].Box.Min.X < width/2 {
		return false
	}
	return true
}

// keepSurerWords gives each word of sub, the reading of region alone,
// the text of the word res read at the same place when res read it more
// confidently. Only some lines of the recipients column are merged with
// the signer's; the column read alone fixes those but now and then
// misreads a word of a line that was read right ("VI;" at 0.26 for
// "VT," read at 0.92), so the two readings are combined word by word.
// A word whose box matches no single word of res keeps sub's reading.
func keepSurerWords(sub, res *Result, region image.Rectangle) {
	var first []Word
	for _, w := range res.Words {
		if centre(w.Box).In(region) {
			first = append(first, w)
		}
	}
	changed := false
	for i, w := range sub.Words {
		match := -1
		for j, f := range first {
			if sameBox(w.Box, f.Box) {
				if match >= 0 {
					match = -1
					break
				}
				match = j
			}
		}
		if match >= 0 && first[match].Confidence > w.Confidence {
			sub.Words[i].Text, sub.Words[i].Confidence = first[match].Text, first[match].Confidence
			changed = true
		}
	}
	if changed {
		sub.refresh()
	}
}

// sameBox reports whether a and b cover mostly the same pixels: their
// intersection is at least 70 % of their union.
func sameBox(a, b image.Rectangle) bool {
	in := a.Intersect(b)
	if in.Empty() {
		return false
	}
	area := func(r image.Rectangle) int { return r.Dx() * r.Dy() }
	union := area(a) + area(b) - area(in)
	return area(in)*10 >= union*7
}
