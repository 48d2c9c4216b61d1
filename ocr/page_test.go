package ocr

import (
	"image"
	"image/color"
	"image/draw"
	"os"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

const testFont = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"

// testLines is the text of the rendered test page: the parts of a
// Vietnamese administrative decision that OCR must get right.
var testLines = []string{
	"QUYẾT ĐỊNH",
	"Số: 1595/SGDĐT-CTrTT",
	"Đà Nẵng, ngày 08 tháng 4 năm 2020",
	"Về việc cấp giấy phép xây dựng",
	"Căn cứ Luật Tổ chức chính quyền địa phương",
	"Giám đốc Sở Giáo dục và Đào tạo thành phố",
}

// testPage is a rendered page and where each line's ink landed.
type testPage struct {
	img   *image.Gray
	lines []image.Rectangle // ink bounds of each line of testLines
}

// renderPage draws lines in Liberation Serif at pt points on a white page
// of w×h pixels at 300 dpi, starting 300 px from the top-left corner.
func renderPage(t testing.TB, lines []string, w, h int, pt float64) testPage {
	t.Helper()
	data, err := os.ReadFile(testFont)
	if err != nil {
		t.Skipf("test font missing (Debian package fonts-liberation2): %v", err)
	}
	f, err := opentype.Parse(data)
	if err != nil {
		t.Fatalf("parse font: %v", err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: pt, DPI: 300, Hinting: font.HintingFull})
	if err != nil {
		t.Fatalf("font face: %v", err)
	}
	defer face.Close()
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	d := &font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: face}
	lineHeight := face.Metrics().Height.Ceil() * 3 / 2
	page := testPage{img: img}
	for i, line := range lines {
		d.Dot = fixed.P(300, 300+i*lineHeight)
		bounds, _ := d.BoundString(line)
		page.lines = append(page.lines, image.Rect(bounds.Min.X.Floor(), bounds.Min.Y.Floor(), bounds.Max.X.Ceil(), bounds.Max.Y.Ceil()))
		d.DrawString(line)
	}
	return page
}
