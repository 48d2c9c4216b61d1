package pdfa

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"image"
	"image/color"
	"io"
	"math"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/sohoa/sohoa/internal/icc"
)

var bboxRE = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)

// TestWordBoxes checks that each extracted word covers its OCR box, so
// search hits and selections sit on the scanned word.
func TestWordBoxes(t *testing.T) {
	cases := []struct {
		name string
		dpi  float64
		top  int
	}{
		{"150 dpi", 150, 150},
		{"300 dpi", 300, 40},
		{"200 dpi", 200, 333},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			words := layoutWords(testLines, 120, tc.top, 30)
			path := writePDF(t, testInfo, Page{Image: drawPage(1240, 1754, words, false, false), DPI: tc.dpi, Words: words})
			got := bboxRE.FindAllStringSubmatch(run(t, "pdftotext", "-bbox", path, "-"), -1)
			if len(got) != len(words) {
				t.Fatalf("pdftotext -bbox found %d words, want %d", len(got), len(words))
			}
			s := 72 / tc.dpi
			for i, w := range words {
				want := []float64{float64(w.Box.Min.X) * s, float64(w.Box.Min.Y) * s, float64(w.Box.Max.X) * s, float64(w.Box.Max.Y) * s}
				for j, v := range want {
					g, _ := strconv.ParseFloat(got[i][j+1], 64)
					if math.Abs(g-v) > 0.05 {
						t.Errorf("word %q: box %v, want %v (pt)", got[i][5], got[i][1:5], want)
						break
					}
				}
				if xmlUnescape(got[i][5]) != w.Text {
					t.Errorf("word %d = %q, want %q", i, got[i][5], w.Text)
				}
			}
		})
	}
}

func xmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'").Replace(s)
}

func TestFontProgram(t *testing.T) {
	data := buildTrueTypeFont()
	if sum := sfntChecksum(data); sum != 0xB1B0AFBA {
		t.Errorf("whole-font checksum = %#x, want 0xB1B0AFBA", sum)
	}
	// Every table's directory checksum must match its data.
	numTables := int(binary.BigEndian.Uint16(data[4:]))
	for i := 0; i < numTables; i++ {
		rec := data[12+16*i:]
		tag, sum := string(rec[:4]), binary.BigEndian.Uint32(rec[4:])
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		table := append([]byte(nil), data[off:off+length]...)
		if tag == "head" {
			binary.BigEndian.PutUint32(table[8:], 0) // checkSumAdjustment is excluded
		}
		if got := sfntChecksum(table); got != sum {
			t.Errorf("table %s checksum %#x, directory says %#x", tag, got, sum)
		}
	}

	f, err := sfnt.Parse(data)
	if err != nil {
		t.Fatalf("sfnt.Parse: %v", err)
	}
	if n := f.NumGlyphs(); n != 2 {
		t.Errorf("NumGlyphs = %d, want 2", n)
	}
	var buf sfnt.Buffer
	for gid := range 2 {
		adv, err := f.GlyphAdvance(&buf, sfnt.GlyphIndex(gid), fixed.I(unitsPerEm), font.HintingNone)
		if err != nil || adv != fixed.I(glyphAdvance) {
			t.Errorf("glyph %d advance = %v, %v; want %d (the PDF /DW)", gid, adv, err, glyphAdvance)
		}
	}
	segs, err := f.LoadGlyph(&buf, blankGlyph, fixed.I(unitsPerEm), nil)
	if err != nil || len(segs) != 0 {
		t.Errorf("blank glyph has %d segments (%v), want none", len(segs), err)
	}
	segs, err = f.LoadGlyph(&buf, 0, fixed.I(unitsPerEm), nil)
	if err != nil || len(segs) == 0 {
		t.Errorf(".notdef has %d segments (%v), want a box", len(segs), err)
	}
	if gi, err := f.GlyphIndex(&buf, ' '); err != nil || gi != blankGlyph {
		t.Errorf("cmap: space → glyph %d (%v), want %d", gi, err, blankGlyph)
	}
	if name, err := f.Name(&buf, sfnt.NameIDPostScript); err != nil || name != fontName {
		t.Errorf("PostScript name = %q (%v), want %q", name, err, fontName)
	}
}

func TestToUnicodeAndCIDMap(t *testing.T) {
	cmap := string(buildToUnicodeCMap())
	rangeRE := regexp.MustCompile(`<([0-9A-F]{4})> <([0-9A-F]{4})> <([0-9A-F]{4})>`)
	covered := map[rune]bool{}
	for _, m := range rangeRE.FindAllStringSubmatch(cmap, -1) {
		lo, _ := strconv.ParseUint(m[1], 16, 16)
		hi, _ := strconv.ParseUint(m[2], 16, 16)
		dst, _ := strconv.ParseUint(m[3], 16, 16)
		if lo>>8 != hi>>8 || lo != dst {
			t.Errorf("bad bfrange %v", m[0])
		}
		for c := lo; c <= hi; c++ {
			covered[rune(c)] = true
		}
	}
	for _, r := range []rune("Quyết định Số: 1595/SGDĐT-CTrTT Đà Nẵng ngày tháng năm Phó Chủ tịch ỦỲỸỴỶ\uFFFD") {
		if !covered[r] || !encodableRune(r) {
			t.Errorf("%q (%U) not mapped", r, r)
		}
	}
	for _, r := range []rune{0, 0xD800, 0xDFFF, 0xFEFF, 0xFFFE, 0xFFFF} {
		if covered[r] || encodableRune(r) {
			t.Errorf("%U must not be mapped", r)
		}
	}
	m := cidToGIDMap()
	if len(m) != 131072 || binary.BigEndian.Uint16(m[0:]) != 0 || binary.BigEndian.Uint16(m[2*0x1EBF:]) != blankGlyph {
		t.Error("CIDToGIDMap must send CID 0 to .notdef and the others to the blank glyph")
	}
}

func TestCleanText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Quyết", "Quyết"},
		{"Quye\u0302\u0301t", "Quyết"}, // decomposed → precomposed
		{"a\tb\u0000c", "abc"},
		{"\uFEFFSố", "Số"},
		{"𝐀x", "\uFFFDx"}, // non-BMP cannot be a 2-byte code
		{"", ""},
	}
	for _, tc := range cases {
		if got := string(cleanText(tc.in)); got != tc.want {
			t.Errorf("cleanText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// xmpValues reads the leaf text of every element in an XMP packet, keyed by
// "prefix:name" as written.
func xmpValues(t *testing.T, packet []byte) map[string]string {
	vals := map[string]string{}
	dec := xml.NewDecoder(bytes.NewReader(packet))
	var stack []string
	prefixes := map[string]string{
		"http://www.aiim.org/pdfa/ns/id/": "pdfaid", "http://purl.org/dc/elements/1.1/": "dc",
		"http://ns.adobe.com/xap/1.0/": "xmp", "http://ns.adobe.com/pdf/1.3/": "pdf",
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("XMP is not well-formed XML: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			key := tk.Name.Local
			if p, ok := prefixes[tk.Name.Space]; ok {
				key = p + ":" + key
			}
			stack = append(stack, key)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if s := strings.TrimSpace(string(tk)); s != "" {
				// The property is the nearest prefixed ancestor.
				for i := len(stack) - 1; i >= 0; i-- {
					if strings.Contains(stack[i], ":") {
						vals[stack[i]] = s
						break
					}
				}
			}
		}
	}
	return vals
}

func TestXMPMatchesInfo(t *testing.T) {
	utc := testInfo
	utc.Created = time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC)
	bare := Info{Producer: "sohoa"}
	a3 := testInfo
	a3.Flavour = PDFA3U
	cases := []struct {
		name string
		info Info
		want map[string]string
	}{
		{"full, +07:00", testInfo, map[string]string{
			"pdfaid:part": "2", "pdfaid:conformance": "U",
			"dc:title": testInfo.Title, "dc:creator": testInfo.Author, "dc:description": testInfo.Subject,
			"dc:language": "vi", "dc:date": testInfo.Date, "pdf:Keywords": testInfo.Keywords, "pdf:Producer": testInfo.Producer,
			"xmp:CreateDate": "2025-03-15T09:30:00+07:00", "xmp:ModifyDate": "2025-03-15T09:30:00+07:00",
		}},
		{"UTC", utc, map[string]string{"xmp:CreateDate": "2025-12-31T23:59:59Z"}},
		{"bare", bare, map[string]string{"pdfaid:part": "2", "pdf:Producer": "sohoa"}},
		{"PDF/A-3u", a3, map[string]string{"pdfaid:part": "3", "pdfaid:conformance": "U"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			packet := buildXMP(tc.info)
			if !bytes.HasPrefix(packet, []byte("<?xpacket begin=\"\xEF\xBB\xBF\"")) || !bytes.HasSuffix(packet, []byte(`<?xpacket end="w"?>`)) {
				t.Error("XMP packet wrapper missing")
			}
			vals := xmpValues(t, packet)
			for k, v := range tc.want {
				if vals[k] != v {
					t.Errorf("%s = %q, want %q", k, vals[k], v)
				}
			}
			if tc.info.Title == "" && vals["dc:title"] != "" {
				t.Error("dc:title written for an empty title")
			}
			// The Info dictionary date must be the same instant and zone.
			if !tc.info.Created.IsZero() {
				parsed, err := time.Parse(time.RFC3339, vals["xmp:CreateDate"])
				if err != nil || !parsed.Equal(tc.info.Created) {
					t.Errorf("xmp:CreateDate %q does not parse to %v (%v)", vals["xmp:CreateDate"], tc.info.Created, err)
				}
				pd, err := time.Parse("D:20060102150405Z07'00'", pdfDate(tc.info.Created))
				if tc.info.Created.Location() == time.UTC {
					pd, err = time.Parse("D:20060102150405Z", pdfDate(tc.info.Created))
				}
				if err != nil || !pd.Equal(parsed) {
					t.Errorf("Info date %q and XMP date %q differ (%v)", pdfDate(tc.info.Created), vals["xmp:CreateDate"], err)
				}
			}
		})
	}
}

func TestPDFDate(t *testing.T) {
	cases := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2025, 3, 15, 9, 30, 0, 0, time.FixedZone("", 7*3600)), "D:20250315093000+07'00'"},
		{time.Date(2025, 3, 15, 9, 30, 0, 0, time.UTC), "D:20250315093000Z"},
		{time.Date(2025, 3, 15, 9, 30, 0, 0, time.FixedZone("", -(5*3600+1800))), "D:20250315093000-05'30'"},
	}
	for _, tc := range cases {
		if got := pdfDate(tc.t); got != tc.want {
			t.Errorf("pdfDate(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

func TestICCProfile(t *testing.T) {
	p := icc.SRGB()
	u32 := func(off int) uint32 { return binary.BigEndian.Uint32(p[off:]) }
	s15 := func(off int) float64 { return float64(int32(u32(off))) / 65536 }
	if int(u32(0)) != len(p) {
		t.Errorf("header size %d, profile is %d bytes", u32(0), len(p))
	}
	if string(p[12:24]) != "mntrRGB XYZ " || string(p[36:40]) != "acsp" || u32(8)>>24 != 2 {
		t.Errorf("header: class/space/PCS %q, signature %q, version %#x", p[12:24], p[36:40], u32(8))
	}
	tags := map[string][2]int{}
	for i := 0; i < int(u32(128)); i++ {
		rec := 132 + 12*i
		off, size := int(u32(rec+4)), int(u32(rec+8))
		if off%4 != 0 || off+size > len(p) {
			t.Errorf("tag %s at %d+%d out of bounds or unaligned", p[rec:rec+4], off, size)
		}
		tags[string(p[rec:rec+4])] = [2]int{off, size}
	}
	for _, sig := range []string{"desc", "cprt", "wtpt", "rXYZ", "gXYZ", "bXYZ", "rTRC", "gTRC", "bTRC"} {
		if _, ok := tags[sig]; !ok {
			t.Errorf("tag %s missing", sig)
		}
	}
	// The primaries must add up to the white point (that is what makes
	// R=G=B=1 white).
	for c := 0; c < 3; c++ {
		sum := s15(tags["rXYZ"][0]+8+4*c) + s15(tags["gXYZ"][0]+8+4*c) + s15(tags["bXYZ"][0]+8+4*c)
		if white := s15(tags["wtpt"][0] + 8 + 4*c); math.Abs(sum-white) > 0.001 {
			t.Errorf("component %d: primaries sum to %.4f, white point is %.4f", c, sum, white)
		}
	}
	// The tone curve runs from 0 to 1, rising, with sRGB's mid-grey.
	curve := tags["rTRC"][0]
	n := int(u32(curve + 8))
	prev := -1
	for i := 0; i < n; i++ {
		v := int(binary.BigEndian.Uint16(p[curve+12+2*i:]))
		if v < prev {
			t.Fatalf("tone curve falls at %d", i)
		}
		prev = v
	}
	if first, last := binary.BigEndian.Uint16(p[curve+12:]), binary.BigEndian.Uint16(p[curve+12+2*(n-1):]); first != 0 || last != 65535 {
		t.Errorf("tone curve ends %d..%d, want 0..65535", first, last)
	}
	mid := float64(binary.BigEndian.Uint16(p[curve+12+2*(n/2):])) / 65535 // input ≈ 0.5
	if math.Abs(mid-0.214) > 0.01 {
		t.Errorf("tone curve at 0.5 = %.3f, want ≈ 0.214 (sRGB)", mid)
	}
}

// TestVeraPDF validates the output with veraPDF, as PDF/A-2u and, for
// documents with an attached metadata.json, as PDF/A-3u. It runs when
// SOHOA_VERAPDF names the launcher that scripts/install-verapdf.sh prints.
func TestVeraPDF(t *testing.T) {
	launcher := os.Getenv("SOHOA_VERAPDF")
	if launcher == "" {
		t.Skip("SOHOA_VERAPDF not set (see scripts/install-verapdf.sh)")
	}
	words := layoutWords(testLines, 120, 150, 30)
	colour := drawPage(1240, 1754, words, true, true)
	js := testMetadata(t)
	late := lateInfo(t, js)

	type file struct {
		name, path string
		compliant  bool // the verdict veraPDF must give
	}
	var as2u, as3u []file
	add := func(to *[]file, name string, compliant bool, path string) {
		*to = append(*to, file{name, path, compliant})
	}
	add(&as2u, "mixed three pages", true, writePDF(t, testInfo,
		Page{Image: colour, DPI: 150, Words: words},
		Page{Encoded: jpegOf(t, colour), Format: "jpeg", DPI: 150, Words: words},
		Page{Image: toGray(colour), DPI: 150}))
	for _, ti := range testImages(t) {
		add(&as2u, ti.name, true, writePDF(t, testInfo, Page{Image: ti.img, DPI: 75, Words: layoutWords(testLines, 40, 40, 20)}))
	}
	palette := image.NewPaletted(colour.Bounds(), color.Palette{color.Black, color.White, color.RGBA{200, 20, 30, 255}})
	for i, v := range toGray(colour).Pix {
		palette.Pix[i] = uint8(min(2, int(v)/86))
	}
	add(&as2u, "PNG data passed through, RGB and palette", true, writePDF(t, testInfo,
		Page{Image: colour, Encoded: pngOf(t, colour), Format: "png", DPI: 150, Words: words},
		Page{Image: palette, Encoded: pngOf(t, palette), Format: "png", DPI: 150, Words: words}))
	add(&as2u, "pages shown turned and deskewed", true, writePDF(t, testInfo,
		Page{Image: colour, Encoded: pngOf(t, colour), Format: "png", DPI: 150, Rotation: 90, SkewDegrees: 1.5, Words: words},
		Page{Encoded: jpegOf(t, colour), Format: "jpeg", DPI: 150, Rotation: 180, SkewDegrees: -0.7, Words: words}))
	add(&as2u, "bare info, no words", true, writePDF(t, Info{}, Page{Image: image.NewGray(image.Rect(0, 0, 50, 70))}))
	fullPage := Page{Image: colour, DPI: 150, Words: words}
	add(&as2u, "late metadata with every field", true, writeLatePDF(t, PDFA2U, late, nil, fullPage))
	with3u := writeLatePDF(t, PDFA3U, late, []Attachment{metadataAttachment(js)}, fullPage)
	add(&as3u, "PDF/A-3u with metadata.json", true, with3u)
	add(&as3u, "PDF/A-3u with two attachments", true, writeLatePDF(t, PDFA3U, late, []Attachment{
		metadataAttachment(js),
		{Name: "tệp gốc.txt", MIMEType: "text/plain", Relationship: RelSource, Data: []byte("bản gốc")},
	}, fullPage))
	// A control that must fail: it claims part 3 and carries a JSON file.
	add(&as2u, "PDF/A-3u file checked as 2u", false, with3u)

	for flavour, files := range map[string][]file{"2u": as2u, "3u": as3u} {
		t.Run(flavour, func(t *testing.T) {
			t.Parallel() // one JVM each
			args := []string{"--flavour", flavour, "--format", "xml"}
			for _, f := range files {
				args = append(args, f.path)
			}
			out, err := exec.Command(launcher, args...).Output()
			if err != nil && len(out) == 0 {
				t.Fatalf("veraPDF: %v", err)
			}
			report := string(out)
			for _, f := range files {
				// Every file has its own temporary directory, so a
				// path finds its own report.
				at := strings.Index(report, f.path)
				if at < 0 {
					t.Errorf("%s: not in the veraPDF report", f.name)
					continue
				}
				rest := report[at:]
				m := regexp.MustCompile(`isCompliant="(\w+)"`).FindStringSubmatch(rest)
				if m == nil || m[1] != strconv.FormatBool(f.compliant) {
					end := min(len(rest), 4000)
					t.Errorf("%s: veraPDF --flavour %s says compliant=%v, want %v:\n%s", f.name, flavour, m, f.compliant, rest[:end])
				}
			}
		})
	}
}
