package eark

import (
	"encoding/xml"
	"net/url"
	"strings"
)

// Namespaces of the root METS.
const (
	nsMETS  = "http://www.loc.gov/METS/"
	nsXlink = "http://www.w3.org/1999/xlink"
	nsCSIP  = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
	nsXSI   = "http://www.w3.org/2001/XMLSchema-instance"
)

// contentCategory is mets/@TYPE from the CSIP content category
// vocabulary: digitized paper documents.
const contentCategory = "Textual works – Print"

// The METS document. Prefixed attributes are written with their prefix
// literally and the prefixes declared on the root, which encoding/xml
// would otherwise redeclare on every element.
type metsRoot struct {
	XMLName   xml.Name  `xml:"mets"`
	NS        string    `xml:"xmlns,attr"`
	NSXlink   string    `xml:"xmlns:xlink,attr"`
	NSCSIP    string    `xml:"xmlns:csip,attr"`
	NSXSI     string    `xml:"xmlns:xsi,attr"`
	ObjID     string    `xml:"OBJID,attr"`
	Label     string    `xml:"LABEL,attr,omitempty"`
	Type      string    `xml:"TYPE,attr"`
	CIType    string    `xml:"csip:CONTENTINFORMATIONTYPE,attr"`
	OtherCI   string    `xml:"csip:OTHERCONTENTINFORMATIONTYPE,attr"`
	Profile   string    `xml:"PROFILE,attr"`
	Hdr       metsHdr   `xml:"metsHdr"`
	DmdSec    mdSec     `xml:"dmdSec"`
	AmdSec    amdSec    `xml:"amdSec"`
	FileSec   fileSec   `xml:"fileSec"`
	StructMap structMap `xml:"structMap"`
}

type metsHdr struct {
	CreateDate   string      `xml:"CREATEDATE,attr"`
	RecordStatus string      `xml:"RECORDSTATUS,attr"`
	PackageType  string      `xml:"csip:OAISPACKAGETYPE,attr"`
	Agents       []metsAgent `xml:"agent"`
}

type metsAgent struct {
	Role      string     `xml:"ROLE,attr"`
	Type      string     `xml:"TYPE,attr"`
	OtherType string     `xml:"OTHERTYPE,attr,omitempty"`
	Name      string     `xml:"name"`
	Note      *agentNote `xml:"note,omitempty"`
}

type agentNote struct {
	NoteType string `xml:"csip:NOTETYPE,attr"`
	Text     string `xml:",chardata"`
}

type mdSec struct {
	ID      string `xml:"ID,attr"`
	Created string `xml:"CREATED,attr"`
	Status  string `xml:"STATUS,attr"`
	Ref     mdRef  `xml:"mdRef"`
}

type amdSec struct {
	DigiprovMD mdSec `xml:"digiprovMD"`
}

type mdRef struct {
	LocType      string `xml:"LOCTYPE,attr"`
	XlinkType    string `xml:"xlink:type,attr"`
	Href         string `xml:"xlink:href,attr"`
	MDType       string `xml:"MDTYPE,attr"`
	MIMEType     string `xml:"MIMETYPE,attr"`
	Size         int64  `xml:"SIZE,attr"`
	Created      string `xml:"CREATED,attr"`
	Checksum     string `xml:"CHECKSUM,attr"`
	ChecksumType string `xml:"CHECKSUMTYPE,attr"`
}

type fileSec struct {
	ID   string    `xml:"ID,attr"`
	Grps []fileGrp `xml:"fileGrp"`
}

type fileGrp struct {
	ID    string     `xml:"ID,attr"`
	Use   string     `xml:"USE,attr"`
	Files []metsFile `xml:"file"`
}

type metsFile struct {
	ID           string `xml:"ID,attr"`
	MIMEType     string `xml:"MIMETYPE,attr"`
	Size         int64  `xml:"SIZE,attr"`
	Created      string `xml:"CREATED,attr,omitempty"`
	Checksum     string `xml:"CHECKSUM,attr"`
	ChecksumType string `xml:"CHECKSUMTYPE,attr"`
	FLocat       flocat `xml:"FLocat"`
}

type flocat struct {
	LocType   string `xml:"LOCTYPE,attr"`
	XlinkType string `xml:"xlink:type,attr"`
	Href      string `xml:"xlink:href,attr"`
}

type div struct {
	ID    string `xml:"ID,attr,omitempty"`
	Type  string `xml:"TYPE,attr,omitempty"`
	Label string `xml:"LABEL,attr"`
	DmdID string `xml:"DMDID,attr,omitempty"`
	AdmID string `xml:"ADMID,attr,omitempty"`
	Fptrs []fptr `xml:"fptr"`
	Divs  []div  `xml:"div"`
}

type fptr struct {
	FileID string `xml:"FILEID,attr"`
}

// hrefOf escapes a package path for xlink:href: each segment
// percent-encoded, as xs:anyURI expects; readers unescape it.
func hrefOf(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

func buildMETS(pkg Package, files []written, ead, premis []byte) any {
	created := xmlTime(pkg.Created)
	hdr := metsHdr{CreateDate: created, RecordStatus: "NEW", PackageType: "SIP"}
	if pkg.Creator != "" {
		hdr.Agents = append(hdr.Agents, metsAgent{Role: "CREATOR", Type: "ORGANIZATION", Name: pkg.Creator})
	}
	sw := metsAgent{Role: "CREATOR", Type: "OTHER", OtherType: "SOFTWARE", Name: pkg.Software}
	if pkg.SoftwareVersion != "" {
		sw.Note = &agentNote{NoteType: "SOFTWARE VERSION", Text: pkg.SoftwareVersion}
	}
	hdr.Agents = append(hdr.Agents, sw)

	ref := func(href, mdType string, data []byte) mdRef {
		return mdRef{LocType: "URL", XlinkType: "simple", Href: hrefOf(href), MDType: mdType, MIMEType: "text/xml",
			Size: int64(len(data)), Created: created, Checksum: sha256Hex(data), ChecksumType: "SHA-256"}
	}
	m := metsRoot{
		NS: nsMETS, NSXlink: nsXlink, NSCSIP: nsCSIP, NSXSI: nsXSI,
		ObjID: pkg.ID, Label: pkg.Title, Type: contentCategory,
		CIType: "OTHER", OtherCI: "Vietnamese administrative dossier (Thông tư 05/2025/TT-BNV)",
		Profile: Profile, Hdr: hdr,
		DmdSec:  mdSec{ID: "dmd-ead", Created: created, Status: "CURRENT", Ref: ref(eadPath, "EAD", ead)},
		AmdSec:  amdSec{DigiprovMD: mdSec{ID: "digiprov-premis", Created: created, Status: "CURRENT", Ref: ref(premisPath, "PREMIS", premis)}},
		FileSec: fileSec{ID: "filesec"},
	}
	root := div{ID: "struct-root", Label: pkg.ID, Divs: []div{{ID: "struct-metadata", Label: "Metadata", DmdID: "dmd-ead", AdmID: "digiprov-premis"}}}
	for _, role := range []Role{RoleDigitized, RoleOriginal} {
		rep := repName(role)
		grp := fileGrp{ID: "filegrp-" + rep, Use: "Representations/" + rep}
		d := div{ID: "struct-" + rep, Label: "Representations/" + rep}
		for _, f := range files {
			if f.file.Role != role {
				continue
			}
			mf := metsFile{ID: f.id, MIMEType: mimeOf(f.file), Size: f.size, Checksum: f.sha256, ChecksumType: "SHA-256",
				FLocat: flocat{LocType: "URL", XlinkType: "simple", Href: hrefOf(f.href)}}
			if !f.created.IsZero() {
				mf.Created = xmlTime(f.created)
			}
			grp.Files = append(grp.Files, mf)
			d.Fptrs = append(d.Fptrs, fptr{FileID: f.id})
		}
		if len(grp.Files) > 0 {
			m.FileSec.Grps = append(m.FileSec.Grps, grp)
			root.Divs = append(root.Divs, d)
		}
	}
	m.StructMap = structMap{ID: "structmap-csip", Type: "PHYSICAL", Label: "CSIP", Div: root}
	return m
}

type structMap struct {
	ID    string `xml:"ID,attr"`
	Type  string `xml:"TYPE,attr"`
	Label string `xml:"LABEL,attr"`
	Div   div    `xml:"div"`
}

// mimeOf is the file's MIME type, application/octet-stream when unknown.
func mimeOf(f File) string {
	if f.MIMEType != "" {
		return f.MIMEType
	}
	return "application/octet-stream"
}
