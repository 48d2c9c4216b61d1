package ocr

import (
	"context"
	"image"
	"strings"
	"testing"
)

// line builds the words of one text line: each text at x (left edge) on
// the row top..top+h, 20 px per rune wide.
func line(n, top, h int, words ...any) []Word {
	var out []Word
	for i := 0; i+1 < len(words); i += 2 {
		text, x := words[i].(string), words[i+1].(int)
		out = append(out, Word{Text: text, Box: image.Rect(x, top, x+20*len([]rune(text)), top+h), Confidence: 0.9, Line: n})
	}
	return out
}

func result(lines ...[]Word) *Result {
	res := &Result{Width: 2480, Height: 3508}
	for _, l := range lines {
		res.Words = append(res.Words, l...)
	}
	res.refresh()
	return res
}

// mergedHeader is how a single-block reading of an ND 30 page comes out:
// each left header line joined with the right line beside it.
func mergedHeader() *Result {
	return result(
		line(0, 236, 50, "UBND", 300, "TỈNH", 420, "KHÁNH", 540, "HÒA", 700, "CỘNG", 1290, "HÒA", 1420, "XÃ", 1520, "HỘI", 1580),
		line(1, 330, 50, "SƠ", 450, "Y", 520, "TI", 560, "Độc", 1500, "lập", 1580),
		line(2, 520, 50, "Số:", 400, "12/QĐ-SYT", 480, "Khánh", 1400, "Hòa,", 1520, "ngày", 1620, "8", 1720, "tháng", 1760, "4", 1880, "năm", 1920, "2020", 2000),
		line(3, 800, 60, "QUYẾT", 1000, "ĐỊNH", 1140),
	)
}

func TestHeaderLeftColumn(t *testing.T) {
	tests := []struct {
		name   string
		res    *Result
		ok     bool
		right  int // expected Max.X, ±1 % of the width
		bottom int // expected Max.Y, ±20 px
	}{
		{"quốc hiệu and Số:", mergedHeader(), true, 1290 - 24, 520},
		{"tiêu ngữ only", result(
			line(0, 236, 50, "UBND", 300, "TỈNH", 420),
			line(1, 330, 50, "SỞ", 450, "XÂY", 520, "Độc", 1500, "lập", 1580),
			line(2, 520, 50, "Số", 400, "12/SXD", 480),
		), true, 1500 - 149 - 24, 520},
		{"date line ends it", result(
			line(0, 236, 50, "SỞ", 300, "NỘI", 420, "CỘNG", 1290, "HÒA", 1420),
			line(1, 520, 50, "Hà", 1400, "Nội,", 1460, "ngày", 1560, "08/4/2020", 1660),
		), true, 1290 - 24, 520},
		{"SỞ is not Số", result(
			line(0, 236, 50, "UBND", 300, "CỘNG", 1290, "HÒA", 1420),
			line(1, 330, 50, "SỞ", 300, "Y", 380, "TẾ", 420),
		), false, 0, 0},
		{"no quốc hiệu", result(
			line(0, 236, 50, "Trang", 300, "2", 420),
			line(1, 520, 50, "Số:", 400, "12/QĐ-SYT", 480),
		), false, 0, 0},
		{"quốc hiệu too far left", result(
			line(0, 236, 50, "CỘNG", 300, "HÒA", 420),
			line(1, 520, 50, "Số:", 400, "12/QĐ-SYT", 480),
		), false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := headerLeftColumn(tt.res, 2480, 3508)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (rect %v)", ok, tt.ok, r)
			}
			if !ok {
				return
			}
			if r.Min != (image.Point{}) || abs(r.Max.X-tt.right) > 25 || abs(r.Max.Y-tt.bottom) > 20 {
				t.Errorf("rect %v, want (0,0)-(%d±25,%d±20)", r, tt.right, tt.bottom)
			}
		})
	}
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// regionEngine reads a sub-image as the words given for it, in the
// coordinates of the page, and records the rectangles it was given.
type regionEngine struct {
	words []Word
	conf  float64
	asked []image.Rectangle
}

func (e *regionEngine) Recognize(_ context.Context, img image.Image) (*Result, error) {
	e.asked = append(e.asked, img.Bounds())
	res := &Result{Width: img.Bounds().Dx(), Height: img.Bounds().Dy()}
	for _, w := range e.words {
		if w.Box.In(img.Bounds()) {
			w.Confidence = e.conf
			res.Words = append(res.Words, w)
		}
	}
	res.refresh()
	return res, nil
}

func (e *regionEngine) Close() error { return nil }

func TestReadHeaderApart(t *testing.T) {
	column := result(
		line(0, 236, 50, "UBND", 300, "TỈNH", 420, "KHÁNH", 540, "HÒA", 700),
		line(1, 330, 50, "SỞ", 450, "Y", 520, "TẾ", 560),
		line(2, 410, 8, "__", 500),
	).Words
	tests := []struct {
		name     string
		page     *Result
		conf     float64
		wantText string
		asked    int
	}{
		{"merged columns are read apart", mergedHeader(), 0.9,
			"UBND TỈNH KHÁNH HÒA\nSỞ Y TẾ\n__\nCỘNG HÒA XÃ HỘI\nĐộc lập\nSố: 12/QĐ-SYT Khánh Hòa, ngày 8 tháng 4 năm 2020\nQUYẾT ĐỊNH", 1},
		{"a doubtful re-reading is dropped", mergedHeader(), 0.5,
			"UBND TỈNH KHÁNH HÒA CỘNG HÒA XÃ HỘI\nSƠ Y TI Độc lập\nSố: 12/QĐ-SYT Khánh Hòa, ngày 8 tháng 4 năm 2020\nQUYẾT ĐỊNH", 1},
		{"columns already apart", result(
			line(0, 236, 50, "UBND", 300, "TỈNH", 420),
			line(1, 236, 50, "CỘNG", 1290, "HÒA", 1420),
			line(2, 520, 50, "Số:", 400, "12/QĐ-SYT", 480),
		), 0.9, "UBND TỈNH\nCỘNG HÒA\nSố: 12/QĐ-SYT", 0},
		{"no header", result(line(0, 300, 50, "Điều", 300, "2.", 420)), 0.9, "Điều 2.", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := &regionEngine{words: column, conf: tt.conf}
			img := image.NewGray(image.Rect(0, 0, 2480, 3508))
			if err := readHeaderApart(context.Background(), eng, img, tt.page, RecognizeOptions{}); err != nil {
				t.Fatal(err)
			}
			checkReadApart(t, eng, tt.page, tt.asked, tt.wantText)
		})
	}
}

// checkReadApart checks page after a column was read apart by eng: eng
// asked asked times, the text wantText, lines numbered from 0 in order,
// and Text made of the words.
func checkReadApart(t *testing.T, eng *regionEngine, page *Result, asked int, wantText string) {
	t.Helper()
	if len(eng.asked) != asked {
		t.Errorf("engine asked %d times (%v), want %d", len(eng.asked), eng.asked, asked)
	}
	if page.Text != wantText {
		t.Errorf("text\n%s\nwant\n%s", page.Text, wantText)
	}
	var words []string
	for i, w := range page.Words {
		words = append(words, w.Text)
		if i > 0 && w.Line != page.Words[i-1].Line && w.Line != page.Words[i-1].Line+1 {
			t.Errorf("word %q: line %d after %d", w.Text, w.Line, page.Words[i-1].Line)
		}
	}
	if got := strings.Fields(page.Text); strings.Join(got, " ") != strings.Join(words, " ") {
		t.Errorf("Text %q does not hold the words %q", page.Text, words)
	}
}

// localEngine is a regionEngine that reads with a local threshold as the
// words of local, at localConf.
type localEngine struct {
	regionEngine
	local     []Word
	localConf float64
	localRead []image.Rectangle
}

func (e *localEngine) recognizeLocalThreshold(_ context.Context, img image.Image, _ RecognizeOptions) (*Result, error) {
	e.localRead = append(e.localRead, img.Bounds())
	res := &Result{}
	for _, w := range e.local {
		if w.Box.In(img.Bounds()) {
			w.Confidence = e.localConf
			w.Line = 7 // the engine's own numbering
			res.Words = append(res.Words, w)
		}
	}
	res.refresh()
	return res, nil
}

func TestRereadDoubtfulLines(t *testing.T) {
	region := image.Rect(0, 0, 1266, 508)
	sub := func(conf0, conf1 float64) *Result {
		r := result(
			line(0, 236, 50, "UBND", 300, "THÀNH", 420, "PHỔỐ", 540),
			line(1, 330, 50, "SỞ", 450, "Y", 520, "TẾ", 560),
		)
		for i := range r.Words {
			r.Words[i].Confidence = map[int]float64{0: conf0, 1: conf1}[r.Words[i].Line]
		}
		r.refresh()
		return r
	}
	local := line(0, 236, 50, "UBND", 300, "THÀNH", 420, "PHỐ", 540)
	tests := []struct {
		name      string
		sub       *Result
		localConf float64
		wantText  string
		reads     int
	}{
		{"doubtful line read better", sub(0.8, 0.95), 0.88, "UBND THÀNH PHỐ\nSỞ Y TẾ", 1},
		{"doubtful line read worse", sub(0.8, 0.95), 0.7, "UBND THÀNH PHỔỐ\nSỞ Y TẾ", 1},
		{"sure lines left alone", sub(0.93, 0.95), 0.99, "UBND THÀNH PHỔỐ\nSỞ Y TẾ", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := &localEngine{local: local, localConf: tt.localConf}
			img := image.NewGray(image.Rect(0, 0, 2480, 3508))
			if err := rereadDoubtfulLines(context.Background(), eng, img, region, tt.sub, RecognizeOptions{}); err != nil {
				t.Fatal(err)
			}
			if tt.sub.Text != tt.wantText {
				t.Errorf("text %q, want %q", tt.sub.Text, tt.wantText)
			}
			if len(eng.localRead) != tt.reads {
				t.Fatalf("%d local reads, want %d", len(eng.localRead), tt.reads)
			}
			for _, r := range eng.localRead {
				if !r.In(region) || !image.Rect(300, 236, 600, 286).In(r) {
					t.Errorf("line read from %v: not the line inside %v", r, region)
				}
			}
			if tt.sub.Words[0].Line != 0 || tt.sub.Words[len(tt.sub.Words)-1].Line != 1 {
				t.Errorf("lines renumbered: %+v", tt.sub.Words)
			}
		})
	}
}
