package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sohoa/sohoa/signer/internal/cms"
	"github.com/sohoa/sohoa/signer/signertest"
)

// verifyFixture is a signed file and what Verify must say about it.
type verifyFixture struct {
	name       string
	pdf        []byte
	roots      *x509.CertPool
	opts       VerifyOptions // Roots filled in from roots
	wantStatus Status
	wantCode   ReasonCode // "" for an untampered file
	wantLevel  Level      // for untampered files
	rootPEM    []byte     // for pyHanko
}

func (fx verifyFixture) verify(t testing.TB) *Report {
	t.Helper()
	o := fx.opts
	o.Roots = fx.roots
	rep, err := Verify(context.Background(), bytes.NewReader(fx.pdf), int64(len(fx.pdf)), o)
	if err != nil {
		t.Fatalf("%s: Verify: %v", fx.name, err)
	}
	return rep
}

func poolOf(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

var levels = []Level{LevelBB, LevelBT, LevelBLT, LevelBLTA}

// untamperedFixtures signs the test document at every level with every
// accepted key type.
func untamperedFixtures(t testing.TB) []verifyFixture {
	pki := sharedPKI(t)
	var out []verifyFixture
	kinds := []signertest.Kind{signertest.RSA2048, signertest.RSA3072, signertest.ECDSAP256, signertest.ECDSAP384}
	for i, kind := range kinds {
		for j, level := range levels {
			key := pki.MustSigner(t, kind)
			opts := Options{Level: level, TSAURL: pki.URL + "/tsa", Time: time.Now().In(ict), Reason: "Sao y bản chính"}
			if (i+j)%2 == 0 {
				opts.Stamp = &Stamp{FormOfCopy: "SAO Y"}
			}
			pdf, _ := signBytes(t, testPDF(t, (i+j)%3 == 0), key, opts)
			out = append(out, verifyFixture{
				name: fmt.Sprintf("%s/%s", level, kind), pdf: pdf, roots: poolOf(pki.Root.Cert),
				wantStatus: StatusValid, wantLevel: level, rootPEM: pki.RootPEM(),
			})
		}
	}
	return out
}

// signUnchecked makes a B-B or B-T signature without CheckKey, as a
// careless signing tool would: for certificates Sign refuses.
func signUnchecked(t testing.TB, pdf []byte, key Key, tsaURL string, at time.Time) []byte {
	t.Helper()
	o, err := Options{Time: at}.normalized(key)
	if err != nil {
		t.Fatal(err)
	}
	doc := &chunks{parts: []io.ReaderAt{bytes.NewReader(pdf)}, sizes: []int64{int64(len(pdf))}}
	spec := &signatureSpec{fieldName: "Signature1", dict: o.signatureDict(), reserve: 16384, time: o.Time, hash: crypto.SHA256}
	spec.contents = func(ctx context.Context, digest []byte) ([]byte, error) {
		p := cms.Params{Signer: key, Certificate: key.Certificate(), Certificates: key.Chain(), Hash: crypto.SHA256, Digest: digest, Detached: true}
		if tsaURL != "" {
			p.Unsigned = func(sig []byte) ([]cms.Attribute, error) {
				h := crypto.SHA256.New()
				h.Write(sig)
				ts, err := requestTimestamp(ctx, o.HTTPClient, tsaURL, crypto.SHA256, h.Sum(nil))
				if err != nil {
					return nil, err
				}
				return []cms.Attribute{{Type: cms.OIDAttrTimeStampToken, Values: [][]byte{ts.token}}}, nil
			}
		}
		return cms.Sign(p)
	}
	upd, _, err := signRevision(context.Background(), doc, spec)
	if err != nil {
		t.Fatal(err)
	}
	return append(bytes.Clone(pdf), upd...)
}

// appendDSS adds a DSS revision with the OCSP responses and CRLs the PKI
// gives now for the key's certificate, whatever they say.
func appendDSS(t testing.TB, pdf []byte, pki *signertest.PKI, key Key) []byte {
	t.Helper()
	ctx := context.Background()
	client := &http.Client{Timeout: 30 * time.Second}
	ri := &revocationInfo{}
	cert, issuer := key.Certificate(), key.Chain()[0]
	der, _, err := fetchOCSP(ctx, client, pki.URL+"/ocsp", cert, issuer)
	if err != nil {
		t.Fatal(err)
	}
	ri.ocsps = append(ri.ocsps, der)
	crl, _, err := fetchCRL(ctx, client, pki.URL+"/crl/intermediate.crl")
	if err != nil {
		t.Fatal(err)
	}
	ri.crls = append(ri.crls, crl)
	ri.certs = []*x509.Certificate{cert, issuer, pki.Root.Cert}
	doc := &chunks{parts: []io.ReaderAt{bytes.NewReader(pdf)}, sizes: []int64{int64(len(pdf))}}
	upd, err := dssRevision(ctx, doc, ri)
	if err != nil {
		t.Fatal(err)
	}
	return append(bytes.Clone(pdf), upd...)
}

// tamperedFixtures are the tamper suite: each must be found with its
// reason.
func tamperedFixtures(t testing.TB) []verifyFixture {
	pki := sharedPKI(t)
	key := pki.MustSigner(t, signertest.ECDSAP256)
	tsa := pki.URL + "/tsa"
	now := time.Now().In(ict)
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	bt, _ := signBytes(t, testPDF(t, false), key, Options{Level: LevelBT, TSAURL: tsa, Time: now})
	blt, _ := signBytes(t, testPDF(t, false), key, Options{Level: LevelBLT, TSAURL: tsa, Time: now})
	slots, err := signertest.Signatures(bt)
	if err != nil {
		t.Fatal(err)
	}
	br := slots[0].ByteRange

	// Page content replaced in an incremental update.
	f, err := openPDF(bt)
	if err != nil {
		t.Fatal(err)
	}
	last := len(f.revisions) - 1
	page := f.dict(f.array(f.dict(f.catalog(last)["Pages"], last)["Kids"], last)[0], last)
	contentRef := page["Contents"].(pdfRef)
	newContent := "q 1 0 0 1 0 0 cm BT /F1 12 Tf 100 700 Td (PAID) Tj ET Q"
	modified := must(signertest.AppendUpdate(bt, map[int]string{
		contentRef.num: "<</Length " + strconv.Itoa(len(newContent)) + ">>\nstream\n" + newContent + "\nendstream",
	}))

	// Signed by a key of another PKI.
	other := signertest.Start(t)
	foreign, _ := signBytes(t, testPDF(t, false), other.MustSigner(t, signertest.ECDSAP256), Options{})

	// Revoked an hour before signing; the OCSP answer saying so embedded.
	revokedKey := pki.MustSigner(t, signertest.Revoked)
	revoked, _ := signBytes(t, testPDF(t, false), revokedKey, Options{Level: LevelBT, TSAURL: tsa, Time: now})
	revoked = appendDSS(t, revoked, pki, revokedKey)

	return []verifyFixture{
		{name: "byte flipped in signed range", pdf: signertest.FlipByte(bt, int(br[1]/2)), wantCode: ReasonDigestMismatch},
		{name: "page content changed after signing", pdf: modified, wantCode: ReasonModifiedAfterSigning},
		{name: "timestamp removed", pdf: must(signertest.StripTimestamp(bt, 0)), wantCode: ReasonTimestampMissing,
			opts: VerifyOptions{RequireLevel: LevelBT}},
		{name: "untrusted certificate", pdf: foreign, wantCode: ReasonUntrustedChain, wantStatus: StatusIndeterminate},
		{name: "certificate expired at signing time", pdf: signUnchecked(t, testPDF(t, false), pki.MustSigner(t, signertest.Expired), tsa, now),
			wantCode: ReasonCertExpired},
		{name: "revoked before signing", pdf: revoked, wantCode: ReasonRevoked},
		{name: "truncated inside the signed range", pdf: bt[:len(bt)-100], wantCode: ReasonTruncated},
		{name: "truncated inside the DSS update", pdf: blt[:len(blt)-300], wantCode: ReasonTruncated},
		{name: "ByteRange leaves a gap", pdf: must(signertest.SetByteRange(bt, 0, [4]int64{0, br[1] - 64, br[2], br[3]})),
			wantCode: ReasonByteRangeGap},
		{name: "ByteRange stops short of the revision end", pdf: must(signertest.SetByteRange(bt, 0, [4]int64{0, br[1], br[2], br[3] - 40})),
			wantCode: ReasonByteRangeNotCovering},
	}
}

// allFixtures builds the fixtures once for the tests of the package.
var (
	fixturesOnce sync.Once
	fixturesUn   []verifyFixture
	fixturesTa   []verifyFixture
)

func fixtures(t testing.TB) (untampered, tampered []verifyFixture) {
	fixturesOnce.Do(func() {
		pki := sharedPKI(t)
		fixturesUn = untamperedFixtures(t)
		fixturesTa = tamperedFixtures(t)
		for i := range fixturesTa {
			fx := &fixturesTa[i]
			fx.roots, fx.rootPEM = poolOf(pki.Root.Cert), pki.RootPEM()
			if fx.wantStatus == "" {
				fx.wantStatus = StatusInvalid
			}
		}
	})
	if fixturesUn == nil {
		t.Fatal("fixtures failed in an earlier test")
	}
	return fixturesUn, fixturesTa
}

func codes(rs []Reason) string {
	var s []string
	for _, r := range rs {
		s = append(s, string(r.Code)+" ("+r.Detail+")")
	}
	return strings.Join(s, "; ")
}
