package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa/signer/internal/cms"
)

// Sign signs the PDF in (size bytes) with a PAdES baseline signature and
// writes the signed PDF to out: the input bytes unchanged, followed by one
// incremental update with the signature (B-B, B-T), a second with the
// Document Security Store (B-LT) and a third with a document time-stamp
// (B-LTA). Nothing is written to out until everything has succeeded, so
// a refused signature (a revoked certificate, an unreachable TSA) leaves
// out untouched.
//
// Before signing, the key is checked with CheckKey at the signing time.
func Sign(ctx context.Context, in io.ReaderAt, size int64, out io.Writer, key Key, opts Options) (*Result, error) {
	o, err := opts.normalized(key)
	if err != nil {
		return nil, err
	}
	if err := CheckKey(key, o.Time); err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	cert := key.Certificate()
	certHash := sha256.Sum256(cert.Raw)
	res := &Result{Level: o.Level, SigningTime: o.Time, CertificateSHA256: hex.EncodeToString(certHash[:])}

	chain := append([]*x509.Certificate{cert}, key.Chain()...)
	pool := append(append([]*x509.Certificate(nil), key.Chain()...), o.Roots...)
	ri := &revocationInfo{}
	if o.CheckRevocation || o.Level.rank() >= LevelBLT.rank() {
		// Before signing: a revoked certificate must not sign at all.
		if err := collectRevocation(ctx, o.HTTPClient, ri, chain, pool, cert); err != nil {
			return nil, fmt.Errorf("sign: %w", err)
		}
	}

	doc := &chunks{parts: []io.ReaderAt{in}, sizes: []int64{size}}
	var tsaCerts []*x509.Certificate

	// Revision 1: the signature.
	sig := &signatureSpec{
		fieldName: o.FieldName,
		dict:      o.signatureDict(),
		reserve:   o.reserve(key),
		stamp:     o.Stamp,
		time:      o.Time,
		hash:      o.Hash,
	}
	sig.contents = func(ctx context.Context, digest []byte) ([]byte, error) {
		p := cms.Params{
			Signer: key, Certificate: cert, Certificates: key.Chain(),
			Hash: o.Hash, PSS: o.PSS, Digest: digest, Detached: true,
		}
		if o.Level.rank() >= LevelBT.rank() {
			p.Unsigned = func(signature []byte) ([]cms.Attribute, error) {
				h := o.Hash.New()
				h.Write(signature)
				ts, err := requestTimestamp(ctx, o.HTTPClient, o.TSAURL, o.Hash, h.Sum(nil))
				if err != nil {
					return nil, err
				}
				res.TimestampTime, tsaCerts = ts.time, ts.certs
				return []cms.Attribute{{Type: cms.OIDAttrTimeStampToken, Values: [][]byte{ts.token}}}, nil
			}
		}
		return cms.Sign(p)
	}
	upd, n, err := signRevision(ctx, doc, sig)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	doc.add(upd)
	res.FieldName, res.SignatureSize, res.Reserved = sig.usedName, n, sig.reserve

	if o.Level.rank() >= LevelBLT.rank() {
		// The TSA's certificate needs its revocation data too.
		tsaPool := append(append([]*x509.Certificate(nil), pool...), tsaCerts...)
		if err := collectRevocation(ctx, o.HTTPClient, ri, tsaCerts, tsaPool, nil); err != nil {
			return nil, fmt.Errorf("sign: time-stamp certificate: %w", err)
		}
		upd, err := dssRevision(ctx, doc, ri)
		if err != nil {
			return nil, fmt.Errorf("sign: DSS: %w", err)
		}
		doc.add(upd)
		res.OCSPResponses, res.CRLs = len(ri.ocsps), len(ri.crls)
	}
	if o.Level == LevelBLTA {
		dts := &signatureSpec{
			fieldName: "DocumentTimestamp1",
			dict:      "/Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161",
			reserve:   16384,
			hash:      o.Hash,
		}
		dts.contents = func(ctx context.Context, digest []byte) ([]byte, error) {
			ts, err := requestTimestamp(ctx, o.HTTPClient, o.TSAURL, o.Hash, digest)
			if err != nil {
				return nil, err
			}
			res.DocumentTimestampTime = ts.time
			return ts.token, nil
		}
		upd, _, err := signRevision(ctx, doc, dts)
		if err != nil {
			return nil, fmt.Errorf("sign: document time-stamp: %w", err)
		}
		doc.add(upd)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res.Revisions = len(doc.parts) - 1
	written, err := io.Copy(out, io.NewSectionReader(doc, 0, doc.size()))
	res.Size = written
	if err != nil {
		return nil, fmt.Errorf("sign: write: %w", err)
	}
	return res, nil
}

// normalized fills in defaults and checks the options.
func (o Options) normalized(key Key) (Options, error) {
	if o.Level == "" {
		o.Level = LevelBB
	}
	if _, err := ParseLevel(string(o.Level)); err != nil {
		return o, err
	}
	switch o.Hash {
	case 0:
		o.Hash = crypto.SHA256
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
	default:
		return o, fmt.Errorf("%w: hash %v (use SHA-256, SHA-384 or SHA-512)", ErrInvalidOptions, o.Hash)
	}
	if o.PSS {
		if _, ok := key.Public().(*rsa.PublicKey); !ok {
			return o, fmt.Errorf("%w: PSS needs an RSA key", ErrInvalidOptions)
		}
	}
	if o.Level.rank() >= LevelBT.rank() && o.TSAURL == "" {
		return o, fmt.Errorf("%w: level %s needs a time-stamping authority (TSAURL)", ErrInvalidOptions, o.Level)
	}
	if o.Time.IsZero() {
		o.Time = time.Now()
	}
	o.Time = o.Time.Truncate(time.Second)
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.FieldName == "" {
		o.FieldName = "Signature1"
	}
	if o.Stamp != nil {
		s := *o.Stamp
		if s.Organisation == "" {
			c := key.Certificate()
			if len(c.Subject.Organization) > 0 {
				s.Organisation = c.Subject.Organization[0]
			} else {
				s.Organisation = c.Subject.CommonName
			}
		}
		if s.TimeLabel == "" {
			s.TimeLabel = "Thời gian ký: "
		}
		if s.FontFile == "" {
			s.FontFile = DefaultStampFont
		}
		o.Stamp = &s
	}
	return o, nil
}

// signatureDict is the signature dictionary without /ByteRange and
// /Contents.
func (o Options) signatureDict() string {
	d := "/Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M " + pdfDate(o.Time)
	for _, e := range []struct{ key, value string }{
		{"Name", o.Name}, {"Reason", o.Reason}, {"Location", o.Location}, {"ContactInfo", o.ContactInfo},
	} {
		if e.value != "" {
			d += " /" + e.key + " " + pdfText(norm.NFC.String(e.value))
		}
	}
	return d
}

// reserve estimates the CMS size generously: certificates, signature,
// attributes and, from B-T, a time-stamp token with its certificates.
func (o Options) reserve(key Key) int {
	if o.ContentsSize > 0 {
		return o.ContentsSize
	}
	n := 4096 + len(key.Certificate().Raw)
	for _, c := range key.Chain() {
		n += len(c.Raw)
	}
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		n += pub.Size()
	case *ecdsa.PublicKey:
		n += 160
	}
	if o.Level.rank() >= LevelBT.rank() {
		n += 12288
	}
	return n
}

// signatureSpec is one signature (or document time-stamp) revision.
type signatureSpec struct {
	fieldName string
	dict      string
	reserve   int
	stamp     *Stamp
	time      time.Time
	// contents makes the /Contents value from the digest of the byte range.
	contents func(ctx context.Context, digest []byte) ([]byte, error)
	hash     crypto.Hash
	usedName string
}

// signRevision appends a signature revision to doc and returns it with the
// size of its /Contents value. When the value does not fit, the revision
// is made again with twice the space.
func signRevision(ctx context.Context, doc *chunks, spec *signatureSpec) ([]byte, int, error) {
	d, err := readDocument(ctx, doc, doc.size())
	if err != nil {
		return nil, 0, err
	}
	for attempt := 0; ; attempt++ {
		upd, n, err := trySignRevision(ctx, doc, d, spec)
		if errors.Is(err, errContentsTooSmall) && attempt < 3 && spec.contents != nil {
			spec.reserve *= 2
			continue
		}
		return upd, n, err
	}
}

func trySignRevision(ctx context.Context, doc *chunks, d *document, spec *signatureSpec) ([]byte, int, error) {
	u := newUpdate(d)
	sigRef, widgetRef, apRef := u.alloc(), u.alloc(), u.alloc()
	spec.usedName = d.fieldName(spec.fieldName)

	// The signature dictionary, with room for /ByteRange and /Contents.
	const brPlaceholder = "[0 0000000000 0000000000 0000000000]"
	u.offsets[sigRef.ObjectNumber.Value()], u.gens[sigRef.ObjectNumber.Value()] = u.offset(), 0
	fmt.Fprintf(&u.buf, "%d 0 obj\n<<%s /ByteRange ", sigRef.ObjectNumber.Value(), spec.dict)
	brStart := u.buf.Len()
	u.buf.WriteString(brPlaceholder)
	u.buf.WriteString(" /Contents ")
	cStart := u.buf.Len()
	u.buf.WriteByte('<')
	u.buf.Write(bytes.Repeat([]byte("0"), 2*spec.reserve))
	u.buf.WriteByte('>')
	cEnd := u.buf.Len()
	u.buf.WriteString(">>\nendobj\n")

	// The field and its widget, one object.
	rect := "[0 0 0 0]"
	if spec.stamp != nil {
		r, err := stampAppearance(u, apRef, d.pageBox, spec)
		if err != nil {
			return nil, 0, err
		}
		rect = r
	} else {
		// An invisible signature still has an appearance: PDF/A wants one
		// for every widget.
		u.stream(apRef, "/Type /XObject /Subtype /Form /BBox [0 0 0 0] /Resources <<>> ", nil)
	}
	u.object(widgetRef, fmt.Sprintf("<</Type /Annot /Subtype /Widget /FT /Sig /T %s /V %s /F 4 /P %s /Rect %s /AP <</N %s>>>>",
		pdfText(spec.usedName), sigRef.PDFString(), d.page.PDFString(), rect, apRef.PDFString()))

	// The AcroForm, the page and the catalog, as new versions.
	form := types.Dict{}
	formRef, formIsRef := d.catalog["AcroForm"].(types.IndirectRef)
	if old, err := d.xref.DereferenceDict(d.catalog["AcroForm"]); err == nil && old != nil {
		form = old.Clone().(types.Dict)
	}
	if !formIsRef {
		formRef = u.alloc()
	}
	fields := append(append(types.Array{}, d.fieldRefs...), widgetRef)
	form["Fields"] = fields
	form["SigFlags"] = types.Integer(3)
	delete(form, "NeedAppearances") // PDF/A forbids it
	u.object(formRef, form.PDFString())

	page := d.pageDict.Clone().(types.Dict)
	annots := types.Array{}
	if old, err := d.xref.DereferenceArray(page["Annots"]); err == nil {
		annots = append(annots, old...)
	}
	page["Annots"] = append(annots, widgetRef)
	u.object(d.page, page.PDFString())

	catalog := d.catalog.Clone().(types.Dict)
	catalog["AcroForm"] = formRef
	u.object(d.root, catalog.PDFString())

	u.finish(newFileID([]byte(d.id0), []byte(spec.dict), []byte(spec.usedName), fmt.Append(nil, d.size)))

	// Now the offsets are known: fill in /ByteRange and hash the ranges.
	upd := u.buf.Bytes()
	total := d.size + int64(len(upd))
	a, b := d.size+int64(cStart), d.size+int64(cEnd)
	br := fmt.Sprintf("[0 %d %d %d]", a, b, total-b)
	if len(br) > len(brPlaceholder) {
		return nil, 0, fmt.Errorf("file too large for the byte range placeholder")
	}
	copy(upd[brStart:], br+strings.Repeat(" ", len(brPlaceholder)-len(br)))

	h := spec.hashFunc().New()
	if _, err := io.Copy(h, io.NewSectionReader(doc, 0, d.size)); err != nil {
		return nil, 0, fmt.Errorf("read input: %w", err)
	}
	h.Write(upd[:cStart])
	h.Write(upd[cEnd:])
	value, err := spec.contents(ctx, h.Sum(nil))
	if err != nil {
		return nil, 0, err
	}
	if len(value) > spec.reserve {
		return nil, 0, fmt.Errorf("%w: %d bytes, %d reserved", errContentsTooSmall, len(value), spec.reserve)
	}
	hex.Encode(upd[cStart+1:], value)
	return upd, len(value), nil
}

func (s *signatureSpec) hashFunc() crypto.Hash {
	if s.hash != 0 {
		return s.hash
	}
	return crypto.SHA256
}

// chunks is an io.ReaderAt over the input followed by the updates.
type chunks struct {
	parts []io.ReaderAt
	sizes []int64
}

func (c *chunks) add(b []byte) {
	c.parts = append(c.parts, bytes.NewReader(b))
	c.sizes = append(c.sizes, int64(len(b)))
}

func (c *chunks) size() int64 {
	var n int64
	for _, s := range c.sizes {
		n += s
	}
	return n
}

func (c *chunks) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for i, part := range c.parts {
		if off >= c.sizes[i] {
			off -= c.sizes[i]
			continue
		}
		want := min(int64(len(p)-n), c.sizes[i]-off)
		m, err := part.ReadAt(p[n:n+int(want)], off)
		n += m
		if err != nil && err != io.EOF {
			return n, err
		}
		if m < int(want) {
			return n, io.ErrUnexpectedEOF
		}
		off = 0
		if n == len(p) {
			return n, nil
		}
	}
	return n, io.EOF
}
