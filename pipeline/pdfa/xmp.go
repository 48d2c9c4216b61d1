package pdfa

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// xmpPadding leaves whitespace inside the packet so a later tool can grow
// the metadata in place, as the XMP specification recommends.
const xmpPadding = 2000

// Namespaces of the XMP schemas written.
const (
	nsRDF          = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	nsPDFAID       = "http://www.aiim.org/pdfa/ns/id/"
	nsDC           = "http://purl.org/dc/elements/1.1/"
	nsXMP          = "http://ns.adobe.com/xap/1.0/"
	nsPDF          = "http://ns.adobe.com/pdf/1.3/"
	nsPDFAExt      = "http://www.aiim.org/pdfa/ns/extension/"
	nsPDFASchema   = "http://www.aiim.org/pdfa/ns/schema#"
	nsPDFAProperty = "http://www.aiim.org/pdfa/ns/property#"
)

// xmlEscape escapes text for XML element content. Only what must be escaped is, so the packet stays readable to
// people and to tools that scan files for it; characters XML 1.0 cannot hold
// become U+FFFD.
func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\r':
			b.WriteString("&#xD;") // a raw CR would be read back as LF
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20 || (r >= 0xD800 && r <= 0xDFFF) || r == 0xFFFE || r == 0xFFFF || r == utf8.RuneError:
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// xmpDate formats t as an XMP (ISO 8601) date with its zone.
func xmpDate(t time.Time) string {
	if _, off := t.Zone(); off == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05-07:00")
}

// xmpWriter writes the elements of an XMP packet.
type xmpWriter struct{ bytes.Buffer }

// description opens an rdf:Description declaring the given prefixes.
func (x *xmpWriter) description(ns ...string) {
	x.WriteString("<rdf:Description rdf:about=\"\"")
	for i := 0; i+1 < len(ns); i += 2 {
		fmt.Fprintf(x, "\n  xmlns:%s=\"%s\"", ns[i], xmlEscape(ns[i+1]))
	}
	x.WriteString(">\n")
}

func (x *xmpWriter) end() { x.WriteString("</rdf:Description>\n") }

// simple writes a property with a text value.
func (x *xmpWriter) simple(prop, value string) {
	fmt.Fprintf(x, " <%s>%s</%s>\n", prop, xmlEscape(value), prop)
}

// array writes a property whose value is an rdf:Bag, rdf:Seq or rdf:Alt of
// the items (x-default language alternatives for an Alt).
func (x *xmpWriter) array(prop, kind string, items ...string) {
	if len(items) == 0 {
		fmt.Fprintf(x, " <%s><rdf:%s/></%s>\n", prop, kind, prop)
		return
	}
	fmt.Fprintf(x, " <%s><rdf:%s>", prop, kind)
	for _, it := range items {
		if kind == "Alt" {
			fmt.Fprintf(x, "<rdf:li xml:lang=\"x-default\">%s</rdf:li>", xmlEscape(it))
		} else {
			fmt.Fprintf(x, "<rdf:li>%s</rdf:li>", xmlEscape(it))
		}
	}
	fmt.Fprintf(x, "</rdf:%s></%s>\n", kind, prop)
}

// buildXMP returns the XMP packet: the PDF/A identification, the same
// metadata as the Info dictionary in the properties PDF/A maps each Info
// entry to, and the document fields with the extension schema that declares
// them.
func buildXMP(info Info) []byte {
	var x xmpWriter
	x.WriteString("<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	x.WriteString("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n")
	fmt.Fprintf(&x, "<rdf:RDF xmlns:rdf=\"%s\">\n", nsRDF)

	x.description("pdfaid", nsPDFAID)
	x.simple("pdfaid:part", info.flavour().part())
	x.simple("pdfaid:conformance", "U")
	x.end()

	x.description("dc", nsDC)
	x.simple("dc:format", "application/pdf")
	if info.Title != "" {
		x.array("dc:title", "Alt", info.Title)
	}
	if info.Author != "" {
		x.array("dc:creator", "Seq", info.Author)
	}
	if info.Subject != "" {
		x.array("dc:description", "Alt", info.Subject)
	}
	if info.Date != "" {
		x.array("dc:date", "Seq", info.Date)
	}
	if info.Language != "" {
		x.array("dc:language", "Bag", info.Language)
	}
	x.end()

	x.description("pdf", nsPDF, "xmp", nsXMP)
	x.simple("pdf:Producer", info.Producer)
	if info.Keywords != "" {
		x.simple("pdf:Keywords", info.Keywords)
	}
	if !info.Created.IsZero() {
		x.simple("xmp:CreateDate", xmpDate(info.Created))
	}
	if mod := info.modified(); !mod.IsZero() {
		x.simple("xmp:ModifyDate", xmpDate(mod))
		x.simple("xmp:MetadataDate", xmpDate(mod))
	}
	x.end()

	if len(info.Fields) > 0 {
		writeExtensionSchema(&x, info.Fields)
		x.description(XMPPrefix, XMPNamespace)
		for _, f := range info.Fields {
			prop := XMPPrefix + ":" + f.Name
			switch {
			case f.Type == TextBag:
				x.array(prop, "Bag", f.Items...)
			case f.Type == Date && f.Value == "":
				// An unknown date has no valid XMP form: leave it out.
			default:
				x.simple(prop, f.Value)
			}
		}
		x.end()
	}

	x.WriteString("</rdf:RDF>\n</x:xmpmeta>\n")
	for i := 0; i < xmpPadding/100; i++ {
		x.WriteString(strings.Repeat(" ", 99) + "\n")
	}
	x.WriteString("<?xpacket end=\"w\"?>")
	return x.Bytes()
}

// writeExtensionSchema declares the document fields' namespace and
// properties as PDF/A requires for any schema outside its predefined list
// (ISO 19005-2 6.6.2.3.3).
func writeExtensionSchema(x *xmpWriter, fields []Field) {
	x.description("pdfaExtension", nsPDFAExt, "pdfaSchema", nsPDFASchema, "pdfaProperty", nsPDFAProperty)
	x.WriteString(" <pdfaExtension:schemas><rdf:Bag>\n  <rdf:li rdf:parseType=\"Resource\">\n")
	x.WriteString("   <pdfaSchema:schema>sohoa document metadata (metadata.json)</pdfaSchema:schema>\n")
	fmt.Fprintf(x, "   <pdfaSchema:namespaceURI>%s</pdfaSchema:namespaceURI>\n", xmlEscape(XMPNamespace))
	fmt.Fprintf(x, "   <pdfaSchema:prefix>%s</pdfaSchema:prefix>\n", XMPPrefix)
	x.WriteString("   <pdfaSchema:property><rdf:Seq>\n")
	for _, f := range fields {
		desc := f.Description
		if desc == "" {
			desc = "Field " + f.Name + " of the document's metadata.json"
		}
		x.WriteString("    <rdf:li rdf:parseType=\"Resource\">\n")
		fmt.Fprintf(x, "     <pdfaProperty:name>%s</pdfaProperty:name>\n", f.Name)
		fmt.Fprintf(x, "     <pdfaProperty:valueType>%s</pdfaProperty:valueType>\n", f.Type.xmpType())
		x.WriteString("     <pdfaProperty:category>external</pdfaProperty:category>\n")
		fmt.Fprintf(x, "     <pdfaProperty:description>%s</pdfaProperty:description>\n", xmlEscape(desc))
		x.WriteString("    </rdf:li>\n")
	}
	x.WriteString("   </rdf:Seq></pdfaSchema:property>\n  </rdf:li>\n </rdf:Bag></pdfaExtension:schemas>\n")
	x.end()
}
