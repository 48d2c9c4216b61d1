package intake

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/sohoa/sohoa/internal/icc"
)

// profileBytes stands for an ICC profile of n bytes: intake hands the bytes
// on as found (the writer judges them), so only their identity matters.
func profileBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*31)
	}
	return b
}

func TestTIFFPageProfiles(t *testing.T) {
	rgbProfile, otherProfile := profileBytes(3144, 1), profileBytes(560, 7)
	huge := profileBytes(icc.MaxSourceProfile+1, 3)
	pattern := grayPattern(40, 30)
	cases := []struct {
		name  string
		pages []tiffPage
		want  [][]byte // by page
	}{
		{
			name: "profile per page",
			pages: []tiffPage{
				{img: pattern, dpi: 300, profile: rgbProfile},
				{img: pattern, dpi: 300},
				{img: grayPattern(4, 4), dpi: 72, thumbnail: true, profile: otherProfile},
				{img: pattern, dpi: 300, profile: otherProfile},
			},
			want: [][]byte{rgbProfile, nil, otherProfile},
		},
		{
			name:  "BYTE type",
			pages: []tiffPage{{img: pattern, profile: rgbProfile, profileType: typeByte}},
			want:  [][]byte{rgbProfile},
		},
		// A bad tag loses the profile, never the page.
		{
			name:  "runs past the end of the file",
			pages: []tiffPage{{img: pattern, profile: rgbProfile, profileCount: uint32(len(rgbProfile)) + 1<<20}},
			want:  [][]byte{nil},
		},
		{
			name:  "over 16 MiB",
			pages: []tiffPage{{img: pattern, profile: huge}, {img: pattern, profile: rgbProfile}},
			want:  [][]byte{nil, rgbProfile},
		},
		{
			name:  "SHORT type",
			pages: []tiffPage{{img: pattern, profile: rgbProfile, profileType: typeShort}},
			want:  [][]byte{nil},
		},
		{
			name:  "shorter than an ICC header",
			pages: []tiffPage{{img: pattern, profile: profileBytes(icc.HeaderSize-1, 5)}},
			want:  [][]byte{nil},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, filepath.Join(t.TempDir(), "scan.tif"), buildTIFF(tc.pages))
			pages, err := collectPages(t, path, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(pages) != len(tc.want) {
				t.Fatalf("%d pages, want %d", len(pages), len(tc.want))
			}
			for i, p := range pages {
				if !bytes.Equal(p.ICCProfile, tc.want[i]) || (p.ICCProfile == nil) != (tc.want[i] == nil) {
					t.Errorf("page %d: ICCProfile of %d bytes, want %d bytes", i+1, len(p.ICCProfile), len(tc.want[i]))
				}
				assertGrayPixels(t, p.Image, pattern)
			}
		})
	}
}

// iccImagePDF is a one-page PDF whose image XObject (object 5) has
// imageDict and data; object 6 is profile and object 7 holds extra, for a
// colour space given by reference.
func iccImagePDF(imageDict string, data []byte, profile pdfObj, extra string) []byte {
	return buildPDF(
		pdfObj{dict: "/Type /Catalog /Pages 2 0 R"},
		pdfObj{dict: "/Type /Pages /Kids [3 0 R] /Count 1"},
		pdfObj{dict: "/Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] /Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R"},
		pdfObj{stream: []byte("q 72 0 0 72 0 0 cm /Im0 Do Q")},
		pdfObj{dict: "/Type /XObject /Subtype /Image " + imageDict, stream: data},
		profile,
		pdfObj{raw: extra},
	)
}

func TestPDFImageProfile(t *testing.T) {
	profile := profileBytes(3144, 9)
	pattern := grayPattern(40, 30)
	jpegFile := jpegWithJFIF(t, pattern, 1, 200)
	rgbPixels := bytes.Repeat([]byte{200, 30, 40}, 40*30)
	flateRGB := func(space string) string {
		return fmt.Sprintf("/Width 40 /Height 30 /ColorSpace %s /BitsPerComponent 8 /Filter /FlateDecode", space)
	}
	flateProfile := pdfObj{dict: "/N 3 /Filter /FlateDecode", stream: zlibBytes(t, profile)}
	damaged := zlibBytes(t, profile)
	for i := 10; i < len(damaged)-4; i++ {
		damaged[i] ^= 0x5A
	}
	cases := []struct {
		name      string
		pdf       []byte
		want      []byte
		passJPEG  bool // the page passes the JPEG through
		wantColor bool // the decoded pixels are the RGB ones
	}{
		{
			name: "Flate image, Flate profile",
			pdf:  iccImagePDF(flateRGB("[/ICCBased 6 0 R]"), zlibBytes(t, rgbPixels), flateProfile, "null"),
			want: profile, wantColor: true,
		},
		{
			name: "colour space by reference",
			pdf:  iccImagePDF(flateRGB("7 0 R"), zlibBytes(t, rgbPixels), flateProfile, "[/ICCBased 6 0 R]"),
			want: profile, wantColor: true,
		},
		{
			name: "JPEG passed through, profile outside it",
			pdf: iccImagePDF("/Width 40 /Height 30 /ColorSpace [/ICCBased 6 0 R] /BitsPerComponent 8 /Filter /DCTDecode", jpegFile,
				pdfObj{dict: "/N 1", stream: profile}, "null"),
			want: profile, passJPEG: true,
		},
		{
			name: "Indexed over ICCBased",
			pdf: iccImagePDF("/Width 40 /Height 30 /ColorSpace [/Indexed [/ICCBased 6 0 R] 1 <C81E28 000000>] /BitsPerComponent 8",
				make([]byte, 40*30), flateProfile, "null"),
			want: profile, wantColor: true,
		},
		{
			name: "DeviceRGB",
			pdf:  iccImagePDF(flateRGB("/DeviceRGB"), zlibBytes(t, rgbPixels), flateProfile, "null"),
			want: nil, wantColor: true,
		},
		// A bad profile stream loses the profile, never the page.
		{
			name: "damaged profile stream",
			pdf:  iccImagePDF(flateRGB("[/ICCBased 6 0 R]"), zlibBytes(t, rgbPixels), pdfObj{dict: "/N 3 /Filter /FlateDecode", stream: damaged}, "null"),
			want: nil, wantColor: true,
		},
		{
			name: "profile inflating past 16 MiB",
			pdf: iccImagePDF(flateRGB("[/ICCBased 6 0 R]"), zlibBytes(t, rgbPixels),
				pdfObj{dict: "/N 3 /Filter /FlateDecode", stream: zlibBytes(t, make([]byte, icc.MaxSourceProfile+1))}, "null"),
			want: nil, wantColor: true,
		},
		{
			name: "profile shorter than an ICC header",
			pdf:  iccImagePDF(flateRGB("[/ICCBased 6 0 R]"), zlibBytes(t, rgbPixels), pdfObj{dict: "/N 3", stream: profile[:100]}, "null"),
			want: nil, wantColor: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, filepath.Join(t.TempDir(), "scan.pdf"), tc.pdf)
			pages, err := collectPages(t, path, Limits{})
			p := assertSinglePage(t, pages, err)
			if !bytes.Equal(p.ICCProfile, tc.want) || (p.ICCProfile == nil) != (tc.want == nil) {
				t.Errorf("ICCProfile of %d bytes, want %d bytes", len(p.ICCProfile), len(tc.want))
			}
			if passed := p.Format == "jpeg" && bytes.Equal(p.Encoded, jpegFile); passed != tc.passJPEG {
				t.Errorf("JPEG passed through: %v, want %v", passed, tc.passJPEG)
			}
			if tc.wantColor {
				if r, g, b, _ := p.Image.At(0, 0).RGBA(); r>>8 != 200 || g>>8 != 30 || b>>8 != 40 {
					t.Errorf("pixel (0,0) = %d %d %d, want 200 30 40", r>>8, g>>8, b>>8)
				}
			}
		})
	}
}
