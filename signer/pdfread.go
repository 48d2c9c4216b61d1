package signer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// document is what an incremental update needs to know about the file it
// extends. pdfcpu reads it; nothing here is ever written back whole.
type document struct {
	size        int64 // bytes of the file so far
	prevXRef    int64 // offset of the last cross-reference section
	xrefStream  bool  // the last section is an xref stream: continue with one
	endsWithEOL bool

	xref      *model.XRefTable
	nextObj   int // first free object number (trailer /Size)
	root      types.IndirectRef
	info      *types.IndirectRef
	id0       string // trailer /ID[0], as written
	catalog   types.Dict
	page      types.IndirectRef // page 1
	pageDict  types.Dict
	pageBox   types.Rectangle // crop box (else media box) of page 1
	fieldRefs types.Array     // the AcroForm's current /Fields
	names     map[string]bool // names of the existing top-level fields
}

// readDocument reads the structure of the PDF in r (size bytes).
func readDocument(ctx context.Context, r io.ReaderAt, size int64) (doc *document, err error) {
	// pdfcpu may panic on malformed input; a bad file must be an error.
	defer func() {
		if p := recover(); p != nil {
			doc, err = nil, fmt.Errorf("%w: %v", ErrInvalidPDF, p)
		}
	}()
	doc = &document{size: size}
	if err := doc.readTail(r); err != nil {
		return nil, err
	}
	// A hand-built configuration: model.NewDefaultConfiguration would
	// create pdfcpu's config folder in the user's home as a side effect.
	conf := &model.Configuration{
		Reader15:       true,
		ValidationMode: model.ValidationRelaxed,
		Limits:         model.DefaultResourceLimits(),
		Cmd:            model.VALIDATESIGNATURES,
	}
	pc, err := pdfcpu.ReadWithContext(ctx, io.NewSectionReader(r, 0, size), conf)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	x := pc.XRefTable
	doc.xref = x
	if x.Encrypt != nil {
		return nil, ErrEncrypted
	}
	if err := pc.EnsurePageCount(); err != nil {
		return nil, fmt.Errorf("%w: page count: %v", ErrInvalidPDF, err)
	}
	if x.Root == nil || x.PageCount < 1 {
		return nil, fmt.Errorf("%w: no catalog or no pages", ErrInvalidPDF)
	}
	doc.root = *x.Root
	doc.info = x.Info
	if len(x.ID) < 1 {
		// PDF/A and PAdES both need a file identifier; the writer gives one.
		return nil, fmt.Errorf("%w: the trailer has no /ID", ErrInvalidPDF)
	}
	doc.id0 = objectString(x.ID[0])
	doc.nextObj = *x.Size
	if doc.nextObj < x.MaxObjNr+1 {
		doc.nextObj = x.MaxObjNr + 1
	}
	doc.catalog, err = x.Catalog()
	if err != nil {
		return nil, fmt.Errorf("%w: catalog: %v", ErrInvalidPDF, err)
	}
	pageDict, pageRef, inherited, err := x.PageDict(1, false)
	if err != nil || pageRef == nil {
		return nil, fmt.Errorf("%w: page 1: %v", ErrInvalidPDF, err)
	}
	doc.page, doc.pageDict = *pageRef, pageDict.Clone().(types.Dict)
	switch {
	case inherited != nil && inherited.CropBox != nil:
		doc.pageBox = *inherited.CropBox
	case inherited != nil && inherited.MediaBox != nil:
		doc.pageBox = *inherited.MediaBox
	default:
		doc.pageBox = *types.RectForFormat("A4")
	}
	doc.names = map[string]bool{}
	if form, err := x.DereferenceDict(doc.catalog["AcroForm"]); err == nil && form != nil {
		fields, err := x.DereferenceArray(form["Fields"])
		if err == nil {
			doc.fieldRefs = fields
			for _, f := range fields {
				fd, err := x.DereferenceDict(f)
				if err != nil || fd == nil {
					continue
				}
				if t, ok := fd["T"]; ok {
					if s, err := x.DereferenceStringOrHexLiteral(t, model.V10, nil); err == nil {
						doc.names[s] = true
					}
				}
			}
		}
	}
	return doc, nil
}

// readTail finds the last startxref and whether it points at a classic
// table or an xref stream.
func (d *document) readTail(r io.ReaderAt) error {
	n := min(d.size, 2048)
	tail := make([]byte, n)
	if _, err := r.ReadAt(tail, d.size-n); err != nil && err != io.EOF {
		return fmt.Errorf("read: %w", err)
	}
	d.endsWithEOL = n > 0 && (tail[n-1] == '\n' || tail[n-1] == '\r')
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return fmt.Errorf("%w: no startxref", ErrInvalidPDF)
	}
	fields := bytes.Fields(tail[i+len("startxref"):])
	if len(fields) == 0 {
		return fmt.Errorf("%w: empty startxref", ErrInvalidPDF)
	}
	off, err := strconv.ParseInt(string(fields[0]), 10, 64)
	if err != nil || off <= 0 || off >= d.size {
		return fmt.Errorf("%w: bad startxref %q", ErrInvalidPDF, fields[0])
	}
	d.prevXRef = off
	head := make([]byte, min(32, d.size-off))
	if _, err := r.ReadAt(head, off); err != nil && err != io.EOF {
		return fmt.Errorf("read: %w", err)
	}
	d.xrefStream = !bytes.HasPrefix(bytes.TrimLeft(head, " \r\n\t\f\x00"), []byte("xref"))
	return nil
}

// fieldName returns base, or base with a number, unused by other fields.
func (d *document) fieldName(base string) string {
	if !d.names[base] {
		return base
	}
	stem := strings.TrimRight(base, "0123456789")
	for i := 2; ; i++ {
		if n := stem + strconv.Itoa(i); !d.names[n] {
			return n
		}
	}
}

// objectString writes a pdfcpu object in PDF syntax.
func objectString(o types.Object) string {
	if o == nil {
		return "null"
	}
	return o.PDFString()
}
