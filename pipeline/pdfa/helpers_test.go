package pdfa

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ocr"
)

// testInfo is the metadata of the test documents.
var testInfo = Info{
	Title:    "Quyết định số 1595/SGDĐT-CTrTT",
	Author:   "Sở Giáo dục và Đào tạo Đà Nẵng",
	Subject:  "Quyết định về việc <thử> & kiểm tra",
	Keywords: "quyết định; giáo dục",
	Date:     "2025-03-10",
	Language: "vi",
	Created:  time.Date(2025, 3, 15, 9, 30, 0, 0, time.FixedZone("ICT", 7*3600)),
	Producer: "sohoa test",
}

// testLines are the words of the test page, one slice per text line.
var testLines = [][]string{
	{"Số:", "1595/SGDĐT-CTrTT"},
	{"Đà", "Nẵng,", "ngày", "15", "tháng", "3", "năm", "2025"},
	{"Quyết", "định"},
	{"Phó", "Chủ", "tịch"},
}

// layoutWords places lines of words on a page as an OCR engine would report
// them: each line lineHeight pixels tall, words as wide as their letters.
func layoutWords(lines [][]string, left, top, lineHeight int) []ocr.Word {
	var words []ocr.Word
	for li, line := range lines {
		x := left
		y := top + li*2*lineHeight
		for _, text := range line {
			w := len([]rune(text)) * lineHeight * 6 / 10
			words = append(words, ocr.Word{
				Text: text, Box: image.Rect(x, y, x+w, y+lineHeight), Confidence: 0.9, Line: li,
			})
			x += w + lineHeight/3
		}
	}
	return words
}

// joinedText is what extraction must give back: words of a line joined by
// one space, lines by newlines.
func joinedText(words []ocr.Word) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			if words[i-1].Line != w.Line {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(w.Text)
	}
	return b.String()
}

// foldSpace collapses all runs of whitespace to single spaces.
func foldSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// drawPage paints a white page with a dark rectangle under every word box and,
// if colour is set, a red "seal"; noise adds scanner-like grain.
func drawPage(w, h int, words []ocr.Word, colour bool, noise bool) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{250, 250, 250, 255}), image.Point{}, draw.Src)
	for _, wd := range words {
		draw.Draw(img, wd.Box.Inset(2), image.NewUniform(color.RGBA{30, 30, 30, 255}), image.Point{}, draw.Src)
	}
	if colour {
		draw.Draw(img, image.Rect(w/2, h/2, w/2+w/5, h/2+w/5), image.NewUniform(color.RGBA{200, 20, 30, 255}), image.Point{}, draw.Src)
	}
	if noise {
		rng := rand.New(rand.NewPCG(1, 2))
		for i := 0; i < len(img.Pix); i += 4 {
			d := uint8(rng.IntN(8))
			for c := 0; c < 3; c++ {
				if img.Pix[i+c] > 8 {
					img.Pix[i+c] -= d
				}
			}
		}
	}
	return img
}

// writePDF writes pages into a PDF file in a temporary directory.
func writePDF(t testing.TB, info Info, pages ...Page) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, info)
	if err != nil {
		t.Fatalf("NewWriter: %v", err)
	}
	for i, p := range pages {
		if err := w.AddPage(p); err != nil {
			t.Fatalf("AddPage %d: %v", i+1, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	path := filepath.Join(t.TempDir(), "out.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// needTool skips the test when a command-line tool is not installed.
func needTool(t *testing.T, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("%s not installed (apt package poppler-utils / qpdf)", tool)
	}
}

// run runs a tool and returns its standard output, failing the test on error.
func run(t *testing.T, tool string, args ...string) string {
	t.Helper()
	needTool(t, tool)
	cmd := exec.Command(tool, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", tool, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}
