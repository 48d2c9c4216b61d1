package signer

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/signer/signertest"
)

// signCase is one combination of the signing matrix.
type signCase struct {
	kind       signertest.Kind
	level      Level
	hash       crypto.Hash
	pss        bool
	xrefStream bool
	stamp      bool
}

func (c signCase) String() string {
	s := fmt.Sprintf("%s/%s/%s", c.level, c.kind, strings.ReplaceAll(c.hash.String(), "-", ""))
	if c.pss {
		s += "-PSS"
	}
	if c.xrefStream {
		s += "/xrefstream"
	} else {
		s += "/xreftable"
	}
	if c.stamp {
		s += "/stamp"
	}
	return s
}

// defaultMatrix is a representative subset: every level, key type, hash,
// padding, xref kind and stamp at least once. The full product runs with
// the build tag signmatrix.
func defaultMatrix() []signCase {
	return []signCase{
		{signertest.RSA2048, LevelBB, crypto.SHA256, false, false, false},
		{signertest.RSA2048, LevelBT, crypto.SHA384, true, true, true},
		{signertest.ECDSAP256, LevelBLT, crypto.SHA256, false, false, true},
		{signertest.ECDSAP384, LevelBLTA, crypto.SHA512, false, true, false},
		{signertest.RSA3072, LevelBLTA, crypto.SHA256, false, false, true},
	}
}

func TestSign(t *testing.T) {
	runMatrix(t, defaultMatrix())
}

// runMatrix signs the test document for every case and validates the
// result in Go, with pdfsig, pyHanko and (once, over all files) veraPDF.
func runMatrix(t *testing.T, cases []signCase) {
	pyhanko := os.Getenv("SOHOA_PYHANKO")
	verapdf := os.Getenv("SOHOA_VERAPDF")
	if os.Getenv("CI") == "true" && (pyhanko == "" || verapdf == "") {
		t.Fatal("CI=true needs SOHOA_PYHANKO (scripts/install-pyhanko.sh) and SOHOA_VERAPDF (scripts/install-verapdf.sh)")
	}
	pdfs := map[bool][]byte{false: testPDF(t, false), true: testPDF(t, true)}
	dir := t.TempDir()
	var signed []string
	for i, c := range cases {
		t.Run(c.String(), func(t *testing.T) {
			// B-LT and up are checked offline by pyHanko: they get a PKI of
			// their own, stopped before validation, so only the DSS can
			// vouch for the certificates.
			pki := sharedPKI(t)
			if c.level.rank() >= LevelBLT.rank() && pyhanko != "" {
				pki = signertest.Start(t)
			}
			key := pki.MustSigner(t, c.kind)
			opts := Options{
				Level: c.level, Hash: c.hash, PSS: c.pss, TSAURL: pki.URL + "/tsa",
				Time:   time.Now().In(ict),
				Reason: "Sao y bản chính", Location: "Tân Phú",
			}
			if c.stamp {
				opts.Stamp = &Stamp{FormOfCopy: "SAO Y"}
			}
			out, res := signBytes(t, pdfs[c.xrefStream], key, opts)
			wantRevisions := map[Level]int{LevelBB: 1, LevelBT: 1, LevelBLT: 2, LevelBLTA: 3}[c.level]
			if res.Revisions != wantRevisions {
				t.Errorf("Revisions = %d, want %d", res.Revisions, wantRevisions)
			}
			if (c.level != LevelBB) == res.TimestampTime.IsZero() {
				t.Errorf("TimestampTime = %v at %s", res.TimestampTime, c.level)
			}
			if c.level.rank() >= LevelBLT.rank() && (res.OCSPResponses == 0 || res.CRLs == 0) {
				t.Errorf("B-LT without revocation data: %d OCSP, %d CRL", res.OCSPResponses, res.CRLs)
			}
			if got := int64(len(out)); got != res.Size {
				t.Errorf("Size = %d, wrote %d", res.Size, got)
			}
			total := c.level != LevelBLT
			sigs := verifyInGo(t, out, key.Cert, total)
			wantSigs := 1
			if c.level == LevelBLTA {
				wantSigs = 2
			}
			if len(sigs) != wantSigs {
				t.Fatalf("%d signatures (%s), want %d", len(sigs), describe(sigs), wantSigs)
			}
			if c.xrefStream != bytes.Contains(out[len(pdfs[c.xrefStream]):], []byte("/Type /XRef")) {
				t.Errorf("the update's xref kind does not follow the input's (xref stream: %v)", c.xrefStream)
			}
			path := filepath.Join(dir, fmt.Sprintf("%02d.pdf", i))
			if err := os.WriteFile(path, out, 0o644); err != nil {
				t.Fatal(err)
			}
			signed = append(signed, path)
			checkPdfsig(t, path, wantSigs, total)
			if pyhanko != "" {
				if c.level.rank() >= LevelBLT.rank() {
					pki.Close()
				}
				checkPyHanko(t, pyhanko, path, pki.RootPEM(), c.level)
			}
		})
	}
	if verapdf == "" || len(signed) == 0 {
		return
	}
	t.Run("veraPDF", func(t *testing.T) {
		out, _ := run(t, verapdf, append([]string{"--flavour", "2u", "--format", "text"}, signed...)...)
		for _, p := range signed {
			if !strings.Contains(out, "PASS "+p) {
				t.Errorf("veraPDF: %s is not PDF/A-2u:\n%s", p, out)
			}
		}
	})
}

// checkPyHanko validates with pyHanko. B-B and B-T are checked online with
// "sign validate"; B-LT and B-LTA with "sign adesverify" while the PKI's
// servers are down, so the certificates are trusted only through the DSS.
func checkPyHanko(t *testing.T, pyhanko, path string, rootPEM []byte, level Level) {
	t.Helper()
	root := writeTemp(t, "root.pem", rootPEM)
	cmd := "validate"
	if level.rank() >= LevelBLT.rank() {
		cmd = "adesverify"
	}
	out, err := run(t, pyhanko, "sign", cmd, "--trust", root, "--trust-replace", path)
	if err != nil {
		t.Fatalf("pyhanko sign %s: %v\n%s", cmd, err, out)
	}
	want := []string{"INTACT:TRUSTED"}
	switch level {
	case LevelBB:
		want = append(want, "UNTOUCHED")
	case LevelBT:
		want = append(want, "TIMESTAMP_TOKEN<INTACT:TRUSTED>", "UNTOUCHED")
	case LevelBLT, LevelBLTA:
		want = append(want, "TIMESTAMP_TOKEN<INTACT:TRUSTED>", "ACCEPTABLE_MODIFICATIONS")
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("pyhanko sign %s: no %q (level %s):\n%s", cmd, w, level, out)
		}
	}
	if level == LevelBB && strings.Contains(out, "TIMESTAMP_TOKEN") {
		t.Errorf("pyhanko: a B-B signature has a time-stamp:\n%s", out)
	}
	// pyHanko warns when an LTV signature has no document time-stamp
	// after it: that must be so at B-LT and not at B-LTA.
	noDTS := strings.Contains(out, "No document timestamps after signature")
	if level == LevelBLT && !noDTS || level == LevelBLTA && noDTS {
		t.Errorf("pyhanko: document time-stamp presence wrong for %s:\n%s", level, out)
	}
}

func TestSignRefusals(t *testing.T) {
	pki := sharedPKI(t)
	pdf := testPDF(t, false)
	good := pki.MustSigner(t, signertest.ECDSAP256)
	revoked := pki.MustSigner(t, signertest.Revoked)
	offline := signertest.Start(t) // a PKI whose servers are gone
	offlineKey := offline.MustSigner(t, signertest.ECDSAP256)
	offline.Close()
	tests := []struct {
		name string
		key  Key
		opts Options
		want error
	}{
		{"revoked at B-LT", revoked, Options{Level: LevelBLT, TSAURL: pki.URL + "/tsa"}, ErrRevoked},
		{"revoked at B-B with revocation check", revoked, Options{CheckRevocation: true}, ErrRevoked},
		{"TSA unreachable", good, Options{Level: LevelBT, TSAURL: offline.URL + "/tsa"}, ErrTSAUnavailable},
		{"TSA not a TSA", good, Options{Level: LevelBT, TSAURL: pki.URL + "/crl/root.crl"}, ErrTSAUnavailable},
		{"no revocation answer at B-LT", offlineKey, Options{Level: LevelBLT, TSAURL: pki.URL + "/tsa"}, ErrRevocationUnknown},
		{"expired", pki.MustSigner(t, signertest.Expired), Options{}, ErrCertExpired},
		{"RSA-1024", pki.MustSigner(t, signertest.RSA1024), Options{}, ErrWeakKey},
		{"no signing key usage", pki.MustSigner(t, signertest.NoSigningUsage), Options{}, ErrKeyUsage},
		{"B-T without TSA", good, Options{Level: LevelBT}, ErrInvalidOptions},
		{"PSS with ECDSA", good, Options{PSS: true}, ErrInvalidOptions},
		{"SHA-1", good, Options{Hash: crypto.SHA1}, ErrInvalidOptions},
		{"unknown level", good, Options{Level: "B-X"}, ErrInvalidOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := Sign(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), &out, tt.key, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Sign: got %v, want %v", err, tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("%d bytes written for a refused signature", out.Len())
			}
		})
	}
	t.Run("not a PDF", func(t *testing.T) {
		in := []byte("%PDF-1.7\nnothing here\n")
		_, err := Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &bytes.Buffer{}, good, Options{})
		if !errors.Is(err, ErrInvalidPDF) {
			t.Fatalf("got %v, want ErrInvalidPDF", err)
		}
	})
}

// A second signature is a further update; the first stays valid.
func TestSignTwice(t *testing.T) {
	pki := sharedPKI(t)
	key := pki.MustSigner(t, signertest.ECDSAP256)
	once, _ := signBytes(t, testPDF(t, true), key, Options{Stamp: &Stamp{}})
	twice, res := signBytes(t, once, key, Options{Level: LevelBT, TSAURL: pki.URL + "/tsa"})
	if res.FieldName != "Signature2" {
		t.Errorf("second field is %q, want Signature2", res.FieldName)
	}
	if sigs := verifyInGo(t, twice, key.Cert, true); len(sigs) != 2 {
		t.Fatalf("%d signatures, want 2", len(sigs))
	}
	checkPdfsig(t, writeTemp(t, "twice.pdf", twice), 2, true)
}

func TestLevels(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Level
	}{{"B-B", LevelBB}, {"b-t", LevelBT}, {"LT", LevelBLT}, {" b-lta ", LevelBLTA}} {
		if got, err := ParseLevel(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseLevel(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := ParseLevel("B-LTX"); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("ParseLevel(B-LTX): %v", err)
	}
}

// BenchmarkSignBB measures B-B signing of a typical one-page PDF/A with a
// software RSA-2048 key.
func BenchmarkSignBB(b *testing.B) {
	pki := sharedPKI(b)
	key := pki.MustSigner(b, signertest.RSA2048)
	pdf := testPDF(b, false)
	var out bytes.Buffer
	b.SetBytes(int64(len(pdf)))
	b.ResetTimer()
	for b.Loop() {
		out.Reset()
		if _, err := Sign(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), &out, key, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

// BenchmarkSignBLT measures B-LT signing (time-stamp, OCSP and CRLs from the
// test PKI's servers on loopback, DSS update) of a one-page PDF/A with a
// software RSA-2048 key.
func BenchmarkSignBLT(b *testing.B) {
	pki := sharedPKI(b)
	key := pki.MustSigner(b, signertest.RSA2048)
	pdf := testPDF(b, false)
	opts := Options{Level: LevelBLT, TSAURL: pki.URL + "/tsa"}
	var out bytes.Buffer
	for b.Loop() {
		out.Reset()
		if _, err := Sign(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), &out, key, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}
