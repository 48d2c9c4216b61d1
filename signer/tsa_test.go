package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sohoa/sohoa/signer/internal/cms"
)

// A TSA answer that does not match the request must be refused: the
// requests are altered on their way to the real test TSA.
func TestTimestampResponseChecks(t *testing.T) {
	pki := sharedPKI(t)
	digest := sha256.Sum256([]byte("signature value"))
	tests := []struct {
		name  string
		alter func(*cms.TimeStampReq)
		want  error
	}{
		{"untouched", func(*cms.TimeStampReq) {}, nil},
		{"other nonce", func(r *cms.TimeStampReq) { r.Nonce = new(big.Int).Add(r.Nonce, big.NewInt(1)) }, ErrTimestampInvalid},
		{"other imprint", func(r *cms.TimeStampReq) { r.MessageImprint.HashedMessage = make([]byte, 32) }, ErrTimestampInvalid},
		{"no nonce", func(r *cms.TimeStampReq) { r.Nonce = nil }, ErrTimestampInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				var req cms.TimeStampReq
				if _, err := asn1.Unmarshal(body, &req); err != nil {
					http.Error(w, err.Error(), 400)
					return
				}
				tt.alter(&req)
				body, err := asn1.Marshal(req)
				if err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				resp, err := http.Post(pki.URL+"/tsa", "application/timestamp-query", bytes.NewReader(body))
				if err != nil {
					http.Error(w, err.Error(), 502)
					return
				}
				defer resp.Body.Close()
				io.Copy(w, resp.Body)
			}))
			defer proxy.Close()
			ts, err := requestTimestamp(context.Background(), proxy.Client(), proxy.URL, crypto.SHA256, digest[:])
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err == nil && (ts.time.IsZero() || len(ts.certs) == 0 || !ts.certs[0].Equal(pki.TSA.Cert)) {
				t.Errorf("token time %v, %d certificates", ts.time, len(ts.certs))
			}
		})
	}
}

// Changing one signed byte must break the signature.
func TestTamperedDocumentFails(t *testing.T) {
	pki := sharedPKI(t)
	key := pki.MustSigner(t, "ecdsa-p256")
	out, _ := signBytes(t, testPDF(t, false), key, Options{})
	sig := findSignatures(t, out)[0]
	sd, err := cms.Parse(sig.contents)
	if err != nil {
		t.Fatal(err)
	}
	br := sig.byteRange
	digest := func(doc []byte) []byte {
		h := sd.Hash.New()
		h.Write(doc[br[0] : br[0]+br[1]])
		h.Write(doc[br[2] : br[2]+br[3]])
		return h.Sum(nil)
	}
	if _, err := sd.Verify(digest(out)); err != nil {
		t.Fatalf("untouched: %v", err)
	}
	tampered := bytes.Clone(out)
	tampered[br[1]/2] ^= 1
	if _, err := sd.Verify(digest(tampered)); !errors.Is(err, cms.ErrInvalid) {
		t.Fatalf("tampered: got %v, want cms.ErrInvalid", err)
	}
}
