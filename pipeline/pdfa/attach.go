package pdfa

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Flavour is the PDF/A part and conformance level the writer claims.
type Flavour string

// The supported flavours, named as veraPDF's --flavour option names them.
const (
	// PDFA2U is PDF/A-2u (ISO 19005-2 level U), the default.
	PDFA2U Flavour = "2u"
	// PDFA3U is PDF/A-3u (ISO 19005-3 level U): PDF/A-2u plus associated
	// files of any type, such as the document's metadata.json.
	PDFA3U Flavour = "3u"
)

// ParseFlavour reads a flavour as a user types it ("2u", "3U", "pdfa-3u").
func ParseFlavour(s string) (Flavour, error) {
	v := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "pdfa-")
	switch f := Flavour(v); f {
	case PDFA2U, PDFA3U:
		return f, nil
	}
	return "", fmt.Errorf("pdfa: unknown PDF/A flavour %q (want 2u or 3u)", s)
}

// part is the pdfaid:part of the flavour ("" is PDFA2U).
func (f Flavour) part() string {
	if f == PDFA3U {
		return "3"
	}
	return "2"
}

// Relationship is how an associated file relates to the document (the
// /AFRelationship of ISO 19005-3).
type Relationship string

// The relationships PDF/A-3 knows.
const (
	RelData        Relationship = "Data"        // data the document presents (the default)
	RelSource      Relationship = "Source"      // the source the document was made from
	RelAlternative Relationship = "Alternative" // another representation of the same content
	RelSupplement  Relationship = "Supplement"  // a representation easier for software to use
	RelUnspecified Relationship = "Unspecified"
)

// Attachment is a file embedded in a PDF/A-3 document as an associated file
// of the whole document.
type Attachment struct {
	Name        string // file name shown by readers: "metadata.json"
	MIMEType    string // "application/json"
	Description string // /Desc; the name when empty
	// Relationship defaults to RelData.
	Relationship Relationship
	// Modified is the file's modification date (/Params /ModDate, which
	// PDF/A-3 requires); zero means Info.Created.
	Modified time.Time
	// Data is the file's content. It is read at Close, so it must not
	// change before.
	Data []byte
}

var mimeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$`)

// check reports what is wrong with the attachment, if anything.
func (a Attachment) check() error {
	if a.Name == "" {
		return fmt.Errorf("attachment without a name")
	}
	if !mimeRE.MatchString(a.MIMEType) {
		return fmt.Errorf("attachment %s: %q is not a MIME type", a.Name, a.MIMEType)
	}
	switch a.Relationship {
	case "", RelData, RelSource, RelAlternative, RelSupplement, RelUnspecified:
	default:
		return fmt.Errorf("attachment %s: unknown relationship %q", a.Name, a.Relationship)
	}
	return nil
}

// Attach embeds a file as an associated file of the document, written at
// Close. Only a PDFA3U document may carry attachments (PDF/A-2 allows only
// embedded PDF/A files); Close fails otherwise.
func (w *Writer) Attach(a Attachment) error {
	if w.closed {
		return errClosed
	}
	if err := a.check(); err != nil {
		return fmt.Errorf("pdfa: %w", err)
	}
	if slices.ContainsFunc(w.attachments, func(b Attachment) bool { return b.Name == a.Name }) {
		return fmt.Errorf("pdfa: attachment %s given twice", a.Name)
	}
	w.attachments = append(w.attachments, a)
	return nil
}

// writeAttachments writes each attachment's embedded file stream and file
// specification, and returns the catalog's /AF array and /Names dictionary.
func (w *Writer) writeAttachments() (af, names string, err error) {
	if len(w.attachments) == 0 {
		return "", "", nil
	}
	if w.info.Flavour != PDFA3U {
		return "", "", fmt.Errorf("attachments need PDF/A-3 (flavour %s), the flavour is %s", PDFA3U, w.info.flavour())
	}
	var specs []string
	var entries []nameEntry
	for _, a := range w.attachments {
		e, err := writeAttachment(&w.objs, a, w.info.Created)
		if err != nil {
			return "", "", err
		}
		specs = append(specs, e.spec)
		entries = append(entries, e)
	}
	return array(specs...), embeddedFilesNames(entries), nil
}

// nameEntry is one file of the document's EmbeddedFiles name tree.
type nameEntry struct {
	key       []byte // the key's bytes, for sorting
	keyString string // the key serialised
	spec      string // reference to the file specification
}

// writeAttachment writes a's embedded file stream and file specification;
// defaultMod is its modification date when a has none.
func writeAttachment(o *objectWriter, a Attachment, defaultMod time.Time) (nameEntry, error) {
	mod := a.Modified
	if mod.IsZero() {
		mod = defaultMod
	}
	if mod.IsZero() {
		return nameEntry{}, fmt.Errorf("attachment %s: no modification date (set Attachment.Modified or Info.Created)", a.Name)
	}
	sum := md5.Sum(a.Data)
	params := (&dict{}).set("ModDate", literalString(pdfDate(mod))).
		set("Size", strconv.Itoa(len(a.Data))).
		set("CheckSum", fmt.Sprintf("<%X>", sum[:]))
	fileNum := o.reserve()
	if err := o.stream(fileNum, (&dict{}).set("Type", "/EmbeddedFile").
		set("Subtype", name(a.MIMEType)).set("Params", params.String()).
		set("Filter", "/FlateDecode"), flate(a.Data)); err != nil {
		return nameEntry{}, fmt.Errorf("attachment %s: %w", a.Name, err)
	}
	rel, desc := a.Relationship, a.Description
	if rel == "" {
		rel = RelData
	}
	if desc == "" {
		desc = a.Name
	}
	fname := textString(nfc(a.Name))
	specNum := o.reserve()
	if err := o.object(specNum, (&dict{}).set("Type", "/Filespec").
		set("F", fname).set("UF", fname).set("Desc", textString(nfc(desc))).
		set("AFRelationship", name(string(rel))).
		set("EF", (&dict{}).set("F", ref(fileNum)).set("UF", ref(fileNum)).String()).String()); err != nil {
		return nameEntry{}, fmt.Errorf("attachment %s: %w", a.Name, err)
	}
	return nameEntry{textBytes(nfc(a.Name)), fname, ref(specNum)}, nil
}

// embeddedFilesNames returns the catalog's /Names dictionary: a name tree
// of the files, sorted by key as name trees must be. A text string's bytes
// are its UTF-16 code units when it is not ASCII.
func embeddedFilesNames(entries []nameEntry) string {
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b nameEntry) int {
		return bytes.Compare(a.key, b.key)
	})
	var tree []string
	for _, e := range entries {
		tree = append(tree, e.keyString, e.spec)
	}
	return (&dict{}).set("EmbeddedFiles", (&dict{}).set("Names", array(tree...)).String()).String()
}
