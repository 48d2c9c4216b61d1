package main

import (
	"bytes"
	"encoding/json"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "golang.org/x/image/tiff" // image.Decode of the TIFF scan

	"github.com/sohoa/sohoa/fixtures"
	"github.com/sohoa/sohoa/internal/oracles"
	"github.com/sohoa/sohoa/metadata"
)

// TestScannerProfileKept digitizes scans from a scanner that embeds its
// colour profile (PNG iCCP, JPEG APP2, TIFF InterColorProfile) and checks
// each PDF/A with poppler, qpdf and veraPDF: the page image's colour space
// is an ICCBased stream holding the scanner's profile byte for byte, and
// its samples are the scan's own. pdfimages -png would apply the profile,
// so the samples are compared as qpdf decodes the stream.
func TestScannerProfileKept(t *testing.T) {
	for _, tool := range []string{"pdfimages", "qpdf"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is required: run make test-deps", tool)
		}
	}
	dir := t.TempDir()
	docs := makeBatch(t, dir, 1300, cleanPairs(3)) // one JPEG, one PNG, one TIFF
	profile := fixtures.ScannerProfile()
	for _, d := range docs {
		if len(d.files) != 1 {
			t.Fatalf("%s: %d files, want a single-page scan", d.name, len(d.files))
		}
		if err := fixtures.EmbedProfile(d.files[0], profile); err != nil {
			t.Fatal(err)
		}
	}
	store := filepath.Join(dir, "store")
	if r := sohoa(t, "digitize", "--store", store, filepath.Join(dir, "scans")); r.code != 0 {
		t.Fatalf("digitize: exit %d\n%s", r.code, r.stderr)
	}
	var show batchView
	r := sohoa(t, "batch", "show", "scans", "--store", store, "--json")
	if err := json.Unmarshal([]byte(r.stdout), &show); err != nil || len(show.Documents) != len(docs) {
		t.Fatalf("batch show: %v %s", err, r.stdout)
	}
	byName := map[string]documentView{}
	for _, v := range show.Documents {
		byName[v.Name] = v
	}
	var pdfs []string
	for _, d := range docs {
		t.Run(string(d.Form), func(t *testing.T) {
			v := byName[d.name]
			if v.Status != metadata.StatusDigitized && v.Status != metadata.StatusNeedsReview {
				t.Fatalf("status %q (%s)", v.Status, v.Error)
			}
			var pdfKey string
			for _, o := range v.Objects {
				if o.Role == "pdf" {
					pdfKey = o.Key
				}
			}
			pdf := filepath.Join(dir, string(d.Form)+".pdf")
			if r := sohoa(t, "get", "--store", store, pdfKey, "-o", pdf); r.code != 0 {
				t.Fatalf("get %s: %s", pdfKey, r.stderr)
			}
			pdfs = append(pdfs, pdf)
			checkScannerProfile(t, pdf, d.files[0], d.Form, profile)
		})
	}
	t.Run("veraPDF", func(t *testing.T) {
		launcher := oracles.Require(t, "SOHOA_VERAPDF", "")
		if len(pdfs) != len(docs) {
			t.Fatalf("%d PDFs to check, want %d", len(pdfs), len(docs))
		}
		verdicts, err := oracles.VeraPDF(launcher, "2u", pdfs)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range pdfs {
			if v := verdicts[f]; !v.Compliant {
				t.Errorf("%s is not PDF/A-2u:\n%s", filepath.Base(f), v.Report)
			}
		}
	})
}

var iccBasedRef = regexp.MustCompile(`/ICCBased (\d+) 0 R`)

// checkScannerProfile checks the single page image of pdf against the
// tagged scan it was made from.
func checkScannerProfile(t *testing.T, pdf, scan string, form fixtures.Form, profile []byte) {
	t.Helper()
	tool := func(name string, args ...string) []byte {
		t.Helper()
		out, err := exec.Command(name, args...).Output()
		if err != nil {
			t.Fatalf("%s %v: %v", name, args, err)
		}
		return out
	}
	// pdfimages -list: page num type width height color comp bpc enc interp object ID …
	lines := strings.Split(strings.TrimSpace(string(tool("pdfimages", "-list", pdf))), "\n")
	if len(lines) != 3 {
		t.Fatalf("pdfimages -list: want one image:\n%s", strings.Join(lines, "\n"))
	}
	row := strings.Fields(lines[2])
	if row[5] != "icc" || row[6] != "3" || row[7] != "8" {
		t.Errorf("image is %s, %s components at %s bits; want icc, 3, 8", row[5], row[6], row[7])
	}
	obj := row[10]
	dict := tool("qpdf", "--show-object="+obj, pdf)
	m := iccBasedRef.FindSubmatch(dict)
	if m == nil {
		t.Fatalf("image %s has no ICCBased colour space: %s", obj, dict)
	}
	if got := tool("qpdf", "--show-object="+string(m[1]), "--filtered-stream-data", pdf); !bytes.Equal(got, profile) {
		t.Errorf("ICC stream %s holds %d bytes, not the scanner's %d-byte profile", m[1], len(got), len(profile))
	}

	in, err := os.ReadFile(scan)
	if err != nil {
		t.Fatal(err)
	}
	if form == fixtures.FormJPEG {
		// The JPEG is archived as it was scanned, APP2 segments and all.
		if got := tool("qpdf", "--show-object="+obj, "--raw-stream-data", pdf); !bytes.Equal(got, in) {
			t.Errorf("image stream (%d bytes) is not the scanned JPEG (%d bytes)", len(got), len(in))
		}
		return
	}
	img, _, err := image.Decode(bytes.NewReader(in))
	if err != nil {
		t.Fatalf("decode %s: %v", scan, err)
	}
	b := img.Bounds()
	want := make([]byte, 0, 3*b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			want = append(want, byte(r>>8), byte(g>>8), byte(bl>>8))
		}
	}
	if got := tool("qpdf", "--show-object="+obj, "--filtered-stream-data", pdf); !bytes.Equal(got, want) {
		t.Errorf("image samples (%d bytes) are not the %s scan's pixels (%d bytes)", len(got), form, len(want))
	}
}
