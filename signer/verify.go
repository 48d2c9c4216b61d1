package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/sohoa/sohoa/signer/internal/cms"
)

// VerifyOptions control Verify. The zero value verifies offline against no
// trust anchor (every chain is then untrusted).
type VerifyOptions struct {
	// Roots are the trust anchors for signers and time-stamping
	// authorities.
	Roots *x509.CertPool
	// Intermediates are further CA certificates to build chains with,
	// besides those in the signatures and the Document Security Store.
	Intermediates []*x509.Certificate
	// Online fetches OCSP responses and CRLs from the certificates' URLs
	// when the document does not embed them.
	Online bool
	// HTTPClient is used when Online; nil means a client with a 30-second
	// timeout.
	HTTPClient *http.Client
	// Now is the current time, used when a signature carries no time at
	// all; the zero time means time.Now().
	Now time.Time
	// AllowedHashes are the digest algorithms accepted; nil means SHA-256,
	// SHA-384 and SHA-512.
	AllowedHashes []crypto.Hash
	// RequireLevel, when set, is the PAdES level every signature must
	// reach (an archive knows the level it signed at): a signature below
	// it gets timestamp-missing or level-not-reached.
	RequireLevel Level
}

// Status is the verdict on a signature or a file.
type Status string

// The verdicts.
const (
	StatusValid         Status = "valid"
	StatusInvalid       Status = "invalid"
	StatusIndeterminate Status = "indeterminate"
)

// SignatureKind tells a signature from a document time-stamp.
type SignatureKind string

// The kinds of signature.
const (
	KindSignature         SignatureKind = "signature"
	KindDocumentTimestamp SignatureKind = "document-timestamp"
)

// TimeSource tells where the validation time of a signature comes from.
type TimeSource string

// The time sources.
const (
	// TimeFromTimestamp is trusted: a valid time-stamp's time.
	TimeFromTimestamp TimeSource = "timestamp"
	// TimeClaimed is the signer's own /M: not proven (a warning).
	TimeClaimed TimeSource = "claimed"
	// TimeCurrent is the current time, when the signature has no time.
	TimeCurrent TimeSource = "current"
)

// CertInfo describes a certificate for people.
type CertInfo struct {
	Subject    string    `json:"subject"`
	CommonName string    `json:"commonName,omitempty"`
	Issuer     string    `json:"issuer"` // the issuing CA
	Serial     string    `json:"serial"` // hex
	NotBefore  time.Time `json:"notBefore"`
	NotAfter   time.Time `json:"notAfter"`
	SHA256     string    `json:"sha256"` // fingerprint of the DER, hex
}

func certInfo(c *x509.Certificate) *CertInfo {
	if c == nil {
		return nil
	}
	h := sha256.Sum256(c.Raw)
	return &CertInfo{
		Subject: c.Subject.String(), CommonName: c.Subject.CommonName, Issuer: c.Issuer.String(),
		Serial: strings.ToUpper(c.SerialNumber.Text(16)), NotBefore: c.NotBefore, NotAfter: c.NotAfter,
		SHA256: hex.EncodeToString(h[:]),
	}
}

// Integrity is what the cryptography says about the signed bytes.
type Integrity struct {
	// ByteRangeOK: starts at 0, leaves out exactly /Contents, ends a
	// revision, within the file.
	ByteRangeOK bool `json:"byteRangeOK"`
	// DigestOK: the digest of the byte range is the signed one (for a
	// document time-stamp, the token's message imprint).
	DigestOK bool `json:"digestOK"`
	// SignatureOK: the CMS signature verifies with the signer's key.
	SignatureOK bool `json:"signatureOK"`
	// SigningCertificateOK: signing-certificate-v2 names the signer's
	// certificate (always true for a document time-stamp).
	SigningCertificateOK bool   `json:"signingCertificateOK"`
	Hash                 string `json:"hash"` // digest algorithm
}

// Chain is the signer's certificate path.
type Chain struct {
	Trusted bool `json:"trusted"` // ends at one of the roots
	// ValidAtTime: every certificate of the path was valid at the
	// validation time.
	ValidAtTime  bool       `json:"validAtTime"`
	Certificates []CertInfo `json:"certificates,omitempty"` // signer first, root last
}

// RevocationCheck is the revocation status of one certificate of a chain.
type RevocationCheck struct {
	Certificate string `json:"certificate"` // subject
	// Status is "good", "revoked" or "unknown".
	Status string `json:"status"`
	// Source is where the answer came from: "dss-ocsp", "dss-crl",
	// "cms-ocsp", "cms-crl", "online-ocsp", "online-crl" or "".
	Source    string    `json:"source,omitempty"`
	RevokedAt time.Time `json:"revokedAt,omitzero"`
	// ThisUpdate and NextUpdate are the answer's validity.
	ThisUpdate time.Time `json:"thisUpdate,omitzero"`
	NextUpdate time.Time `json:"nextUpdate,omitzero"`
	Detail     string    `json:"detail,omitempty"`
}

// Revocation sums up the revocation checks of a chain.
type Revocation struct {
	// Checked: every certificate that needs a check got a covering answer.
	Checked bool `json:"checked"`
	// Embedded: all answers came from the document, none from the network.
	Embedded bool              `json:"embedded"`
	Items    []RevocationCheck `json:"items,omitempty"`
}

// Timestamp is a signature's time-stamp token (or a document time-stamp's
// own token).
type Timestamp struct {
	Time     time.Time `json:"time"`
	TSA      *CertInfo `json:"tsa,omitempty"`
	Valid    bool      `json:"valid"`   // token signature and message imprint
	Trusted  bool      `json:"trusted"` // TSA chains to a root, EKU timeStamping
	Imprint  bool      `json:"imprintOK"`
	Problems []string  `json:"problems,omitempty"`
}

// SignatureReport is what Verify found about one signature or document
// time-stamp.
type SignatureReport struct {
	FieldName string        `json:"fieldName"`
	Kind      SignatureKind `json:"kind"`
	SubFilter string        `json:"subFilter"`
	// Revision is the number (1 = the original document) of the revision
	// the signature ends; 0 when it ends none.
	Revision        int       `json:"revision"`
	ByteRange       []int64   `json:"byteRange"`
	CoversWholeFile bool      `json:"coversWholeFile"`
	Signer          *CertInfo `json:"signer,omitempty"`
	// SigningTime is the /M time the signer claims.
	SigningTime time.Time `json:"signingTime,omitzero"`
	// TimestampTime is the signature time-stamp's time (the token's for a
	// document time-stamp); zero when there is none.
	TimestampTime  time.Time  `json:"timestampTime,omitzero"`
	ValidationTime time.Time  `json:"validationTime"`
	TimeSource     TimeSource `json:"timeSource"`
	Integrity      Integrity  `json:"integrity"`
	Chain          Chain      `json:"chain"`
	Revocation     Revocation `json:"revocation"`
	Timestamp      *Timestamp `json:"timestamp,omitempty"`
	// Level is the PAdES baseline level reached ("" when none).
	Level Level `json:"level,omitempty"`
	// Modifications lists what later revisions changed: allowed ones
	// (validation data, time-stamps, signatures) prefixed "allowed: ".
	Modifications []string `json:"modifications,omitempty"`
	Status        Status   `json:"status"`
	Reasons       []Reason `json:"reasons,omitempty"`
}

// Report is the result of Verify for one file.
type Report struct {
	Size       int64             `json:"size"`
	Revisions  int               `json:"revisions"`
	Signatures []SignatureReport `json:"signatures"`
	// Status is the worst of the signatures' (invalid when there is none).
	Status Status `json:"status"`
	// Reasons are findings about the file as a whole.
	Reasons []Reason `json:"reasons,omitempty"`
}

// Warnings tells whether any signature carries a warning (for --strict).
func (r *Report) Warnings() bool {
	for _, s := range r.Signatures {
		for _, re := range s.Reasons {
			if re.Severity == SeverityWarning {
				return true
			}
		}
	}
	return false
}

// Has tells whether the signature has a finding with this code.
func (s *SignatureReport) Has(code ReasonCode) bool {
	return slices.ContainsFunc(s.Reasons, func(r Reason) bool { return r.Code == code })
}

func (s *SignatureReport) add(code ReasonCode, format string, args ...any) {
	if s.Has(code) && format == "" {
		return
	}
	s.Reasons = append(s.Reasons, newReason(code, format, args...))
}

// Verify checks every signature and document time-stamp of the PDF in
// (size bytes): integrity, the signer's chain to opts.Roots, validity at
// the signing time, revocation, time-stamps, the PAdES level and what was
// changed after signing. Every finding goes into the Report; the error is
// only for a file that cannot be read at all.
func Verify(ctx context.Context, in io.ReaderAt, size int64, opts VerifyOptions) (*Report, error) {
	data := make([]byte, size)
	if n, err := in.ReadAt(data, 0); int64(n) != size {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("verify: read: %w", err)
	}
	return verifyBytes(ctx, data, opts), nil
}

func (o VerifyOptions) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

func (o VerifyOptions) hashAllowed(h crypto.Hash) bool {
	if o.AllowedHashes == nil {
		return h == crypto.SHA256 || h == crypto.SHA384 || h == crypto.SHA512
	}
	return slices.Contains(o.AllowedHashes, h)
}

// verifier holds what the signatures of one file share.
type verifier struct {
	ctx    context.Context
	opts   VerifyOptions
	f      *pdfFile
	client *http.Client
	dss    *dssMaterial
	pool   []*x509.Certificate // every certificate found, to build chains
	paths  map[string][]*x509.Certificate
	// changes[j] lists what revision j changed relative to j-1.
	changes [][]change
}

func verifyBytes(ctx context.Context, data []byte, opts VerifyOptions) (rep *Report) {
	// A hostile file must give a report, never bring a batch down.
	defer func() {
		if p := recover(); p != nil {
			rep = &Report{Size: int64(len(data)), Signatures: []SignatureReport{}, Status: StatusInvalid,
				Reasons: []Reason{newReason(ReasonNotPDF, "internal error reading the file: %v", p)}}
		}
	}()
	rep = &Report{Size: int64(len(data)), Signatures: []SignatureReport{}}
	f, err := openPDF(data)
	if err != nil {
		rep.Status = StatusInvalid
		rep.Reasons = append(rep.Reasons, newReason(ReasonNotPDF, "%v", err))
		return rep
	}
	rep.Revisions = len(f.revisions)
	v := &verifier{ctx: ctx, opts: opts, f: f, client: opts.HTTPClient}
	if v.client == nil {
		v.client = &http.Client{Timeout: 30 * time.Second}
	}
	v.dss = readDSS(f)
	v.pool = append(append([]*x509.Certificate(nil), v.dss.certs...), opts.Intermediates...)
	fields := f.signatureFields()
	if f.tail > 0 {
		fields = append(fields, f.tailSignatures()...)
	}
	if len(fields) == 0 {
		rep.Status = StatusInvalid
		rep.Reasons = append(rep.Reasons, newReason(ReasonNoSignature, ""))
		return rep
	}
	v.changes = make([][]change, len(f.revisions))
	for j := 1; j < len(f.revisions); j++ {
		v.changes[j] = f.revisionChanges(j)
	}
	for _, fld := range fields {
		rep.Signatures = append(rep.Signatures, v.verifyField(fld))
	}
	v.assignLevels(rep.Signatures)
	rep.Status = StatusValid
	for i := range rep.Signatures {
		s := &rep.Signatures[i]
		s.Status = statusOf(s.Reasons)
		rep.Status = worse(rep.Status, s.Status)
	}
	return rep
}

func statusOf(reasons []Reason) Status {
	st := StatusValid
	for _, r := range reasons {
		switch r.Severity {
		case SeverityError:
			return StatusInvalid
		case SeverityIndeterminate:
			st = StatusIndeterminate
		}
	}
	return st
}

func worse(a, b Status) Status {
	rank := map[Status]int{StatusValid: 0, StatusIndeterminate: 1, StatusInvalid: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// verifyField checks one signature field's value.
func (v *verifier) verifyField(fld sigField) SignatureReport {
	f := v.f
	s := SignatureReport{FieldName: fld.name, Kind: KindSignature, ValidationTime: v.opts.now(), TimeSource: TimeCurrent}
	sig := fld.sig
	s.SubFilter = string(nameOf(sig.value, "SubFilter"))
	d, _ := sig.value.(pdfDict)
	if d["Type"] == pdfName("DocTimeStamp") || s.SubFilter == "ETSI.RFC3161" {
		s.Kind = KindDocumentTimestamp
	}
	if m := text(d["M"]); m != "" {
		if t, err := parsePDFDate(m); err == nil {
			s.SigningTime = t
		}
	}
	contents, ok := d["Contents"].(pdfString)
	br, brOK := byteRange(d["ByteRange"])
	if !ok || !brOK {
		s.add(ReasonMalformedSignature, "the signature dictionary is unreadable or has no /Contents or /ByteRange")
		return s
	}
	s.ByteRange = br[:]
	der := trimDER(contents)

	// The byte range.
	size := int64(len(f.data))
	end := br[2] + br[3]
	s.Integrity.ByteRangeOK = true
	brFail := func(code ReasonCode, format string, args ...any) {
		s.Integrity.ByteRangeOK = false
		s.add(code, format, args...)
	}
	cspan, hasSpan := sig.spans["Contents"]
	switch {
	case br[0] != 0 || br[1] <= 0 || br[2] < br[1] || br[3] < 0:
		brFail(ReasonByteRangeGap, "ByteRange %v is not [0 a b c] with a < b", br)
	case end > size:
		brFail(ReasonTruncated, "the signed range ends at %d, the file at %d", end, size)
	case !fld.direct || !hasSpan || cspan.start != br[1] || cspan.end != br[2]:
		brFail(ReasonByteRangeGap, "the unsigned gap %d–%d is not exactly the /Contents value %d–%d", br[1], br[2], cspan.start, cspan.end)
	}
	if end <= size {
		if rev := f.revisionEndingAt(end); rev < 0 {
			brFail(ReasonByteRangeNotCovering, "the signed range ends at %d, not at the end of a revision", end)
		} else {
			s.Revision = rev + 1
			s.Modifications = v.modificationsAfter(rev, &s)
		}
		s.CoversWholeFile = len(bytes.TrimRight(f.data[end:], " \r\n\t\f\x00")) == 0
	}
	if f.tail > 0 {
		s.add(ReasonTruncated, "%d bytes after the last complete revision do not form a revision", f.tail)
	}
	// The bytes to hash: never read outside the file.
	ranges := [][2]int64{{br[0], br[0] + br[1]}, {br[2], end}}
	for i := range ranges {
		ranges[i][0] = max(0, min(ranges[i][0], size))
		ranges[i][1] = max(ranges[i][0], min(ranges[i][1], size))
	}
	digestOf := func(h crypto.Hash) []byte {
		if !h.Available() {
			return nil
		}
		w := h.New()
		for _, r := range ranges {
			w.Write(f.data[r[0]:r[1]])
		}
		return w.Sum(nil)
	}

	sd, err := cms.Parse(der)
	if err != nil {
		s.add(ReasonMalformedSignature, "%v", err)
		return s
	}
	v.pool = appendCerts(v.pool, sd.Certificates...)
	if s.Kind == KindDocumentTimestamp {
		v.verifyDocumentTimestamp(&s, sd, der, digestOf)
		return s
	}
	if s.SubFilter != "ETSI.CAdES.detached" {
		s.add(ReasonNotPAdES, "SubFilter %s", s.SubFilter)
	}
	s.Integrity.Hash = sd.Hash.String()
	if !v.opts.hashAllowed(sd.Hash) || !v.opts.hashAllowed(sd.SignatureHash()) {
		s.add(ReasonHashNotAllowed, "%v", sd.Hash)
	}
	cert, err := sd.SignerCertificate()
	if err != nil {
		s.add(ReasonMalformedSignature, "%v", err)
		return s
	}
	s.Signer = certInfo(cert)
	md, err := sd.MessageDigest()
	if err != nil {
		s.add(ReasonMalformedSignature, "%v", err)
	} else if bytes.Equal(md, digestOf(sd.Hash)) {
		s.Integrity.DigestOK = true
	} else {
		s.add(ReasonDigestMismatch, "")
	}
	if err := sd.CheckSignature(cert); err != nil {
		s.add(ReasonSignatureInvalid, "%v", err)
	} else {
		s.Integrity.SignatureOK = true
	}
	ids, present, err := sd.SigningCertificatesV2()
	switch {
	case err != nil:
		s.add(ReasonSigningCertificate, "%v", err)
	case !present:
		if s.SubFilter == "ETSI.CAdES.detached" {
			s.add(ReasonSigningCertificate, "no signing-certificate-v2 attribute")
		}
	case len(ids) == 0 || !ids[0].Matches(cert):
		s.add(ReasonSigningCertificate, "signing-certificate-v2 names another certificate")
	default:
		s.Integrity.SigningCertificateOK = true
	}

	// The time: a trusted signature time-stamp, else the claimed /M.
	if token, ok := sd.UnsignedAttribute(cms.OIDAttrTimeStampToken); ok {
		h := func(hh crypto.Hash) []byte {
			if !hh.Available() {
				return nil
			}
			w := hh.New()
			w.Write(sd.Signature)
			return w.Sum(nil)
		}
		s.Timestamp = v.checkTimestamp(token, h, sd.Certificates)
		s.TimestampTime = s.Timestamp.Time
		switch {
		case !s.Timestamp.Valid || !s.Timestamp.Imprint:
			s.add(ReasonTimestampInvalid, "%s", strings.Join(s.Timestamp.Problems, "; "))
		case !s.Timestamp.Trusted:
			s.add(ReasonTimestampUntrusted, "%s", strings.Join(s.Timestamp.Problems, "; "))
		default:
			s.ValidationTime, s.TimeSource = s.Timestamp.Time, TimeFromTimestamp
		}
	}
	if s.TimeSource != TimeFromTimestamp {
		if !s.SigningTime.IsZero() {
			s.ValidationTime, s.TimeSource = s.SigningTime, TimeClaimed
			s.add(ReasonTimeClaimed, "")
		} else {
			s.add(ReasonTimeClaimed, "no signing time; checked at the current time")
		}
	}

	// The chain and its revocation status at that time.
	chain := v.checkChain(&s, cert, sd.Certificates, s.ValidationTime, x509.ExtKeyUsageAny)
	if cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		s.add(ReasonKeyUsage, "key usage %b", cert.KeyUsage)
	}
	if chain != nil {
		crls, ocsps := sd.RevocationArchival()
		s.Revocation = v.checkRevocation(chain, s.ValidationTime, crls, ocsps)
		for _, it := range s.Revocation.Items {
			switch it.Status {
			case "revoked":
				s.add(ReasonRevoked, "%s revoked on %s (%s)", it.Certificate, it.RevokedAt.Format(time.RFC3339), it.Source)
			case "unknown":
				s.add(ReasonRevocationUnknown, "%s", it.Certificate)
			}
		}
	}
	return s
}

// verifyDocumentTimestamp checks a document time-stamp: its token's
// signature and TSA, and that its imprint is the digest of the byte range.
func (v *verifier) verifyDocumentTimestamp(s *SignatureReport, sd *cms.SignedData, der []byte, digestOf func(crypto.Hash) []byte) {
	ts := v.checkTimestamp(der, digestOf, nil)
	s.Timestamp = ts
	s.TimestampTime = ts.Time
	s.ValidationTime, s.TimeSource = ts.Time, TimeFromTimestamp
	s.Signer = ts.TSA
	s.Integrity.Hash = sd.Hash.String()
	if info, err := cms.ParseTSTInfo(sd); err == nil {
		if h, err := cms.HashFromOID(info.MessageImprint.HashAlgorithm.Algorithm); err == nil {
			s.Integrity.Hash = h.String()
			if !v.opts.hashAllowed(h) {
				s.add(ReasonHashNotAllowed, "%v", h)
			}
		}
	}
	s.Integrity.DigestOK = ts.Imprint
	s.Integrity.SignatureOK = ts.Valid
	s.Integrity.SigningCertificateOK = true
	switch {
	case ts.TSA == nil:
		s.add(ReasonMalformedSignature, "%s", strings.Join(ts.Problems, "; "))
	case !ts.Imprint:
		s.add(ReasonDigestMismatch, "the time-stamp's message imprint is not the digest of the signed range")
	case !ts.Valid:
		s.add(ReasonSignatureInvalid, "%s", strings.Join(ts.Problems, "; "))
	case !ts.Trusted:
		s.add(ReasonUntrustedChain, "%s", strings.Join(ts.Problems, "; "))
	}
}

// assignLevels works out the PAdES level of every signature: B-B when
// intact, B-T with a trusted time-stamp, B-LT when the revocation data
// came from the document's DSS (added after the signature), B-LTA when a
// valid document time-stamp covers that DSS.
func (v *verifier) assignLevels(sigs []SignatureReport) {
	for i := range sigs {
		s := &sigs[i]
		if s.Kind != KindSignature {
			continue
		}
		if statusOf(s.Reasons) == StatusInvalid {
			continue // no level for a broken signature
		}
		intact := s.Integrity.ByteRangeOK && s.Integrity.DigestOK && s.Integrity.SignatureOK && s.Integrity.SigningCertificateOK
		if intact && s.SubFilter == "ETSI.CAdES.detached" {
			s.Level = LevelBB
			if s.TimeSource == TimeFromTimestamp {
				s.Level = LevelBT
				dssRev := v.dss.addedIn(s.Revision - 1)
				if dssRev >= 0 && s.Revocation.Checked && s.Revocation.Embedded {
					s.Level = LevelBLT
					for _, d := range sigs {
						if d.Kind == KindDocumentTimestamp && d.Revision-1 >= dssRev && statusOf(d.Reasons) == StatusValid {
							s.Level = LevelBLTA
						}
					}
				}
			}
		}
		if req := v.opts.RequireLevel; req != "" && s.Level.rank() < req.rank() || req != "" && s.Level == "" {
			if req.rank() >= LevelBT.rank() && s.Timestamp == nil {
				s.add(ReasonTimestampMissing, "level %s required", req)
			} else {
				got := s.Level
				if got == "" {
					got = "none"
				}
				s.add(ReasonLevelNotReached, "level %s reached, %s required", got, req)
			}
		}
	}
}

func appendCerts(pool []*x509.Certificate, certs ...*x509.Certificate) []*x509.Certificate {
	for _, c := range certs {
		if !slices.ContainsFunc(pool, c.Equal) {
			pool = append(pool, c)
		}
	}
	return pool
}

func nameOf(v any, key pdfName) pdfName {
	d, _ := v.(pdfDict)
	n, _ := d[key].(pdfName)
	return n
}

func byteRange(v any) ([4]int64, bool) {
	var br [4]int64
	a, ok := v.(pdfArray)
	if !ok || len(a) != 4 {
		return br, false
	}
	for i, x := range a {
		n, ok := x.(int64)
		if !ok {
			return br, false
		}
		br[i] = n
	}
	return br, true
}

// trimDER cuts the zero padding after a DER element.
func trimDER(b []byte) []byte {
	if len(b) < 2 || b[0] != 0x30 {
		return b
	}
	n, hdr := int(b[1]), 2
	if b[1]&0x80 != 0 {
		k := int(b[1] & 0x7F)
		if k == 0 || k > 4 || len(b) < 2+k {
			return b
		}
		n = 0
		for i := range k {
			n = n<<8 | int(b[2+i])
		}
		hdr = 2 + k
	}
	if hdr+n > len(b) || n < 0 {
		return b
	}
	return b[:hdr+n]
}

// parsePDFDate reads D:YYYYMMDDHHmmSSOHH'mm' (trailing parts optional).
func parsePDFDate(s string) (time.Time, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "D:")
	digits := 0
	for digits < len(s) && digits < 14 && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	if digits < 4 || digits%2 != 0 {
		return time.Time{}, fmt.Errorf("bad PDF date %q", s)
	}
	base := s[:digits] + "00000101000000"[digits:]
	t, err := time.Parse("20060102150405", base)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad PDF date %q: %w", s, err)
	}
	rest := strings.ReplaceAll(s[digits:], "'", "")
	if rest == "" || rest[0] == 'Z' {
		return t, nil
	}
	sign := 1
	switch rest[0] {
	case '-':
		sign = -1
	case '+':
	default:
		return t, nil
	}
	var hh, mm int
	fmt.Sscanf(rest[1:min(3, len(rest))], "%d", &hh)
	if len(rest) >= 5 {
		fmt.Sscanf(rest[3:5], "%d", &mm)
	}
	off := sign * (hh*3600 + mm*60)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.FixedZone("", off)), nil
}
