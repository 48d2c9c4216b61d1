package signer

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pipeline/pdfa"
	"github.com/sohoa/sohoa/signer/signertest"
)

// The test PKI is shared by the tests of the package: RSA key generation
// is the slow part.
var (
	pkiOnce sync.Once
	testPKI *signertest.PKI
	pkiErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if testPKI != nil {
		testPKI.Close()
	}
	os.Exit(code)
}

func sharedPKI(t testing.TB) *signertest.PKI {
	t.Helper()
	pkiOnce.Do(func() { testPKI, pkiErr = signertest.New("127.0.0.1:0") })
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return testPKI
}

var ict = time.FixedZone("ICT", 7*3600)

// testPDF makes a typical one-page PDF/A-2u: an A4 greyscale scan at
// 150 dpi with a text layer. With xrefStream its cross-reference table is
// turned into an xref stream.
func testPDF(t testing.TB, xrefStream bool) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 1240, 1754))
	for i := range img.Pix {
		img.Pix[i] = 0xF0
	}
	for y := 200; y < 1500; y += 60 { // some "text lines"
		for x := 150; x < 1100; x++ {
			for dy := 0; dy < 18; dy++ {
				if (x/40)%3 != 0 {
					img.SetGray(x, y+dy, color.Gray{Y: 0x30})
				}
			}
		}
	}
	var buf bytes.Buffer
	w, err := pdfa.NewWriter(&buf, pdfa.Info{
		Title: "Quyết định số 12/QĐ-UBND", Author: "UBND xã Tân Phú", Language: "vi",
		Created: time.Date(2025, 3, 15, 9, 30, 0, 0, ict), Producer: "sohoa test",
	})
	if err != nil {
		t.Fatal(err)
	}
	words := []ocr.Word{
		{Text: "Quyết", Box: image.Rect(150, 200, 300, 218), Confidence: 0.9},
		{Text: "định", Box: image.Rect(320, 200, 420, 218), Confidence: 0.9},
	}
	if err := w.AddPage(pdfa.Page{Image: img, DPI: 150, Words: words}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !xrefStream {
		return buf.Bytes()
	}
	out, err := toXRefStream(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// toXRefStream replaces the classic xref table and trailer of a
// single-revision PDF with an equivalent xref stream.
func toXRefStream(pdf []byte) ([]byte, error) {
	start := bytes.LastIndex(pdf, []byte("\nxref"))
	tr := bytes.LastIndex(pdf, []byte("trailer"))
	if start < 0 || tr < start {
		return nil, fmt.Errorf("no xref table")
	}
	start++
	lines := strings.Split(strings.ReplaceAll(string(pdf[start:tr]), "\r", ""), "\n")
	offsets := map[int]int64{}
	size := 0
	for i := 1; i < len(lines); {
		f := strings.Fields(lines[i])
		if len(f) != 2 {
			i++
			continue
		}
		first, _ := strconv.Atoi(f[0])
		n, _ := strconv.Atoi(f[1])
		for k := 0; k < n; k++ {
			e := strings.Fields(lines[i+1+k])
			if e[2] == "n" {
				off, _ := strconv.ParseInt(e[0], 10, 64)
				offsets[first+k] = off
			}
		}
		size = max(size, first+n)
		i += n + 1
	}
	trailer := pdf[tr:]
	dict := regexp.MustCompile(`(?s)<<(.*)>>`).FindSubmatch(trailer)
	if dict == nil {
		return nil, fmt.Errorf("no trailer dictionary")
	}
	body := regexp.MustCompile(`/Size \d+`).ReplaceAllString(string(dict[1]), "")
	self := size
	var data []byte
	for n := 0; n <= self; n++ {
		off, ok := offsets[n]
		if n == self {
			off, ok = int64(start), true
		}
		if !ok {
			data = append(data, 0, 0, 0, 0, 0xFF, 0xFF)
			continue
		}
		data = append(data, 1, byte(off>>24), byte(off>>16), byte(off>>8), byte(off), 0)
	}
	var out bytes.Buffer
	out.Write(pdf[:start])
	fmt.Fprintf(&out, "%d 0 obj\n<</Type /XRef /Size %d /W [1 4 1] %s /Length %d>>\nstream\n", self, self+1, body, len(data))
	out.Write(data)
	fmt.Fprintf(&out, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", start)
	return out.Bytes(), nil
}

// signBytes signs pdf and returns the signed file.
func signBytes(t testing.TB, pdf []byte, key Key, opts Options) ([]byte, *Result) {
	t.Helper()
	var out bytes.Buffer
	res, err := Sign(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), &out, key, opts)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if !bytes.HasPrefix(out.Bytes(), pdf) {
		t.Fatal("the signed file does not start with the input bytes unchanged")
	}
	return out.Bytes(), res
}

// writeTemp writes data into the test's temporary folder.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tool finds an external validator from the environment variable env; it
// skips the test when unset, unless CI=true, where that is a failure.
func tool(t testing.TB, env string) string {
	t.Helper()
	p := os.Getenv(env)
	if p == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set (CI=true needs it)", env)
		}
		t.Skipf("%s not set", env)
	}
	return p
}

func run(t testing.TB, name string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}
