package pdfa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/validate"
)

// testReviewed is when staff corrected the test documents.
var testReviewed = time.Date(2025, 3, 17, 14, 5, 9, 0, time.FixedZone("ICT", 7*3600))

var subjectRE = regexp.MustCompile(`"subject": "(?:[^"\\]|\\.)*"`)

// reviewedJSON returns metadata.json as corrected in review: a new subject,
// no longer in need of review.
func reviewedJSON(t testing.TB, js []byte, subject string) []byte {
	t.Helper()
	quoted, err := json.Marshal(subject)
	if err != nil {
		t.Fatal(err)
	}
	out := subjectRE.ReplaceAllLiteral(js, append([]byte(`"subject": `), quoted...))
	out = bytes.Replace(out, []byte(`"needsReview": true`), []byte(`"needsReview": false`), 1)
	if bytes.Equal(out, js) || !json.Valid(out) {
		t.Fatal("reviewedJSON changed nothing or broke the JSON")
	}
	return out
}

// updateFile applies UpdateMetadata to the file at path and writes the
// result to a new file, whose path it returns.
func updateFile(t *testing.T, path string, info Info, attach *Attachment) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := UpdateMetadata(bytes.NewReader(data), int64(len(data)), &out, info, attach); err != nil {
		t.Fatalf("UpdateMetadata: %v", err)
	}
	updated := filepath.Join(t.TempDir(), "updated.pdf")
	if err := os.WriteFile(updated, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return updated
}

// trailerInfo is what a revision's trailer says, read with regular
// expressions rather than the package's own parser.
type trailerInfo struct {
	startxref int64 // of this revision
	prev      int64 // -1 without /Prev
	id        [2]string
	size      int
}

var trailerRE = regexp.MustCompile(`trailer\n<<([^\n]*)>>\nstartxref\n(\d+)\n%%EOF\n`)

func trailersOf(t *testing.T, data []byte) []trailerInfo {
	t.Helper()
	var out []trailerInfo
	for _, m := range trailerRE.FindAllSubmatch(data, -1) {
		ti := trailerInfo{prev: -1}
		ti.startxref, _ = strconv.ParseInt(string(m[2]), 10, 64)
		body := string(m[1])
		if p := regexp.MustCompile(`/Prev (\d+)`).FindStringSubmatch(body); p != nil {
			ti.prev, _ = strconv.ParseInt(p[1], 10, 64)
		}
		id := regexp.MustCompile(`/ID \[<([0-9a-f]+)> <([0-9a-f]+)>\]`).FindStringSubmatch(body)
		size := regexp.MustCompile(`/Size (\d+)`).FindStringSubmatch(body)
		if id == nil || size == nil {
			t.Fatalf("trailer without /ID or /Size: %s", body)
		}
		ti.id = [2]string{id[1], id[2]}
		ti.size, _ = strconv.Atoi(size[1])
		out = append(out, ti)
	}
	return out
}

// detached returns the files attached to a PDF, by name, as pdfdetach
// extracts them.
func detached(t *testing.T, path string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	list := strings.Split(strings.TrimSpace(run(t, "pdfdetach", "-list", path)), "\n")
	dir := t.TempDir()
	for i, l := range list[1:] {
		_, name, _ := strings.Cut(l, ": ")
		out := filepath.Join(dir, strconv.Itoa(i))
		run(t, "pdfdetach", "-save", strconv.Itoa(i+1), "-o", out, path)
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = data
	}
	return files
}

// readWithPDFCPU reads a file as the signer does, with pdfcpu, and returns
// the title in its Info dictionary.
func readWithPDFCPU(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Hand-built: the default configuration writes to the home folder.
	conf := &model.Configuration{Reader15: true, ValidationMode: model.ValidationRelaxed,
		Limits: model.DefaultResourceLimits(), Cmd: model.VALIDATE}
	ctx, err := pdfcpu.ReadWithContext(context.Background(), f, conf)
	if err != nil {
		t.Fatalf("pdfcpu cannot read %s: %v", path, err)
	}
	if err := validate.XRefTable(ctx); err != nil {
		t.Errorf("pdfcpu validation: %v", err)
	}
	return ctx.Title
}

// TestUpdateMetadata corrects the metadata of documents twice in a row and
// checks each result with poppler, qpdf and pdfcpu: the original bytes are
// kept, readers see the new metadata, the pages and text are unchanged, and
// the trailers chain.
func TestUpdateMetadata(t *testing.T) {
	js := testMetadata(t)
	words := layoutWords(testLines, 40, 40, 20)
	page := Page{Image: drawPage(620, 877, words, true, false), DPI: 75, Words: words}
	other := Attachment{Name: "tệp gốc.txt", MIMEType: "text/plain", Relationship: RelSource,
		Data: []byte("bản gốc\n"), Modified: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	subjects := []string{
		"V/v công nhận kết quả kiểm tra học kỳ II năm học 2018–2019 (đã sửa)",
		"Lần sửa thứ hai: điều chỉnh trích yếu & <ngày> ban hành",
	}

	cases := []struct {
		name     string
		flavour  Flavour
		original []Attachment
		// attach says what each update attaches: "" nothing, else the
		// name of a new attachment of the reviewed metadata.json.
		attach string
	}{
		{name: "2u", flavour: PDFA2U},
		{name: "3u, metadata.json replaced", flavour: PDFA3U, original: []Attachment{metadataAttachment(js)}, attach: "metadata.json"},
		{name: "3u, metadata.json replaced, other file kept", flavour: PDFA3U,
			original: []Attachment{other, metadataAttachment(js)}, attach: "metadata.json"},
		{name: "3u, attachments untouched", flavour: PDFA3U, original: []Attachment{metadataAttachment(js)}},
		{name: "3u, review file added", flavour: PDFA3U, original: []Attachment{metadataAttachment(js)}, attach: "đã duyệt.json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeLatePDF(t, tc.flavour, lateInfo(t, js), tc.original, page)
			origText := run(t, "pdftotext", path, "-")
			origInfo := run(t, "pdfinfo", "-isodates", path)
			wantFiles := map[string][]byte{}
			for _, a := range tc.original {
				wantFiles[a.Name] = a.Data
			}
			prevPath, revisions := path, 1

			for i, subject := range subjects {
				modified := testReviewed.Add(time.Duration(i) * time.Hour)
				newJS := reviewedJSON(t, js, subject)
				info := lateInfo(t, newJS)
				info.Modified = modified
				var attach *Attachment
				if tc.attach != "" {
					a := metadataAttachment(newJS)
					a.Name = tc.attach
					attach = &a
					wantFiles[a.Name] = newJS
				}
				updated := updateFile(t, prevPath, info, attach)
				revisions++

				before, _ := os.ReadFile(prevPath)
				after, _ := os.ReadFile(updated)
				if !bytes.HasPrefix(after, before) || len(after) <= len(before) {
					t.Fatalf("update %d: the input is not a proper prefix of the output", i+1)
				}

				if out := run(t, "qpdf", "--check", updated); !strings.Contains(out, "No syntax or stream encoding errors found") {
					t.Errorf("update %d: qpdf --check:\n%s", i+1, out)
				}
				pdfinfo := run(t, "pdfinfo", "-isodates", updated)
				for _, want := range []string{
					"Title:           " + subject,
					"ModDate:         " + modified.Format("2006-01-02T15:04:05-07"),
					"Producer:        sohoa test",
					lineOf(origInfo, "CreationDate:"), lineOf(origInfo, "Pages:"), lineOf(origInfo, "Page size:"),
				} {
					if !strings.Contains(pdfinfo, want+"\n") {
						t.Errorf("update %d: pdfinfo lacks %q:\n%s", i+1, want, pdfinfo)
					}
				}
				if got := run(t, "pdftotext", updated, "-"); got != origText {
					t.Errorf("update %d: pdftotext = %q, was %q", i+1, got, origText)
				}

				// The XMP the catalog points at (pdfinfo -meta reads it).
				props, _ := parseXMP(t, []byte(run(t, "pdfinfo", "-meta", updated)))
				wantText := map[string]string{
					nsPDFAID + " part": tc.flavour.part(), nsXMP + " CreateDate": xmpDate(testCreated),
					nsXMP + " ModifyDate": xmpDate(modified), nsXMP + " MetadataDate": xmpDate(modified),
					XMPNamespace + " subject": subject, XMPNamespace + " needsReview": "False",
					XMPNamespace + " docId": "HS2025-000123-0000004",
				}
				for key, want := range wantText {
					if p := props[key]; p == nil || p.text != want {
						t.Errorf("update %d: XMP %s = %+v, want %q", i+1, key, p, want)
					}
				}
				if p := props[nsDC+" title"]; p == nil || len(p.items) != 1 || p.items[0] != subject {
					t.Errorf("update %d: dc:title = %+v, want %q", i+1, p, subject)
				}

				// The trailers chain back to the original, which keeps
				// naming the document in /ID.
				trailers := trailersOf(t, after)
				if len(trailers) != revisions {
					t.Fatalf("update %d: %d trailers, want %d", i+1, len(trailers), revisions)
				}
				last, prev := trailers[len(trailers)-1], trailers[len(trailers)-2]
				if last.prev != prev.startxref || last.id[0] != trailers[0].id[0] || last.id[1] == prev.id[1] || last.size <= prev.size {
					t.Errorf("update %d: trailer %+v after %+v: want /Prev %d, the first /ID kept, a new second /ID, a larger /Size",
						i+1, last, prev, prev.startxref)
				}
				if trailers[0].prev != -1 {
					t.Errorf("the original trailer has /Prev %d", trailers[0].prev)
				}

				if tc.flavour == PDFA3U {
					got := detached(t, updated)
					if len(got) != len(wantFiles) {
						t.Errorf("update %d: attached %v, want %d files", i+1, slices.Sorted(maps.Keys(got)), len(wantFiles))
					}
					for name, data := range wantFiles {
						if !bytes.Equal(got[name], data) {
							t.Errorf("update %d: attachment %s has %d bytes, want the %d of the latest version", i+1, name, len(got[name]), len(data))
						}
					}
				}
				if title := readWithPDFCPU(t, updated); title != subject {
					t.Errorf("update %d: pdfcpu reads the title %q, want %q", i+1, title, subject)
				}
				prevPath = updated
			}
		})
	}
}

// lineOf returns the line of a tool's output that starts with prefix.
func lineOf(out, prefix string) string {
	for l := range strings.Lines(out) {
		if strings.HasPrefix(l, prefix) {
			return strings.TrimSuffix(l, "\n")
		}
	}
	return prefix + " (missing)"
}

// TestUpdateMetadataRefuses checks that files the Writer did not write (or
// that changed since) are refused with ErrForeignPDF, that metadata an
// update cannot apply is refused, and that nothing is written either way.
func TestUpdateMetadataRefuses(t *testing.T) {
	js := testMetadata(t)
	page := Page{Image: drawPage(100, 140, nil, false, false), DPI: 75}
	doc2u, err := os.ReadFile(writeLatePDF(t, PDFA2U, lateInfo(t, js), nil, page))
	if err != nil {
		t.Fatal(err)
	}
	doc3u, err := os.ReadFile(writeLatePDF(t, PDFA3U, lateInfo(t, js), []Attachment{metadataAttachment(js)}, page))
	if err != nil {
		t.Fatal(err)
	}
	good := lateInfo(t, js)
	good.Modified = testReviewed
	with := func(change func(*Info)) Info {
		i := good
		change(&i)
		return i
	}
	// replace changes bytes of doc in place, keeping every offset.
	replace := func(doc []byte, old, new string) []byte {
		if len(old) != len(new) || !bytes.Contains(doc, []byte(old)) {
			t.Fatalf("cannot replace %q by %q", old, new)
		}
		return bytes.Replace(doc, []byte(old), []byte(new), 1)
	}
	startxref := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(doc2u)
	n, _ := strconv.Atoi(string(startxref[1]))
	badStartxref := bytes.Replace(doc2u, []byte("startxref\n"+string(startxref[1])),
		[]byte("startxref\n"+strconv.Itoa(n-1)), 1)
	rewritten := filepath.Join(t.TempDir(), "qpdf.pdf")
	needTool(t, "qpdf")
	src := filepath.Join(t.TempDir(), "src.pdf")
	if err := os.WriteFile(src, doc2u, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qpdf", src, rewritten).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v\n%s", err, out)
	}
	byQPDF, err := os.ReadFile(rewritten)
	if err != nil {
		t.Fatal(err)
	}
	att := metadataAttachment(js)

	cases := []struct {
		name    string
		doc     []byte
		info    Info
		attach  *Attachment
		foreign bool // the error must wrap ErrForeignPDF
	}{
		{"empty file", nil, good, nil, true},
		{"not a PDF", []byte(strings.Repeat("không phải PDF\n", 20)), good, nil, true},
		{"rewritten by qpdf", byQPDF, good, nil, true},
		{"another PDF version", replace(doc2u, "%PDF-1.7", "%PDF-1.6"), good, nil, true},
		{"cut short", doc2u[:len(doc2u)-200], good, nil, true},
		{"startxref off by one", badStartxref, good, nil, true},
		{"catalog entry the Writer never writes", replace(doc2u, "/Lang (vi)", "/Perm (vi)"), good, nil, true},
		{"xref stream", replace(doc2u, "\nxref\n0 ", "\nXref\n0 "), good, nil, true},
		{"no Modified", doc2u, with(func(i *Info) { i.Modified = time.Time{} }), nil, false},
		{"Modified before Created", doc2u, with(func(i *Info) { i.Modified = testCreated.Add(-time.Hour) }), nil, false},
		{"other Created", doc2u, with(func(i *Info) { i.Created = testCreated.Add(time.Minute) }), nil, false},
		{"other flavour", doc2u, with(func(i *Info) { i.Flavour = PDFA3U }), nil, false},
		{"bad date", doc2u, with(func(i *Info) { i.Date = "31/05/2019" }), nil, false},
		{"attachment in 2u", doc2u, good, &att, false},
		{"bad attachment", doc3u, good, &Attachment{Name: "x", MIMEType: "json"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := UpdateMetadata(bytes.NewReader(tc.doc), int64(len(tc.doc)), &out, tc.info, tc.attach)
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			if errors.Is(err, ErrForeignPDF) != tc.foreign {
				t.Errorf("error %q: errors.Is(ErrForeignPDF) = %v, want %v", err, !tc.foreign, tc.foreign)
			}
			if out.Len() != 0 {
				t.Errorf("%d bytes written before the error %v", out.Len(), err)
			}
		})
	}

	// The same metadata, with Created given equal to the file's, works.
	var out bytes.Buffer
	if err := UpdateMetadata(bytes.NewReader(doc2u), int64(len(doc2u)), &out,
		with(func(i *Info) { i.Created = testCreated.Add(300 * time.Millisecond) }), nil); err != nil {
		t.Errorf("Created equal to the file's to the second: %v", err)
	}
}

// TestUpdateDeterministic: the same update of the same file gives the
// same bytes, and another time gives others.
func TestUpdateDeterministic(t *testing.T) {
	js := testMetadata(t)
	page := Page{Image: drawPage(100, 140, nil, false, false), DPI: 75}
	doc, err := os.ReadFile(writeLatePDF(t, PDFA3U, lateInfo(t, js), []Attachment{metadataAttachment(js)}, page))
	if err != nil {
		t.Fatal(err)
	}
	update := func(modified time.Time) []byte {
		info := lateInfo(t, js)
		info.Modified = modified
		a := metadataAttachment(js)
		var out bytes.Buffer
		if err := UpdateMetadata(bytes.NewReader(doc), int64(len(doc)), &out, info, &a); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	a, b := update(testReviewed), update(testReviewed)
	if !bytes.Equal(a, b) {
		t.Error("two updates with the same input differ")
	}
	if c := update(testReviewed.Add(time.Second)); bytes.Equal(a, c) {
		t.Error("another modification time gave the same bytes")
	}
}

// TestUpdateVeraPDF validates updated documents, updated twice, with
// veraPDF as the flavour they claim. It runs when SOHOA_VERAPDF names the
// launcher that scripts/install-verapdf.sh prints.
func TestUpdateVeraPDF(t *testing.T) {
	launcher := os.Getenv("SOHOA_VERAPDF")
	if launcher == "" {
		t.Skip("SOHOA_VERAPDF not set (see scripts/install-verapdf.sh)")
	}
	js := testMetadata(t)
	words := layoutWords(testLines, 120, 150, 30)
	page := Page{Image: drawPage(1240, 1754, words, true, true), DPI: 150, Words: words}
	other := Attachment{Name: "tệp gốc.txt", MIMEType: "text/plain", Relationship: RelSource, Data: []byte("bản gốc")}

	twice := func(path string, attach func(data []byte) *Attachment) string {
		for i, subject := range []string{"Trích yếu đã sửa lần một", "Trích yếu đã sửa lần hai"} {
			newJS := reviewedJSON(t, js, subject)
			info := lateInfo(t, newJS)
			info.Modified = testReviewed.Add(time.Duration(i) * time.Hour)
			path = updateFile(t, path, info, attach(newJS))
		}
		return path
	}
	none := func([]byte) *Attachment { return nil }
	metadataJSON := func(data []byte) *Attachment { a := metadataAttachment(data); return &a }
	added := func(data []byte) *Attachment {
		a := metadataAttachment(data)
		a.Name = "đã duyệt.json"
		return &a
	}
	updated3u := twice(writeLatePDF(t, PDFA3U, lateInfo(t, js), []Attachment{other, metadataAttachment(js)}, page), metadataJSON)
	files := []struct {
		name, flavour, path string
		compliant           bool
	}{
		{"2u", "2u", twice(writeLatePDF(t, PDFA2U, lateInfo(t, js), nil, page), none), true},
		{"3u, metadata.json replaced", "3u", updated3u, true},
		{"3u, attachments untouched", "3u", twice(writeLatePDF(t, PDFA3U, lateInfo(t, js), []Attachment{metadataAttachment(js)}, page), none), true},
		{"3u, file added", "3u", twice(writeLatePDF(t, PDFA3U, lateInfo(t, js), []Attachment{metadataAttachment(js)}, page), added), true},
		// A control that must fail: part 3 with a JSON file, checked as 2u.
		{"3u checked as 2u", "2u", updated3u, false},
	}
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel() // one JVM each
			out, err := exec.Command(launcher, "--flavour", f.flavour, "--format", "xml", f.path).Output()
			if err != nil && len(out) == 0 {
				t.Fatalf("veraPDF: %v", err)
			}
			m := regexp.MustCompile(`isCompliant="(\w+)"`).FindSubmatch(out)
			if m == nil || string(m[1]) != strconv.FormatBool(f.compliant) {
				t.Errorf("veraPDF --flavour %s says compliant=%s, want %v:\n%s", f.flavour, m, f.compliant, out[:min(len(out), 4000)])
			}
		})
	}
}

// TestWriterModified: a Modified date given to the Writer (here late, by
// SetInfo) becomes the modification and metadata date, apart from Created.
func TestWriterModified(t *testing.T) {
	js := testMetadata(t)
	late := lateInfo(t, js)
	late.Modified = testReviewed
	path := writeLatePDF(t, PDFA2U, late, nil, Page{Image: drawPage(100, 140, nil, false, false), DPI: 75})
	props, _ := parseXMP(t, xmpOf(t, path))
	for key, want := range map[string]string{
		nsXMP + " CreateDate": xmpDate(testCreated), nsXMP + " ModifyDate": xmpDate(testReviewed),
		nsXMP + " MetadataDate": xmpDate(testReviewed),
	} {
		if p := props[key]; p == nil || p.text != want {
			t.Errorf("%s = %+v, want %q", key, p, want)
		}
	}
	info := run(t, "pdfinfo", "-isodates", path)
	for _, want := range []string{
		"CreationDate:    " + testCreated.Format("2006-01-02T15:04:05-07"),
		"ModDate:         " + testReviewed.Format("2006-01-02T15:04:05-07"),
	} {
		if !strings.Contains(info, want+"\n") {
			t.Errorf("pdfinfo lacks %q:\n%s", want, info)
		}
	}
}
