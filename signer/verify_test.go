package signer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/signer/internal/cms"
)

// embeddedSignature is one signature found in a signed file.
type embeddedSignature struct {
	byteRange [4]int64
	contents  []byte // DER, zero padding removed
	docTS     bool   // a document time-stamp
}

// findSignatures finds the signatures of a file with Verify's own reader.
func findSignatures(t testing.TB, pdf []byte) []embeddedSignature {
	t.Helper()
	f, err := openPDF(pdf)
	if err != nil {
		t.Fatal(err)
	}
	var sigs []embeddedSignature
	for _, fld := range f.signatureFields() {
		d, _ := fld.sig.value.(pdfDict)
		br, ok := byteRange(d["ByteRange"])
		contents, ok2 := d["Contents"].(pdfString)
		if !ok || !ok2 {
			t.Fatalf("field %s: no /ByteRange or /Contents", fld.name)
		}
		sigs = append(sigs, embeddedSignature{byteRange: br, contents: trimDER(contents), docTS: d["Type"] == pdfName("DocTimeStamp")})
	}
	return sigs
}

// verifyInGo checks every signature of a signed file with Verify (no
// trust anchors: integrity, the signer and the changes after signing)
// plus what PAdES asks of the CMS. It returns the signatures found.
// Unless total is false (B-LT: the DSS update follows), the last one must
// cover the whole file.
func verifyInGo(t testing.TB, pdf []byte, signer *x509.Certificate, total bool) []embeddedSignature {
	t.Helper()
	rep, err := Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) == 0 {
		t.Fatalf("no signature found: %+v", rep.Reasons)
	}
	fp := sha256.Sum256(signer.Raw)
	for i, s := range rep.Signatures {
		in := s.Integrity
		if !in.ByteRangeOK || !in.DigestOK || !in.SignatureOK || !in.SigningCertificateOK {
			t.Errorf("signature %d (%s): integrity %+v: %v", i, s.FieldName, in, s.Reasons)
		}
		for _, r := range s.Reasons {
			if r.Code != ReasonUntrustedChain && r.Code != ReasonTimestampUntrusted && r.Code != ReasonTimeClaimed && r.Code != ReasonRevocationUnknown {
				t.Errorf("signature %d (%s): %s: %s", i, s.FieldName, r.Code, r.Detail)
			}
		}
		if s.Kind == KindSignature && s.Signer.SHA256 != hex.EncodeToString(fp[:]) {
			t.Errorf("signature %d: signed by %q", i, s.Signer.CommonName)
		}
	}
	sigs := findSignatures(t, pdf)
	for i, s := range sigs {
		if s.docTS {
			continue
		}
		sd, err := cms.Parse(s.contents)
		if err != nil {
			t.Fatalf("signature %d: %v", i, err)
		}
		if _, ok := sd.SignedAttribute(cms.OIDAttrSigningTime); ok {
			t.Errorf("signature %d: has a CMS signing-time attribute (PAdES puts the time in /M)", i)
		}
	}
	if covers := rep.Signatures[len(rep.Signatures)-1].CoversWholeFile; covers != total {
		t.Errorf("the last signature covers the whole file: %v, want %v (%v of %d bytes)", covers, total, sigs[len(sigs)-1].byteRange, len(pdf))
	}
	return sigs
}

// checkPdfsig runs poppler's pdfsig: every CAdES signature must be valid,
// the last signature must cover the whole document.
func checkPdfsig(t testing.TB, path string, wantSigs int, total bool) {
	t.Helper()
	out, _ := run(t, "pdfsig", path)
	blocks := strings.Split(out, "Signature #")[1:]
	if len(blocks) != wantSigs {
		t.Fatalf("pdfsig found %d signatures, want %d:\n%s", len(blocks), wantSigs, out)
	}
	for i, b := range blocks {
		if strings.Contains(b, "ETSI.CAdES.detached") && !strings.Contains(b, "Signature is Valid") {
			t.Errorf("pdfsig: signature %d not valid:\n%s", i+1, out)
		}
	}
	if strings.Contains(blocks[len(blocks)-1], "Total document signed") != total {
		t.Errorf("pdfsig: the last signature signs the total document: want %v:\n%s", total, out)
	}
}

func describe(sigs []embeddedSignature) string {
	var parts []string
	for _, s := range sigs {
		parts = append(parts, fmt.Sprint(s.byteRange, s.docTS))
	}
	return strings.Join(parts, "; ")
}
