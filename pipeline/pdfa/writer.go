// Package pdfa writes searchable "two-layer" PDF/A-2u (or PDF/A-3u)
// documents: each page shows the scanned page image at its scan resolution,
// and an invisible text layer (render mode 3) placed on the OCR word boxes
// makes the page searchable, so that text extraction returns the OCR text.
//
// The Writer streams: NewWriter writes the header and the shared resources
// (font, colour profile), AddPage writes one page's objects at once, and
// Close writes the page tree, the XMP metadata, the Info dictionary, any
// attachments, the catalog, a classic xref table and the trailer. Only one
// page's pixels are ever held, so a document can have any number of 300-dpi
// pages. Because the metadata is written last, what is only known once every
// page is read (title, author, the fields of metadata.json) can be given
// late with SetInfo. Output is deterministic: the same input gives the same
// bytes (the trailer /ID is a digest of the content, and the only dates are
// the ones the caller gives).
//
//	w, err := pdfa.NewWriter(f, pdfa.Info{Producer: "sohoa 1.0", Created: now, Flavour: pdfa.PDFA3U})
//	for _, p := range pages { err = w.AddPage(p) }
//	err = w.SetInfo(pdfa.Info{Title: subject, Author: organ, Date: "2019-05-31", Language: "vi", Fields: fields})
//	err = w.Attach(pdfa.Attachment{Name: "metadata.json", MIMEType: "application/json", Data: js})
//	err = w.Close()
//
// UpdateMetadata corrects the metadata of a finished file (after review, and
// before signing) by an incremental update: the pages are not re-encoded and
// the earlier revision stays in the file byte for byte.
//
// Conformance: the output is PDF/A-2u (ISO 19005-2, level U), the two-layer
// PDF/A that Thông tư 05/2025/TT-BNV asks for, or with PDFA3U PDF/A-3u
// (ISO 19005-3), which may also carry associated files: every font is
// embedded with a ToUnicode map, colour is sRGB by an OutputIntent whose ICC
// profile is generated here, metadata is XMP consistent with the Info
// dictionary, and nothing is transparent. The document fields (Info.Fields)
// go into the XMP under XMPNamespace, declared by a PDF/A extension schema.
//
// Colour profiles: a page keeps the ICC profile of its source as an
// ICCBased colour space (the base of /Indexed for a palette PNG), so that a
// scan made in, say, Adobe RGB is not read as sRGB. The profile a scanner
// embedded in Page.Encoded (a PNG's iCCP chunk, a JPEG's APP2 ICC_PROFILE
// segments) is kept whether the data is passed through or re-encoded (a
// 16-bit or transparent PNG); Page.ICCProfile carries a profile the source
// declares outside the image data (a TIFF page's InterColorProfile tag, a
// scanned PDF image's ICCBased space), used when the data has no usable
// profile of its own. Each distinct profile is written
// once per document and shared by every page that carries it. A profile is
// kept only if it is whole and PDF/A allows it for the stored samples:
// length as its header says, an input, display, output or colour-space
// class, ICC version 2 to 4, GRAY or RGB matching the image as stored (so
// an RGB profile is dropped when a neutral page is stored as grey or
// black and white), and the tags that give the samples' colorimetry.
// Otherwise the image is DeviceGray or DeviceRGB, read through the sRGB
// OutputIntent. A bad profile never fails the page.
package pdfa

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa/ocr"
)

// DefaultDPI is assumed when a page does not say its resolution.
const DefaultDPI = 300

// maxPageSize is the largest page side in points that PDF readers accept
// (ISO 32000-1 Annex C; PDF/A-2 also limits it).
const maxPageSize = 14400

// ErrNoPages is returned by Close when no page was added: a PDF must have
// at least one page.
var ErrNoPages = errors.New("pdfa: document has no pages")

// errClosed is returned by calls on a closed Writer.
var errClosed = errors.New("pdfa: writer is closed")

// Info is the document metadata; it goes into both the Info dictionary and
// the XMP packet, which PDF/A requires to agree. Text is written in Unicode
// NFC.
type Info struct {
	// Title is the document's title (dc:title, /Title); for sohoa the
	// trích yếu (subject line) of the paper.
	Title string
	// Author is who made the document (dc:creator, /Author); for sohoa the
	// issuing organ.
	Author string
	// Subject describes the document (dc:description, /Subject).
	Subject  string
	Keywords string // pdf:Keywords, /Keywords
	// Date is the date of the document itself, an XMP Date such as
	// "2019-05-31" (dc:date); for sohoa the issued date.
	Date string
	// Language is a BCP 47 tag ("vi"), the catalog /Lang and dc:language.
	Language string
	// Created is the creation date of the file, and also its modification
	// and metadata date unless Modified is set. The zero time leaves the
	// dates out. The writer never reads the clock, so output is
	// reproducible.
	Created time.Time
	// Modified is the modification and metadata date (xmp:ModifyDate,
	// xmp:MetadataDate, /ModDate); zero means Created. UpdateMetadata
	// requires it.
	Modified time.Time
	Producer string // the program; "sohoa" when empty
	// Flavour is the PDF/A flavour claimed; "" is PDFA2U.
	Flavour Flavour
	// Fields are document properties (e.g. every member of metadata.json)
	// written to the XMP under XMPNamespace, in this order. Names must be
	// unique.
	Fields []Field
}

// modified returns the modification date: Modified, or Created when unset.
func (i Info) modified() time.Time {
	if i.Modified.IsZero() {
		return i.Created
	}
	return i.Modified
}

// flavour returns the flavour, PDFA2U when unset.
func (i Info) flavour() Flavour {
	if i.Flavour == "" {
		return PDFA2U
	}
	return i.Flavour
}

var languageRE = regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`)

// check reports what is wrong with the metadata, if anything.
func (i Info) check() error {
	if i.Flavour != "" && i.Flavour != PDFA2U && i.Flavour != PDFA3U {
		return fmt.Errorf("unknown flavour %q", i.Flavour)
	}
	if i.Date != "" && !validDate(i.Date) {
		return fmt.Errorf("date %q is not an ISO 8601 date", i.Date)
	}
	if i.Language != "" && !languageRE.MatchString(i.Language) {
		return fmt.Errorf("language %q is not a BCP 47 tag", i.Language)
	}
	seen := make(map[string]bool, len(i.Fields))
	for _, f := range i.Fields {
		if err := f.check(); err != nil {
			return err
		}
		if seen[f.Name] {
			return fmt.Errorf("field %s given twice", f.Name)
		}
		seen[f.Name] = true
	}
	return nil
}

// merge returns i updated by the non-zero members of late; a non-nil
// late.Fields replaces the fields.
func (i Info) merge(late Info) Info {
	for _, m := range []struct{ dst, src *string }{
		{&i.Title, &late.Title}, {&i.Author, &late.Author}, {&i.Subject, &late.Subject},
		{&i.Keywords, &late.Keywords}, {&i.Date, &late.Date}, {&i.Language, &late.Language},
		{&i.Producer, &late.Producer},
	} {
		if *m.src != "" {
			*m.dst = *m.src
		}
	}
	if !late.Created.IsZero() {
		i.Created = late.Created
	}
	if !late.Modified.IsZero() {
		i.Modified = late.Modified
	}
	if late.Flavour != "" {
		i.Flavour = late.Flavour
	}
	if late.Fields != nil {
		i.Fields = slices.Clone(late.Fields)
	}
	return i
}

// normalized returns a copy with every text in NFC, so that the metadata
// matches the NFC text layer and searches compare equal.
func (i Info) normalized() Info {
	for _, p := range []*string{&i.Title, &i.Author, &i.Subject, &i.Keywords, &i.Producer} {
		*p = nfc(*p)
	}
	fields := make([]Field, len(i.Fields))
	for k, f := range i.Fields {
		f.Value, f.Description = nfc(f.Value), nfc(f.Description)
		f.Items = slices.Clone(f.Items)
		for j := range f.Items {
			f.Items[j] = nfc(f.Items[j])
		}
		fields[k] = f
	}
	i.Fields = fields
	return i
}

func nfc(s string) string { return norm.NFC.String(s) }

// Page is one page to write.
//
// The image is always stored as the scan holds it: a correction found by
// OCR (Rotation, SkewDegrees) is applied by the page's transformation
// matrix, not by resampling, so the archived pixels stay the scan's own
// and viewers show the page upright and straight.
type Page struct {
	// Image holds the pixels. It is used when Encoded is empty or cannot
	// be passed through.
	Image image.Image
	// Encoded is the page as stored in the source, and Format its format.
	// A "jpeg" with grey or YCbCr/RGB components is embedded untouched
	// (DCTDecode); a non-interlaced "png" without transparency, grey,
	// palette or 8-bit RGB, has its compressed pixel data copied
	// (FlateDecode with the PNG predictors). Either is used only when its
	// size equals Image's (or Image is nil), and then keeps its embedded
	// ICC profile when the profile is usable (see the package doc).
	Encoded []byte
	Format  string
	// DPI is the scan resolution: the page is pixels*72/DPI points large.
	// 0 means DefaultDPI.
	DPI float64
	// ICCProfile is the ICC profile the source declares for the page's
	// pixels outside Encoded (a TIFF page's tag, a scanned PDF image's
	// ICCBased space), nil if none. A profile embedded in a passed-through
	// Encoded comes first; otherwise this one is used, also for an image
	// re-encoded from Image, when it is usable for the stored samples (see
	// the package doc).
	ICCProfile []byte
	// Rotation (0, 90, 180 or 270) turns the image clockwise, and then
	// SkewDegrees turns it anticlockwise about the centre of the turned
	// page (ocr.Rotate, then ocr.Deskew, as ocr.Page records them). The
	// page has the size of the turned image.
	Rotation    int
	SkewDegrees float64
	// Words are the OCR words, boxes in pixel coordinates of the page as
	// shown: with no correction those of Image, origin at the top-left of
	// Image.Bounds(); otherwise those of the corrected page, origin (0,0).
	Words []ocr.Word
}

// Writer writes one PDF document. It is not safe for concurrent use.
type Writer struct {
	objs        objectWriter
	info        Info
	attachments []Attachment

	catalogNum, pagesNum, fontNum int
	outputIntentNum               int
	pageNums                      []int
	profiles                      profileStreams // the scans' own ICC profiles

	// err is sticky: after a failed write the output is unusable.
	err    error
	closed bool
}

// NewWriter writes the PDF header and the shared resources to w and returns
// a Writer for the pages. info holds what is known up front (at least
// Producer, Created and Flavour); SetInfo adds the rest before Close. Close
// does not close w.
func NewWriter(w io.Writer, info Info) (*Writer, error) {
	if info.Producer == "" {
		info.Producer = "sohoa"
	}
	if err := info.check(); err != nil {
		return nil, fmt.Errorf("pdfa: %w", err)
	}
	info.Fields = slices.Clone(info.Fields) // the caller may reuse its slice
	pw := &Writer{info: info}
	pw.objs.out = newCountingWriter(w)
	pw.profiles.objs = &pw.objs
	pw.objs.reserve() // object 0: head of the free list
	pw.catalogNum = pw.objs.reserve()
	pw.pagesNum = pw.objs.reserve()
	// The second line is a comment of four bytes above 127: it tells
	// transfer tools the file is binary (and PDF/A requires it).
	if _, err := io.WriteString(pw.objs.out, "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"); err != nil {
		return nil, fmt.Errorf("pdfa: write header: %w", err)
	}
	if err := pw.writeFont(); err != nil {
		return nil, fmt.Errorf("pdfa: write font: %w", err)
	}
	if err := pw.writeOutputIntent(); err != nil {
		return nil, fmt.Errorf("pdfa: write output intent: %w", err)
	}
	return pw, nil
}

// SetInfo sets the document metadata that is known only after the pages,
// such as the title, author and fields read from them. Members of info left
// at their zero value (and nil Fields) keep the value given to NewWriter or
// to an earlier SetInfo. The metadata is written by Close.
func (w *Writer) SetInfo(info Info) error {
	if w.closed {
		return errClosed
	}
	merged := w.info.merge(info)
	if err := merged.check(); err != nil {
		return fmt.Errorf("pdfa: set info: %w", err)
	}
	w.info = merged
	return nil
}

// flate compresses small in-memory data (content streams, font, maps).
func flate(data []byte) []byte {
	var b bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&b, zlib.BestCompression) // level is valid
	zw.Write(data)                                         // a bytes.Buffer does not fail
	zw.Close()
	return b.Bytes()
}

// writeFont writes the Type0 font of the text layer and its parts.
func (w *Writer) writeFont() error {
	o := &w.objs
	w.fontNum = o.reserve()
	cidFont, descriptor, fontFile := o.reserve(), o.reserve(), o.reserve()
	toUnicode, cidToGID := o.reserve(), o.reserve()

	if err := o.object(w.fontNum, (&dict{}).set("Type", "/Font").set("Subtype", "/Type0").
		set("BaseFont", name(fontName)).set("Encoding", "/Identity-H").
		set("DescendantFonts", array(ref(cidFont))).set("ToUnicode", ref(toUnicode)).String()); err != nil {
		return err
	}
	if err := o.object(cidFont, (&dict{}).set("Type", "/Font").set("Subtype", "/CIDFontType2").
		set("BaseFont", name(fontName)).
		set("CIDSystemInfo", "<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>").
		set("FontDescriptor", ref(descriptor)).
		set("DW", strconv.Itoa(glyphAdvance)).
		set("W", array("0", "65535", strconv.Itoa(glyphAdvance))).
		set("CIDToGIDMap", ref(cidToGID)).String()); err != nil {
		return err
	}
	if err := o.object(descriptor, (&dict{}).set("Type", "/FontDescriptor").
		set("FontName", name(fontName)).
		set("Flags", "4"). // symbolic: the glyphs are no standard Latin set
		set("FontBBox", array(strconv.Itoa(notdefBoxLeft), "0", strconv.Itoa(notdefBoxRight), strconv.Itoa(notdefBoxTop))).
		set("ItalicAngle", "0").
		set("Ascent", strconv.Itoa(fontAscender)).set("Descent", strconv.Itoa(fontDescender)).
		set("CapHeight", strconv.Itoa(notdefBoxTop)).set("StemV", "80").
		set("FontFile2", ref(fontFile)).String()); err != nil {
		return err
	}
	program := buildTrueTypeFont()
	if err := o.stream(fontFile, (&dict{}).set("Length1", strconv.Itoa(len(program))).
		set("Filter", "/FlateDecode"), flate(program)); err != nil {
		return err
	}
	if err := o.stream(toUnicode, (&dict{}).set("Filter", "/FlateDecode"), flate(buildToUnicodeCMap())); err != nil {
		return err
	}
	return o.stream(cidToGID, (&dict{}).set("Filter", "/FlateDecode"), flate(cidToGIDMap()))
}

// AddPage writes the page's image, content stream and page object.
func (w *Writer) AddPage(p Page) error {
	if w.closed {
		return errClosed
	}
	if w.err != nil {
		return w.err
	}
	if err := w.addPage(p); err != nil {
		w.err = fmt.Errorf("pdfa: page %d: %w", len(w.pageNums)+1, err)
		return w.err
	}
	return nil
}

func (w *Writer) addPage(p Page) error {
	dpi := p.DPI
	if !(dpi > 0) || math.IsInf(dpi, 0) { // also catches NaN
		dpi = DefaultDPI
	}
	rotation := ((p.Rotation % 360) + 360) % 360
	if rotation%90 != 0 {
		return fmt.Errorf("rotation %d is not a multiple of 90", p.Rotation)
	}
	if math.IsNaN(p.SkewDegrees) || math.Abs(p.SkewDegrees) >= 45 {
		return fmt.Errorf("skew %v° out of range", p.SkewDegrees)
	}

	img, err := chooseImage(p, &w.profiles)
	if err != nil {
		return err
	}
	// The page is the image turned upright: sideways images swap sides.
	pageW, pageH := img.width, img.height
	if rotation == 90 || rotation == 270 {
		pageW, pageH = pageH, pageW
	}
	geo := pageGeometry{scale: 72 / dpi}
	if rotation == 0 && p.SkewDegrees == 0 && p.Image != nil {
		geo.origin = p.Image.Bounds().Min
	}
	widthP := float64(pageW) * geo.scale
	geo.heightP = float64(pageH) * geo.scale
	if widthP > maxPageSize || geo.heightP > maxPageSize {
		return fmt.Errorf("page of %sx%s pt at %v dpi exceeds %d pt", num(widthP), num(geo.heightP), dpi, maxPageSize)
	}

	o := &w.objs
	imageNum := o.reserve()
	if err := img.write(o, imageNum); err != nil {
		return err
	}

	var content strings.Builder
	m := imageMatrix(img.width, img.height, rotation, p.SkewDegrees, geo.scale)
	fmt.Fprintf(&content, "q\n%s %s %s %s %s %s cm\n/Im0 Do\nQ\n", num(m[0]), num(m[1]), num(m[2]), num(m[3]), num(m[4]), num(m[5]))
	content.WriteString(textLayer(p.Words, geo))
	contentNum := o.reserve()
	if err := o.stream(contentNum, (&dict{}).set("Filter", "/FlateDecode"), flate([]byte(content.String()))); err != nil {
		return fmt.Errorf("write content: %w", err)
	}

	pageNum := o.reserve()
	resources := (&dict{}).
		set("XObject", (&dict{}).set("Im0", ref(imageNum)).String()).
		set("Font", (&dict{}).set("F0", ref(w.fontNum)).String())
	page := (&dict{}).set("Type", "/Page").set("Parent", ref(w.pagesNum)).
		set("MediaBox", array("0", "0", num(widthP), num(geo.heightP))).
		set("Resources", resources.String()).
		set("Contents", ref(contentNum))
	if err := o.object(pageNum, page.String()); err != nil {
		return fmt.Errorf("write page object: %w", err)
	}
	w.pageNums = append(w.pageNums, pageNum)
	return nil
}

// Close writes the page tree, the XMP metadata and Info dictionary from the
// Info given to NewWriter and SetInfo, the attachments, the catalog, the xref
// table and the trailer. It does not close the underlying io.Writer.
func (w *Writer) Close() error {
	if w.closed {
		return errClosed
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	if len(w.pageNums) == 0 {
		return ErrNoPages
	}
	if err := w.finish(); err != nil {
		return fmt.Errorf("pdfa: close: %w", err)
	}
	return nil
}

func (w *Writer) finish() error {
	o := &w.objs
	kids := make([]string, len(w.pageNums))
	for i, n := range w.pageNums {
		kids[i] = ref(n)
	}
	if err := o.object(w.pagesNum, (&dict{}).set("Type", "/Pages").
		set("Kids", array(kids...)).set("Count", strconv.Itoa(len(kids))).String()); err != nil {
		return err
	}

	info := w.info.normalized()
	metadataNum := o.reserve()
	if err := o.stream(metadataNum, (&dict{}).set("Type", "/Metadata").set("Subtype", "/XML"), buildXMP(info)); err != nil {
		return fmt.Errorf("write XMP metadata: %w", err)
	}
	af, names, err := w.writeAttachments()
	if err != nil {
		return err
	}

	catalog := (&dict{}).set("Type", "/Catalog").set("Pages", ref(w.pagesNum)).
		set("Metadata", ref(metadataNum)).
		set("OutputIntents", array(ref(w.outputIntentNum)))
	if info.Language != "" {
		catalog.set("Lang", textString(info.Language))
	}
	if names != "" {
		catalog.set("Names", names).set("AF", af)
	}
	if err := o.object(w.catalogNum, catalog.String()); err != nil {
		return err
	}

	infoNum := o.reserve()
	if err := o.object(infoNum, infoDict(info).String()); err != nil {
		return err
	}

	xrefAt, err := o.xref()
	if err != nil {
		return err
	}
	id := fmt.Sprintf("<%x>", o.out.sum.Sum(nil))
	trailer := (&dict{}).set("Size", strconv.Itoa(len(o.offsets))).
		set("Root", ref(w.catalogNum)).set("Info", ref(infoNum)).
		set("ID", array(id, id))
	_, err = fmt.Fprintf(o.out, "trailer\n%s\nstartxref\n%d\n%%%%EOF\n", trailer, xrefAt)
	return err
}

// infoDict is the document Info dictionary; its entries mirror the XMP.
func infoDict(info Info) *dict {
	d := &dict{}
	for _, e := range []struct{ key, val string }{
		{"Title", info.Title}, {"Author", info.Author}, {"Subject", info.Subject},
		{"Keywords", info.Keywords}, {"Producer", info.Producer},
	} {
		if e.val != "" {
			d.set(e.key, textString(e.val))
		}
	}
	if !info.Created.IsZero() {
		d.set("CreationDate", literalString(pdfDate(info.Created)))
	}
	if mod := info.modified(); !mod.IsZero() {
		d.set("ModDate", literalString(pdfDate(mod)))
	}
	return d
}

// pdfDate formats t as a PDF date, D:YYYYMMDDHHmmSSOHH'mm'.
func pdfDate(t time.Time) string {
	s := t.Format("D:20060102150405")
	_, off := t.Zone()
	if off == 0 {
		return s + "Z"
	}
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%s%c%02d'%02d'", s, sign, off/3600, off/60%60)
}
