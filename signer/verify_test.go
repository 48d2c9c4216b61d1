package signer

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
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

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// findSignatures finds the signatures of a file by their /ByteRange.
func findSignatures(t testing.TB, pdf []byte) []embeddedSignature {
	t.Helper()
	var sigs []embeddedSignature
	for _, m := range byteRangeRE.FindAllSubmatchIndex(pdf, -1) {
		var s embeddedSignature
		for i := range 4 {
			v, err := strconv.ParseInt(string(pdf[m[2+2*i]:m[3+2*i]]), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			s.byteRange[i] = v
		}
		a, b := s.byteRange[1], s.byteRange[2]
		if a <= 0 || b <= a || b > int64(len(pdf)) || pdf[a] != '<' || pdf[b-1] != '>' {
			t.Fatalf("ByteRange %v does not frame a hex string", s.byteRange)
		}
		raw, err := hex.DecodeString(string(pdf[a+1 : b-1]))
		if err != nil {
			t.Fatalf("contents: %v", err)
		}
		s.contents = trimDER(raw)
		dict := pdf[max(0, m[0]-600):m[0]]
		s.docTS = bytes.Contains(dict[bytes.LastIndex(dict, []byte("obj")):], []byte("/DocTimeStamp"))
		sigs = append(sigs, s)
	}
	return sigs
}

// trimDER cuts the zero padding after a DER element.
func trimDER(b []byte) []byte {
	if len(b) < 2 || b[0] != 0x30 {
		return b
	}
	n, hdr := int(b[1]), 2
	if b[1]&0x80 != 0 {
		k := int(b[1] & 0x7F)
		n = 0
		for i := range k {
			n = n<<8 | int(b[2+i])
		}
		hdr = 2 + k
	}
	if hdr+n > len(b) {
		return b
	}
	return b[:hdr+n]
}

// verifyInGo checks every signature of a signed file with this package's
// own CMS code: byte ranges, digest, signature, PAdES attributes. It
// returns the signatures found.
// Unless total is false (B-LT: the DSS update follows), the last one must
// cover the whole file.
func verifyInGo(t testing.TB, pdf []byte, signer *x509.Certificate, total bool) []embeddedSignature {
	t.Helper()
	sigs := findSignatures(t, pdf)
	if len(sigs) == 0 {
		t.Fatal("no signature found")
	}
	for i, s := range sigs {
		br := s.byteRange
		if br[0] != 0 {
			t.Errorf("signature %d: ByteRange does not start at 0: %v", i, br)
		}
		end := br[2] + br[3]
		if end > int64(len(pdf)) || !bytes.HasSuffix(bytes.TrimRight(pdf[:end], "\r\n"), []byte("%%EOF")) {
			t.Errorf("signature %d: ByteRange %v does not end a revision", i, br)
		}
		sd, err := cms.Parse(s.contents)
		if err != nil {
			t.Fatalf("signature %d: %v", i, err)
		}
		hash := sd.Hash
		if s.docTS { // the imprint's hash, not the token's signature's
			info, err := cms.ParseTSTInfo(sd)
			if err != nil {
				t.Fatalf("document time-stamp %d: %v", i, err)
			}
			if hash, err = cms.HashFromOID(info.MessageImprint.HashAlgorithm.Algorithm); err != nil {
				t.Fatal(err)
			}
		}
		h := hash.New()
		h.Write(pdf[br[0] : br[0]+br[1]])
		h.Write(pdf[br[2] : br[2]+br[3]])
		digest := h.Sum(nil)
		if s.docTS {
			if _, err := verifyTimestampToken(s.contents, hash, digest); err != nil {
				t.Errorf("document time-stamp %d: %v", i, err)
			}
			continue
		}
		cert, err := sd.Verify(digest)
		if err != nil {
			t.Errorf("signature %d: %v", i, err)
			continue
		}
		if !cert.Equal(signer) {
			t.Errorf("signature %d: signed by %q", i, cert.Subject.CommonName)
		}
		if _, ok := sd.SignedAttribute(cms.OIDAttrSigningTime); ok {
			t.Errorf("signature %d: has a CMS signing-time attribute (PAdES puts the time in /M)", i)
		}
		if _, ok := sd.SignedAttribute(cms.OIDAttrSigningCertV2); !ok {
			t.Errorf("signature %d: no signing-certificate-v2", i)
		}
	}
	last := sigs[len(sigs)-1].byteRange
	if covers := last[2]+last[3] == int64(len(pdf)); covers != total {
		t.Errorf("the last signature covers the whole file: %v, want %v (%v of %d bytes)", covers, total, last, len(pdf))
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
