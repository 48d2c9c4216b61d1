package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa/fixtures"
	"github.com/sohoa/sohoa/internal/oracles"
	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/pipeline"
)

// The end-to-end tests run the real binary, as a user would, on generated
// scans with ground truth, with real Tesseract and poppler's pdftotext as
// an independent reader of the output.

var sohoaBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sohoa-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sohoaBin = filepath.Join(dir, "sohoa")
	if out, err := exec.Command("go", "build", "-o", sohoaBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build sohoa: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// generated is one fixture document laid into a batch folder.
type generated struct {
	fixtures.Document
	input string   // path in the batch folder
	name  string   // document name sohoa reports
	files []string // its files in page order
}

// makeBatch generates one document per (variant, form) pair into a single
// batch folder and returns them with their ground truth.
func makeBatch(t *testing.T, dir string, seed uint64, pairs [][2]string) []generated {
	t.Helper()
	batch := filepath.Join(dir, "scans")
	if err := os.MkdirAll(batch, 0o755); err != nil {
		t.Fatal(err)
	}
	var docs []generated
	for i, p := range pairs {
		out := filepath.Join(dir, "gen", fmt.Sprint(i))
		got, err := fixtures.Generate(context.Background(), fixtures.Options{
			N: 1, Seed: seed + uint64(i), OutDir: out,
			Variants: []fixtures.Variant{fixtures.Variant(p[0])}, Forms: []fixtures.Form{fixtures.Form(p[1])},
		})
		if err != nil {
			t.Fatalf("generate %v: %v", p, err)
		}
		d := got[0]
		base := fmt.Sprintf("%02d-%s-%s%s", i, p[0], p[1], filepath.Ext(d.AbsPath()))
		dst := filepath.Join(batch, base)
		if err := os.Rename(d.AbsPath(), dst); err != nil {
			t.Fatal(err)
		}
		files := []string{dst}
		if len(d.Files) > 1 || d.Form == fixtures.FormFolder {
			files = nil
			for _, f := range d.Files {
				files = append(files, filepath.Join(dst, filepath.Base(f)))
			}
		}
		docs = append(docs, generated{Document: d, input: dst, name: "scans/" + base, files: files})
	}
	return docs
}

// allPairs covers every variant and every input form in 24 documents.
func allPairs() [][2]string {
	var pairs [][2]string
	for i := 0; i < 24; i++ {
		v := fixtures.AllVariants[i%len(fixtures.AllVariants)]
		f := fixtures.AllForms[i%len(fixtures.AllForms)]
		pairs = append(pairs, [2]string{string(v), string(f)})
	}
	return pairs
}

type runResult struct {
	code           int
	stdout, stderr string
}

func sohoa(t *testing.T, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(sohoaBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run sohoa %v: %v", args, err)
	}
	return runResult{code, out.String(), errb.String()}
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func foldSpace(s string) string { return strings.Join(strings.Fields(s), "") }

func TestDigitizeEveryVariantAndForm(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext (poppler-utils) is required: run make test-deps")
	}
	dir := t.TempDir()
	docs := makeBatch(t, dir, 100, allPairs())
	bad, err := fixtures.WriteBadInputs(filepath.Join(dir, "bad"))
	if err != nil {
		t.Fatal(err)
	}
	// What each bad input's error must say, beyond naming the file.
	reasons := map[string]string{
		"corrupt.png": "corrupt", "truncated.tif": "truncated", "empty.jpg": "empty",
		"bomb.png": "too large", "password.pdf": "password", "notes.tif": "unsupported",
	}
	badByName := map[string]fixtures.BadInput{}
	for _, b := range bad {
		if reasons[b.Name] == "" {
			t.Fatalf("bad input %s has no expected reason in this test", b.Name)
		}
		dst := filepath.Join(dir, "scans", "bad-"+b.Name)
		if err := os.Rename(b.Path, dst); err != nil {
			t.Fatal(err)
		}
		b.Path = dst
		b.Keywords = []string{reasons[b.Name]}
		badByName["scans/bad-"+b.Name] = b
	}
	if len(badByName) != len(reasons) {
		t.Fatalf("bad inputs: got %d, want %d", len(badByName), len(reasons))
	}
	store := filepath.Join(dir, "store")

	res := sohoa(t, "digitize", "--store", store, "--json", filepath.Join(dir, "scans"))
	if res.code != 1 {
		t.Fatalf("exit status %d, want 1 (some inputs are bad)\nstderr:\n%s", res.code, res.stderr)
	}
	var sum pipeline.Summary
	if err := json.Unmarshal([]byte(res.stdout), &sum); err != nil {
		t.Fatalf("summary is not JSON: %v\n%s", err, res.stdout)
	}
	if sum.Documents != len(docs)+len(badByName) || sum.Failed != len(badByName) {
		t.Errorf("summary: %d documents, %d failed; want %d and %d", sum.Documents, sum.Failed, len(docs)+len(badByName), len(badByName))
	}
	outcome := map[string]pipeline.DocumentOutcome{}
	for _, r := range sum.Results {
		outcome[r.Name] = r
	}
	for name, b := range badByName {
		o := outcome[name]
		if o.Outcome != "failed" {
			t.Errorf("%s: outcome %q, want failed", name, o.Outcome)
			continue
		}
		if !strings.Contains(o.Error, filepath.Base(b.Path)) || !mentionsAny(o.Error, b.Keywords) {
			t.Errorf("%s: error %q should name the file and say one of %v", name, o.Error, b.Keywords)
		}
		if !strings.Contains(res.stderr, filepath.Base(b.Path)) {
			t.Errorf("%s: failure not reported on stderr:\n%s", name, res.stderr)
		}
	}

	var show batchView
	showRes := sohoa(t, "batch", "show", "scans", "--store", store, "--json")
	if showRes.code != 0 {
		t.Fatalf("batch show: exit %d: %s", showRes.code, showRes.stderr)
	}
	if err := json.Unmarshal([]byte(showRes.stdout), &show); err != nil {
		t.Fatal(err)
	}
	byName := map[string]documentView{}
	for _, d := range show.Documents {
		byName[d.Name] = d
	}
	pdfDir := filepath.Join(dir, "pdfs")
	os.MkdirAll(pdfDir, 0o755)
	for _, d := range docs {
		t.Run(filepath.Base(d.input), func(t *testing.T) {
			v, ok := byName[d.name]
			if !ok {
				t.Fatalf("not in batch show")
			}
			if v.Status != metadata.StatusDigitized && v.Status != metadata.StatusNeedsReview {
				t.Fatalf("status %q (%s)", v.Status, v.Error)
			}
			if v.Metadata == nil || v.Metadata.NumberOfPage != d.NumberOfPage {
				t.Errorf("metadata pages = %+v, want %d", v.Metadata, d.NumberOfPage)
			}
			// Originals are stored byte for byte.
			files := d.files
			var originals []string
			var pdfKey string
			for _, o := range v.Objects {
				switch o.Role {
				case "original":
					originals = append(originals, o.SHA256)
				case "pdf":
					pdfKey = o.Key
				}
			}
			if len(originals) != len(files) {
				t.Fatalf("%d originals stored, input has %d files", len(originals), len(files))
			}
			for i, f := range files {
				if originals[i] != sha256File(t, f) {
					t.Errorf("original %d: stored sha256 differs from %s", i, f)
				}
			}
			// The PDF copied out of the store holds the number in its text layer.
			pdf := filepath.Join(pdfDir, filepath.Base(d.input)+".pdf")
			if r := sohoa(t, "get", "--store", store, pdfKey, "-o", pdf); r.code != 0 {
				t.Fatalf("get %s: %s", pdfKey, r.stderr)
			}
			text, err := oracles.PDFText(pdf)
			if err != nil {
				t.Fatal(err)
			}
			want := d.CodeNumber + "/" + d.CodeNotation
			if d.HandwrittenNumber {
				want = "/" + d.CodeNotation // the number itself is handwritten
			}
			if !strings.Contains(foldSpace(string(text)), foldSpace(want)) {
				t.Errorf("pdftotext output lacks %q", want)
			}
			checkPDFA(t, store, v, pdf, string(text), d)
			// A value is right, or flagged: never silently wrong.
			md := v.Metadata
			for field, pair := range map[string][2]string{
				"codeNumber":   {md.CodeNumber, d.CodeNumber},
				"codeNotation": {md.CodeNotation, d.CodeNotation},
				"issuedDate":   {md.IssuedDate, d.IssuedDate},
			} {
				if pair[0] != pair[1] && !md.NeedsReview {
					t.Errorf("%s = %q, truth %q, and the document is not flagged for review", field, pair[0], pair[1])
				}
			}
		})
	}

	// Every output is PDF/A-2u in veraPDF's judgement.
	t.Run("veraPDF", func(t *testing.T) {
		launcher := oracles.Require(t, "SOHOA_VERAPDF", "")
		pdfs, _ := filepath.Glob(filepath.Join(pdfDir, "*.pdf"))
		if len(pdfs) != len(docs) {
			t.Fatalf("%d PDFs to check, want %d", len(pdfs), len(docs))
		}
		verdicts, err := oracles.VeraPDF(launcher, "2u", pdfs)
		if err != nil {
			t.Fatal(err)
		}
		for f, v := range verdicts {
			if !v.Compliant {
				t.Errorf("%s is not PDF/A-2u:\n%s", filepath.Base(f), v.Report)
			}
		}
	})

	// A second run finds everything done and loses nothing.
	res2 := sohoa(t, "digitize", "--store", store, "--json", filepath.Join(dir, "scans"))
	var sum2 pipeline.Summary
	if err := json.Unmarshal([]byte(res2.stdout), &sum2); err != nil {
		t.Fatalf("second run summary: %v", err)
	}
	if sum2.Skipped != len(docs) || sum2.Failed != len(badByName) || res2.code != 1 {
		t.Errorf("second run: skipped %d failed %d exit %d; want %d, %d, 1", sum2.Skipped, sum2.Failed, res2.code, len(docs), len(badByName))
	}
}

func mentionsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(strings.ToLower(s), strings.ToLower(w)) {
			return true
		}
	}
	return false
}

// TestKilledRunResumes kills `sohoa digitize` with SIGKILL at random moments
// and checks that re-runs complete the batch with every document stored
// exactly once and its originals intact.
func TestKilledRunResumes(t *testing.T) {
	dir := t.TempDir()
	pairs := [][2]string{{"clean", "jpeg"}, {"multipage", "folder"}, {"clean", "png"}, {"multipage", "tiff-multipage"}, {"dpi200", "pdf"}, {"clean", "tiff"}}
	docs := makeBatch(t, dir, 500, pairs)
	store := filepath.Join(dir, "store")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	t.Logf("kill seed: %d", time.Now().UnixNano())
	for kill := 0; kill < 4; kill++ {
		cmd := exec.Command(sohoaBin, "digitize", "--store", store, "--workers", "2", filepath.Join(dir, "scans"))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(200+rng.IntN(4000)) * time.Millisecond
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
			t.Logf("run %d finished before the kill at %v", kill, delay)
		case <-time.After(delay):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			t.Logf("run %d killed after %v", kill, delay)
		}
	}
	res := sohoa(t, "digitize", "--store", store, "--json", filepath.Join(dir, "scans"))
	if res.code != 0 {
		t.Fatalf("final run: exit %d\n%s", res.code, res.stderr)
	}
	var show batchView
	r := sohoa(t, "batch", "show", "scans", "--store", store, "--json")
	if err := json.Unmarshal([]byte(r.stdout), &show); err != nil {
		t.Fatal(err)
	}
	if len(show.Documents) != len(docs) {
		t.Fatalf("%d documents in the batch, want %d", len(show.Documents), len(docs))
	}
	seen := map[string]int{}
	for _, d := range show.Documents {
		seen[d.Name]++
	}
	for _, d := range docs {
		if seen[d.name] != 1 {
			t.Errorf("%s stored %d times, want once", d.name, seen[d.name])
		}
	}
	// Every stored object is named by a record, and its bytes match.
	byName := map[string]generated{}
	for _, d := range docs {
		byName[d.name] = d
	}
	named := map[string]string{}
	for _, d := range show.Documents {
		if d.Status != metadata.StatusDigitized && d.Status != metadata.StatusNeedsReview {
			t.Errorf("%s: status %s %s", d.Name, d.Status, d.Error)
		}
		for _, o := range d.Objects {
			named[o.Key] = o.SHA256
		}
		files := byName[d.Name].files
		if len(d.Inputs) != len(files) {
			t.Fatalf("%s: %d inputs recorded, want %d", d.Name, len(d.Inputs), len(files))
		}
		for i, f := range files {
			if d.Inputs[i].SHA256 != sha256File(t, f) {
				t.Errorf("%s: input %d hash differs", d.Name, i)
			}
		}
	}
	filepath.WalkDir(filepath.Join(store, "batches"), func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		key, _ := filepath.Rel(store, p)
		key = filepath.ToSlash(key)
		if strings.HasSuffix(key, "/record.json") || strings.HasSuffix(key, "/batch.json") || strings.HasSuffix(key, "/index-state.json") {
			return nil
		}
		want, ok := named[key]
		if !ok {
			t.Errorf("stray object %s not named by any record", key)
		} else if got := sha256File(t, p); got != want {
			t.Errorf("%s: sha256 %s, record says %s", key, got, want)
		}
		return nil
	})
}

// TestPDFA3EmbedsMetadata digitizes with --pdfa 3u: the PDF/A-3u carries
// metadata.json as an associated file, byte for byte the stored one.
func TestPDFA3EmbedsMetadata(t *testing.T) {
	dir := t.TempDir()
	docs := makeBatch(t, dir, 900, [][2]string{{"clean", "jpeg"}})
	store := filepath.Join(dir, "store")
	if r := sohoa(t, "digitize", "--pdfa", "3u", "--store", store, filepath.Join(dir, "scans")); r.code != 0 {
		t.Fatalf("digitize: exit %d\n%s", r.code, r.stderr)
	} else if strings.Contains(r.stderr, "warning") {
		t.Errorf("a complete installation gave a warning:\n%s", r.stderr)
	}
	var show batchView
	r := sohoa(t, "batch", "show", "scans", "--store", store, "--json")
	if err := json.Unmarshal([]byte(r.stdout), &show); err != nil || len(show.Documents) != len(docs) {
		t.Fatalf("batch show: %v %s", err, r.stdout)
	}
	var pdfKey, mdKey string
	for _, o := range show.Documents[0].Objects {
		switch o.Role {
		case "pdf":
			pdfKey = o.Key
		case "metadata":
			mdKey = o.Key
		}
	}
	pdf, md := filepath.Join(dir, "out.pdf"), filepath.Join(dir, "metadata.json")
	sohoa(t, "get", "--store", store, pdfKey, "-o", pdf)
	sohoa(t, "get", "--store", store, mdKey, "-o", md)
	attached := filepath.Join(dir, "attached.json")
	if out, err := exec.Command("pdfdetach", "-savefile", "metadata.json", "-o", attached, pdf).CombinedOutput(); err != nil {
		t.Fatalf("pdfdetach: %v\n%s", err, out)
	}
	want, _ := os.ReadFile(md)
	got, _ := os.ReadFile(attached)
	if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(got)) {
		t.Errorf("attached metadata.json differs from the stored one:\n%s\nvs\n%s", got, want)
	}
	launcher := oracles.Require(t, "SOHOA_VERAPDF", "")
	verdicts, err := oracles.VeraPDF(launcher, "3u", []string{pdf})
	if err != nil {
		t.Fatal(err)
	}
	if v := verdicts[pdf]; !v.Compliant {
		t.Errorf("not PDF/A-3u:\n%s", v.Report)
	}
}

// TestMissingDigitModelIsSaid runs digitize on a Tesseract installation
// without the digit model: the batch still completes, the warning is said
// once, before the work, and the handwritten number is left for review.
func TestMissingDigitModelIsSaid(t *testing.T) {
	dir := t.TempDir()
	docs := makeBatch(t, dir, 910, [][2]string{{"handwritten-number", "jpeg"}, {"clean", "png"}})
	tessdata := filepath.Join(dir, "tessdata")
	os.MkdirAll(tessdata, 0o755)
	for _, model := range []string{"vie", "osd"} {
		installed, _ := filepath.Glob("/usr/share/tesseract-ocr/*/tessdata/" + model + ".traineddata")
		if len(installed) == 0 {
			t.Fatalf("%s.traineddata not installed: run scripts/install-deps.sh", model)
		}
		if err := os.Symlink(installed[0], filepath.Join(tessdata, model+".traineddata")); err != nil {
			t.Fatal(err)
		}
	}
	store := filepath.Join(dir, "store")
	r := sohoaWith(t, []string{"TESSDATA_PREFIX=" + tessdata}, "digitize", "--workers", "2", "--store", store, filepath.Join(dir, "scans"))
	if r.code != 0 {
		t.Fatalf("digitize without the digit model: exit %d\n%s", r.code, r.stderr)
	}
	if n := strings.Count(r.stderr, "tesseract-ocr-eng"); n != 1 {
		t.Errorf("the missing model is said %d times, want once:\n%s", n, r.stderr)
	}
	var show batchView
	if err := json.Unmarshal([]byte(sohoa(t, "batch", "show", "scans", "--store", store, "--json").stdout), &show); err != nil {
		t.Fatal(err)
	}
	for _, v := range show.Documents {
		if v.Name != docs[0].name {
			continue
		}
		if v.Metadata == nil || !v.Metadata.NeedsReview || !mentionsAny(strings.Join(v.Metadata.ReviewReasons, "\n"), []string{"codeNumber"}) {
			t.Errorf("handwritten number not left for review: %+v", v.Metadata)
		}
		return
	}
	t.Errorf("%s not in batch show", docs[0].name)
}

// TestRegisterReviewExport follows a batch from the register through staff
// review to the archive package, as archive staff would.
func TestRegisterReviewExport(t *testing.T) {
	dir := t.TempDir()
	docs := makeBatch(t, dir, 1200, [][2]string{{"clean", "jpeg"}, {"handwritten-number", "png"}})
	clean, handwritten := docs[0], docs[1]
	register := filepath.Join(dir, "register.csv")
	csvText := "file,fileCode,codeNumber,codeNotation\n" +
		filepath.Base(clean.input) + ",HS-2024-01,,\n" +
		filepath.Base(handwritten.input) + ",HS-2024-01," + handwritten.CodeNumber + "," + handwritten.CodeNotation + "\n"
	if err := os.WriteFile(register, []byte(csvText), 0o644); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "store")
	if r := sohoa(t, "digitize", "--register", register, "--store", store, filepath.Join(dir, "scans")); r.code != 0 {
		t.Fatalf("digitize: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	show := func() map[string]documentView {
		var v batchView
		r := sohoa(t, "batch", "show", "scans", "--store", store, "--json")
		if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
			t.Fatal(err)
		}
		m := map[string]documentView{}
		for _, d := range v.Documents {
			m[d.Name] = d
		}
		return m
	}
	// A second run with the same register finds both documents done: it
	// says their rows were not applied, and does not call them unmatched.
	if r := sohoa(t, "digitize", "--register", register, "--store", store, filepath.Join(dir, "scans")); r.code != 0 {
		t.Fatalf("digitize again: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	} else if strings.Count(r.stdout, "register row not applied") != 2 || strings.Contains(r.stdout, "matched no document") {
		t.Errorf("second run with the register:\n%s", r.stdout)
	}
	before := show()
	hw := before[handwritten.name].Metadata
	if hw.CodeNumber != handwritten.CodeNumber || hw.FileCode != "HS-2024-01" || hw.Source.Register == "" {
		t.Errorf("register not applied to the handwritten number: codeNumber %q fileCode %q register %q", hw.CodeNumber, hw.FileCode, hw.Source.Register)
	}

	// Staff export the sheet, correct a subject and accept every flagged document.
	sheet := filepath.Join(dir, "review.csv")
	if r := sohoa(t, "review", "scans", "--export", sheet, "--store", store); r.code != 0 {
		t.Fatalf("review export: %s", r.stderr)
	}
	raw, _ := os.ReadFile(sheet)
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff")))).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("review sheet: %v, %d rows", err, len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	const newSubject = "Về việc sửa trích yếu sau kiểm tra"
	for _, row := range rows[1:] {
		row[col["accept"]] = "yes"
		if row[col["name"]] == clean.name {
			row[col["subject"]] = newSubject
		}
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.WriteAll(rows)
	os.WriteFile(sheet, buf.Bytes(), 0o644)
	if r := sohoa(t, "review", "scans", "--import", sheet, "--user", "nguyen.thi.b", "--store", store); r.code != 0 {
		t.Fatalf("review import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	after := show()
	for _, d := range after {
		if d.Metadata.NeedsReview || d.Status != "digitized" {
			t.Errorf("%s: still flagged after acceptance (%s)", d.Name, d.Status)
		}
	}
	c := after[clean.name]
	if c.Metadata.Subject != newSubject {
		t.Errorf("subject = %q, want the correction", c.Metadata.Subject)
	}
	last := c.Events[len(c.Events)-1]
	if last.Action != "review" || last.Actor != "nguyen.thi.b" {
		t.Errorf("last event %+v, want a review by nguyen.thi.b", last)
	}
	logs, _ := filepath.Glob(filepath.Join(store, "batches", "scans", "docs", c.DocID, "review", "*.json"))
	if len(logs) != 1 {
		t.Fatalf("%d review logs, want 1", len(logs))
	}
	logText, _ := os.ReadFile(logs[0])
	if !strings.Contains(string(logText), newSubject) || !strings.Contains(string(logText), "nguyen.thi.b") {
		t.Errorf("review log lacks the change or who made it:\n%s", logText)
	}

	// The index follows the review: the corrected subject is searchable,
	// without diacritics too, and survives a rebuild from the objects alone.
	cache := filepath.Join(dir, "index.db")
	search := func(args ...string) []map[string]any {
		t.Helper()
		r := sohoa(t, append([]string{"search", "--store", store, "--cache", cache, "--json"}, args...)...)
		if r.code != 0 {
			t.Fatalf("search %v: exit %d\n%s", args, r.code, r.stderr)
		}
		var hits []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &hits); err != nil {
			t.Fatalf("search %v: %v\n%s", args, err, r.stdout)
		}
		return hits
	}
	for _, q := range [][]string{{"sua", "trich", "yeu"}, {"sửa", "trích"}, {"--number", handwritten.CodeNumber}} {
		hits := search(q...)
		if len(hits) != 1 {
			t.Errorf("search %v: %d hits, want 1", q, len(hits))
		}
	}
	if hits := search("--status", "digitized", "--batch", "scans"); len(hits) != 2 {
		t.Errorf("search by status: %d hits, want 2", len(hits))
	}
	os.RemoveAll(filepath.Join(store, "index"))
	os.Remove(cache)
	if r := sohoa(t, "index", "rebuild", "--store", store); r.code != 0 || !strings.Contains(r.stdout, "2 document(s)") {
		t.Fatalf("index rebuild: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if hits := search("sua", "trich", "yeu"); len(hits) != 1 || hits[0]["docId"] != c.DocID {
		t.Errorf("after rebuild: %v", hits)
	}

	// Both documents share fileCode HS-2024-01: one E-ARK package.
	out := filepath.Join(dir, "export")
	if r := sohoa(t, "export", "scans", "--format", "eark", out, "--store", store); r.code != 0 {
		t.Fatalf("export: %s", r.stderr)
	}
	zr, err := zip.OpenReader(filepath.Join(out, "HS-2024-01.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var mets, pdfs int
	for _, f := range zr.File {
		switch {
		case strings.HasSuffix(f.Name, "/METS.xml") && strings.Count(f.Name, "/") == 1:
			mets++
		case strings.HasSuffix(f.Name, ".pdf"):
			pdfs++
		}
	}
	if mets != 1 || pdfs != 2 {
		t.Errorf("package has %d root METS and %d PDFs, want 1 and 2", mets, pdfs)
	}
}

// checkPDFA judges one output PDF with poppler and qpdf: the text layer
// gives back exactly the OCR words, the font is embedded with a ToUnicode
// map, the file is structurally clean, the page images are the scan's own
// pixels (JPEG bytes passed through, or identical pixels) whatever the
// orientation or skew correction, and each page shows its image with the
// correction recorded in metadata.json.
func checkPDFA(t *testing.T, store string, v documentView, pdf, text string, d generated) {
	t.Helper()
	for _, o := range v.Objects {
		if o.Role != "text" {
			continue
		}
		ocrText, err := os.ReadFile(filepath.Join(store, filepath.FromSlash(o.Key)))
		if err != nil {
			t.Fatal(err)
		}
		// The same words, each as often: pdftotext applies its own column
		// analysis, so the order of header columns may differ.
		got, want := strings.Fields(norm.NFC.String(text)), strings.Fields(string(ocrText))
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("pdftotext words differ from the OCR words (%d vs %d words)", len(got), len(want))
		}
	}
	if out, err := exec.Command("qpdf", "--check", pdf).CombinedOutput(); err != nil {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}
	fonts, _ := exec.Command("pdffonts", pdf).Output()
	lines := strings.Split(strings.TrimSpace(string(fonts)), "\n")
	if len(lines) < 3 {
		t.Errorf("pdffonts lists no font:\n%s", fonts)
	}
	for _, l := range lines[min(2, len(lines)):] {
		if f := strings.Fields(l); len(f) < 4 || f[len(f)-5] != "yes" || f[len(f)-3] != "yes" {
			t.Errorf("font not embedded with ToUnicode: %s", l)
		}
	}
	if v.Metadata == nil || v.Metadata.OCR == nil {
		t.Fatal("metadata.json has no OCR page information")
	}
	checkImageMatrices(t, pdf, v.Metadata.OCR.Pages)
	if len(d.files) != 1 {
		return
	}
	in, _ := os.ReadFile(d.files[0])
	dir := t.TempDir()
	switch d.Form {
	case fixtures.FormJPEG:
		if out, err := exec.Command("pdfimages", "-all", pdf, filepath.Join(dir, "img")).CombinedOutput(); err != nil {
			t.Fatalf("pdfimages: %v\n%s", err, out)
		}
		got, _ := os.ReadFile(filepath.Join(dir, "img-000.jpg"))
		if !bytes.Equal(got, in) {
			t.Errorf("the JPEG scan was not passed through byte for byte (%d vs %d bytes)", len(got), len(in))
		}
	case fixtures.FormPNG:
		if out, err := exec.Command("pdfimages", "-png", pdf, filepath.Join(dir, "img")).CombinedOutput(); err != nil {
			t.Fatalf("pdfimages: %v\n%s", err, out)
		}
		samePixels(t, d.files[0], filepath.Join(dir, "img-000.png"))
	default:
		return
	}
	// The scan's own compressed data is stored: the PDF is hardly larger.
	if st, _ := os.Stat(pdf); float64(st.Size()) > 1.1*float64(len(in)) {
		t.Errorf("PDF is %d bytes for a %d-byte %s scan: more than 10%% overhead", st.Size(), len(in), d.Form)
	}
}

// imageCM finds, in the uncompressed content streams of a PDF, the matrix
// each page draws its image with.
var imageCM = regexp.MustCompile(`q\s+(\S+) (\S+) (\S+) (\S+) (\S+) (\S+) cm\s+/Im0 Do`)

// checkImageMatrices checks that every page draws its (stored, uncorrected)
// image turned by the rotation and skew recorded for it: the image's x axis
// turned clockwise by rotation − skew degrees, at the page's resolution,
// its centre on the page's centre, and the page the size of the turned
// image.
func checkImageMatrices(t *testing.T, pdf string, pages []metadata.PageInfo) {
	t.Helper()
	qdf := filepath.Join(t.TempDir(), "qdf.pdf")
	if out, err := exec.Command("qpdf", "--qdf", "--object-streams=disable", pdf, qdf).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --qdf: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(qdf)
	if err != nil {
		t.Fatal(err)
	}
	cms := imageCM.FindAllStringSubmatch(string(raw), -1)
	list, err := exec.Command("pdfimages", "-list", pdf).Output()
	if err != nil {
		t.Fatalf("pdfimages -list: %v", err)
	}
	rows := strings.Split(strings.TrimSpace(string(list)), "\n")[2:]
	info, err := exec.Command("pdfinfo", "-f", "1", "-l", fmt.Sprint(len(pages)), pdf).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	sizes := regexp.MustCompile(`Page +\d+ size: +([\d.]+) x ([\d.]+) pts`).FindAllStringSubmatch(string(info), -1)
	if len(cms) != len(pages) || len(rows) != len(pages) || len(sizes) != len(pages) {
		t.Fatalf("%d image matrices, %d images, %d page sizes for %d pages", len(cms), len(rows), len(sizes), len(pages))
	}
	for i, p := range pages {
		var m [6]float64
		for k := range m {
			m[k], _ = strconv.ParseFloat(cms[i][k+1], 64)
		}
		f := strings.Fields(rows[i])
		w, _ := strconv.ParseFloat(f[3], 64)
		h, _ := strconv.ParseFloat(f[4], 64)
		pageW, _ := strconv.ParseFloat(sizes[i][1], 64)
		pageH, _ := strconv.ParseFloat(sizes[i][2], 64)
		scale := 72 / float64(p.DPI)
		turnedW, turnedH := w, h
		if p.Rotation == 90 || p.Rotation == 270 {
			turnedW, turnedH = h, w
		}
		angle := math.Atan2(-m[1], m[0]) * 180 / math.Pi
		diff := math.Mod(angle-(float64(p.Rotation)-p.SkewDegrees)+540, 360) - 180
		near := func(got, want float64) bool { return math.Abs(got-want) <= 0.01*want+0.01 }
		switch {
		case math.Abs(diff) > 0.01:
			t.Errorf("page %d: image turned %.3f°, want rotation %d − skew %.3f", i+1, angle, p.Rotation, p.SkewDegrees)
		case !near(math.Hypot(m[0], m[1]), w*scale) || !near(math.Hypot(m[2], m[3]), h*scale):
			t.Errorf("page %d: image drawn %.1f × %.1f pt, want %.1f × %.1f at %d dpi", i+1, math.Hypot(m[0], m[1]), math.Hypot(m[2], m[3]), w*scale, h*scale, p.DPI)
		case !near(pageW, turnedW*scale) || !near(pageH, turnedH*scale):
			t.Errorf("page %d: page %v × %v pt, want the turned image's %.1f × %.1f", i+1, pageW, pageH, turnedW*scale, turnedH*scale)
		case math.Abs(m[4]+(m[0]+m[2])/2-pageW/2) > 0.5 || math.Abs(m[5]+(m[1]+m[3])/2-pageH/2) > 0.5:
			t.Errorf("page %d: image centre not on the page centre (cm %v, page %v × %v)", i+1, m, pageW, pageH)
		}
	}
}

// samePixels fails unless two image files hold the same pixels.
func samePixels(t *testing.T, a, b string) {
	t.Helper()
	decode := func(p string) image.Image {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, _, err := image.Decode(f)
		if err != nil {
			t.Fatalf("decode %s: %v", p, err)
		}
		return img
	}
	ia, ib := decode(a), decode(b)
	if ia.Bounds().Size() != ib.Bounds().Size() {
		t.Fatalf("page image size %v, scan %v", ib.Bounds().Size(), ia.Bounds().Size())
	}
	r := ia.Bounds()
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			r1, g1, b1, _ := ia.At(r.Min.X+x, r.Min.Y+y).RGBA()
			r2, g2, b2, _ := ib.At(ib.Bounds().Min.X+x, ib.Bounds().Min.Y+y).RGBA()
			if r1>>8 != r2>>8 || g1>>8 != g2>>8 || b1>>8 != b2>>8 {
				t.Fatalf("page image differs from the scan at (%d,%d)", x, y)
			}
		}
	}
}
