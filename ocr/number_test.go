package ocr

import (
	"context"
	"image"
	"testing"
)

// wordEngine answers each recognizeAs with the next of its readings
// ("Số:" and the token as two words) and records what it was given.
type wordEngine struct {
	readings []string
	confs    []float64
	asked    []image.Rectangle
	segs     []segmentation
}

func (e *wordEngine) recognizeAs(_ context.Context, img image.Image, _ RecognizeOptions, seg segmentation) (*Result, error) {
	n := len(e.asked)
	e.asked = append(e.asked, img.Bounds())
	e.segs = append(e.segs, seg)
	res := result(line(0, 10, 40, "Số:", 10, e.readings[n], 90))
	for i := range res.Words {
		res.Words[i].Confidence = e.confs[n]
	}
	res.refresh()
	return res, nil
}

func TestRereadNumber(t *testing.T) {
	page := func(token string, handwritten bool) *Result {
		r := result(
			line(0, 236, 50, "UBND", 300, "CỘNG", 1290, "HÒA", 1420),
			line(1, 520, 40, "Số:", 400, token, 480, "Hà", 1400, "Nội,", 1460),
			line(2, 800, 60, "QUYẾT", 1000, "ĐỊNH", 1140),
		)
		r.Words[4].Confidence = 0.86
		r.Words[4].Handwritten = handwritten
		return r
	}
	tests := []struct {
		name     string
		page     *Result
		readings []string
		want     string
		wantConf float64
		reads    int
	}{
		{"two re-readings agree", page("848/SGDĐT-GDTTH", false),
			[]string{"848/SGDĐT-GDTrH", "848/SGDĐT-GDTrH"}, "848/SGDĐT-GDTrH", 0.77, 2},
		{"re-readings disagree", page("848/SGDĐT-GDTTH", false),
			[]string{"848/SGDĐT-GDTrH", "848/SGDĐT-GDTIrH"}, "848/SGDĐT-GDTTH", 0.86, 2},
		{"the number itself may not change", page("848/SGDĐT-GDTTH", false),
			[]string{"846/SGDĐT-GDTrH", "846/SGDĐT-GDTrH"}, "848/SGDĐT-GDTTH", 0.86, 1},
		{"a letter no notation has", page("12/BNV-CCVC", false),
			[]string{"12/BNV-CCVCŒ", "12/BNV-CCVCŒ"}, "12/BNV-CCVC", 0.86, 1},
		{"agreeing with the first reading", page("879/SCT-QLTM", false),
			[]string{"879/SCT-QLTM", "879/SCT-QLTM"}, "879/SCT-QLTM", 0.86, 1},
		{"handwritten number left alone", page("2826/QĐ-STP", true),
			nil, "2826/QĐ-STP", 0.86, 0},
		{"no number token", page("Hà", false), nil, "Hà", 0.86, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := &wordEngine{readings: tt.readings, confs: []float64{0.7, 0.77}}
			img := image.NewGray(image.Rect(0, 0, 2480, 3508))
			if err := rereadNumber(context.Background(), eng, img, tt.page, RecognizeOptions{DPI: 300}); err != nil {
				t.Fatal(err)
			}
			tok := tt.page.Words[4]
			if tok.Text != tt.want || tok.Confidence != tt.wantConf {
				t.Errorf("token %q at %.2f, want %q at %.2f", tok.Text, tok.Confidence, tt.want, tt.wantConf)
			}
			if len(eng.asked) != tt.reads {
				t.Fatalf("%d re-readings, want %d", len(eng.asked), tt.reads)
			}
			if tt.reads == 0 {
				return
			}
			// The first crop holds "Số:" and the token and nothing of the
			// right column; the second is that crop enlarged twice.
			first := eng.asked[0]
			if !image.Rect(400, 520, 480+20*len([]rune(tt.page.Words[4].Text)), 560).In(first) || first.Max.X >= 1400 {
				t.Errorf("first crop %v", first)
			}
			// The enlarged crop is read only when the first re-reading
			// would change the token.
			if tt.reads > 1 {
				if second := eng.asked[1]; second.Dx() != 2*first.Dx() || second.Dy() != 2*first.Dy() {
					t.Errorf("second crop %v is not %v enlarged twice", second, first)
				}
			}
			for _, s := range eng.segs {
				if s != asWord {
					t.Errorf("read as %v, want one word", s)
				}
			}
			if want := "Số: " + tt.want + " Hà Nội,"; tt.page.Text != "UBND CỘNG HÒA\n"+want+"\nQUYẾT ĐỊNH" {
				t.Errorf("text %q does not hold %q", tt.page.Text, want)
			}
		})
	}
}
