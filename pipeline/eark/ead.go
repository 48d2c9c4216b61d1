package eark

import (
	"encoding/xml"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa/sohoa/metadata"
)

// nsEAD is the namespace of EAD 2002.
const nsEAD = "urn:isbn:1-931666-22-9"

type eadRoot struct {
	XMLName  xml.Name    `xml:"ead"`
	NS       string      `xml:"xmlns,attr"`
	NSXlink  string      `xml:"xmlns:xlink,attr"`
	Header   eadHeader   `xml:"eadheader"`
	Archdesc eadArchdesc `xml:"archdesc"`
}

type eadHeader struct {
	EADID       string        `xml:"eadid"`
	TitleProper string        `xml:"filedesc>titlestmt>titleproper"`
	Creation    eadCreation   `xml:"profiledesc>creation"`
	Languages   []eadLanguage `xml:"profiledesc>langusage>language"`
}

type eadCreation struct {
	Text string  `xml:",chardata"`
	Date eadDate `xml:"date"`
}

type eadDate struct {
	Normal string `xml:"normal,attr,omitempty"`
	Label  string `xml:"label,attr,omitempty"`
	Text   string `xml:",chardata"`
}

type eadLanguage struct {
	LangCode string `xml:"langcode,attr,omitempty"`
	Text     string `xml:",chardata"`
}

type eadArchdesc struct {
	Level string         `xml:"level,attr"`
	Did   eadDid         `xml:"did"`
	Dsc   []eadComponent `xml:"dsc>c"`
}

type eadDid struct {
	UnitIDs      []eadUnitID      `xml:"unitid"`
	UnitTitle    string           `xml:"unittitle,omitempty"`
	UnitDate     *eadDate         `xml:"unitdate"`
	Origination  *eadOrigination  `xml:"origination"`
	Physdesc     *eadPhysdesc     `xml:"physdesc"`
	LangMaterial *eadLangMaterial `xml:"langmaterial"`
	DAOs         []eadDAO         `xml:"dao"`
	Notes        []eadNote        `xml:"note"`
}

type eadUnitID struct {
	Type  string `xml:"type,attr,omitempty"`
	Label string `xml:"label,attr,omitempty"`
	Text  string `xml:",chardata"`
}

type eadOrigination struct {
	Label     string        `xml:"label,attr,omitempty"`
	CorpNames []eadCorpName `xml:"corpname"`
}

type eadCorpName struct {
	Role string `xml:"role,attr,omitempty"`
	Text string `xml:",chardata"`
}

type eadPhysdesc struct {
	GenreForm *eadTyped  `xml:"genreform"`
	Extent    *eadExtent `xml:"extent"`
}

type eadTyped struct {
	Type string `xml:"type,attr,omitempty"`
	Text string `xml:",chardata"`
}

type eadExtent struct {
	Unit string `xml:"unit,attr,omitempty"`
	Text string `xml:",chardata"`
}

type eadLangMaterial struct {
	Language eadLanguage `xml:"language"`
}

type eadDAO struct {
	XlinkType string `xml:"xlink:type,attr"`
	Href      string `xml:"xlink:href,attr"`
	Role      string `xml:"xlink:role,attr,omitempty"`
	Title     string `xml:"xlink:title,attr,omitempty"`
}

type eadNote struct {
	Type  string `xml:"type,attr,omitempty"`
	Label string `xml:"label,attr,omitempty"`
	P     string `xml:"p"`
}

type eadComponent struct {
	ID             string      `xml:"id,attr"`
	Level          string      `xml:"level,attr"`
	Did            eadDid      `xml:"did"`
	AccessRestrict *eadTypedP  `xml:"accessrestrict"`
	ControlAccess  *eadSubject `xml:"controlaccess"`
}

type eadTypedP struct {
	Type string `xml:"type,attr,omitempty"`
	P    string `xml:"p"`
}

type eadSubject struct {
	Subject string `xml:"subject"`
}

// langCodes maps BCP 47 primary tags to the ISO 639-2/B codes EAD's
// langcode attribute takes.
var langCodes = map[string]string{"vi": "vie", "en": "eng", "fr": "fre", "zh": "chi", "ru": "rus", "de": "ger", "km": "khm", "lo": "lao"}

func langCode(tag string) string {
	primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
	return langCodes[primary]
}

// vnDate writes an ISO date the Vietnamese way, DD/MM/YYYY, for display.
func vnDate(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("02/01/2006")
}

// noteFields are the schema fields EAD has no element for: written as
// did/note with type = the schema key (MAPPING.md).
var noteFields = []struct {
	key, label string
	get        func(*metadata.Document) string
}{
	{"place", "Địa danh", func(d *metadata.Document) string { return d.Place }},
	{"signerAuthority", "Quyền hạn người ký", func(d *metadata.Document) string { return d.SignerAuthority }},
	{"signerPosition", "Chức vụ người ký", func(d *metadata.Document) string { return d.SignerPosition }},
	{"signerFullName", "Họ tên người ký", func(d *metadata.Document) string { return d.SignerFullName }},
	{"maintenance", "Thời hạn bảo quản", func(d *metadata.Document) string { return d.Maintenance }},
	{"autograph", "Bút tích", func(d *metadata.Document) string { return d.Autograph }},
	{"description", "Ghi chú", func(d *metadata.Document) string { return d.Description }},
	{"confidenceLevel", "Mức độ tin cậy", func(d *metadata.Document) string { return d.ConfidenceLevel }},
	{"fileCode", "Mã hồ sơ", func(d *metadata.Document) string { return d.FileCode }},
}

func buildEAD(pkg Package, files []written) eadRoot {
	e := eadRoot{NS: nsEAD, NSXlink: nsXlink}
	e.Header = eadHeader{
		EADID:       pkg.ID,
		TitleProper: pkg.Title,
		Creation: eadCreation{
			Text: strings.TrimSpace(pkg.Software + " " + pkg.SoftwareVersion),
			Date: eadDate{Normal: pkg.Created.UTC().Format(time.DateOnly), Text: pkg.Created.UTC().Format(time.DateOnly)},
		},
		Languages: []eadLanguage{{LangCode: "vie", Text: "Tiếng Việt"}},
	}
	ad := eadArchdesc{Level: "file"}
	if pkg.FileCode != "" {
		ad.Did.UnitIDs = []eadUnitID{{Type: "fileCode", Label: "Mã hồ sơ", Text: pkg.FileCode}}
	}
	ad.Did.UnitTitle = pkg.Title
	if pkg.Creator != "" {
		ad.Did.Origination = &eadOrigination{CorpNames: []eadCorpName{{Text: pkg.Creator}}}
	}
	ad.Did.Physdesc = &eadPhysdesc{Extent: &eadExtent{Unit: "documents", Text: strconv.Itoa(len(pkg.Documents))}}
	for di, doc := range pkg.Documents {
		ad.Dsc = append(ad.Dsc, component(&doc.Metadata, files, di))
	}
	e.Archdesc = ad
	return e
}

// component maps one document's metadata to an EAD <c> (MAPPING.md).
func component(m *metadata.Document, files []written, di int) eadComponent {
	c := eadComponent{ID: ncName("c-" + m.DocID), Level: "item"}
	did := &c.Did
	if num := joinNonEmpty("/", m.CodeNumber, m.CodeNotation); num != "" {
		did.UnitIDs = append(did.UnitIDs, eadUnitID{Type: "codeNumber/codeNotation", Label: "Số, ký hiệu", Text: num})
	}
	if m.DocCode != "" {
		did.UnitIDs = append(did.UnitIDs, eadUnitID{Type: "docCode", Label: "Mã định danh văn bản", Text: m.DocCode})
	}
	did.UnitIDs = append(did.UnitIDs, eadUnitID{Type: "docId", Text: m.DocID})
	did.UnitTitle = m.Subject
	if m.IssuedDate != "" {
		did.UnitDate = &eadDate{Normal: m.IssuedDate, Label: "Ngày ban hành", Text: vnDate(m.IssuedDate)}
	}
	if m.OrganName != "" || m.ParentOrganName != "" {
		o := &eadOrigination{Label: "Cơ quan ban hành"}
		if m.ParentOrganName != "" {
			o.CorpNames = append(o.CorpNames, eadCorpName{Role: "parentOrganName", Text: m.ParentOrganName})
		}
		if m.OrganName != "" {
			o.CorpNames = append(o.CorpNames, eadCorpName{Role: "organName", Text: m.OrganName})
		}
		did.Origination = o
	}
	pd := &eadPhysdesc{}
	if m.TypeName != "" {
		pd.GenreForm = &eadTyped{Type: "typeName", Text: m.TypeName}
	}
	if m.NumberOfPage > 0 {
		pd.Extent = &eadExtent{Unit: "pages", Text: strconv.Itoa(m.NumberOfPage)}
	}
	if pd.GenreForm != nil || pd.Extent != nil {
		did.Physdesc = pd
	}
	if m.Language != "" {
		did.LangMaterial = &eadLangMaterial{Language: eadLanguage{LangCode: langCode(m.Language), Text: m.Language}}
	}
	for _, f := range files {
		if f.doc == di {
			did.DAOs = append(did.DAOs, eadDAO{XlinkType: "simple", Href: hrefOf(f.href), Role: repName(f.file.Role), Title: f.file.Name})
		}
	}
	for _, nf := range noteFields {
		if v := nf.get(m); v != "" {
			did.Notes = append(did.Notes, eadNote{Type: nf.key, Label: nf.label, P: v})
		}
	}
	if m.Mode != "" {
		c.AccessRestrict = &eadTypedP{Type: "mode", P: m.Mode}
	}
	if m.Keyword != "" {
		c.ControlAccess = &eadSubject{Subject: m.Keyword}
	}
	return c
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// ncName makes s an XML NCName (for xs:ID attributes): ASCII letters,
// digits, '-', '_' and '.', starting with a letter or '_'.
func ncName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out == "" || !(out[0] >= 'a' && out[0] <= 'z' || out[0] >= 'A' && out[0] <= 'Z' || out[0] == '_') {
		out = "_" + out
	}
	return out
}
