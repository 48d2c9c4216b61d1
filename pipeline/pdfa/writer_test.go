package pdfa

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa/ocr"
)

func TestTextLayerExtraction(t *testing.T) {
	basic := layoutWords(testLines, 120, 150, 30)

	nfd := layoutWords(testLines, 120, 150, 30)
	for i := range nfd {
		nfd[i].Text = norm.NFD.String(nfd[i].Text)
	}

	// Two columns on one line, as in the header of an administrative
	// document: number on the left, place and date on the right.
	twoCol := layoutWords([][]string{{"Số:", "1595/SGDĐT-CTrTT"}}, 80, 150, 30)
	right := layoutWords([][]string{{"Đà", "Nẵng,", "ngày", "15", "tháng", "3", "năm", "2025"}}, 640, 150, 30)
	twoCol = append(twoCol, right...)

	// Words given in reverse order: lines and words are put in order.
	shuffled := layoutWords(testLines, 120, 150, 30)
	slices.Reverse(shuffled)

	// Words whose boxes touch or overlap (OCR boxes of tight type).
	touching := layoutWords(testLines, 120, 150, 30)
	for i := 1; i < len(touching); i++ {
		if touching[i].Line == touching[i-1].Line {
			shift := touching[i].Box.Min.X - touching[i-1].Box.Max.X + i%2*3 // 0 or 3 px overlap
			touching[i].Box = touching[i].Box.Sub(image.Pt(shift, 0))
		}
	}

	// A run of one-character words with touching boxes (OCR specks and
	// dashes in the margin): poppler needs a wider gap to split them.
	singles := layoutWords([][]string{{"ñ", "—", "a", "-"}}, 120, 150, 30)
	for i := 1; i < len(singles); i++ {
		singles[i].Box = singles[i].Box.Sub(image.Pt(singles[i].Box.Min.X-singles[i-1].Box.Max.X, 0))
	}

	cases := []struct {
		name   string
		words  []ocr.Word
		layout bool   // use pdftotext -layout
		want   string // defaults to the words joined
	}{
		{name: "plain", words: basic},
		{name: "layout", words: basic, layout: true},
		{name: "decomposed input comes out NFC", words: nfd, want: joinedText(basic)},
		{name: "two columns with layout", words: twoCol, layout: true},
		{name: "words in reverse order", words: shuffled, want: joinedText(basic)},
		{name: "touching and overlapping boxes", words: touching},
		{name: "touching one-character words", words: singles},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := drawPage(1240, 1754, tc.words, false, false)
			path := writePDF(t, testInfo, Page{Image: img, DPI: 150, Words: tc.words})
			args := []string{path, "-"}
			if tc.layout {
				args = append([]string{"-layout"}, args...)
			}
			got := run(t, "pdftotext", args...)
			want := tc.want
			if want == "" {
				want = joinedText(tc.words)
			}
			if !norm.NFC.IsNormalString(got) {
				t.Errorf("extracted text is not NFC: %q", got)
			}
			for _, r := range got {
				if unicode.Is(unicode.Mn, r) {
					t.Errorf("extracted text has combining mark %U: %q", r, got)
					break
				}
			}
			if foldSpace(got) != foldSpace(want) {
				t.Errorf("pdftotext %v:\n got %q\nwant %q", args[:len(args)-2], foldSpace(got), foldSpace(want))
			}
			if !tc.layout {
				// Plain mode keeps lines: compare line by line.
				gotLines := strings.Split(strings.TrimSpace(strings.ReplaceAll(got, "\f", "")), "\n")
				var nonEmpty []string
				for _, l := range gotLines {
					if strings.TrimSpace(l) != "" {
						nonEmpty = append(nonEmpty, l)
					}
				}
				if strings.Join(nonEmpty, "\n") != want {
					t.Errorf("lines differ:\n got %q\nwant %q", strings.Join(nonEmpty, "\n"), want)
				}
			}
		})
	}
}

func TestFontsEmbedded(t *testing.T) {
	words := layoutWords(testLines, 120, 150, 30)
	path := writePDF(t, testInfo, Page{Image: drawPage(1240, 1754, words, false, false), DPI: 150, Words: words})
	out := run(t, "pdffonts", path)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("want one font, pdffonts says:\n%s", out)
	}
	f := strings.Fields(lines[2])
	// name type(3 words) encoding emb sub uni object ID
	want := []string{fontName, "CID", "TrueType", "Identity-H", "yes", "no", "yes"}
	if len(f) < len(want) || strings.Join(f[:len(want)], " ") != strings.Join(want, " ") {
		t.Errorf("pdffonts row = %q, want it to start with %q", lines[2], strings.Join(want, " "))
	}
}

// jpegOf encodes img as a JPEG.
func jpegOf(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func toGray(img image.Image) *image.Gray {
	g := image.NewGray(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			g.Set(x, y, img.At(x, y))
		}
	}
	return g
}

// testImages are page images of every storage path, with the pdfimages
// -list colour and bits per component they must be stored as.
func testImages(t testing.TB) []struct {
	name  string
	img   image.Image
	color string
	bpc   int
} {
	words := layoutWords(testLines, 20, 20, 10)
	rgb := drawPage(310, 439, words, true, true)
	grayInRGB := drawPage(310, 439, words, false, true)
	nrgba := image.NewNRGBA(rgb.Bounds())
	copy(nrgba.Pix, rgb.Pix)
	nrgba.Pix[3] = 128 // one half-transparent pixel: composited over white
	bilevel := image.NewGray(rgb.Bounds())
	for i, v := range toGray(grayInRGB).Pix {
		if v > 128 {
			bilevel.Pix[i] = 255
		}
	}
	pal := image.NewPaletted(rgb.Bounds(), color.Palette{color.Black, color.White})
	copy(pal.Pix, bilevel.Pix)
	for i := range pal.Pix {
		pal.Pix[i] = bilevel.Pix[i] / 255
	}
	ycc, err := jpeg.Decode(bytes.NewReader(jpegOf(t, rgb)))
	if err != nil {
		t.Fatal(err)
	}
	offset := image.NewRGBA(image.Rect(100, 50, 410, 489)) // bounds not at the origin
	copy(offset.Pix, rgb.Pix)
	return []struct {
		name  string
		img   image.Image
		color string
		bpc   int
	}{
		{"RGBA colour", rgb, "rgb", 8},
		{"RGBA grey content", grayInRGB, "gray", 8},
		{"NRGBA with alpha", nrgba, "rgb", 8},
		{"Gray", toGray(grayInRGB), "gray", 8},
		{"Gray black and white", bilevel, "gray", 1},
		{"Paletted black and white", pal, "gray", 1},
		{"YCbCr", ycc, "rgb", 8},
		{"RGBA offset bounds", offset, "rgb", 8},
		{"RGBA64 (generic path)", rgba64Of(rgb), "rgb", 8},
	}
}

func rgba64Of(img image.Image) *image.RGBA64 {
	m := image.NewRGBA64(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			m.Set(x, y, img.At(x, y))
		}
	}
	return m
}

// listImages parses pdfimages -list: one row per image.
func listImages(t *testing.T, path string) [][]string {
	out := run(t, "pdfimages", "-list", path)
	var rows [][]string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n")[2:] {
		rows = append(rows, strings.Fields(l))
	}
	return rows
}

// firstImage is the first image of the PDF at path as pdfimages -png
// extracts it.
func firstImage(t *testing.T, path string) image.Image {
	t.Helper()
	dir := t.TempDir()
	run(t, "pdfimages", "-png", path, filepath.Join(dir, "img"))
	f, err := os.Open(filepath.Join(dir, "img-000.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// sameOverWhite reports the first pixel where two images differ once both
// are seen as 8-bit RGB on white paper.
func sameOverWhite(a, b image.Image) (image.Point, bool) {
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Dx() != bb.Dx() || ab.Dy() != bb.Dy() {
		return image.Point{-1, -1}, false
	}
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			r1, g1, b1 := overWhite(a.At(ab.Min.X+x, ab.Min.Y+y))
			r2, g2, b2 := overWhite(b.At(bb.Min.X+x, bb.Min.Y+y))
			if r1 != r2 || g1 != g2 || b1 != b2 {
				return image.Pt(x, y), false
			}
		}
	}
	return image.Point{}, true
}

func TestLosslessImageRoundTrip(t *testing.T) {
	for _, tc := range testImages(t) {
		t.Run(tc.name, func(t *testing.T) {
			path := writePDF(t, testInfo, Page{Image: tc.img, DPI: 75})
			rows := listImages(t, path)
			if len(rows) != 1 {
				t.Fatalf("want 1 image, got %d", len(rows))
			}
			// page num type width height color comp bpc enc interp object ID x-ppi y-ppi
			r := rows[0]
			b := tc.img.Bounds()
			if r[3] != strconv.Itoa(b.Dx()) || r[4] != strconv.Itoa(b.Dy()) || r[5] != tc.color ||
				r[7] != strconv.Itoa(tc.bpc) || r[8] != "image" || r[12] != "75" || r[13] != "75" {
				t.Errorf("pdfimages -list row %v, want %dx%d %s bpc %d image 75 ppi", r, b.Dx(), b.Dy(), tc.color, tc.bpc)
			}
			got := firstImage(t, path)
			if p, ok := sameOverWhite(got, tc.img); !ok {
				t.Errorf("extracted pixels differ from the source at %v", p)
			}
		})
	}
}

func TestJPEGPassThrough(t *testing.T) {
	words := layoutWords(testLines, 40, 40, 20)
	colour := drawPage(620, 877, words, true, true)
	grey := toGray(drawPage(620, 877, words, false, true))
	cases := []struct {
		name  string
		img   image.Image
		give  bool // give the decoded image too
		color string
	}{
		{"colour, encoded only", colour, false, "rgb"},
		{"colour with decoded image", colour, true, "rgb"},
		{"grey", grey, true, "gray"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			enc := jpegOf(t, tc.img)
			p := Page{Encoded: enc, Format: "jpeg", DPI: 75, Words: words}
			if tc.give {
				p.Image = tc.img
			}
			path := writePDF(t, testInfo, p)
			rows := listImages(t, path)
			if len(rows) != 1 || rows[0][8] != "jpeg" || rows[0][5] != tc.color {
				t.Fatalf("pdfimages -list: %v, want one %s jpeg", rows, tc.color)
			}
			dir := t.TempDir()
			run(t, "pdfimages", "-all", path, filepath.Join(dir, "img"))
			got, err := os.ReadFile(filepath.Join(dir, "img-000.jpg"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, enc) {
				t.Errorf("extracted JPEG (%d bytes) differs from the original (%d bytes)", len(got), len(enc))
			}
		})
	}

	t.Run("size mismatch falls back to pixels", func(t *testing.T) {
		enc := jpegOf(t, colour)
		small := drawPage(300, 400, nil, true, false)
		path := writePDF(t, testInfo, Page{Image: small, Encoded: enc, Format: "jpeg", DPI: 75})
		rows := listImages(t, path)
		if len(rows) != 1 || rows[0][8] != "image" || rows[0][3] != "300" {
			t.Fatalf("pdfimages -list: %v, want one 300-wide flate image", rows)
		}
	})
}

var pageSizeRE = regexp.MustCompile(`Page size:\s+([\d.]+) x ([\d.]+) pts`)

func TestPageSizeAndStructure(t *testing.T) {
	words := layoutWords(testLines, 120, 150, 30)
	a4 := drawPage(1240, 1754, words, false, false)
	cases := []struct {
		name          string
		pages         []Page
		wantW, wantH  string
		wantPageCount int
		wantText      string
	}{
		{"150 dpi", []Page{{Image: a4, DPI: 150, Words: words}}, "595.2", "841.92", 1, joinedText(words)},
		{"no DPI means 300", []Page{{Image: a4, Words: words}}, "297.6", "420.96", 1, joinedText(words)},
		{"empty word list", []Page{{Image: a4, DPI: 150}}, "595.2", "841.92", 1, ""},
		{"three pages", []Page{
			{Image: a4, DPI: 150, Words: words},
			{Image: a4, DPI: 150},
			{Encoded: jpegOf(t, a4), Format: "jpeg", DPI: 150, Words: words[:2]},
		}, "595.2", "841.92", 3, joinedText(words) + " " + joinedText(words[:2])},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writePDF(t, testInfo, tc.pages...)
			out := run(t, "qpdf", "--check", path)
			if !strings.Contains(out, "No syntax or stream encoding errors found") {
				t.Errorf("qpdf --check:\n%s", out)
			}
			info := run(t, "pdfinfo", path)
			m := pageSizeRE.FindStringSubmatch(info)
			if m == nil || m[1] != tc.wantW || m[2] != tc.wantH {
				t.Errorf("pdfinfo page size %v, want %s x %s\n%s", m, tc.wantW, tc.wantH, info)
			}
			if !regexp.MustCompile(`(?m)^Pages:\s+` + strconv.Itoa(tc.wantPageCount) + `$`).MatchString(info) {
				t.Errorf("pdfinfo: want %d pages\n%s", tc.wantPageCount, info)
			}
			if !regexp.MustCompile(`(?m)^Title:\s+` + regexp.QuoteMeta(testInfo.Title) + `$`).MatchString(info) {
				t.Errorf("pdfinfo: title missing\n%s", info)
			}
			if got := foldSpace(run(t, "pdftotext", path, "-")); got != foldSpace(tc.wantText) {
				t.Errorf("pdftotext = %q, want %q", got, foldSpace(tc.wantText))
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	words := layoutWords(testLines, 40, 40, 20)
	img := drawPage(620, 877, words, true, true)
	write := func(info Info) []byte {
		var b bytes.Buffer
		w, err := NewWriter(&b, info)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.AddPage(Page{Image: img, DPI: 75, Words: words}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	idRE := regexp.MustCompile(`/ID \[<([0-9a-f]{32})> <([0-9a-f]{32})>\]`)
	a, b := write(testInfo), write(testInfo)
	if !bytes.Equal(a, b) {
		t.Fatal("two writes of the same input differ")
	}
	other := testInfo
	other.Created = other.Created.Add(1e9)
	c := write(other)
	idA, idC := idRE.FindSubmatch(a), idRE.FindSubmatch(c)
	if idA == nil || idC == nil {
		t.Fatalf("no /ID in trailer")
	}
	if bytes.Equal(idA[1], idC[1]) {
		t.Error("different content gave the same /ID")
	}
}

func TestWriterErrors(t *testing.T) {
	img := drawPage(100, 100, nil, false, false)
	cases := []struct {
		name string
		use  func(w *Writer) error
		want error // nil: any error
	}{
		{"close without pages", func(w *Writer) error { return w.Close() }, ErrNoPages},
		{"page without image", func(w *Writer) error { return w.AddPage(Page{DPI: 300}) }, nil},
		{"undecodable JPEG without image", func(w *Writer) error {
			return w.AddPage(Page{Encoded: []byte("not a jpeg"), Format: "jpeg"})
		}, nil},
		{"page too large", func(w *Writer) error { return w.AddPage(Page{Image: img, DPI: 0.1}) }, nil},
		{"add after close", func(w *Writer) error {
			if err := w.AddPage(Page{Image: img}); err != nil {
				return nil // would make the test fail below: want an error
			}
			if err := w.Close(); err != nil {
				return nil
			}
			return w.AddPage(Page{Image: img})
		}, errClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, err := NewWriter(&bytes.Buffer{}, testInfo)
			if err != nil {
				t.Fatal(err)
			}
			err = tc.use(w)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("got error %v, want %v", err, tc.want)
			}
		})
	}
}

// failingWriter fails after n bytes, to check that write errors surface.
type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n := f.n
		f.n = 0
		return n, errors.New("disk full")
	}
	f.n -= len(p)
	return len(p), nil
}

func TestWriteErrorIsSticky(t *testing.T) {
	img := drawPage(200, 200, nil, true, true)
	w, err := NewWriter(&failingWriter{n: 20000}, testInfo)
	if err != nil {
		t.Fatal(err)
	}
	err = w.AddPage(Page{Image: img})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("AddPage error = %v, want disk full", err)
	}
	if err2 := w.Close(); err2 == nil {
		t.Error("Close after a failed write returned nil")
	}
}
