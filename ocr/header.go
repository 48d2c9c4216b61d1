package ocr

import (
	"context"
	"errors"
	"fmt"
	"image"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The header of a Vietnamese administrative paper (Nghị định 30/2020,
// Phụ lục I) has two columns side by side at the top of the first page:
// the governing and issuing bodies on the left, the Quốc hiệu and tiêu ngữ
// on the right, then "Số:" under the left one. Read as one block of text
// (PSM_SINGLE_BLOCK), Tesseract joins each left line with the right line
// beside it into one text line; the two columns differ in length, size
// and boldness, and the joined line loses marks ("SỞ Y TI" for "SỞ Y TẾ",
// "GIAO THOÔNG VẬN TÀI") or whole lines on skewed and 200-dpi scans.
// Read alone, the column comes out right (ocrbench word error 0.85 % →
// 0.62 %; metabench organName 86 % → 95 %, the rest being the marks of
// place names, see metadata.restoreFromPlace) for about 3 % more CPU.

// readHeaderApart reads the left header column of img again on its own
// when res, the reading of the whole of img, merged it with the right
// column, and puts that reading in res in place of the column's words
// (boxes in img's coordinates, lines in reading order). Doubtful lines of
// the column are read once more with a local threshold
// (rereadDoubtfulLines). A page without a header costs nothing more; a
// first page, 20–60 ms against 0.6–1 s for the page. The number token
// after "Số:" is then read again on its own too (rereadNumber).
func readHeaderApart(ctx context.Context, engine Engine, img *image.Gray, res *Result, opts RecognizeOptions) error {
	if err := readHeaderColumn(ctx, engine, img, res, opts); err != nil {
		return err
	}
	if words, ok := engine.(wordReader); ok {
		if err := rereadNumber(ctx, words, img, res, opts); err != nil {
			return fmt.Errorf("header: %w", err)
		}
	}
	return nil
}

// readHeaderColumn is the left column's part of readHeaderApart.
func readHeaderColumn(ctx context.Context, engine Engine, img *image.Gray, res *Result, opts RecognizeOptions) error {
	b := img.Bounds()
	region, ok := headerLeftColumn(res, b.Dx(), b.Dy())
	if !ok {
		return nil
	}
	if err := readColumnApart(ctx, engine, img, res, region.Add(b.Min), opts, nil); err != nil {
		return fmt.Errorf("header column: %w", err)
	}
	return nil
}

// readColumnApart reads region of img, one column of a two-column part
// of the page, on its own when res, the reading of the whole of img,
// merged its lines with the column to its right, re-reads its doubtful
// lines with a local threshold (rereadDoubtfulLines), and puts the
// reading in res in place of the region's words when it is trusted
// (trustedOver). refine, when not nil, may amend the region's reading
// (boxes in img's coordinates) before that. A region the engine kept
// apart costs nothing more.
func readColumnApart(ctx context.Context, engine Engine, img *image.Gray, res *Result, region image.Rectangle, opts RecognizeOptions, refine func(sub *Result)) error {
	if !mergedAcross(res, region) {
		return nil // the engine kept the columns apart already
	}
	sub, err := RecognizeWithOptions(ctx, engine, img.SubImage(region), opts)
	if err != nil {
		return err
	}
	if local, ok := engine.(localThresholdReader); ok {
		if err := rereadDoubtfulLines(ctx, local, img, region, sub, opts); err != nil {
			return err
		}
	}
	if refine != nil {
		refine(sub)
	}
	if !trustedOver(sub, res, region) {
		return nil
	}
	spliceRegion(res, region, sub)
	return nil
}

// localThresholdReader is an engine that can also read an image
// binarised with a local threshold (Sauvola's) instead of one threshold
// for the whole image. On a page it costs more and reads the body no
// better, but on a bold capital line whose marks a global threshold
// merged ("THÀNH PHỔỐ", "BĂẮCNINH") it often gets them right.
type localThresholdReader interface {
	recognizeLocalThreshold(ctx context.Context, img image.Image, opts RecognizeOptions) (*Result, error)
}

// doubtfulLine is the mean word confidence under which a header line is
// read again with a local threshold. Header lines read right come back
// at 0.91–0.97; the misread ones seen at 0.57–0.85.
const doubtfulLine = 0.9

// rereadDoubtfulLines reads each line of sub (the reading of region of
// img) whose mean confidence is under doubtfulLine again, alone and with
// a local threshold, and keeps whichever reading is more confident.
func rereadDoubtfulLines(ctx context.Context, engine localThresholdReader, img *image.Gray, region image.Rectangle, sub *Result, opts RecognizeOptions) error {
	type span struct {
		from, to int // sub.Words[from:to] is the line
		box      image.Rectangle
		sum      float64
	}
	var lines []span
	for i, w := range sub.Words {
		if i == 0 || w.Line != sub.Words[i-1].Line {
			lines = append(lines, span{from: i, box: w.Box})
		}
		l := &lines[len(lines)-1]
		l.to, l.box, l.sum = i+1, l.box.Union(w.Box), l.sum+w.Confidence
	}
	changed := false
	words := make([]Word, 0, len(sub.Words))
	for _, l := range lines {
		old := sub.Words[l.from:l.to]
		mean := l.sum / float64(len(old))
		if mean >= doubtfulLine || l.box.Dy() < 8 {
			words = append(words, old...)
			continue
		}
		// Room around the line for its marks, without the next lines'.
		h := l.box.Dy()
		crop := image.Rect(l.box.Min.X-h, l.box.Min.Y-h/3, l.box.Max.X+h, l.box.Max.Y+h/3).Intersect(region)
		again, err := engine.recognizeLocalThreshold(ctx, img.SubImage(crop), opts)
		if err != nil {
			return err
		}
		var kept []Word
		var sum float64
		for _, w := range again.Words {
			if c := centre(w.Box); c.Y >= l.box.Min.Y && c.Y < l.box.Max.Y {
				w.Line = old[0].Line
				kept = append(kept, w)
				sum += w.Confidence
			}
		}
		if len(kept) == 0 || sum/float64(len(kept)) <= mean {
			words = append(words, old...)
			continue
		}
		words = append(words, kept...)
		changed = true
	}
	if changed {
		sub.Words = words
		sub.refresh()
	}
	return nil
}

// mergedAcross reports whether a line of res has words both inside region
// and to its right.
func mergedAcross(res *Result, region image.Rectangle) bool {
	inside := map[int]bool{}
	for _, w := range res.Words {
		if centre(w.Box).In(region) {
			inside[w.Line] = true
		}
	}
	for _, w := range res.Words {
		if inside[w.Line] && w.Box.Min.X >= region.Max.X {
			return true
		}
	}
	return false
}

// trustedOver reports whether sub, the region read alone, may replace
// what res read there: it must have read something, about as confidently.
// (A column read alone is the better reading on every fixture variant;
// this only guards against a crop that went wrong.)
func trustedOver(sub, res *Result, region image.Rectangle) bool {
	if len(sub.Words) == 0 {
		return false
	}
	var sum float64
	n := 0
	for _, w := range res.Words {
		if centre(w.Box).In(region) {
			sum += w.Confidence
			n++
		}
	}
	return n == 0 || sub.MeanConfidence >= sum/float64(n)-maxConfidenceLoss
}

// maxConfidenceLoss is how much lower the mean word confidence of a
// re-read region may be than the first reading's there.
const maxConfidenceLoss = 0.05

func centre(r image.Rectangle) image.Point {
	return image.Pt((r.Min.X+r.Max.X)/2, (r.Min.Y+r.Max.Y)/2)
}

// headerLeftColumn returns the rectangle of the left header column on a
// page read as res (boxes in the coordinates of the image read, width ×
// height): from the page's top-left corner to just left of the Quốc hiệu
// and just above the "Số:" line. ok is false when res shows no ND 30
// header: no Quốc hiệu (or tiêu ngữ) in the upper part of the page, or no
// "Số:" or date line under it.
func headerLeftColumn(res *Result, width, height int) (r image.Rectangle, ok bool) {
	ws := res.Words
	right := -1   // x where the right column starts
	anchorY := -1 // bottom of the Quốc hiệu (or tiêu ngữ)
	for i, w := range ws {
		if w.Box.Min.Y > height*2/5 {
			break
		}
		f, next := foldWord(w.Text), foldWord(wordAfter(ws, i, 1))
		if f == "conghoa" || (f == "cong" && strings.HasPrefix(next, "hoa")) {
			right, anchorY = w.Box.Min.X, w.Box.Max.Y
			break
		}
		if f == "doc" && strings.HasPrefix(next, "lap") {
			// The Quốc hiệu was not read; the tiêu ngữ is centred under
			// it, and it starts about 6 % of the width further left.
			right, anchorY = w.Box.Min.X-width*6/100, w.Box.Max.Y
			break
		}
	}
	if anchorY < 0 || right < width*3/10 || right > width*2/3 {
		return image.Rectangle{}, false
	}
	// The column ends above the first "Số:" (left of the Quốc hiệu) or
	// date ("ngày … tháng … năm", right of it) under the Quốc hiệu.
	bottom := -1
	for i, w := range ws {
		if w.Box.Min.Y <= anchorY || w.Box.Min.Y > height/2 {
			continue
		}
		f := foldWord(w.Text)
		isNumber := w.Box.Max.X < right && (reNumberWord.MatchString(f) ||
			reBareNumberWord.MatchString(f) && strings.IndexFunc(wordAfter(ws, i, 1), unicode.IsDigit) == 0)
		isDate := f == "ngay" && (strings.Count(wordAfter(ws, i, 1), "/") == 2 ||
			foldWord(wordAfter(ws, i, 2)) == "thang")
		if isNumber || isDate {
			bottom = w.Box.Min.Y - w.Box.Dy()/4
			break
		}
	}
	if bottom <= anchorY/2 {
		return image.Rectangle{}, false
	}
	margin := width / 100
	return image.Rect(0, 0, right-margin, bottom), true
}

// wordAfter is the text of the n-th word after ws[i] on its line, "" when
// the line ends before.
func wordAfter(ws []Word, i, n int) string {
	if i+n >= len(ws) || ws[i+n].Line != ws[i].Line {
		return ""
	}
	return ws[i+n].Text
}

// reNumberWord is "Số:" as its first word folds, with the usual misreads,
// alone or glued to the number; reBareNumberWord is "Số" without its
// colon, which only the number after it tells from "SỞ".
var (
	reNumberWord     = regexp.MustCompile(`^s[o06](?:[:;.,]|:?\d)`)
	reBareNumberWord = regexp.MustCompile(`^s[o06]$`)
)

// foldWord lower-cases s and strips its Vietnamese marks and anything but
// letters and digits: "CỘNG" → "cong", "Số:" → "so:" (':' kept, since
// "Số:" is told from a word "số" by it).
func foldWord(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case r == 'đ' || r == 'Đ':
			b.WriteByte('d')
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == ':'):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// spliceRegion replaces the words of res whose centre lies in region by
// the words of sub (read from that region alone, boxes in res's
// coordinates) and renumbers lines so that they stay in reading order:
// sub's lines come where the region's first line was, and what is left
// of lines the region shared with the other column stays in place.
func spliceRegion(res *Result, region image.Rectangle, sub *Result) {
	var words []Word
	inserted := false
	line, prevLine := -1, -1
	// emit appends w as part of a new line when startLine.
	emit := func(w Word, startLine bool) {
		if startLine || line < 0 {
			line++
		}
		w.Line = line
		words = append(words, w)
	}
	insert := func() {
		prev := -1
		for _, w := range sub.Words {
			emit(w, w.Line != prev)
			prev = w.Line
		}
		inserted = true
	}
	for _, w := range res.Words {
		if centre(w.Box).In(region) {
			if !inserted {
				insert()
				prevLine = -1
			}
			continue
		}
		if !inserted && w.Box.Min.Y >= region.Max.Y {
			insert()
			prevLine = -1
		}
		emit(w, w.Line != prevLine)
		prevLine = w.Line
	}
	if !inserted {
		insert()
	}
	res.Words = words
	res.refresh()
}

// recognizeLocalThreshold reads img as RecognizeWithOptions does, with
// Tesseract's Sauvola binarisation (thresholding_method 2) instead of its
// default global Otsu threshold (0), which it sets back afterwards.
func (t *Tesseract) recognizeLocalThreshold(ctx context.Context, img image.Image, opts RecognizeOptions) (*Result, error) {
	if t.tess == nil {
		return nil, errors.New("tesseract: engine is closed")
	}
	if err := t.tess.setVariable("thresholding_method", "2"); err != nil {
		return nil, fmt.Errorf("tesseract: %w", err)
	}
	res, err := t.RecognizeWithOptions(ctx, img, opts)
	if err2 := t.tess.setVariable("thresholding_method", "0"); err == nil && err2 != nil {
		err = fmt.Errorf("tesseract: %w", err2)
	}
	return res, err
}

var _ localThresholdReader = (*Tesseract)(nil)
