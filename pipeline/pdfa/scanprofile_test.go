package pdfa

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/fixtures"
	"github.com/sohoa/sohoa/internal/icc"
	"github.com/sohoa/sohoa/internal/oracles"
)

// testRGBProfile is the fixtures' scanner profile (class 'scnr', Adobe
// RGB primaries, gamma 2.2) and testGreyProfile a grey display profile:
// other primaries and curves than the document's sRGB profile.
func testRGBProfile() []byte { return fixtures.ScannerProfile() }

func testGreyProfile() []byte {
	return icc.Build(icc.Spec{Class: icc.ClassDisplay, Description: "sohoa test grey, gamma 1.8", Gamma: 1.8})
}

// tagged is enc (PNG or JPEG) carrying profile where a scanner puts it:
// an iCCP chunk or one APP2 segment.
func tagged(t *testing.T, enc, profile []byte) []byte {
	t.Helper()
	out, err := fixtures.WithProfile(enc, profile)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// pngChunk serialises one PNG chunk with its CRC.
func pngChunk(typ string, body []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	out = append(out, typ...)
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[4:]))
}

// iccpBody is the body of an iCCP chunk holding profile.
func iccpBody(profile []byte) []byte {
	var b bytes.Buffer
	b.WriteString("scanner profile\x00\x00")
	zw := zlib.NewWriter(&b)
	zw.Write(profile)
	zw.Close()
	return b.Bytes()
}

// withChunk inserts a chunk right after the IHDR of a PNG, where iCCP
// goes: for damaged iCCP chunks, which fixtures.WithProfile does not make.
func withChunk(data []byte, typ string, body []byte) []byte {
	const afterIHDR = 8 + 8 + 13 + 4
	out := append([]byte{}, data[:afterIHDR]...)
	out = append(out, pngChunk(typ, body)...)
	return append(out, data[afterIHDR:]...)
}

// app2Segment is one APP2 ICC_PROFILE segment, part seq of count.
func app2Segment(seq, count int, part []byte) []byte {
	payload := append([]byte(jpegProfileMarker), byte(seq), byte(count))
	payload = append(payload, part...)
	seg := []byte{0xFF, 0xE2}
	seg = binary.BigEndian.AppendUint16(seg, uint16(2+len(payload)))
	return append(seg, payload...)
}

// withSegments inserts JPEG segments right after the SOI marker.
func withSegments(jpg []byte, segments ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segments {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

// splitProfile cuts profile into APP2 segments of count parts, in order:
// smaller parts than a scanner writes (fixtures.WithProfile splits only
// past 65,519 bytes), to reassemble in tests.
func splitProfile(profile []byte, count int) [][]byte {
	var segs [][]byte
	size := (len(profile) + count - 1) / count
	for k := range count {
		part := profile[min(k*size, len(profile)):min((k+1)*size, len(profile))]
		segs = append(segs, app2Segment(k+1, count, part))
	}
	return segs
}

// setHeader returns a copy of profile with bytes at off replaced.
func setHeader(profile []byte, off int, b string) []byte {
	out := append([]byte{}, profile...)
	copy(out[off:], b)
	return out
}

func TestCheckScanProfile(t *testing.T) {
	rgb, grey := testRGBProfile(), testGreyProfile()
	truncated := rgb[:len(rgb)-40]
	shortened := binary.BigEndian.AppendUint32(nil, uint32(len(truncated)))
	tagPastEnd := append([]byte{}, rgb...)
	binary.BigEndian.PutUint32(tagPastEnd[icc.HeaderSize+4+4:], uint32(len(rgb)-4)) // first tag's offset
	noBlueCurve := setHeader(rgb, icc.HeaderSize+4+12*8, "xTRC")                    // bTRC is the 9th tag
	if string(rgb[icc.HeaderSize+4+12*8:][:4]) != "bTRC" {
		t.Fatalf("test profile's 9th tag is %q, want bTRC", rgb[icc.HeaderSize+4+12*8:][:4])
	}
	cases := []struct {
		name       string
		profile    []byte
		components int
		ok         bool
	}{
		{"RGB scanner profile", rgb, 3, true},
		{"grey display profile", grey, 1, true},
		{"the document's sRGB profile", icc.SRGB(), 3, true},
		{"RGB profile, colour space class", setHeader(rgb, 12, "spac"), 3, true},
		{"RGB profile, output class", setHeader(rgb, 12, "prtr"), 3, true},
		{"version 4.3", setHeader(rgb, 8, "\x04\x30"), 3, true},
		{"Lab connection space", setHeader(rgb, 20, "Lab "), 3, true},
		{"RGB profile for a grey image", rgb, 1, false},
		{"grey profile for an RGB image", grey, 3, false},
		{"CMYK profile", setHeader(rgb, 16, "CMYK"), 3, false},
		{"four components", setHeader(rgb, 16, "CMYK"), 4, false},
		{"device link", setHeader(rgb, 12, "link"), 3, false},
		{"abstract", setHeader(rgb, 12, "abst"), 3, false},
		{"named colour", setHeader(rgb, 12, "nmcl"), 3, false},
		{"version 5 (iccMAX)", setHeader(rgb, 8, "\x05\x00"), 3, false},
		{"version 1", setHeader(rgb, 8, "\x01\x00"), 3, false},
		{"no acsp", setHeader(rgb, 36, "xxxx"), 3, false},
		{"bad connection space", setHeader(rgb, 20, "RGB "), 3, false},
		{"truncated", truncated, 3, false},
		{"truncated, size fixed", setHeader(truncated, 0, string(shortened)), 3, false},
		{"longer than its header says", append(append([]byte{}, rgb...), 0, 0, 0, 0), 3, false},
		{"tag past the end", tagPastEnd, 3, false},
		{"tag count past the end", setHeader(rgb, icc.HeaderSize, "\x00\x01\x00\x00"), 3, false},
		{"no blue curve", noBlueCurve, 3, false},
		{"header only", rgb[:icc.HeaderSize], 3, false},
		{"empty", nil, 3, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := checkScanProfile(tc.profile, tc.components)
			if (err == nil) != tc.ok {
				t.Errorf("checkScanProfile = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestJPEGProfile(t *testing.T) {
	profile := testRGBProfile()
	jpg := jpegOf(t, drawPage(64, 48, nil, true, false))
	two := splitProfile(profile, 2)
	three := splitProfile(profile, 3)
	other := app2Segment(1, 1, []byte("not an ICC profile"))
	other[4+1] = 'X' // "IXC_PROFILE": some other APP2 payload
	cases := []struct {
		name    string
		data    []byte
		want    []byte // nil: no profile
		wantErr bool
	}{
		{"none", jpg, nil, false},
		{"one segment", withSegments(jpg, app2Segment(1, 1, profile)), profile, false},
		{"two segments", withSegments(jpg, two...), profile, false},
		{"three segments, out of order", withSegments(jpg, three[2], three[0], three[1]), profile, false},
		{"other APP2 data ignored", withSegments(jpg, other, app2Segment(1, 1, profile)), profile, false},
		{"fill bytes before a marker", withSegments(jpg, []byte{0xFF, 0xFF}, app2Segment(1, 1, profile)[1:]), profile, false},
		{"missing part", withSegments(jpg, two[0]), nil, true},
		{"part twice", withSegments(jpg, two[0], two[0], two[1]), nil, true},
		{"counts disagree", withSegments(jpg, two[0], app2Segment(2, 3, profile[10:])), nil, true},
		{"part 0", withSegments(jpg, app2Segment(0, 1, profile)), nil, true},
		{"part past the count", withSegments(jpg, app2Segment(2, 1, profile)), nil, true},
		{"no sequence numbers", withSegments(jpg, append([]byte{0xFF, 0xE2, 0, 14}, jpegProfileMarker...)), nil, true},
		{"segment past the end", append([]byte{0xFF, 0xD8}, app2Segment(1, 1, profile)[:100]...), nil, true},
		{"not a JPEG", profile, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := jpegProfile(tc.data)
			if (err != nil) != tc.wantErr || !bytes.Equal(got, tc.want) {
				t.Errorf("jpegProfile = %d bytes, %v; want %d bytes, error %v", len(got), err, len(tc.want), tc.wantErr)
			}
		})
	}
}

func TestPNGProfile(t *testing.T) {
	profile := testRGBProfile()
	good := iccpBody(profile)
	damaged := append([]byte{}, good...)
	damaged[len(damaged)-30] ^= 0xFF
	cases := []struct {
		name string
		body []byte
		ok   bool
	}{
		{"good", good, true},
		{"damaged zlib data", damaged, false},
		{"cut short", good[:len(good)-8], false},
		{"no name", good[len("scanner profile"):], false},
		{"no NUL", []byte("scanner profile"), false},
		{"compression method 1", setHeader(good, len("scanner profile\x00"), "\x01"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pngProfile(tc.body)
			if ok := err == nil && bytes.Equal(got, profile); ok != tc.ok {
				t.Errorf("pngProfile = %d bytes, %v; want ok=%v", len(got), err, tc.ok)
			}
		})
	}
}

// TestFixtureProfilesFound: the scans fixtures.WithProfile tags carry
// the profile where this package's readers find it, whole (a profile
// past one APP2 segment's 65,519 bytes is split and reassembled), and a
// second tagging replaces the first.
func TestFixtureProfilesFound(t *testing.T) {
	img := drawPage(64, 48, nil, true, false)
	ramp := make([]uint16, 70000) // a LUT-sized profile: three APP2 segments
	for i := range ramp {
		ramp[i] = uint16(i * 65535 / (len(ramp) - 1))
	}
	adobe := icc.AdobeRGBPrimaries()
	large := icc.Build(icc.Spec{Class: icc.ClassInput, Description: "large", Primaries: &adobe, ToneCurve: ramp})
	if len(large) <= 2*65519 {
		t.Fatalf("large profile of %d bytes fits in two APP2 segments", len(large))
	}
	read := map[string]func([]byte) []byte{
		"png": pngEmbeddedProfile,
		"jpeg": func(data []byte) []byte {
			p, err := jpegProfile(data)
			if err != nil {
				t.Errorf("jpegProfile: %v", err)
			}
			return p
		},
	}
	for format, enc := range map[string][]byte{"png": pngOf(t, img), "jpeg": jpegOf(t, img)} {
		for _, profile := range [][]byte{testRGBProfile(), large} {
			t.Run(fmt.Sprintf("%s, %d bytes", format, len(profile)), func(t *testing.T) {
				twice := tagged(t, tagged(t, enc, testGreyProfile()), profile)
				if got := read[format](twice); !bytes.Equal(got, profile) {
					t.Errorf("%s reader finds %d bytes, want the %d tagged last", format, len(got), len(profile))
				}
				if err := checkScanProfile(profile, 3); err != nil {
					t.Errorf("checkScanProfile: %v", err)
				}
			})
		}
	}
}

// renderPage is the first page of the PDF at path as pdftoppm shows it at
// 72 dpi.
func renderPage(t *testing.T, path string) image.Image {
	t.Helper()
	dir := t.TempDir()
	run(t, "pdftoppm", "-r", "72", "-png", "-singlefile", path, filepath.Join(dir, "page"))
	f, err := os.Open(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	page, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return page
}

var iccBasedRE = regexp.MustCompile(`/ICCBased (\d+) 0 R`)

// imageProfile returns the object number and decoded bytes of the ICC
// profile the image object imageObj names, or "" when it names none.
func imageProfile(t *testing.T, path, imageObj string) (string, []byte) {
	t.Helper()
	dict := run(t, "qpdf", "--show-object="+imageObj, path)
	m := iccBasedRE.FindStringSubmatch(dict)
	if m == nil {
		return "", nil
	}
	return m[1], []byte(run(t, "qpdf", "--show-object="+m[1], "--filtered-stream-data", path))
}

// scanSamples are the samples of a decoded PNG as its PDF image holds them:
// 8-bit RGB or grey, or palette indices at depth bits.
func scanSamples(t *testing.T, img image.Image, depth int) []byte {
	t.Helper()
	switch m := img.(type) {
	case *image.Paletted:
		return packIndices(m, depth)
	case *image.Gray:
		return m.Pix
	case *image.RGBA:
		var out []byte
		for i := 0; i < len(m.Pix); i += 4 {
			out = append(out, m.Pix[i:i+3]...)
		}
		return out
	}
	t.Fatalf("no samples for %T", img)
	return nil
}

// TestScanProfileKept writes scans that carry an ICC profile and checks
// that the image's colour space is that profile, written once per
// document, that the samples are the scan's, and that broken or unsuitable
// profiles leave the image in device colour. All files go through veraPDF.
func TestScanProfileKept(t *testing.T) {
	words := layoutWords(testLines, 20, 20, 10)
	rgb := drawPage(310, 439, words, true, true)
	grey := toGray(drawPage(310, 439, words, false, true))
	var pal color.Palette
	for i := range 200 {
		pal = append(pal, color.RGBA{uint8(i), uint8(255 - i), uint8(i / 2), 255})
	}
	palette := image.NewPaletted(rgb.Bounds(), pal)
	for i, v := range grey.Pix {
		palette.Pix[i] = uint8(int(v) * 200 / 256)
	}
	rgbProfile, greyProfile := testRGBProfile(), testGreyProfile()

	pngWith := func(img image.Image, profile []byte) []byte { return tagged(t, pngOf(t, img), profile) }
	jpegWith := func(img image.Image, profile []byte) []byte { return tagged(t, jpegOf(t, img), profile) }
	jpegSegments := func(img image.Image, segs ...[]byte) []byte { return withSegments(jpegOf(t, img), segs...) }
	damagedZlib := iccpBody(rgbProfile)
	damagedZlib[len(damagedZlib)-30] ^= 0xFF

	cases := []struct {
		name    string
		enc     []byte
		format  string
		profile []byte // the profile the image must name, nil for none
		color   string // pdfimages -list colour
	}{
		{"PNG RGB", pngWith(rgb, rgbProfile), "png", rgbProfile, "icc"},
		{"PNG grey", pngWith(grey, greyProfile), "png", greyProfile, "icc"},
		{"PNG palette", pngWith(palette, rgbProfile), "png", rgbProfile, "index"},
		{"JPEG RGB, one APP2", jpegWith(rgb, rgbProfile), "jpeg", rgbProfile, "icc"},
		{"JPEG RGB, two APP2", jpegSegments(rgb, splitProfile(rgbProfile, 2)...), "jpeg", rgbProfile, "icc"},
		{"JPEG grey", jpegWith(grey, greyProfile), "jpeg", greyProfile, "icc"},
		// Fallbacks: the image keeps device colour under the OutputIntent.
		{"PNG, truncated profile", pngWith(rgb, rgbProfile[:len(rgbProfile)-100]), "png", nil, "rgb"},
		{"PNG, damaged iCCP", withChunk(pngOf(t, rgb), "iCCP", damagedZlib), "png", nil, "rgb"},
		{"PNG RGB, grey profile", pngWith(rgb, greyProfile), "png", nil, "rgb"},
		{"PNG palette, grey profile", pngWith(palette, greyProfile), "png", nil, "index"},
		{"PNG RGB, CMYK profile", pngWith(rgb, setHeader(rgbProfile, 16, "CMYK")), "png", nil, "rgb"},
		{"JPEG RGB, incomplete APP2", jpegSegments(rgb, splitProfile(rgbProfile, 2)[1]), "jpeg", nil, "rgb"},
		{"JPEG grey, RGB profile", jpegWith(grey, rgbProfile), "jpeg", nil, "gray"},
		{"JPEG RGB, version 5", jpegWith(rgb, setHeader(rgbProfile, 8, "\x05")), "jpeg", nil, "rgb"},
	}
	// Every file is kept for one veraPDF run at the end, in a directory
	// that outlives the subtests.
	keepDir := t.TempDir()
	var files []string
	keep := func(t *testing.T, path string) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		kept := filepath.Join(keepDir, fmt.Sprintf("file-%02d.pdf", len(files)))
		if err := os.WriteFile(kept, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, kept)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var decoded image.Image
			if tc.format == "png" {
				var err error
				if decoded, err = png.Decode(bytes.NewReader(tc.enc)); err != nil {
					t.Fatal(err)
				}
			}
			path := writePDF(t, testInfo, Page{Image: decoded, Encoded: tc.enc, Format: tc.format, DPI: 75, Words: words})
			keep(t, path)
			rows := listImages(t, path)
			if len(rows) != 1 || rows[0][5] != tc.color {
				t.Fatalf("pdfimages -list: %v, want one %s image", rows, tc.color)
			}
			_, got := imageProfile(t, path, rows[0][10])
			if !bytes.Equal(got, tc.profile) {
				t.Fatalf("image names a profile of %d bytes, want the scan's %d bytes", len(got), len(tc.profile))
			}
			if tc.profile == nil {
				dict := run(t, "qpdf", "--show-object="+rows[0][10], path)
				if want := map[string]string{"rgb": "/DeviceRGB", "gray": "/DeviceGray", "index": "/Indexed /DeviceRGB"}[tc.color]; !strings.Contains(dict, want) {
					t.Errorf("image dictionary %s, want %s", dict, want)
				}
			}
			// The samples are the scan's own.
			if tc.format == "jpeg" {
				dir := t.TempDir()
				run(t, "pdfimages", "-all", path, dir+"/img")
				if got, err := os.ReadFile(dir + "/img-000.jpg"); err != nil || !bytes.Equal(got, tc.enc) {
					t.Errorf("extracted JPEG (%d bytes, %v) is not the scan's %d bytes", len(got), err, len(tc.enc))
				}
				return
			}
			samples := run(t, "qpdf", "--show-object="+rows[0][10], "--filtered-stream-data", path)
			if want := scanSamples(t, decoded, 8); samples != string(want) {
				t.Errorf("decoded samples (%d bytes) differ from the PNG's (%d bytes)", len(samples), len(want))
			}
		})
	}

	t.Run("one stream per profile", func(t *testing.T) {
		pages := []Page{
			{Encoded: pngWith(rgb, rgbProfile), Format: "png", DPI: 75, Words: words},
			{Encoded: jpegSegments(rgb, splitProfile(rgbProfile, 2)...), Format: "jpeg", DPI: 75, Words: words},
			{Encoded: pngWith(grey, greyProfile), Format: "png", DPI: 75, Words: words},
			{Encoded: pngWith(palette, rgbProfile), Format: "png", DPI: 75, Words: words},
		}
		path := writePDF(t, testInfo, pages...)
		keep(t, path)
		rows := listImages(t, path)
		if len(rows) != len(pages) {
			t.Fatalf("pdfimages -list: %d images, want %d", len(rows), len(pages))
		}
		var objs []string
		for _, r := range rows {
			obj, _ := imageProfile(t, path, r[10])
			objs = append(objs, obj)
		}
		if objs[0] == "" || objs[0] != objs[1] || objs[0] != objs[3] || objs[2] == "" || objs[2] == objs[0] {
			t.Errorf("profile objects by page %v: want one shared by pages 1, 2 and 4 and another for page 3", objs)
		}
	})

	t.Run("a reader applies the profile", func(t *testing.T) {
		// The red seal, read as Adobe RGB, is a more saturated red than
		// the same samples read as sRGB: poppler must show it so.
		seal := image.Pt(rgb.Bounds().Dx()/2+10, rgb.Bounds().Dy()/2+10)
		shown := func(enc []byte) color.RGBA {
			page := renderPage(t, writePDF(t, testInfo, Page{Encoded: enc, Format: "png", DPI: 72}))
			return color.RGBAModel.Convert(page.At(seal.X, seal.Y)).(color.RGBA)
		}
		sample := rgb.RGBAAt(seal.X, seal.Y)
		asSRGB, asAdobe := shown(pngOf(t, rgb)), shown(pngWith(rgb, rgbProfile))
		if d := int(asSRGB.R) - int(sample.R); d < -2 || d > 2 {
			t.Errorf("untagged seal shown as %v, want the samples %v", asSRGB, sample)
		}
		if int(asAdobe.R)-int(asSRGB.R) < 15 {
			t.Errorf("tagged seal shown as %v, untagged as %v: the Adobe RGB red should be clearly redder", asAdobe, asSRGB)
		}
	})

	t.Run("PDF/A-3u", func(t *testing.T) {
		info := testInfo
		info.Flavour = PDFA3U
		path := writePDF(t, info,
			Page{Encoded: pngWith(rgb, rgbProfile), Format: "png", DPI: 75, Words: words},
			Page{Encoded: jpegWith(grey, greyProfile), Format: "jpeg", DPI: 75, Words: words})
		launcher := oracles.Require(t, "SOHOA_VERAPDF", "")
		verdicts, err := oracles.VeraPDF(launcher, "3u", []string{path})
		if err != nil {
			t.Fatal(err)
		}
		if v := verdicts[path]; !v.Compliant {
			t.Errorf("veraPDF --flavour 3u: not compliant:\n%s", v.Report)
		}
	})

	t.Run("veraPDF 2u", func(t *testing.T) {
		launcher := oracles.Require(t, "SOHOA_VERAPDF", "")
		verdicts, err := oracles.VeraPDF(launcher, "2u", files)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if v := verdicts[f]; !v.Compliant {
				t.Errorf("%s: veraPDF --flavour 2u: not compliant:\n%s", f, v.Report)
			}
		}
	})
}

// TestScanProfileCost: a profile costs one stream per document; each page
// that names it costs only the longer colour-space reference. So for a
// profile embedded in passed-through data and for one the source declares
// for a re-encoded image.
func TestScanProfileCost(t *testing.T) {
	words := layoutWords(testLines, 20, 20, 10)
	rgb := drawPage(310, 439, words, true, true)
	profile := testRGBProfile()
	plain := pngOf(t, rgb)
	cases := []struct {
		name          string
		plain, tagged Page
	}{
		{"PNG iCCP", Page{Encoded: plain, Format: "png"}, Page{Encoded: tagged(t, plain, profile), Format: "png"}},
		{"re-encoded, Page.ICCProfile", Page{Image: rgb}, Page{Image: rgb, ICCProfile: profile}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			size := func(p Page, pages int) int64 {
				p.DPI, p.Words = 75, words
				ps := make([]Page, pages)
				for i := range ps {
					ps[i] = p
				}
				fi, err := os.Stat(writePDF(t, testInfo, ps...))
				if err != nil {
					t.Fatal(err)
				}
				return fi.Size()
			}
			extra1 := size(tc.tagged, 1) - size(tc.plain, 1)
			extra10 := size(tc.tagged, 10) - size(tc.plain, 10)
			perPage := float64(extra10-extra1) / 9
			t.Logf("profile of %d bytes: +%d bytes for 1 page, +%d for 10 pages (%.1f a page after the first)",
				len(profile), extra1, extra10, perPage)
			if extra1 <= 0 || extra1 > int64(len(profile))+200 {
				t.Errorf("one tagged page adds %d bytes, want the profile stream (≤ %d bytes)", extra1, len(profile)+200)
			}
			if perPage > 16 {
				t.Errorf("each further page adds %.1f bytes: the profile is not shared", perPage)
			}
		})
	}
}
