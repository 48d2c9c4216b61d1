package pdfa

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testCreated is when the test documents are made.
var testCreated = time.Date(2025, 3, 15, 9, 30, 0, 0, time.FixedZone("ICT", 7*3600))

// testMetadata returns testdata/metadata.json, a metadata.json with every
// field of the schema and Vietnamese text with XML specials.
func testMetadata(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// lateInfo is the metadata the pipeline gives after OCR, built from
// metadata.json as the pipeline does.
func lateInfo(t testing.TB, metadataJSON []byte) Info {
	t.Helper()
	var md struct{ Subject, OrganName, IssuedDate, Language string }
	if err := json.Unmarshal(metadataJSON, &md); err != nil {
		t.Fatal(err)
	}
	fields, err := FieldsFromJSON(metadataJSON, "issuedDate")
	if err != nil {
		t.Fatal(err)
	}
	return Info{Title: md.Subject, Author: md.OrganName, Date: md.IssuedDate, Language: md.Language, Fields: fields}
}

// writeLatePDF writes pages with up-front metadata, then sets the late
// metadata and attachments as the pipeline does, and returns the file path.
func writeLatePDF(t testing.TB, flavour Flavour, late Info, atts []Attachment, pages ...Page) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Info{Producer: "sohoa test", Created: testCreated, Flavour: flavour})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		if err := w.AddPage(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.SetInfo(late); err != nil {
		t.Fatal(err)
	}
	for _, a := range atts {
		if err := w.Attach(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func metadataAttachment(data []byte) Attachment {
	return Attachment{Name: "metadata.json", MIMEType: "application/json",
		Description: "Siêu dữ liệu của tài liệu (metadata.json)", Data: data}
}

var paramsRE = regexp.MustCompile(`/Type /EmbeddedFile /Subtype /([^ ]+) /Params << /ModDate \(([^)]*)\) /Size (\d+) /CheckSum <([0-9A-F]*)> >>`)

var packetRE = regexp.MustCompile(`(?s)<\?xpacket begin=.*?<\?xpacket end="w"\?>`)

// xmpOf returns the XMP packet of a PDF file (the only one: it is stored
// uncompressed).
func xmpOf(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	packets := packetRE.FindAll(data, -1)
	if len(packets) != 1 {
		t.Fatalf("%d XMP packets in the file, want 1", len(packets))
	}
	return packets[0]
}

// xmpProp is a top-level XMP property: its text, or the items of its array.
type xmpProp struct {
	text  string
	items []string
	array bool
}

// xmpDecl is a property declared by a PDF/A extension schema.
type xmpDecl struct{ name, valueType, category, description string }

// parseXMP parses a packet with encoding/xml (failing the test when it is
// not well-formed) and returns its top-level properties keyed by
// "namespace local", and the property declarations of its extension schemas.
func parseXMP(t *testing.T, packet []byte) (map[string]*xmpProp, []xmpDecl) {
	t.Helper()
	props := map[string]*xmpProp{}
	var decls []xmpDecl
	dec := xml.NewDecoder(bytes.NewReader(packet))
	depth, descDepth := 0, -1
	var cur *xmpProp
	var decl *xmpDecl
	var field *string // the declaration member being read
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("XMP is not well-formed XML: %v\n%s", err, packet)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case tk.Name.Space == nsRDF && tk.Name.Local == "Description":
				descDepth = depth
			case depth == descDepth+1:
				key := tk.Name.Space + " " + tk.Name.Local
				if props[key] != nil {
					t.Errorf("property %s written twice", key)
				}
				cur = &xmpProp{}
				props[key] = cur
			case depth == descDepth+2 && cur != nil && tk.Name.Space == nsRDF:
				cur.array = true
			case depth == descDepth+3 && cur != nil && tk.Name.Local == "li":
				cur.items = append(cur.items, "")
			}
			if tk.Name.Space == nsPDFAProperty {
				if decl == nil {
					decls = append(decls, xmpDecl{})
					decl = &decls[len(decls)-1]
				}
				field = map[string]*string{"name": &decl.name, "valueType": &decl.valueType,
					"category": &decl.category, "description": &decl.description}[tk.Name.Local]
			}
		case xml.EndElement:
			if tk.Name.Space == nsPDFAProperty {
				field = nil
				if tk.Name.Local == "description" {
					decl = nil
				}
			}
			if depth == descDepth+1 {
				cur = nil
			}
			if depth == descDepth {
				descDepth = -1
			}
			depth--
		case xml.CharData:
			switch {
			case field != nil:
				*field += string(tk)
			case cur != nil && depth == descDepth+1:
				cur.text += string(tk)
			case cur != nil && depth == descDepth+3 && len(cur.items) > 0:
				cur.items[len(cur.items)-1] += string(tk)
			}
		}
	}
	return props, decls
}

// TestMetadataFields writes every field of a metadata.json late, as the
// pipeline does, and checks the XMP against the JSON member by member, the
// extension schema that declares them, and the Info dictionary.
func TestMetadataFields(t *testing.T) {
	js := testMetadata(t)
	late := lateInfo(t, js)
	words := layoutWords(testLines, 40, 40, 20)
	page := Page{Image: drawPage(620, 877, words, false, false), DPI: 75, Words: words}

	var members map[string]any
	if err := json.Unmarshal(js, &members); err != nil {
		t.Fatal(err)
	}
	wantTypes := map[string]string{"issuedDate": "Date", "numberOfPage": "Integer",
		"needsReview": "Boolean", "reviewReasons": "bag Text"}

	for _, flavour := range []Flavour{PDFA2U, PDFA3U} {
		t.Run(string(flavour), func(t *testing.T) {
			var atts []Attachment
			if flavour == PDFA3U {
				atts = []Attachment{metadataAttachment(js)}
			}
			path := writeLatePDF(t, flavour, late, atts, page)
			props, decls := parseXMP(t, xmpOf(t, path))

			// Every member of metadata.json, under the sohoa namespace.
			n := 0
			for key := range props {
				if strings.HasPrefix(key, XMPNamespace+" ") {
					n++
				}
			}
			if n != len(members) {
				t.Errorf("%d sohoa properties, metadata.json has %d members", n, len(members))
			}
			for key, want := range members {
				p := props[XMPNamespace+" "+key]
				if p == nil {
					t.Errorf("sohoa:%s missing", key)
					continue
				}
				switch want := want.(type) {
				case string:
					if p.text != want {
						t.Errorf("sohoa:%s = %q, want %q", key, p.text, want)
					}
				case float64:
					if got, err := strconv.ParseFloat(p.text, 64); err != nil || got != want {
						t.Errorf("sohoa:%s = %q, want %v", key, p.text, want)
					}
				case bool:
					if p.text != map[bool]string{true: "True", false: "False"}[want] {
						t.Errorf("sohoa:%s = %q, want %v", key, p.text, want)
					}
				case []any:
					var got []any
					for _, it := range p.items {
						got = append(got, it)
					}
					if !p.array || !reflect.DeepEqual(got, want) {
						t.Errorf("sohoa:%s = %q (array %v), want the bag %q", key, p.items, p.array, want)
					}
				default: // objects travel as their JSON
					var got any
					if err := json.Unmarshal([]byte(p.text), &got); err != nil || !reflect.DeepEqual(got, want) {
						t.Errorf("sohoa:%s = %q, want the JSON of %v (%v)", key, p.text, want, err)
					}
				}
			}

			// The extension schema declares each of them, once.
			declared := map[string]xmpDecl{}
			for _, d := range decls {
				if _, dup := declared[d.name]; dup {
					t.Errorf("property %s declared twice", d.name)
				}
				declared[d.name] = d
			}
			if len(declared) != len(members) {
				t.Errorf("%d properties declared, want %d", len(declared), len(members))
			}
			for key := range members {
				d, ok := declared[key]
				want := wantTypes[key]
				if want == "" {
					want = "Text"
				}
				if !ok || d.valueType != want || d.category != "external" || d.description == "" {
					t.Errorf("declaration of %s = %+v, want type %s, category external, a description", key, d, want)
				}
			}

			// Standard properties from the late metadata.
			wantText := map[string]string{
				nsPDFAID + " part": flavour.part(), nsPDFAID + " conformance": "U",
				nsPDF + " Producer": "sohoa test", nsXMP + " CreateDate": "2025-03-15T09:30:00+07:00",
				nsXMP + " ModifyDate": "2025-03-15T09:30:00+07:00", nsXMP + " MetadataDate": "2025-03-15T09:30:00+07:00",
			}
			for key, want := range wantText {
				if p := props[key]; p == nil || p.text != want {
					t.Errorf("%s = %+v, want %q", key, p, want)
				}
			}
			wantItems := map[string]string{
				nsDC + " title": members["subject"].(string), nsDC + " creator": members["organName"].(string),
				nsDC + " date": "2019-05-31", nsDC + " language": "vi",
			}
			for key, want := range wantItems {
				if p := props[key]; p == nil || len(p.items) != 1 || p.items[0] != want {
					t.Errorf("%s = %+v, want the single item %q", key, p, want)
				}
			}

			// The Info dictionary says the same, readably.
			info := run(t, "pdfinfo", path)
			for _, want := range []string{
				"Title:           " + members["subject"].(string),
				"Author:          " + members["organName"].(string),
				"Producer:        sohoa test",
			} {
				if !strings.Contains(info, want+"\n") {
					t.Errorf("pdfinfo lacks %q:\n%s", want, info)
				}
			}
			if out := run(t, "qpdf", "--check", path); !strings.Contains(out, "No syntax or stream encoding errors found") {
				t.Errorf("qpdf --check:\n%s", out)
			}
			if got := foldSpace(run(t, "pdftotext", path, "-")); got != foldSpace(joinedText(words)) {
				t.Errorf("pdftotext = %q, want %q", got, foldSpace(joinedText(words)))
			}
		})
	}
}

// TestAttachment checks the associated file of a PDF/A-3u document with
// poppler's pdfdetach, and the /AF link the standard requires.
func TestAttachment(t *testing.T) {
	js := testMetadata(t)
	page := Page{Image: drawPage(100, 140, nil, false, false), DPI: 75}
	cases := []struct {
		name string
		atts []Attachment
	}{
		{"metadata.json", []Attachment{metadataAttachment(js)}},
		{"two files, names sorted in the tree", []Attachment{
			{Name: "tệp gốc.txt", MIMEType: "text/plain", Relationship: RelSource, Data: []byte("bản gốc\n"),
				Modified: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
			metadataAttachment(js),
		}},
		{"empty file", []Attachment{{Name: "empty.bin", MIMEType: "application/octet-stream", Data: nil}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeLatePDF(t, PDFA3U, lateInfo(t, js), tc.atts, page)
			list := run(t, "pdfdetach", "-list", path)
			var names []string
			for _, l := range strings.Split(strings.TrimSpace(list), "\n")[1:] {
				_, n, _ := strings.Cut(l, ": ")
				names = append(names, n)
			}
			if len(names) != len(tc.atts) {
				t.Fatalf("pdfdetach -list:\n%s\nwant %d files", list, len(tc.atts))
			}
			dir := t.TempDir()
			for i, n := range names {
				out := filepath.Join(dir, strconv.Itoa(i))
				run(t, "pdfdetach", "-save", strconv.Itoa(i+1), "-o", out, path)
				got, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, a := range tc.atts {
					if a.Name == n {
						found = true
						if !bytes.Equal(got, a.Data) {
							t.Errorf("%s: extracted %d bytes differ from the %d given", n, len(got), len(a.Data))
						}
					}
				}
				if !found {
					t.Errorf("pdfdetach lists %q, not attached", n)
				}
				if i > 0 && bytes.Compare(textBytes(names[i-1]), textBytes(n)) >= 0 {
					t.Errorf("name tree not sorted: %q before %q", names[i-1], n)
				}
			}
			data, _ := os.ReadFile(path)
			// /Params: neither poppler nor veraPDF checks size and digest.
			params := paramsRE.FindAllSubmatch(data, -1)
			if len(params) != len(tc.atts) {
				t.Fatalf("%d embedded file streams with /Params, want %d", len(params), len(tc.atts))
			}
			for i, m := range params {
				a := tc.atts[i] // streams are written in the order attached
				mod := a.Modified
				if mod.IsZero() {
					mod = testCreated
				}
				sum := md5.Sum(a.Data)
				if mime := strings.ReplaceAll(string(m[1]), "#2F", "/"); mime != a.MIMEType {
					t.Errorf("%s: /Subtype %s, want %s", a.Name, m[1], a.MIMEType)
				}
				if string(m[2]) != pdfDate(mod) || string(m[3]) != strconv.Itoa(len(a.Data)) ||
					!strings.EqualFold(string(m[4]), hex.EncodeToString(sum[:])) {
					t.Errorf("%s: /Params ModDate %s Size %s CheckSum %s; want %s %d %x",
						a.Name, m[2], m[3], m[4], pdfDate(mod), len(a.Data), sum)
				}
			}
			af := regexp.MustCompile(`/AF \[((\d+ 0 R ?)+)\]`).FindSubmatch(data)
			if af == nil || strings.Count(string(af[1]), "R") != len(tc.atts) {
				t.Errorf("catalog /AF = %q, want %d references", af, len(tc.atts))
			}
			if out := run(t, "qpdf", "--check", path); !strings.Contains(out, "No syntax or stream encoding errors found") {
				t.Errorf("qpdf --check:\n%s", out)
			}
		})
	}
}

func TestLateInfoMerge(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Info{Producer: "early", Created: testCreated, Title: "tạm", Keywords: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SetInfo(Info{Title: "Quyết định", Author: "Sở"}); err != nil {
		t.Fatal(err)
	}
	if err := w.SetInfo(Info{Fields: []Field{TextField("a", "1")}}); err != nil {
		t.Fatal(err)
	}
	bad := Info{Date: "31/05/2019", Title: "ignored"}
	if err := w.SetInfo(bad); err == nil {
		t.Error("SetInfo with a bad date succeeded")
	}
	want := Info{Producer: "early", Created: testCreated, Title: "Quyết định", Author: "Sở", Keywords: "k",
		Fields: []Field{TextField("a", "1")}}
	if !reflect.DeepEqual(w.info, want) {
		t.Errorf("merged info = %+v\nwant %+v", w.info, want)
	}
}

func TestMetadataErrors(t *testing.T) {
	page := Page{Image: drawPage(50, 50, nil, false, false)}
	js := []byte(`{"a":1}`)
	cases := []struct {
		name  string
		early Info
		use   func(w *Writer) error
	}{
		{"attachment in PDF/A-2u", Info{Created: testCreated}, func(w *Writer) error {
			if err := w.Attach(metadataAttachment(js)); err != nil {
				return nil // must fail at Close, not here
			}
			return w.Close()
		}},
		{"attachment without any date", Info{Flavour: PDFA3U}, func(w *Writer) error {
			if err := w.Attach(metadataAttachment(js)); err != nil {
				return nil
			}
			return w.Close()
		}},
		{"attachment twice", Info{Flavour: PDFA3U}, func(w *Writer) error {
			if err := w.Attach(metadataAttachment(js)); err != nil {
				return nil
			}
			return w.Attach(metadataAttachment(js))
		}},
		{"bad MIME type", Info{Flavour: PDFA3U}, func(w *Writer) error {
			return w.Attach(Attachment{Name: "x", MIMEType: "json", Data: js})
		}},
		{"bad relationship", Info{Flavour: PDFA3U}, func(w *Writer) error {
			return w.Attach(Attachment{Name: "x", MIMEType: "a/b", Relationship: "Other"})
		}},
		{"field twice", Info{}, func(w *Writer) error {
			return w.SetInfo(Info{Fields: []Field{TextField("a", ""), IntegerField("a", 1)}})
		}},
		{"bad field name", Info{}, func(w *Writer) error {
			return w.SetInfo(Info{Fields: []Field{TextField("số", "")}})
		}},
		{"bad language", Info{}, func(w *Writer) error { return w.SetInfo(Info{Language: "vi VN"}) }},
		{"unknown flavour", Info{}, func(w *Writer) error { return w.SetInfo(Info{Flavour: "1b"}) }},
		{"set info after close", Info{}, func(w *Writer) error {
			if err := w.Close(); err != nil {
				return nil
			}
			return w.SetInfo(Info{Title: "x"})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, err := NewWriter(&bytes.Buffer{}, tc.early)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.AddPage(page); err != nil {
				t.Fatal(err)
			}
			if err := tc.use(w); err == nil {
				t.Error("no error")
			}
		})
	}
	if _, err := NewWriter(&bytes.Buffer{}, Info{Date: "tomorrow"}); err == nil {
		t.Error("NewWriter accepted a bad date")
	}
}

func TestFieldCheck(t *testing.T) {
	cases := []struct {
		field Field
		ok    bool
	}{
		{TextField("docId", "a & <b>"), true},
		{IntegerField("n", -3), true},
		{Field{Name: "n", Type: Integer, Value: "3.5"}, false},
		{RealField("r", 0.41), true},
		{Field{Name: "r", Type: Real, Value: "1e5"}, false}, // XMP Real has no exponent
		{BooleanField("b", false), true},
		{Field{Name: "b", Type: Boolean, Value: "true"}, false},
		{DateField("d", "2019-05-31"), true},
		{DateField("d", "2019-05"), true},
		{DateField("d", "2019-05-31T10:20:30.5+07:00"), true},
		{DateField("d", ""), true}, // unknown date: declared, not written
		{DateField("d", "2019-13-01"), false},
		{DateField("d", "2019-05-31T10:20"), false}, // a time needs a zone
		{TextBagField("bag"), true},
		{Field{Name: "t", Type: Text, Items: []string{"x"}}, false},
		{TextField("", "x"), false},
		{TextField("1st", "x"), false},
		{TextField("xmlThing", "x"), false},
		{TextField("a:b", "x"), false},
		{Field{Name: "u", Type: FieldType(99)}, false},
	}
	for _, tc := range cases {
		if err := tc.field.check(); (err == nil) != tc.ok {
			t.Errorf("%+v: check() = %v, want ok=%v", tc.field, err, tc.ok)
		}
	}
}

func TestFieldsFromJSON(t *testing.T) {
	got, err := FieldsFromJSON([]byte(`{"z":"Số 1","n":3,"r":0.5,"b":false,"d":"2019-05-31","bag":["a","b"],
		"empty":[],"mixed":[1,"a"],"obj":{"k": [1, 2]},"nil":null}`), "d")
	if err != nil {
		t.Fatal(err)
	}
	want := []Field{
		TextField("z", "Số 1"), IntegerField("n", 3), RealField("r", 0.5), BooleanField("b", false),
		DateField("d", "2019-05-31"), TextBagField("bag", "a", "b"), TextBagField("empty"),
		TextField("mixed", `[1,"a"]`), TextField("obj", `{"k":[1,2]}`),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FieldsFromJSON:\n got %+v\nwant %+v", got, want)
	}
	for _, bad := range []string{`[1]`, `{"d":"31/05/2019"}`, `{"a":1`, `{"a":1} {}`, `{"bad name":1}`} {
		if _, err := FieldsFromJSON([]byte(bad), "d"); err == nil {
			t.Errorf("FieldsFromJSON(%s) succeeded", bad)
		}
	}
}

func TestParseFlavour(t *testing.T) {
	for in, want := range map[string]Flavour{"2u": PDFA2U, "3U": PDFA3U, " pdfa-3u": PDFA3U, "PDFA-2U": PDFA2U} {
		if got, err := ParseFlavour(in); err != nil || got != want {
			t.Errorf("ParseFlavour(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2b", "1a", "3"} {
		if _, err := ParseFlavour(in); err == nil {
			t.Errorf("ParseFlavour(%q) succeeded", in)
		}
	}
}

func TestPDFStrings(t *testing.T) {
	cases := []struct{ in, name, text string }{
		{"application/json", "/application#2Fjson", "(application/json)"},
		{"Data", "/Data", "(Data)"},
		{"a b#(c)", "/a#20b#23#28c#29", `(a b#\(c\))`},
		{"Số", "/S#E1#BB#91", "<FEFF0053" + "1ED1>"},
	}
	for _, tc := range cases {
		if got := name(tc.in); got != tc.name {
			t.Errorf("name(%q) = %s, want %s", tc.in, got, tc.name)
		}
		if got := textString(tc.in); got != tc.text {
			t.Errorf("textString(%q) = %s, want %s", tc.in, got, tc.text)
		}
	}
}

func TestLateDeterministic(t *testing.T) {
	js := testMetadata(t)
	page := Page{Image: drawPage(100, 140, nil, true, true), DPI: 75}
	write := func(data []byte) []byte {
		b, err := os.ReadFile(writeLatePDF(t, PDFA3U, lateInfo(t, js), []Attachment{metadataAttachment(data)}, page))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := write(js), write(js)
	if !bytes.Equal(a, b) {
		t.Fatal("two writes of the same input differ")
	}
	if c := write(append(js, ' ')); bytes.Equal(a, c) {
		t.Error("a different attachment gave the same bytes")
	}
}

// TestXMLEscape reads escaped text back with encoding/xml.
func TestXMLEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Quyết định <số 1> & \"2\" 'ba'", ""},
		{"dòng 1\r\ndòng 2\tcột", ""},
		{"]]> <![CDATA[", ""},
		{"a\x01b\x00c", "a\uFFFDb\uFFFDc"},
		{"bad \xff utf-8", "bad \uFFFD utf-8"},
	}
	for _, tc := range cases {
		want := tc.want
		if want == "" {
			want = tc.in
		}
		var got struct {
			Text string `xml:",chardata"`
		}
		doc := "<a>" + xmlEscape(tc.in) + "</a>"
		if err := xml.Unmarshal([]byte(doc), &got); err != nil {
			t.Errorf("%q: %s is not well-formed: %v", tc.in, doc, err)
			continue
		}
		if got.Text != want {
			t.Errorf("%q escaped and read back = %q, want %q", tc.in, got.Text, want)
		}
	}
}
