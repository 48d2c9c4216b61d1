package metadata

import (
	"image"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sohoa/sohoa/ocr"
)

// A4 at 300 dpi, the size of the pages the pipeline recognises.
const (
	pageW = 2480
	pageH = 3508
	// Column centres of the Nghị định 30 header and signature tables.
	leftCX  = 620
	rightCX = 1760
	textCX  = 1330 // centre of the text area (30 mm left, 15 mm right margins)
)

// pageBuilder lays out words the way Tesseract reports them on a scanned
// Nghị định 30 page: one box per word, a line number per text line,
// confidences around 0.93. A word written "8@0.41" gets confidence 0.41.
type pageBuilder struct {
	res  ocr.Result
	line int
}

func newPage() *pageBuilder {
	return &pageBuilder{res: ocr.Result{Width: pageW, Height: pageH}}
}

// part is a run of text at a position; cx > 0 centres it on cx, else it
// starts at x.
type part struct {
	x, cx int
	text  string
	// times lays the words out with the widths of Times New Roman at
	// 13 pt, as the number line is printed (printedWidthRatio checks it);
	// other text gets a flat width per letter.
	times bool
}

// row puts parts on one Tesseract line (as when Tesseract merges the two
// header columns into one line) at top y with glyph height size.
func (p *pageBuilder) row(y, size int, parts ...part) *pageBuilder {
	for _, pt := range parts {
		p.words(y, size, pt)
	}
	p.line++
	return p
}

// lines puts each part on its own Tesseract line.
func (p *pageBuilder) lines(y, size int, parts ...part) *pageBuilder {
	for _, pt := range parts {
		p.row(y, size, pt)
	}
	return p
}

func (p *pageBuilder) words(y, size int, pt part) {
	charW := size * 55 / 100
	space := size * 35 / 100
	wordW := func(text string) int {
		if pt.times {
			return int(timesWidth(text) * numberFontPt / 72 * 300)
		}
		return utf8.RuneCountInString(text) * charW
	}
	toks := strings.Fields(pt.text)
	width := 0
	for i, t := range toks {
		text, _ := splitConf(t)
		if i > 0 {
			width += space
		}
		width += wordW(text)
	}
	x := pt.x
	if pt.cx > 0 {
		x = pt.cx - width/2
	}
	for _, t := range toks {
		text, conf := splitConf(t)
		w := wordW(text)
		p.res.Words = append(p.res.Words, ocr.Word{
			Text:       text,
			Box:        image.Rect(x, y, x+w, y+size),
			Confidence: conf,
			Line:       p.line,
		})
		x += w + space
	}
}

// body adds a justified paragraph line across the text area.
func (p *pageBuilder) body(y int, text string) *pageBuilder {
	toks := strings.Fields(text)
	size := 46
	charW := size * 55 / 100
	total := 0
	for _, t := range toks {
		total += utf8.RuneCountInString(t) * charW
	}
	left, right := 350, 2300
	gap := 0
	if len(toks) > 1 {
		gap = (right - left - total) / (len(toks) - 1)
	}
	x := left
	for _, t := range toks {
		w := utf8.RuneCountInString(t) * charW
		p.res.Words = append(p.res.Words, ocr.Word{Text: t, Box: image.Rect(x, y, x+w, y+size), Confidence: 0.92, Line: p.line})
		x += w + gap
	}
	p.line++
	return p
}

func splitConf(tok string) (string, float64) {
	if i := strings.LastIndexByte(tok, '@'); i > 0 {
		if c, err := strconv.ParseFloat(tok[i+1:], 64); err == nil {
			return tok[:i], c
		}
	}
	return tok, 0.93
}

// result fills Text and the page statistics and returns the page.
func (p *pageBuilder) result() *ocr.Result {
	var lines []string
	cur, last := []string{}, -1
	sum := 0.0
	for _, w := range p.res.Words {
		if w.Line != last && last >= 0 {
			lines = append(lines, strings.Join(cur, " "))
			cur = cur[:0]
		}
		last = w.Line
		cur = append(cur, w.Text)
		sum += w.Confidence
		if w.Confidence < ocr.LowConfidence {
			p.res.LowConfidenceWords++
		}
	}
	lines = append(lines, strings.Join(cur, " "))
	p.res.Text = strings.Join(lines, "\n")
	if n := len(p.res.Words); n > 0 {
		p.res.MeanConfidence = sum / float64(n)
	}
	r := p.res
	return &r
}

// ndDoc describes a document laid out by Nghị định 30/2020.
type ndDoc struct {
	organLines []string // left header, top down
	quocHieu   string   // default the real one
	number     string   // "Số: ..." line
	date       string   // place-and-date line
	mergeRows  bool     // Tesseract merged left and right header lines
	vv         []string // "V/v" lines under the number (công văn)
	title      string
	subject    []string
	authority  []string // signer lines above the name
	name       string
	bodyPage1  int // number of body lines on page 1
	pages      int // the signature goes on the last page
}

func (d ndDoc) build() []*ocr.Result {
	p := newPage()
	const size = 46
	qh := d.quocHieu
	if qh == "" {
		qh = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
	}
	right := []string{qh, "Độc lập - Tự do - Hạnh phúc"}
	y := 180
	n := max(len(d.organLines), len(right))
	for i := 0; i < n; i++ {
		var parts []part
		if i < len(d.organLines) {
			parts = append(parts, part{cx: leftCX, text: d.organLines[i]})
		}
		if i < len(right) {
			parts = append(parts, part{cx: rightCX, text: right[i]})
		}
		if d.mergeRows {
			p.row(y, size, parts...)
		} else {
			p.lines(y, size, parts...)
		}
		y += 62
	}
	y += 60
	numberRow := []part{{cx: leftCX, text: d.number, times: true}, {cx: rightCX, text: d.date}}
	if d.mergeRows {
		p.row(y, size, numberRow...)
	} else {
		p.lines(y, size, numberRow...)
	}
	y += 62
	for _, l := range d.vv {
		p.row(y, 42, part{cx: leftCX, text: l})
		y += 56
	}
	y += 120
	if d.title != "" {
		p.row(y, 52, part{cx: textCX, text: d.title})
		y += 70
		for _, l := range d.subject {
			p.row(y, size, part{cx: textCX, text: l})
			y += 62
		}
		y += 110
	} else {
		p.row(y, size, part{cx: textCX, text: "Kính gửi: Các trường trung học phổ thông trên địa bàn thành phố"})
		y += 130
	}
	for i := 0; i < d.bodyPage1; i++ {
		p.body(y, "Căn cứ Luật Giáo dục ngày 14 tháng 6 năm 2019 và các văn bản hướng dẫn thi hành Luật;")
		y += 62
	}
	pages := []*ocr.Result{}
	for pg := 2; pg <= d.pages; pg++ {
		pages = append(pages, p.result())
		p = newPage()
		y = 250
		for i := 0; i < 6; i++ {
			p.body(y, "Điều 2. Quyết định này có hiệu lực kể từ ngày ký; các đơn vị chịu trách nhiệm thi hành.")
			y += 62
		}
	}
	y += 120
	left := []string{"Nơi nhận:", "- Như Điều 3;", "- Lưu: VT."}
	for i := 0; i < max(len(left), len(d.authority)); i++ {
		var parts []part
		if i < len(left) {
			parts = append(parts, part{x: 350, text: left[i]})
		}
		if i < len(d.authority) {
			parts = append(parts, part{cx: rightCX, text: d.authority[i]})
		}
		p.row(y, size, parts...) // Tesseract merges these rows too
		y += 62
	}
	y += 300 // signature and seal
	if d.name != "" {
		p.row(y, size, part{cx: rightCX, text: d.name})
	}
	return append(pages, p.result())
}
