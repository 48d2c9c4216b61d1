// Package eark writes a dossier (hồ sơ) as an E-ARK CSIP information
// package, the transfer format Thông tư 05/2025/TT-BNV asks for: one zip
// per dossier holding
//
//	<id>/METS.xml                                  root METS (CSIP profile)
//	<id>/metadata/descriptive/EAD.xml              EAD 2002: the dossier and one <c> per document
//	<id>/metadata/preservation/PREMIS.xml          PREMIS 3: an object per file, the events, the agents
//	<id>/representations/rep1/data/<docId>/<file>  the digitized PDF(s)
//	<id>/representations/rep0/data/<docId>/<file>  the original scans
//
// CSIP wants a zipped package to unpack to a single folder, named here
// after Package.ID. MAPPING.md maps the metadata.json fields to EAD.
//
// The package knows nothing of the pipeline or the store: the caller fills
// a Package, and each file is opened through File.Open only while it is
// copied, so large PDFs stream through into the zip. Checksums are
// computed while copying; a file whose expected SHA-256 is given and does
// not match fails the export (fixity check on the way out). The metadata
// files are written after the content, once every checksum is known.
//
// Output is deterministic: every zip entry carries Package.Created as its
// time, entries come in a fixed order, and the XML is generated from the
// Package alone.
package eark

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
	"unicode"

	"github.com/sohoa/sohoa/metadata"
	"golang.org/x/text/unicode/norm"
)

// Package is one dossier to export.
type Package struct {
	// ID identifies the package (METS OBJID) and names its root folder;
	// typically the dossier's fileCode or a UUID.
	ID string
	// FileCode and Title describe the dossier (hồ sơ) in EAD.
	FileCode string
	Title    string
	// Creator is the organisation that made the package (METS agent
	// CREATOR of type ORGANIZATION, EAD origination); optional.
	Creator string
	// Created is the package's creation time: METS CREATEDATE, and the
	// modification time of every zip entry, which keeps output stable.
	Created time.Time
	// Software and SoftwareVersion name the tool (METS agent, PREMIS
	// agent); Software defaults to "sohoa".
	Software        string
	SoftwareVersion string
	Documents       []Document
	// Events are package-level events (for example the dossier's
	// approval), linked to every file.
	Events []Event
}

// Document is one document of the dossier.
type Document struct {
	// Metadata is the document's metadata.json; DocID names it.
	Metadata metadata.Document
	Files    []File
	// Events are the document's history (digitization, review changes,
	// approval, signing), linked to every file of the document.
	Events []Event
}

// Role says which representation a file belongs to.
type Role int

const (
	// RoleDigitized is the searchable (and signed) PDF: representation rep1.
	RoleDigitized Role = iota
	// RoleOriginal is an original scan, untouched: representation rep0.
	RoleOriginal
)

// File is one content file.
type File struct {
	Role Role
	// Name is the file's name in the package, below its document's folder
	// (a base name; unsafe characters are replaced).
	Name     string
	MIMEType string
	// FormatName and FormatVersion go to PREMIS (e.g. "PDF/A", "2u");
	// FormatName defaults to MIMEType.
	FormatName    string
	FormatVersion string
	// SHA256, when set (lower-case hex), is checked against the content.
	SHA256 string
	// Created is the file's creation time (METS @CREATED); optional.
	Created time.Time
	// Open returns the content. It is called once, during Write.
	Open func() (io.ReadCloser, error)
}

// Event is one step of a document's or the package's history.
type Event struct {
	// Type is a PREMIS event type, e.g. "digitization", "metadata
	// modification", "validation", "digital signature generation".
	Type   string
	Time   time.Time
	Actor  string // person or organisation, optional
	Tool   string // software and version, optional
	Detail string
	// Outcome defaults to "success".
	Outcome string
}

// Profile is the CSIP METS profile the root METS claims.
const Profile = "https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml"

// ErrFixity is wrapped by Write's error when a file's content does not
// have the SHA-256 the caller gave.
var ErrFixity = errors.New("checksum mismatch")

// written is a content file after it was copied into the zip.
type written struct {
	id      string // METS file ID
	href    string // path relative to the package root
	doc     int    // index of its document
	file    File
	size    int64
	sha256  string
	created time.Time
}

// Write writes pkg as one zip to w.
func Write(w io.Writer, pkg Package) error {
	if err := check(&pkg); err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	// Scans and PDFs are compressed already: the fastest level saves CPU
	// and loses little. Registered on this writer only.
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	root := safeSegment(pkg.ID) + "/"
	var files []written
	seen := map[string]bool{}
	for di, doc := range pkg.Documents {
		for _, role := range []Role{RoleDigitized, RoleOriginal} {
			for _, f := range doc.Files {
				if f.Role != role {
					continue
				}
				href := path.Join("representations", repName(role), "data", safeSegment(doc.Metadata.DocID), safeSegment(f.Name))
				if seen[strings.ToLower(href)] {
					return fmt.Errorf("eark %s: document %s: two files named %s", pkg.ID, doc.Metadata.DocID, href)
				}
				seen[strings.ToLower(href)] = true
				wf := written{id: fmt.Sprintf("file-%04d", len(files)+1), href: href, doc: di, file: f, created: f.Created}
				if err := copyFile(zw, root+href, pkg.Created, &wf); err != nil {
					return fmt.Errorf("eark %s: document %s: %s: %w", pkg.ID, doc.Metadata.DocID, f.Name, err)
				}
				files = append(files, wf)
			}
		}
	}
	ead, err := marshalXML(buildEAD(pkg, files))
	if err != nil {
		return fmt.Errorf("eark %s: EAD: %w", pkg.ID, err)
	}
	premis, err := marshalXML(buildPREMIS(pkg, files))
	if err != nil {
		return fmt.Errorf("eark %s: PREMIS: %w", pkg.ID, err)
	}
	mets, err := marshalXML(buildMETS(pkg, files, ead, premis))
	if err != nil {
		return fmt.Errorf("eark %s: METS: %w", pkg.ID, err)
	}
	for _, e := range []struct {
		name string
		data []byte
	}{{eadPath, ead}, {premisPath, premis}, {"METS.xml", mets}} {
		if err := putBytes(zw, root+e.name, pkg.Created, e.data); err != nil {
			return fmt.Errorf("eark %s: %s: %w", pkg.ID, e.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("eark %s: %w", pkg.ID, err)
	}
	return nil
}

// Paths of the metadata files, relative to the package root.
const (
	eadPath    = "metadata/descriptive/EAD.xml"
	premisPath = "metadata/preservation/PREMIS.xml"
)

func repName(r Role) string {
	if r == RoleOriginal {
		return "rep0"
	}
	return "rep1"
}

// check rejects a package that cannot be written and fills defaults.
func check(pkg *Package) error {
	if strings.TrimSpace(pkg.ID) == "" {
		return errors.New("eark: package has no ID")
	}
	if pkg.Created.IsZero() {
		return fmt.Errorf("eark %s: Created is zero: it dates the package and its entries", pkg.ID)
	}
	if pkg.Software == "" {
		pkg.Software = "sohoa"
	}
	ids := map[string]bool{}
	for _, d := range pkg.Documents {
		id := d.Metadata.DocID
		if id == "" || ids[id] {
			return fmt.Errorf("eark %s: document ID %q is empty or repeated", pkg.ID, id)
		}
		ids[id] = true
		for _, f := range d.Files {
			if f.Open == nil || f.Name == "" {
				return fmt.Errorf("eark %s: document %s: a file has no name or no Open", pkg.ID, id)
			}
		}
	}
	return nil
}

// copyFile streams one content file into the zip, hashing it.
func copyFile(zw *zip.Writer, name string, modified time.Time, wf *written) error {
	rc, err := wf.file.Open()
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	defer rc.Close()
	out, err := zw.CreateHeader(header(name, modified))
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), rc)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	if err := rc.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	wf.size, wf.sha256 = n, hex.EncodeToString(h.Sum(nil))
	if want := strings.ToLower(wf.file.SHA256); want != "" && want != wf.sha256 {
		return fmt.Errorf("%w: content has SHA-256 %s, the record says %s", ErrFixity, wf.sha256, want)
	}
	return nil
}

func putBytes(zw *zip.Writer, name string, modified time.Time, data []byte) error {
	out, err := zw.CreateHeader(header(name, modified))
	if err != nil {
		return err
	}
	_, err = out.Write(data)
	return err
}

func header(name string, modified time.Time) *zip.FileHeader {
	return &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified.UTC()}
}

// safeSegment makes s usable as one path segment in a zip and a METS
// xlink:href: NFC, no separators or control characters, not "." or "..".
func safeSegment(s string) string {
	s = norm.NFC.String(strings.TrimSpace(s))
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\' || r == ':' || r == '*' || r == '?' || r == '"' || r == '<' || r == '>' || r == '|' || r == '#' || r == '%':
			return '_'
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	if s == "" || strings.Trim(s, ".") == "" {
		return "_" + s
	}
	return s
}

// marshalXML renders v as an indented UTF-8 XML document.
func marshalXML(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// sha256Hex is the SHA-256 of data in lower-case hex.
func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// xmlTime formats a time as xs:dateTime.
func xmlTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
