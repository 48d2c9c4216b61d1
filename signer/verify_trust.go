package signer

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/sohoa/sohoa/signer/internal/cms"
)

// sigField is a signature field with its value.
type sigField struct {
	name   string
	sig    *parsedObject
	direct bool // the value is an indirect object: its byte spans are known
}

// signatureFields lists the signature fields with a value in the newest
// revision, in file order (by the end of their byte range).
func (f *pdfFile) signatureFields() []sigField {
	last := len(f.revisions) - 1
	form := f.dict(f.catalog(last)["AcroForm"], last)
	var out []sigField
	seen := map[int]bool{}
	var walk func(v any, parent string, ft pdfName, depth int)
	walk = func(v any, parent string, ft pdfName, depth int) {
		if r, ok := v.(pdfRef); ok {
			if seen[r.num] {
				return
			}
			seen[r.num] = true
		}
		d := f.dict(v, last)
		if d == nil || depth > 32 {
			return
		}
		name := parent
		if t := text(d["T"]); t != "" {
			if name != "" {
				name += "."
			}
			name += t
		}
		if n, ok := d["FT"].(pdfName); ok {
			ft = n
		}
		if kids := f.array(d["Kids"], last); len(kids) > 0 {
			for _, k := range kids {
				walk(k, name, ft, depth+1)
			}
		}
		if ft != "Sig" || d["V"] == nil {
			return
		}
		switch val := d["V"].(type) {
		case pdfRef:
			// A value that does not parse is reported, not skipped: a
			// damaged signature must not just disappear.
			o := f.object(val.num, last)
			if o == nil {
				o = &parsedObject{}
			}
			out = append(out, sigField{name: name, sig: o, direct: true})
		case pdfDict:
			out = append(out, sigField{name: name, sig: &parsedObject{value: val}})
		}
	}
	for _, fld := range f.array(form["Fields"], last) {
		walk(fld, "", "", 0)
	}
	end := func(s sigField) int64 {
		d, _ := s.sig.value.(pdfDict)
		br, _ := byteRange(d["ByteRange"])
		return br[2] + br[3]
	}
	sort.SliceStable(out, func(i, j int) bool { return end(out[i]) < end(out[j]) })
	return out
}

var objHeaderRE = regexp.MustCompile(`(?m)^\s*(\d+)\s+\d+\s+obj\b`)

// tailSignatures finds signature dictionaries in an incomplete last
// update (a truncated file), so their signatures are reported rather than
// lost with the revision that would have listed them.
func (f *pdfFile) tailSignatures() []sigField {
	start := int(f.revisions[len(f.revisions)-1].end)
	tail := f.data[start:]
	names := map[int]string{}
	var sigs []*parsedObject
	var nums []int
	for _, m := range objHeaderRE.FindAllSubmatchIndex(tail, -1) {
		num, o, err := f.parseAt(int64(start + m[0]))
		if err != nil {
			continue
		}
		d, _ := o.value.(pdfDict)
		if d == nil {
			continue
		}
		if _, ok := d["ByteRange"]; ok {
			sigs, nums = append(sigs, o), append(nums, num)
		}
		if r, ok := d["V"].(pdfRef); ok && d["FT"] == pdfName("Sig") {
			names[r.num] = text(d["T"])
		}
	}
	var out []sigField
	for i, o := range sigs {
		out = append(out, sigField{name: names[nums[i]], sig: o, direct: true})
	}
	return out
}

// dssMaterial is the validation data of the Document Security Store.
type dssMaterial struct {
	certs       []*x509.Certificate
	ocsps, crls [][]byte
	revisions   []int // revisions that (re)define the DSS
}

func readDSS(f *pdfFile) *dssMaterial {
	m := &dssMaterial{}
	last := len(f.revisions) - 1
	for j := range f.revisions {
		ref, isRef := f.catalog(j)["DSS"].(pdfRef)
		if !isRef {
			continue
		}
		if _, ok := f.revisions[j].entries[ref.num]; ok {
			m.revisions = append(m.revisions, j)
		}
	}
	dss := f.dict(f.catalog(last)["DSS"], last)
	if dss == nil {
		return m
	}
	streams := func(key pdfName) [][]byte {
		var out [][]byte
		for _, it := range f.array(dss[key], last) {
			if b := f.streamData(it, last); len(b) > 0 {
				out = append(out, b)
			}
		}
		return out
	}
	for _, der := range streams("Certs") {
		if c, err := x509.ParseCertificate(der); err == nil {
			m.certs = appendCerts(m.certs, c)
		}
	}
	m.ocsps, m.crls = streams("OCSPs"), streams("CRLs")
	return m
}

// addedIn is the first revision at or after rev that defines the DSS, or -1.
func (m *dssMaterial) addedIn(rev int) int {
	for _, j := range m.revisions {
		if j >= rev {
			return j
		}
	}
	return -1
}

// checkChain builds cert's path to a root using the CMS certificates and
// the pool, then checks every certificate's validity at the time at.
// It returns the path (cert first) or nil when there is none.
func (v *verifier) checkChain(s *SignatureReport, cert *x509.Certificate, extra []*x509.Certificate, at time.Time, eku x509.ExtKeyUsage) []*x509.Certificate {
	chain, err := v.buildChain(cert, extra, at, eku)
	if err != nil {
		s.add(ReasonUntrustedChain, "%v", err)
		s.Chain.ValidAtTime = !at.Before(cert.NotBefore) && !at.After(cert.NotAfter)
		v.checkValidity(s, []*x509.Certificate{cert}, at)
		return nil
	}
	s.Chain.Trusted = true
	for _, c := range chain {
		s.Chain.Certificates = append(s.Chain.Certificates, *certInfo(c))
	}
	s.Chain.ValidAtTime = v.checkValidity(s, chain, at)
	return chain
}

func (v *verifier) checkValidity(s *SignatureReport, chain []*x509.Certificate, at time.Time) bool {
	ok := true
	for _, c := range chain {
		switch {
		case at.After(c.NotAfter):
			s.add(ReasonCertExpired, "%q expired on %s, validation time %s", c.Subject.CommonName,
				c.NotAfter.Format(time.RFC3339), at.Format(time.RFC3339))
			ok = false
		case at.Before(c.NotBefore):
			s.add(ReasonCertNotYetValid, "%q valid from %s, validation time %s", c.Subject.CommonName,
				c.NotBefore.Format(time.RFC3339), at.Format(time.RFC3339))
			ok = false
		}
	}
	return ok
}

// buildChain finds a path to a root. Validity periods are checked by the
// caller, so an expired certificate still gets its path: the path is
// looked for at the time at, then within the certificate's own validity.
func (v *verifier) buildChain(cert *x509.Certificate, extra []*x509.Certificate, at time.Time, eku x509.ExtKeyUsage) ([]*x509.Certificate, error) {
	// A TSA signs both the signature's and the document's time-stamps:
	// its path is built once per file (signature checks dominate).
	key := fmt.Sprint(eku) + string(cert.Raw)
	if path, ok := v.paths[key]; ok {
		return path, nil
	}
	path, err := v.findPath(cert, extra, at, eku)
	if err == nil {
		if v.paths == nil {
			v.paths = map[string][]*x509.Certificate{}
		}
		v.paths[key] = path
	}
	return path, err
}

func (v *verifier) findPath(cert *x509.Certificate, extra []*x509.Certificate, at time.Time, eku x509.ExtKeyUsage) ([]*x509.Certificate, error) {
	roots := v.opts.Roots
	if roots == nil {
		roots = x509.NewCertPool() // never the system's roots by accident
	}
	inter := x509.NewCertPool()
	for _, c := range extra {
		inter.AddCert(c)
	}
	for _, c := range v.pool {
		inter.AddCert(c)
	}
	o := x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{eku}}
	chains, err := cert.Verify(o)
	if err == nil {
		return chains[0], nil
	}
	var invalid x509.CertificateInvalidError
	if !errors.As(err, &invalid) || invalid.Reason != x509.Expired {
		return nil, err
	}
	// A certificate of the path was out of its validity then. Find the
	// path regardless (climbing issuers until one's validity fits its
	// own), the caller reports the dates.
	candidates := append(append([]*x509.Certificate(nil), extra...), v.pool...)
	path := []*x509.Certificate{cert}
	for cur := cert; len(path) < 8; {
		o.CurrentTime = cur.NotBefore.Add(cur.NotAfter.Sub(cur.NotBefore) / 2)
		if chains, e := cur.Verify(o); e == nil {
			return append(path[:len(path)-1], chains[0]...), nil
		}
		o.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
		next := findIssuer(cur, candidates)
		if next == nil || next.Equal(cur) {
			break
		}
		path = append(path, next)
		cur = next
	}
	return nil, err
}

var oidOCSPNoCheck = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}

// checkRevocation looks up the revocation status at the time at of every
// certificate of chain but the root: in the CMS, the DSS, then online when
// allowed.
func (v *verifier) checkRevocation(chain []*x509.Certificate, at time.Time, cmsCRLs, cmsOCSPs [][]byte) Revocation {
	rev := Revocation{Checked: true, Embedded: true}
	for i := 0; i+1 < len(chain); i++ {
		c, issuer := chain[i], chain[i+1]
		if slices.ContainsFunc(c.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(oidOCSPNoCheck) }) {
			continue
		}
		item := RevocationCheck{Certificate: c.Subject.String(), Status: "unknown"}
		var notes []string
		try := func(source string, ders [][]byte, isCRL bool) bool {
			for _, der := range ders {
				var res RevocationCheck
				var err error
				if isCRL {
					res, err = crlStatus(der, c, issuer, at)
				} else {
					res, err = ocspStatus(der, c, issuer, at)
				}
				if err != nil {
					if !errors.Is(err, errNotForCert) {
						notes = append(notes, source+": "+err.Error())
					}
					continue
				}
				if res.Status == "unknown" {
					notes = append(notes, source+": "+res.Detail)
					continue
				}
				res.Certificate, res.Source = item.Certificate, source
				item = res
				return true
			}
			return false
		}
		found := try("cms-ocsp", cmsOCSPs, false) || try("dss-ocsp", v.dss.ocsps, false) ||
			try("cms-crl", cmsCRLs, true) || try("dss-crl", v.dss.crls, true)
		if !found && v.opts.Online {
			rev.Embedded = false
			found = v.online(c, issuer, try)
		}
		if !found {
			item.Detail = strings.Join(notes, "; ")
			rev.Checked = false
		}
		rev.Items = append(rev.Items, item)
	}
	return rev
}

func (v *verifier) online(c, issuer *x509.Certificate, try func(string, [][]byte, bool) bool) bool {
	for _, url := range c.OCSPServer {
		if der, _, err := fetchOCSP(v.ctx, v.client, url, c, issuer); err == nil && try("online-ocsp", [][]byte{der}, false) {
			return true
		}
	}
	for _, url := range c.CRLDistributionPoints {
		if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
			continue
		}
		if der, _, err := fetchCRL(v.ctx, v.client, url); err == nil && try("online-crl", [][]byte{der}, true) {
			return true
		}
	}
	return false
}

var errNotForCert = errors.New("not about this certificate")

// covers tells whether an answer "not revoked" issued at thisUpdate (valid
// until nextUpdate) speaks for the time at: issued after it (revocation is
// permanent), or valid then.
func covers(at, thisUpdate, nextUpdate time.Time) bool {
	return !thisUpdate.Before(at) || nextUpdate.IsZero() || !at.After(nextUpdate)
}

// ocspStatus reads an OCSP response about c: its signature by the issuer
// or by a responder the issuer authorised (EKU OCSPSigning).
func ocspStatus(der []byte, c, issuer *x509.Certificate, at time.Time) (RevocationCheck, error) {
	resp, err := ocsp.ParseResponseForCert(der, c, issuer)
	if err != nil {
		var pe ocsp.ParseError
		if errors.As(err, &pe) && strings.Contains(string(pe), "no response matching") {
			return RevocationCheck{}, errNotForCert
		}
		if r, e := ocsp.ParseResponse(der, nil); e == nil && r.SerialNumber.Cmp(c.SerialNumber) != 0 {
			return RevocationCheck{}, errNotForCert
		}
		return RevocationCheck{}, fmt.Errorf("OCSP response: %v", err)
	}
	if resp.SerialNumber.Cmp(c.SerialNumber) != 0 {
		return RevocationCheck{}, errNotForCert
	}
	if rc := resp.Certificate; rc != nil && !rc.Equal(issuer) {
		if !slices.Contains(rc.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
			return RevocationCheck{}, fmt.Errorf("OCSP responder %q not authorised by the issuer (no OCSPSigning)", rc.Subject.CommonName)
		}
		if resp.ProducedAt.Before(rc.NotBefore) || resp.ProducedAt.After(rc.NotAfter) {
			return RevocationCheck{}, fmt.Errorf("OCSP responder %q not valid when the response was produced", rc.Subject.CommonName)
		}
	}
	res := RevocationCheck{ThisUpdate: resp.ThisUpdate, NextUpdate: resp.NextUpdate}
	switch resp.Status {
	case ocsp.Revoked:
		if !resp.RevokedAt.After(at) {
			res.Status, res.RevokedAt = "revoked", resp.RevokedAt
			return res, nil
		}
		res.Status = "good" // revoked only after the validation time
		res.Detail = "revoked later, on " + resp.RevokedAt.Format(time.RFC3339)
		return res, nil
	case ocsp.Good:
		if covers(at, resp.ThisUpdate, resp.NextUpdate) {
			res.Status = "good"
			return res, nil
		}
		res.Status, res.Detail = "unknown", "OCSP response does not cover the validation time"
		return res, nil
	}
	res.Status, res.Detail = "unknown", "OCSP status unknown"
	return res, nil
}

// crlStatus reads a CRL of c's issuer.
func crlStatus(der []byte, c, issuer *x509.Certificate, at time.Time) (RevocationCheck, error) {
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return RevocationCheck{}, fmt.Errorf("CRL: %v", err)
	}
	if !bytes.Equal(crl.RawIssuer, issuer.RawSubject) {
		return RevocationCheck{}, errNotForCert
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return RevocationCheck{}, fmt.Errorf("CRL signature: %v", err)
	}
	res := RevocationCheck{ThisUpdate: crl.ThisUpdate, NextUpdate: crl.NextUpdate}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(c.SerialNumber) != 0 {
			continue
		}
		if !e.RevocationTime.After(at) {
			res.Status, res.RevokedAt = "revoked", e.RevocationTime
			return res, nil
		}
		res.Status, res.Detail = "good", "revoked later, on "+e.RevocationTime.Format(time.RFC3339)
		return res, nil
	}
	if covers(at, crl.ThisUpdate, crl.NextUpdate) {
		res.Status = "good"
	} else {
		res.Status, res.Detail = "unknown", "CRL does not cover the validation time"
	}
	return res, nil
}

// checkTimestamp verifies an RFC 3161 token: its signature, that its
// message imprint is imprint(hash), and its TSA's chain at the token's
// time with the timeStamping extended key usage.
func (v *verifier) checkTimestamp(token []byte, imprint func(crypto.Hash) []byte, extra []*x509.Certificate) *Timestamp {
	ts := &Timestamp{}
	sd, err := cms.Parse(token)
	if err != nil {
		ts.Problems = append(ts.Problems, err.Error())
		return ts
	}
	info, err := cms.ParseTSTInfo(sd)
	if err != nil {
		ts.Problems = append(ts.Problems, err.Error())
		return ts
	}
	ts.Time = info.GenTime
	if h, err := cms.HashFromOID(info.MessageImprint.HashAlgorithm.Algorithm); err != nil {
		ts.Problems = append(ts.Problems, err.Error())
	} else if want := imprint(h); want != nil && bytes.Equal(want, info.MessageImprint.HashedMessage) {
		ts.Imprint = true
	} else {
		ts.Problems = append(ts.Problems, "the message imprint does not match")
	}
	cert, err := sd.SignerCertificate()
	if err != nil {
		ts.Problems = append(ts.Problems, err.Error())
		return ts
	}
	ts.TSA = certInfo(cert)
	if _, err := sd.Verify(nil); err != nil {
		ts.Problems = append(ts.Problems, err.Error())
	} else {
		ts.Valid = true
	}
	v.pool = appendCerts(v.pool, sd.Certificates...)
	if !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageTimeStamping) {
		ts.Problems = append(ts.Problems, fmt.Sprintf("%q may not time-stamp (no timeStamping EKU)", cert.Subject.CommonName))
		return ts
	}
	if info.GenTime.Before(cert.NotBefore) || info.GenTime.After(cert.NotAfter) {
		ts.Problems = append(ts.Problems, fmt.Sprintf("TSA certificate %q not valid at %s", cert.Subject.CommonName, info.GenTime.Format(time.RFC3339)))
		return ts
	}
	path, err := v.buildChain(cert, append(extra, sd.Certificates...), info.GenTime, x509.ExtKeyUsageTimeStamping)
	if err != nil {
		ts.Problems = append(ts.Problems, "TSA: "+err.Error())
		return ts
	}
	for _, c := range path {
		if info.GenTime.Before(c.NotBefore) || info.GenTime.After(c.NotAfter) {
			ts.Problems = append(ts.Problems, fmt.Sprintf("%q not valid at %s", c.Subject.CommonName, info.GenTime.Format(time.RFC3339)))
			return ts
		}
	}
	ts.Trusted = true
	return ts
}
