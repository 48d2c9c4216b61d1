package ocr

import (
	"context"
	"image"
	"testing"
)

// mergedFooter is how a single-block reading of the end of an ND 30 page
// comes out: each recipients line joined with the signer line beside it,
// small words misread.
func mergedFooter() *Result {
	return result(
		line(0, 2600, 50, "Trân", 300, "trọng./.", 420),
		line(1, 2800, 40, "Nơi", 200, "nhận:", 290, "KT.", 1500, "GIÁM", 1600, "ĐỐC", 1720),
		line(2, 2860, 40, "-", 200, "Nhu", 230, "trén", 320, "PHÓ", 1480, "GIÁM", 1580, "ĐỐC", 1700),
		line(3, 2920, 40, "-", 200, "Lưu:", 230, "VT,", 340, "VP.", 420),
		line(4, 3200, 50, "Nguyễn", 1500, "Văn", 1640, "An", 1740),
	)
}

func TestFooterLeftColumn(t *testing.T) {
	tests := []struct {
		name               string
		res                *Result
		ok                 bool
		top, right, bottom int // expected Min.Y, Max.X, Max.Y, ±25 px
	}{
		{"merged with the signer", mergedFooter(), true, 2780, 1480 - 24, 3275},
		{"label glued and garbled", result(
			line(0, 2800, 40, "Nơinhận;", 200, "TM.", 1500, "ỦY", 1600, "BAN", 1680),
			line(1, 2860, 40, "-", 200, "Như", 230, "trên;", 320, "CHỦ", 1520, "TỊCH", 1620),
		), true, 2780, 1500 - 24, 2920},
		{"body line starting Nơi nhận", result(
			line(0, 2000, 50, "Nơi", 200, "nhận", 290, "hồ", 400, "sơ:", 470, "tại", 560, "Bộ", 1400, "phận", 1500),
			line(1, 2800, 40, "KT.", 1500, "GIÁM", 1600, "ĐỐC", 1720),
		), false, 0, 0, 0},
		{"no signer beside it", result(
			line(0, 2800, 40, "Nơi", 200, "nhận:", 290),
			line(1, 2860, 40, "-", 200, "Như", 230, "trên;", 320),
		), false, 0, 0, 0},
		{"signer line starting left of the middle", result(
			line(0, 2800, 40, "Nơi", 200, "nhận:", 290, "TM.", 1100, "ỦY", 1180, "BAN", 1240, "NHÂN", 1320),
			line(1, 2860, 40, "-", 200, "Như", 230, "trên;", 320, "CHỦ", 1520, "TỊCH", 1620),
		), false, 0, 0, 0},
		{"label in the header part", result(
			line(0, 400, 40, "Nơi", 200, "nhận:", 290, "KT.", 1500, "GIÁM", 1600),
		), false, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := footerLeftColumn(tt.res, 2480, 3508)
			want := image.Rect(0, tt.top, tt.right, tt.bottom)
			near := r.Min.X == 0 && abs(r.Min.Y-want.Min.Y) <= 25 && abs(r.Max.X-want.Max.X) <= 25 && abs(r.Max.Y-want.Max.Y) <= 25
			if ok != tt.ok || ok && !near {
				t.Errorf("rect %v, ok %v; want %v ±25, ok %v", r, ok, want, tt.ok)
			}
		})
	}
}

func TestReadFooterApart(t *testing.T) {
	column := result(
		line(0, 2800, 40, "Nơi", 200, "nhận:", 290),
		line(1, 2860, 40, "-", 200, "Như", 230, "trên;", 320),
		line(2, 2920, 40, "-", 200, "Lưu:", 230, "VT,", 340, "VP.", 420),
	).Words
	tests := []struct {
		name     string
		page     *Result
		wantText string
		asked    int
	}{
		{"merged columns are read apart", mergedFooter(),
			"Trân trọng./.\nNơi nhận:\n- Như trên;\n- Lưu: VT, VP.\nKT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC\nNguyễn Văn An", 1},
		{"columns already apart", result(
			line(0, 2800, 40, "Nơi", 200, "nhận:", 290),
			line(1, 2800, 40, "KT.", 1500, "GIÁM", 1600, "ĐỐC", 1720),
			line(2, 2860, 40, "-", 200, "Nhu", 230, "trén", 320),
		), "Nơi nhận:\nKT. GIÁM ĐỐC\n- Nhu trén", 0},
		{"no recipients", result(line(0, 3000, 50, "Điều", 300, "2.", 420)), "Điều 2.", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := &regionEngine{words: column, conf: 0.95}
			img := image.NewGray(image.Rect(0, 0, 2480, 3508))
			if err := readFooterApart(context.Background(), eng, img, tt.page, RecognizeOptions{}); err != nil {
				t.Fatal(err)
			}
			checkReadApart(t, eng, tt.page, tt.asked, tt.wantText)
		})
	}
}

func TestKeepSurerWords(t *testing.T) {
	region := image.Rect(0, 2780, 1456, 3000)
	first := result(
		line(0, 2920, 40, "-", 200, "Lưu:", 230, "VT,", 340, "QLUCN.", 420, "KT.", 1500),
	)
	conf := map[string]float64{"-": 0.93, "Lưu:": 0.93, "VT,": 0.92, "QLUCN.": 0.45, "KT.": 0.99}
	for i := range first.Words {
		first.Words[i].Confidence = conf[first.Words[i].Text]
	}
	tests := []struct {
		name     string
		sub      []Word
		subConf  []float64
		wantText string
	}{
		{"each word the surer reading", line(0, 2920, 40, "-", 200, "Lưu:", 230, "VI;", 340, "QLCN.", 420),
			[]float64{0.93, 0.96, 0.26, 0.86}, "- Lưu: VT, QLCN."},
		{"a word at another place keeps its reading", line(0, 2920, 40, "-", 200, "Lưu:", 230, "VI;", 300),
			[]float64{0.93, 0.96, 0.26}, "- Lưu: VI;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range tt.sub {
				tt.sub[i].Confidence = tt.subConf[i]
			}
			sub := result(tt.sub)
			keepSurerWords(sub, first, region)
			if sub.Text != tt.wantText {
				t.Errorf("text %q, want %q", sub.Text, tt.wantText)
			}
		})
	}
}
