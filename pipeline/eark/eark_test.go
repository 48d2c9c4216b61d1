package eark

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/metadata"
)

var created = time.Date(2025, 3, 1, 8, 30, 0, 0, time.UTC)

func content(s string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil }
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// testPackage is a dossier of two documents with Vietnamese text and
// characters XML must escape.
func testPackage() Package {
	doc1 := metadata.Document{
		SchemaVersion: "1", DocID: "doc-0001", TypeName: "Công văn", CodeNumber: "1595", CodeNotation: "SGDĐT-CTrTT",
		IssuedDate: "2020-04-08", Place: "Đà Nẵng", OrganName: "SỞ GIÁO DỤC VÀ ĐÀO TẠO", ParentOrganName: "UBND THÀNH PHỐ ĐÀ NẴNG",
		Subject: `V/v "tuyển sinh" <lớp 10> & chuyển trường`, SignerFullName: "Nguyễn Văn An", NumberOfPage: 2, Language: "vi",
		ConfidenceLevel: "02", Mode: "01", Maintenance: "70 năm", Keyword: "tuyển sinh",
	}
	doc2 := metadata.Document{
		SchemaVersion: "1", DocID: "20250301-0002", TypeName: "Quyết định", CodeNumber: "12", CodeNotation: "QĐ-UBND",
		IssuedDate: "2021-12-31", OrganName: "ỦY BAN NHÂN DÂN", Subject: "Về việc công nhận\x0b kết quả", NumberOfPage: 1,
		Language: "vi", ConfidenceLevel: "02", DocCode: "HS-01.0000002",
	}
	return Package{
		ID: "HS-2025-01", FileCode: "HS-01", Title: "Hồ sơ tuyển sinh năm 2020", Creator: "Trường THPT Lê Quý Đôn",
		Created: created, SoftwareVersion: "0.9.0",
		Documents: []Document{
			{Metadata: doc1, Files: []File{
				{Role: RoleOriginal, Name: "trang 1.tif", MIMEType: "image/tiff", SHA256: sum("tiff-1"), Open: content("tiff-1")},
				{Role: RoleOriginal, Name: "trang 2.tif", MIMEType: "image/tiff", Open: content("tiff-2")},
				{Role: RoleDigitized, Name: "Công văn 1595.pdf", MIMEType: "application/pdf", FormatName: "PDF/A", FormatVersion: "2u",
					SHA256: sum("%PDF-1"), Created: created.Add(-time.Hour), Open: content("%PDF-1")},
			}, Events: []Event{
				{Type: "digitization", Time: created.Add(-2 * time.Hour), Tool: "sohoa 0.9.0", Detail: "OCR vie, 2 pages"},
				{Type: "metadata modification", Time: created.Add(-90 * time.Minute), Actor: "lan.nguyen", Detail: "codeNumber: '' → '1595'"},
				{Type: "digital signature generation", Time: created.Add(-time.Hour), Actor: "Trường THPT Lê Quý Đôn", Tool: "sohoa 0.9.0"},
			}},
			{Metadata: doc2, Files: []File{
				{Role: RoleDigitized, Name: "qd/12.pdf", MIMEType: "application/pdf", Open: content("%PDF-2")},
			}},
		},
	}
}

func writePackage(t *testing.T, p Package) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Parsed views of the XML, as a reader of the package sees them.
type (
	pMETS struct {
		XMLName xml.Name `xml:"http://www.loc.gov/METS/ mets"`
		ObjID   string   `xml:"OBJID,attr"`
		Profile string   `xml:"PROFILE,attr"`
		Type    string   `xml:"TYPE,attr"`
		Agents  []struct {
			Role string `xml:"ROLE,attr"`
			Name string `xml:"name"`
		} `xml:"metsHdr>agent"`
		Dmd  pRef `xml:"dmdSec>mdRef"`
		Amd  pRef `xml:"amdSec>digiprovMD>mdRef"`
		Grps []struct {
			Use   string `xml:"USE,attr"`
			Files []struct {
				ID           string `xml:"ID,attr"`
				MIMEType     string `xml:"MIMETYPE,attr"`
				Size         int64  `xml:"SIZE,attr"`
				Checksum     string `xml:"CHECKSUM,attr"`
				ChecksumType string `xml:"CHECKSUMTYPE,attr"`
				FLocat       struct {
					Href string `xml:"http://www.w3.org/1999/xlink href,attr"`
				} `xml:"FLocat"`
			} `xml:"file"`
		} `xml:"fileSec>fileGrp"`
		Fptrs []struct {
			FileID string `xml:"FILEID,attr"`
		} `xml:"structMap>div>div>fptr"`
	}
	pRef struct {
		Href     string `xml:"http://www.w3.org/1999/xlink href,attr"`
		MDType   string `xml:"MDTYPE,attr"`
		Size     int64  `xml:"SIZE,attr"`
		Checksum string `xml:"CHECKSUM,attr"`
	}
	pEAD struct {
		XMLName xml.Name `xml:"urn:isbn:1-931666-22-9 ead"`
		Title   string   `xml:"eadheader>filedesc>titlestmt>titleproper"`
		C       []struct {
			ID      string   `xml:"id,attr"`
			UnitIDs []string `xml:"did>unitid"`
			Title   string   `xml:"did>unittitle"`
			Date    struct {
				Normal string `xml:"normal,attr"`
			} `xml:"did>unitdate"`
			Corp   []string `xml:"did>origination>corpname"`
			Genre  string   `xml:"did>physdesc>genreform"`
			Extent string   `xml:"did>physdesc>extent"`
			Lang   struct {
				Code string `xml:"langcode,attr"`
			} `xml:"did>langmaterial>language"`
			DAOs []struct {
				Href string `xml:"http://www.w3.org/1999/xlink href,attr"`
			} `xml:"did>dao"`
			Notes []struct {
				Type string `xml:"type,attr"`
				P    string `xml:"p"`
			} `xml:"did>note"`
			Access  string `xml:"accessrestrict>p"`
			Keyword string `xml:"controlaccess>subject"`
		} `xml:"archdesc>dsc>c"`
	}
	pPREMIS struct {
		XMLName xml.Name `xml:"http://www.loc.gov/premis/v3 premis"`
		Objects []struct {
			Type   string `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
			ID     string `xml:"objectIdentifier>objectIdentifierValue"`
			Digest string `xml:"objectCharacteristics>fixity>messageDigest"`
			Size   int64  `xml:"objectCharacteristics>size"`
			Format string `xml:"objectCharacteristics>format>formatDesignation>formatName"`
		} `xml:"object"`
		Events []struct {
			Type    string   `xml:"eventType"`
			Agents  []string `xml:"linkingAgentIdentifier>linkingAgentIdentifierValue"`
			Objects []string `xml:"linkingObjectIdentifier>linkingObjectIdentifierValue"`
		} `xml:"event"`
		Agents []struct {
			ID   string `xml:"agentIdentifier>agentIdentifierValue"`
			Name string `xml:"agentName"`
			Type string `xml:"agentType"`
		} `xml:"agent"`
	}
)

// unzip returns the entries of a package by path below its root folder,
// checking there is exactly one root folder and every entry is dated.
func unzip(t *testing.T, data []byte, root string) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		name, ok := strings.CutPrefix(f.Name, root+"/")
		if !ok {
			t.Errorf("entry %q outside the root folder %q", f.Name, root)
		}
		if !f.Modified.Equal(created) {
			t.Errorf("entry %s dated %v, want %v", f.Name, f.Modified, created)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc) // also checks the CRC
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out[name] = b
	}
	return out
}

func TestWritePackage(t *testing.T) {
	pkg := testPackage()
	data := writePackage(t, pkg)
	entries := unzip(t, data, "HS-2025-01")

	var mets pMETS
	if err := xml.Unmarshal(entries["METS.xml"], &mets); err != nil {
		t.Fatalf("METS.xml: %v", err)
	}
	if mets.ObjID != pkg.ID || mets.Profile != Profile || mets.Type == "" {
		t.Errorf("mets OBJID %q PROFILE %q TYPE %q", mets.ObjID, mets.Profile, mets.Type)
	}
	if len(mets.Agents) != 2 || mets.Agents[1].Name != "sohoa" {
		t.Errorf("agents %+v", mets.Agents)
	}
	// Every content file is in the fileSec with the SHA-256 and size of
	// what the zip holds, and in the structMap.
	var listed []string
	fptrs := map[string]bool{}
	for _, p := range mets.Fptrs {
		fptrs[p.FileID] = true
	}
	for _, g := range mets.Grps {
		for _, f := range g.Files {
			name, err := url.PathUnescape(f.FLocat.Href)
			if err != nil {
				t.Fatal(err)
			}
			b, ok := entries[name]
			if !ok {
				t.Errorf("METS names %s, not in the zip", name)
				continue
			}
			if !strings.HasPrefix(name, "representations/"+strings.TrimPrefix(g.Use, "Representations/")+"/data/") {
				t.Errorf("%s in fileGrp %s", name, g.Use)
			}
			if f.Checksum != sum(string(b)) || f.ChecksumType != "SHA-256" || f.Size != int64(len(b)) || f.MIMEType == "" {
				t.Errorf("%s: METS says %s %d, zip has %s %d", name, f.Checksum, f.Size, sum(string(b)), len(b))
			}
			if !fptrs[f.ID] {
				t.Errorf("%s not in the structMap", f.ID)
			}
			listed = append(listed, name)
		}
	}
	wantListed := []string{
		"representations/rep1/data/doc-0001/Công văn 1595.pdf",
		"representations/rep0/data/doc-0001/trang 1.tif",
		"representations/rep0/data/doc-0001/trang 2.tif",
		"representations/rep1/data/20250301-0002/qd_12.pdf",
	}
	if len(listed) != len(wantListed) || len(entries) != len(wantListed)+3 {
		t.Errorf("METS lists %q; zip has %d entries", listed, len(entries))
	}
	for _, w := range wantListed {
		if _, ok := entries[w]; !ok {
			t.Errorf("zip lacks %s", w)
		}
	}
	for _, ref := range []pRef{mets.Dmd, mets.Amd} {
		b := entries[ref.Href]
		if b == nil || ref.Checksum != sum(string(b)) || ref.Size != int64(len(b)) {
			t.Errorf("mdRef %s %s: checksum or size differs from the zip", ref.MDType, ref.Href)
		}
	}

	var ead pEAD
	if err := xml.Unmarshal(entries[eadPath], &ead); err != nil {
		t.Fatalf("EAD.xml: %v", err)
	}
	if ead.Title != pkg.Title || len(ead.C) != 2 {
		t.Fatalf("EAD title %q, %d components", ead.Title, len(ead.C))
	}
	c := ead.C[0]
	d1 := pkg.Documents[0].Metadata
	if c.Title != d1.Subject || c.UnitIDs[0] != "1595/SGDĐT-CTrTT" || c.Date.Normal != "2020-04-08" ||
		c.Genre != "Công văn" || c.Extent != "2" || c.Lang.Code != "vie" || c.Access != "01" || c.Keyword != "tuyển sinh" {
		t.Errorf("EAD c[0] = %+v", c)
	}
	if len(c.Corp) != 2 || c.Corp[1] != d1.OrganName || len(c.DAOs) != 3 {
		t.Errorf("EAD c[0] origination %q daos %d", c.Corp, len(c.DAOs))
	}
	notes := map[string]string{}
	for _, n := range c.Notes {
		notes[n.Type] = n.P
	}
	if notes["place"] != "Đà Nẵng" || notes["signerFullName"] != "Nguyễn Văn An" || notes["maintenance"] != "70 năm" {
		t.Errorf("EAD notes %v", notes)
	}
	if ead.C[1].ID != "c-20250301-0002" || ead.C[1].Title != "Về việc công nhận\uFFFD kết quả" {
		t.Errorf("EAD c[1] id %q title %q (a control character must not break the XML)", ead.C[1].ID, ead.C[1].Title)
	}

	var premis pPREMIS
	if err := xml.Unmarshal(entries[premisPath], &premis); err != nil {
		t.Fatalf("PREMIS.xml: %v", err)
	}
	if len(premis.Objects) != 4 {
		t.Fatalf("%d PREMIS objects", len(premis.Objects))
	}
	for _, o := range premis.Objects {
		b := entries[o.ID]
		if b == nil || o.Digest != sum(string(b)) || o.Size != int64(len(b)) || o.Type != "file" {
			t.Errorf("PREMIS object %s does not match the zip", o.ID)
		}
	}
	if premis.Objects[0].Format != "PDF/A" {
		t.Errorf("format %q", premis.Objects[0].Format)
	}
	// Three document events linked to the three files of doc 1, then the
	// package creation linked to all four.
	if len(premis.Events) != 4 || premis.Events[1].Type != "metadata modification" ||
		len(premis.Events[1].Objects) != 3 || len(premis.Events[3].Objects) != 4 {
		t.Errorf("PREMIS events %+v", premis.Events)
	}
	agents := map[string]string{}
	for _, a := range premis.Agents {
		agents[a.ID] = a.Name + "/" + a.Type
	}
	for _, e := range premis.Events {
		for _, a := range e.Agents {
			if agents[a] == "" {
				t.Errorf("event %s links unknown agent %s", e.Type, a)
			}
		}
	}
	if len(premis.Agents) != 4 { // sohoa, sohoa 0.9.0, lan.nguyen, the school
		t.Errorf("agents %v", agents)
	}

	if path, err := exec.LookPath("xmllint"); err == nil {
		dir := t.TempDir()
		for _, name := range []string{"METS.xml", eadPath, premisPath} {
			f := filepath.Join(dir, filepath.Base(name))
			if err := os.WriteFile(f, entries[name], 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(path, "--noout", f).CombinedOutput(); err != nil {
				t.Errorf("xmllint %s: %v\n%s", name, err, out)
			}
		}
	} else {
		t.Log("xmllint not installed (Debian libxml2-utils): well-formedness checked by encoding/xml only")
	}
}

func TestWriteDeterministic(t *testing.T) {
	a := writePackage(t, testPackage())
	b := writePackage(t, testPackage())
	if !bytes.Equal(a, b) {
		t.Error("two writes of the same package differ")
	}
	p := testPackage()
	p.Created = p.Created.Add(time.Second)
	if bytes.Equal(a, writePackage(t, p)) {
		t.Error("the package time does not reach the output")
	}
}

func TestWriteErrors(t *testing.T) {
	openErr := errors.New("disk on fire")
	tests := []struct {
		name   string
		change func(*Package)
		is     error
		want   string
	}{
		{"fixity", func(p *Package) { p.Documents[0].Files[0].SHA256 = sum("other") }, ErrFixity, "trang 1.tif"},
		{"open fails", func(p *Package) {
			p.Documents[1].Files[0].Open = func() (io.ReadCloser, error) { return nil, openErr }
		}, openErr, "20250301-0002"},
		{"no id", func(p *Package) { p.ID = " " }, nil, "no ID"},
		{"no time", func(p *Package) { p.Created = time.Time{} }, nil, "Created"},
		{"same doc id", func(p *Package) { p.Documents[1].Metadata.DocID = "doc-0001" }, nil, "repeated"},
		{"same file twice", func(p *Package) {
			p.Documents[0].Files = append(p.Documents[0].Files, p.Documents[0].Files[1])
		}, nil, "two files"},
		{"no open", func(p *Package) { p.Documents[0].Files[0].Open = nil }, nil, "no Open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPackage()
			tt.change(&p)
			err := Write(io.Discard, p)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestSafeSegment(t *testing.T) {
	tests := []struct{ in, want string }{
		{"scan.pdf", "scan.pdf"}, {"a/b\\c", "a_b_c"}, {"..", "_.."}, {"", "_"},
		{"Quye\u0302\u0301t định.pdf", "Quyết định.pdf"}, {"x\x00y?.pdf", "xy_.pdf"},
	}
	for _, tt := range tests {
		if got := safeSegment(tt.in); got != tt.want {
			t.Errorf("safeSegment(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// BenchmarkWriteLargePDF streams a 64 MiB file through Write.
func BenchmarkWriteLargePDF(b *testing.B) {
	const size = 64 << 20
	p := testPackage()
	p.Documents[1].Files[0].Open = func() (io.ReadCloser, error) {
		return io.NopCloser(io.LimitReader(zeros{}, size)), nil
	}
	b.SetBytes(size)
	for b.Loop() {
		if err := Write(io.Discard, p); err != nil {
			b.Fatal(err)
		}
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
