package pdfa

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/tiff"

	"github.com/sohoa/sohoa/internal/icc"
	"github.com/sohoa/sohoa/internal/oracles"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pipeline/intake"
)

// veraPDFBatch collects files for one veraPDF run at the end of a test, in
// a directory that outlives the subtests.
type veraPDFBatch struct {
	dir   string
	files []string
}

func (b *veraPDFBatch) keep(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	kept := filepath.Join(b.dir, fmt.Sprintf("file-%02d.pdf", len(b.files)))
	if err := os.WriteFile(kept, data, 0o644); err != nil {
		t.Fatal(err)
	}
	b.files = append(b.files, kept)
}

func (b *veraPDFBatch) check(t *testing.T, flavour string) {
	launcher := oracles.Require(t, "SOHOA_VERAPDF", "")
	verdicts, err := oracles.VeraPDF(launcher, flavour, b.files)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range b.files {
		if v := verdicts[f]; !v.Compliant {
			t.Errorf("%s: veraPDF --flavour %s: not compliant:\n%s", f, flavour, v.Report)
		}
	}
}

// bilevelPage is a black-and-white page: only 0 and 255.
func bilevelPage(src *image.Gray) *image.Gray {
	out := image.NewGray(src.Rect)
	for i, v := range src.Pix {
		if v >= 128 {
			out.Pix[i] = 255
		}
	}
	return out
}

// TestSourceProfile checks the profile a source declares outside the
// image data (Page.ICCProfile, from a TIFF tag or a PDF's ICCBased space):
// kept for re-encoded images whose samples it describes, used by a
// pass-through image that carries none of its own, and dropped (device
// colour) when it does not fit the stored samples. All files go through
// veraPDF.
func TestSourceProfile(t *testing.T) {
	words := layoutWords(testLines, 20, 20, 10)
	rgb := drawPage(310, 439, words, true, true)
	grey := toGray(drawPage(310, 439, words, false, true))
	neutralRGB := drawPage(310, 439, words, false, true) // RGBA, but R=G=B everywhere
	bilevel := bilevelPage(grey)
	rgbProfile, greyProfile, otherRGB := testRGBProfile(), testGreyProfile(), icc.SRGB()
	greyJPEG, rgbJPEG := jpegOf(t, grey), jpegOf(t, rgb)
	rgb16 := image.NewRGBA64(rgb.Rect) // a PNG at 16 bits is not passed through
	draw.Draw(rgb16, rgb16.Rect, rgb, rgb.Rect.Min, draw.Src)
	translucent := image.NewNRGBA(rgb.Rect) // nor one with transparency
	draw.Draw(translucent, translucent.Rect, rgb, rgb.Rect.Min, draw.Src)
	translucent.Pix[3] = 128

	cases := []struct {
		name    string
		page    Page
		profile []byte // the profile the image must name, nil for none
		color   string // pdfimages -list colour
		bpc     string
		device  string // the colour space without a profile
	}{
		{"re-encoded RGB, RGB profile", Page{Image: rgb, ICCProfile: rgbProfile}, rgbProfile, "icc", "8", ""},
		{"re-encoded grey, grey profile", Page{Image: grey, ICCProfile: greyProfile}, greyProfile, "icc", "8", ""},
		{"re-encoded bilevel, grey profile", Page{Image: bilevel, ICCProfile: greyProfile}, greyProfile, "icc", "1", ""},
		{"pass-through JPEG, profile outside it", Page{Encoded: rgbJPEG, Format: "jpeg", ICCProfile: rgbProfile}, rgbProfile, "icc", "8", ""},
		{"pass-through grey JPEG, profile outside it", Page{Encoded: greyJPEG, Format: "jpeg", ICCProfile: greyProfile}, greyProfile, "icc", "8", ""},
		{"pass-through PNG, profile outside it", Page{Image: rgb, Encoded: pngOf(t, rgb), Format: "png", ICCProfile: rgbProfile}, rgbProfile, "icc", "8", ""},
		{"APP2 profile wins", Page{Encoded: tagged(t, rgbJPEG, rgbProfile), Format: "jpeg", ICCProfile: otherRGB}, rgbProfile, "icc", "8", ""},
		// A PNG that must be re-encoded keeps its own iCCP profile.
		{"re-encoded 16-bit PNG, its iCCP", Page{Image: rgb16, Encoded: tagged(t, pngOf(t, rgb16), rgbProfile), Format: "png", ICCProfile: otherRGB}, rgbProfile, "icc", "8", ""},
		{"re-encoded PNG with alpha, its iCCP", Page{Image: translucent, Encoded: tagged(t, pngOf(t, translucent), rgbProfile), Format: "png"}, rgbProfile, "icc", "8", ""},
		{"broken APP2, profile outside used", Page{Encoded: withSegments(rgbJPEG, splitProfile(rgbProfile, 2)[0]), Format: "jpeg", ICCProfile: otherRGB}, otherRGB, "icc", "8", ""},
		// Fallbacks to device colour.
		{"re-encoded neutral RGB, RGB profile", Page{Image: neutralRGB, ICCProfile: rgbProfile}, nil, "gray", "8", "/DeviceGray"},
		{"re-encoded bilevel, RGB profile", Page{Image: bilevel, ICCProfile: rgbProfile}, nil, "gray", "1", "/DeviceGray"},
		{"re-encoded RGB, grey profile", Page{Image: rgb, ICCProfile: greyProfile}, nil, "rgb", "8", "/DeviceRGB"},
		{"re-encoded RGB, truncated profile", Page{Image: rgb, ICCProfile: rgbProfile[:len(rgbProfile)-100]}, nil, "rgb", "8", "/DeviceRGB"},
		{"re-encoded RGB, CMYK profile", Page{Image: rgb, ICCProfile: setHeader(rgbProfile, 16, "CMYK")}, nil, "rgb", "8", "/DeviceRGB"},
		{"pass-through grey JPEG, RGB profile", Page{Encoded: greyJPEG, Format: "jpeg", ICCProfile: rgbProfile}, nil, "gray", "8", "/DeviceGray"},
	}
	batch := &veraPDFBatch{dir: t.TempDir()}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			page := tc.page
			page.DPI, page.Words = 75, words
			path := writePDF(t, testInfo, page)
			batch.keep(t, path)
			rows := listImages(t, path)
			if len(rows) != 1 || rows[0][5] != tc.color || rows[0][7] != tc.bpc {
				t.Fatalf("pdfimages -list: %v, want one %s image at %s bits", rows, tc.color, tc.bpc)
			}
			_, got := imageProfile(t, path, rows[0][10])
			if !bytes.Equal(got, tc.profile) {
				t.Fatalf("image names a profile of %d bytes, want %d bytes", len(got), len(tc.profile))
			}
			dict := run(t, "qpdf", "--show-object="+rows[0][10], path)
			if tc.device != "" && !strings.Contains(dict, "/ColorSpace "+tc.device) {
				t.Errorf("image dictionary %s, want %s", dict, tc.device)
			}
			if page.Image == nil || page.Encoded != nil {
				return // the JPEG's bytes themselves are checked in TestScanProfileKept
			}
			// A re-encoded image holds the page's samples as they were.
			samples := run(t, "qpdf", "--show-object="+rows[0][10], "--filtered-stream-data", path)
			var want []byte
			switch {
			case tc.bpc == "1":
				want = packedRows(bilevel)
			case tc.color == "gray":
				want = toGray(page.Image).Pix
			default:
				want = scanSamples(t, page.Image, 8)
			}
			if samples != string(want) {
				t.Errorf("decoded samples (%d bytes) differ from the page's (%d bytes)", len(samples), len(want))
			}
		})
	}

	t.Run("one stream per profile, whatever its source", func(t *testing.T) {
		path := writePDF(t, testInfo,
			Page{Image: rgb, ICCProfile: rgbProfile, DPI: 75, Words: words},
			Page{Encoded: tagged(t, pngOf(t, rgb), rgbProfile), Format: "png", DPI: 75, Words: words},
			Page{Encoded: rgbJPEG, Format: "jpeg", ICCProfile: rgbProfile, DPI: 75, Words: words})
		batch.keep(t, path)
		rows := listImages(t, path)
		var objs []string
		for _, r := range rows {
			obj, _ := imageProfile(t, path, r[10])
			objs = append(objs, obj)
		}
		if len(objs) != 3 || objs[0] == "" || objs[0] != objs[1] || objs[0] != objs[2] {
			t.Errorf("profile objects by page %v: want one shared by all three", objs)
		}
	})

	t.Run("through intake: TIFF tag, then the PDF read back", func(t *testing.T) {
		// A TIFF scan with an InterColorProfile tag goes through intake
		// into a PDF; that PDF, read back by intake as a scanned PDF, gives
		// the profile from its ICCBased space, and a second PDF keeps it.
		scan := tiffWithProfile(t, rgb, rgbProfile)
		tiffPath := filepath.Join(t.TempDir(), "scan.tif")
		if err := os.WriteFile(tiffPath, scan, 0o644); err != nil {
			t.Fatal(err)
		}
		first := digitize(t, tiffPath, words)
		second := digitize(t, first, words)
		for _, path := range []string{first, second} {
			batch.keep(t, path)
			rows := listImages(t, path)
			if len(rows) != 1 || rows[0][5] != "icc" {
				t.Fatalf("pdfimages -list: %v, want one icc image", rows)
			}
			if _, got := imageProfile(t, path, rows[0][10]); !bytes.Equal(got, rgbProfile) {
				t.Errorf("%s: image names a profile of %d bytes, want the TIFF's %d bytes", filepath.Base(path), len(got), len(rgbProfile))
			}
			samples := run(t, "qpdf", "--show-object="+rows[0][10], "--filtered-stream-data", path)
			if samples != string(scanSamples(t, rgb, 8)) {
				t.Errorf("%s: samples (%d bytes) are not the TIFF's", filepath.Base(path), len(samples))
			}
		}
	})

	t.Run("veraPDF 2u", func(t *testing.T) { batch.check(t, "2u") })
}

// digitize reads the document at path with intake and writes its pages to
// a PDF as the pipeline does (its Encoded, Format, DPI and ICCProfile).
func digitize(t *testing.T, path string, words []ocr.Word) string {
	t.Helper()
	var pages []Page
	doc := intake.Document{Name: filepath.Base(path), Path: path, Files: []string{path}}
	err := doc.Pages(context.Background(), intake.Limits{}, func(p intake.Page) error {
		pages = append(pages, Page{Image: p.Image, Encoded: p.Encoded, Format: p.Format, DPI: p.DPI, ICCProfile: p.ICCProfile, Words: words})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := writePDF(t, testInfo, pages...)
	// Each PDF in a directory of its own, under the name of its source.
	named := filepath.Join(t.TempDir(), filepath.Base(path)+".pdf")
	if err := os.Rename(out, named); err != nil {
		t.Fatal(err)
	}
	return named
}

// tiffWithProfile encodes img as a Deflate TIFF carrying profile in its
// InterColorProfile tag, as a scanner writes it.
func tiffWithProfile(t *testing.T, img image.Image, profile []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := tiff.Encode(&buf, img, &tiff.Options{Compression: tiff.Deflate}); err != nil {
		t.Fatal(err)
	}
	return tagged(t, buf.Bytes(), profile)
}

// packedRows packs a 0/255 grey image at 1 bit per pixel, rows padded to a
// byte, 1 white: a 1-bit DeviceGray or ICCBased image's samples.
func packedRows(img *image.Gray) []byte {
	w := img.Rect.Dx()
	var out []byte
	for y := range img.Rect.Dy() {
		row := make([]byte, (w+7)/8)
		for x, v := range img.Pix[y*img.Stride : y*img.Stride+w] {
			if v != 0 {
				row[x/8] |= 0x80 >> (x % 8)
			}
		}
		out = append(out, row...)
	}
	return out
}
