package pdfa

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"time"
)

// ErrForeignPDF is returned (wrapped, with the reason) by UpdateMetadata for
// a file it will not update: one this package's Writer did not write, one
// changed since by another tool, or one signed since (a signature adds
// catalog entries the Writer never writes).
var ErrForeignPDF = errors.New("not a PDF written by pdfa.Writer")

// writerHeader is how every file of the Writer begins.
const writerHeader = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"

// maxWindow bounds how much is read at once to parse one object or xref
// section (an xref section takes 20 bytes per object).
const maxWindow = 64 << 20

// maxObjects is the PDF limit on object numbers (ISO 32000-1 Annex C).
const maxObjects = 8388607

// maxRevisions bounds the /Prev chain followed.
const maxRevisions = 1000

// revision is what an update needs to know about the newest revision of a
// file the Writer wrote (and UpdateMetadata may have updated).
type revision struct {
	fileSize  int64
	startxref int64           // offset of the newest xref section
	offsets   map[int64]int64 // newest offset of each object in use
	freeHead  int64           // first free object number (object 0's link)
	objSize   int64           // trailer /Size
	id0       string          // trailer /ID first element, as written
	rootNum   int64
	catalog   pdfValue
	metaNum   int64 // the XMP metadata stream
	infoNum   int64 // the Info dictionary
	flavour   Flavour
	created   time.Time // Info /CreationDate; zero when absent
	producer  string    // Info /Producer
}

// foreign wraps a reason for refusing a file in ErrForeignPDF.
func foreign(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrForeignPDF, fmt.Sprintf(format, args...))
}

// parseAt parses what stands at off in r (size bytes) with parse, reading
// more of the file while parse reports that the data ends too early.
func parseAt[T any](r io.ReaderAt, size, off int64, parse func([]byte) (T, error)) (T, error) {
	var zero T
	if off < 0 || off >= size {
		return zero, foreign("offset %d lies outside the file of %d bytes", off, size)
	}
	for n := int64(4096); ; n *= 4 {
		n = min(n, size-off, maxWindow)
		buf := make([]byte, n)
		if got, err := r.ReadAt(buf, off); int64(got) < n {
			return zero, fmt.Errorf("read %d bytes at %d: %w", n, off, err)
		}
		v, err := parse(buf)
		if !errors.Is(err, errShort) {
			return v, err
		}
		if n == size-off || n == maxWindow {
			return zero, foreign("object at %d is cut off or larger than %d bytes", off, n)
		}
	}
}

// xrefSection is one classic cross-reference section and its trailer.
type xrefSection struct {
	inUse   map[int64]int64 // object number → offset
	free    map[int64]int64 // object number → next free object number
	trailer pdfValue
}

// parseXref parses a classic xref section and the trailer after it, the only
// form the Writer and UpdateMetadata write.
func parseXref(data []byte) (xrefSection, error) {
	if !bytes.HasPrefix(data, []byte("xref")) {
		if len(data) < 4 {
			return xrefSection{}, errShort
		}
		return xrefSection{}, foreign("no classic xref table at startxref (an xref stream?)")
	}
	sec := xrefSection{inUse: map[int64]int64{}, free: map[int64]int64{}}
	p := newLexer(data)
	p.Pos = 4
	for {
		p.SkipSpace()
		if p.Pos >= len(data) {
			return sec, errShort
		}
		if w := p.Peek(); string(w) == "trailer" {
			break
		}
		first, err := p.Unsigned()
		if err != nil {
			return sec, err
		}
		count, err := p.Unsigned()
		if err != nil {
			return sec, err
		}
		if first+count > maxObjects {
			return sec, foreign("xref subsection %d %d is too large", first, count)
		}
		p.SkipSpace()
		if int64(len(data)-p.Pos) < 20*count {
			return sec, errShort
		}
		for i := int64(0); i < count; i++ {
			e := data[p.Pos : p.Pos+20]
			p.Pos += 20
			off, err1 := strconv.ParseInt(string(e[0:10]), 10, 64)
			gen, err2 := strconv.Atoi(string(e[11:16]))
			eol := string(e[18:20])
			if err1 != nil || err2 != nil || e[10] != ' ' || e[16] != ' ' ||
				(e[17] != 'n' && e[17] != 'f') || (eol != " \n" && eol != " \r" && eol != "\r\n") {
				return sec, foreign("malformed xref entry %q", e)
			}
			if e[17] == 'f' {
				sec.free[first+i] = off
				continue
			}
			if gen != 0 {
				return sec, foreign("object %d has generation %d", first+i, gen)
			}
			sec.inUse[first+i] = off
		}
	}
	if err := p.Keyword("trailer"); err != nil {
		return sec, err
	}
	t, err := parseValue(p)
	if err != nil {
		return sec, err
	}
	if t.kind != kindDict {
		return sec, foreign("trailer is not a dictionary")
	}
	sec.trailer = t
	return sec, nil
}

// indirect is an object read from the file; for a stream, dataAt is where
// its data begins.
type indirect struct {
	value  pdfValue
	stream bool
	dataAt int64
}

// object reads object num, the newest version of it.
func (rv *revision) object(r io.ReaderAt, num int64) (indirect, error) {
	off, ok := rv.offsets[num]
	if !ok {
		return indirect{}, foreign("object %d is not in the xref table", num)
	}
	obj, err := parseAt(r, rv.fileSize, off, func(data []byte) (indirect, error) {
		p := newLexer(data)
		// "N 0 obj", checking N before reading on.
		n, err := p.Unsigned()
		if err != nil {
			return indirect{}, err
		}
		if n != num {
			return indirect{}, foreign("xref points object %d at object %d", num, n)
		}
		if _, err := p.Unsigned(); err != nil {
			return indirect{}, err
		}
		if err := p.Keyword("obj"); err != nil {
			return indirect{}, err
		}
		v, err := parseValue(p)
		if err != nil {
			return indirect{}, err
		}
		p.SkipSpace()
		if len(data)-p.Pos < len("endobj")+1 {
			return indirect{}, errShort
		}
		// "stream" ends with CRLF or LF, then the data.
		switch isStream, err := p.BeginStream(); {
		case errors.Is(err, errShort):
			return indirect{}, err
		case err != nil:
			return indirect{}, foreign("object %d: no end of line after stream", num)
		case isStream:
			return indirect{value: v, stream: true, dataAt: off + int64(p.Pos)}, nil
		}
		if err := p.Keyword("endobj"); err != nil {
			return indirect{}, foreign("object %d: %v", num, err)
		}
		return indirect{value: v}, nil
	})
	if err != nil {
		return indirect{}, fmt.Errorf("object %d: %w", num, err)
	}
	return obj, nil
}

var (
	startxrefRE = regexp.MustCompile(`startxref\r?\n(\d+)\r?\n%%EOF\r?\n?$`)
	partRE      = regexp.MustCompile(`<pdfaid:part>(\d)</pdfaid:part>`)
	levelRE     = regexp.MustCompile(`<pdfaid:conformance>([A-Za-z])</pdfaid:conformance>`)
)

// catalogKeys are the entries the Writer gives the catalog. Any other one
// means some other tool (a signer, an editor) has been at the file.
var catalogKeys = map[string]bool{
	"Type": true, "Pages": true, "Metadata": true, "OutputIntents": true,
	"Lang": true, "Names": true, "AF": true,
}

// readRevision reads the newest revision of a file the Writer wrote, and
// checks that it still has the Writer's structure.
func readRevision(r io.ReaderAt, size int64) (*revision, error) {
	head := make([]byte, len(writerHeader))
	if size < int64(len(head)) {
		return nil, foreign("%d bytes are too short for a PDF", size)
	}
	if _, err := r.ReadAt(head, 0); err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	if string(head) != writerHeader {
		return nil, foreign("header %q is not the Writer's", head)
	}
	tailLen := min(size, 1024)
	tail := make([]byte, tailLen)
	if _, err := r.ReadAt(tail, size-tailLen); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read trailer: %w", err)
	}
	m := startxrefRE.FindSubmatch(tail)
	if m == nil {
		return nil, foreign("the file does not end with startxref and %%%%EOF")
	}
	rv := &revision{fileSize: size, offsets: map[int64]int64{}}
	var err error
	if rv.startxref, err = strconv.ParseInt(string(m[1]), 10, 64); err != nil {
		return nil, foreign("startxref %s: %v", m[1], err)
	}

	// Newest section first: an object's first entry seen is its newest.
	var newest pdfValue
	freed := map[int64]bool{}
	off := rv.startxref
	for i := 0; ; i++ {
		if i == maxRevisions {
			return nil, foreign("more than %d revisions", maxRevisions)
		}
		sec, err := parseAt(r, size, off, parseXref)
		if err != nil {
			return nil, fmt.Errorf("xref section at %d: %w", off, err)
		}
		if i == 0 {
			newest = sec.trailer
		}
		for _, k := range []string{"Encrypt", "XRefStm"} {
			if _, ok := sec.trailer.get(k); ok {
				return nil, foreign("trailer has /%s", k)
			}
		}
		for num, at := range sec.inUse {
			if _, seen := rv.offsets[num]; !seen && !freed[num] {
				rv.offsets[num] = at
			}
		}
		for num, next := range sec.free {
			if _, seen := rv.offsets[num]; !seen && !freed[num] {
				freed[num] = true
				if num == 0 {
					rv.freeHead = next
				}
			}
		}
		prev, ok := sec.trailer.get("Prev")
		if !ok {
			break
		}
		// Each revision appends, so an earlier section lies before.
		if prev.kind != kindNumber || !prev.isInt || prev.num < 0 || prev.num >= off {
			return nil, foreign("trailer /Prev %s does not point back", prev.raw)
		}
		off = prev.num
	}

	sizeV, _ := newest.get("Size")
	root, _ := newest.get("Root")
	infoRef, _ := newest.get("Info")
	id, _ := newest.get("ID")
	if sizeV.kind != kindNumber || !sizeV.isInt || root.kind != kindRef || infoRef.kind != kindRef {
		return nil, foreign("trailer lacks /Size, /Root or /Info")
	}
	if id.kind != kindArray || len(id.items) != 2 || id.items[0].kind != kindString {
		return nil, foreign("trailer lacks an /ID of two strings")
	}
	rv.objSize, rv.rootNum, rv.infoNum, rv.id0 = sizeV.num, root.num, infoRef.num, id.items[0].raw
	if rv.objSize > maxObjects {
		return nil, foreign("trailer /Size %d is beyond the PDF limit", rv.objSize)
	}
	if rv.freeHead < 0 || rv.freeHead >= rv.objSize {
		return nil, foreign("free list starts at object %d of %d", rv.freeHead, rv.objSize)
	}
	for num := range rv.offsets {
		if num >= rv.objSize {
			return nil, foreign("object %d is beyond the trailer /Size %d", num, rv.objSize)
		}
	}

	if err := rv.readCatalog(r); err != nil {
		return nil, err
	}
	if err := rv.readInfo(r); err != nil {
		return nil, err
	}
	return rv, nil
}

// readCatalog reads the catalog, checks it has only the Writer's entries,
// and reads the flavour from the XMP metadata it points at.
func (rv *revision) readCatalog(r io.ReaderAt) error {
	obj, err := rv.object(r, rv.rootNum)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	c := obj.value
	if obj.stream || c.kind != kindDict {
		return foreign("catalog is not a dictionary")
	}
	for _, k := range c.keys {
		if !catalogKeys[k] {
			return foreign("catalog has /%s, which the Writer never writes (signed or edited since?)", k)
		}
	}
	typ, _ := c.get("Type")
	pages, _ := c.get("Pages")
	md, _ := c.get("Metadata")
	intents, _ := c.get("OutputIntents")
	if typ.kind != kindName || typ.text != "Catalog" || pages.kind != kindRef || md.kind != kindRef || intents.kind != kindArray {
		return foreign("catalog lacks /Type /Catalog, /Pages, /Metadata or /OutputIntents")
	}
	if lang, ok := c.get("Lang"); ok && lang.kind != kindString {
		return foreign("catalog /Lang is not a string")
	}
	names, hasNames := c.get("Names")
	af, hasAF := c.get("AF")
	if hasNames != hasAF {
		return foreign("catalog has only one of /Names and /AF")
	}
	if hasNames {
		if _, err := embeddedFiles(names); err != nil {
			return err
		}
		if af.kind != kindArray {
			return foreign("catalog /AF is not an array")
		}
		for _, it := range af.items {
			if it.kind != kindRef {
				return foreign("catalog /AF holds %s", it.raw)
			}
		}
	}
	rv.catalog, rv.metaNum = c, md.num

	meta, err := rv.object(r, md.num)
	if err != nil {
		return fmt.Errorf("XMP metadata: %w", err)
	}
	length, _ := meta.value.get("Length")
	subtype, _ := meta.value.get("Subtype")
	_, filtered := meta.value.get("Filter")
	if !meta.stream || subtype.text != "XML" || filtered || length.kind != kindNumber || !length.isInt ||
		length.num < 0 || length.num > maxWindow || meta.dataAt+length.num > rv.fileSize {
		return foreign("metadata is not an unfiltered XML stream with a direct length")
	}
	packet := make([]byte, length.num)
	if _, err := r.ReadAt(packet, meta.dataAt); err != nil {
		return fmt.Errorf("read XMP metadata: %w", err)
	}
	part, level := partRE.FindSubmatch(packet), levelRE.FindSubmatch(packet)
	switch {
	case part == nil || level == nil || string(level[1]) != "U":
		return foreign("XMP metadata does not claim PDF/A level U")
	case string(part[1]) == PDFA2U.part():
		rv.flavour = PDFA2U
	case string(part[1]) == PDFA3U.part():
		rv.flavour = PDFA3U
	default:
		return foreign("XMP metadata claims PDF/A-%s", part[1])
	}
	return nil
}

// readInfo reads the creation date and producer from the Info dictionary.
func (rv *revision) readInfo(r io.ReaderAt) error {
	obj, err := rv.object(r, rv.infoNum)
	if err != nil {
		return fmt.Errorf("Info dictionary: %w", err)
	}
	if obj.stream || obj.value.kind != kindDict {
		return foreign("Info is not a dictionary")
	}
	if p, ok := obj.value.get("Producer"); ok && p.kind == kindString {
		rv.producer = decodeText(p.text)
	}
	if d, ok := obj.value.get("CreationDate"); ok {
		if d.kind != kindString {
			return foreign("Info /CreationDate is not a string")
		}
		if rv.created, err = parsePDFDate(d.text); err != nil {
			return foreign("Info /CreationDate: %v", err)
		}
	}
	return nil
}

// embeddedFiles returns the entries of a catalog /Names dictionary in the
// Writer's form: << /EmbeddedFiles << /Names [key spec ...] >> >>.
func embeddedFiles(names pdfValue) ([]nameEntry, error) {
	ef, _ := names.get("EmbeddedFiles")
	tree, _ := ef.get("Names")
	if names.kind != kindDict || len(names.keys) != 1 || ef.kind != kindDict || len(ef.keys) != 1 ||
		tree.kind != kindArray || len(tree.items)%2 != 0 {
		return nil, foreign("catalog /Names is not a flat EmbeddedFiles name tree")
	}
	var entries []nameEntry
	for i := 0; i < len(tree.items); i += 2 {
		key, spec := tree.items[i], tree.items[i+1]
		if key.kind != kindString || spec.kind != kindRef {
			return nil, foreign("EmbeddedFiles entry %s %s is not a name and a reference", key.raw, spec.raw)
		}
		entries = append(entries, nameEntry{key: []byte(key.text), keyString: key.raw, spec: spec.raw})
	}
	return entries, nil
}
