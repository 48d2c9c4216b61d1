package signer

import (
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/sohoa/sohoa/signer/signertest"
)

func TestOpenPKCS12(t *testing.T) {
	pki := sharedPKI(t)
	rsaKey := pki.MustSigner(t, signertest.RSA2048)
	ecKey := pki.MustSigner(t, signertest.ECDSAP256)
	good, err := rsaKey.PKCS12("mật khẩu")
	if err != nil {
		t.Fatal(err)
	}
	// A file whose key is not the certificate's.
	mismatch, err := pkcs12.Modern.Encode(ecKey.Key, rsaKey.Cert, rsaKey.Issuers, "pw")
	if err != nil {
		t.Fatal(err)
	}
	// A trust store: certificates only.
	noKey, err := pkcs12.Modern.EncodeTrustStore([]*x509.Certificate{rsaKey.Cert}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		data     []byte
		password string
		want     error
	}{
		{"good", good, "mật khẩu", nil},
		{"wrong password", good, "sai", ErrWrongPassword},
		{"key of another certificate", mismatch, "pw", ErrKeyMismatch},
		{"no private key", noKey, "pw", ErrNoPrivateKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := OpenPKCS12(tt.data, tt.password)
			if !errors.Is(err, tt.want) {
				t.Fatalf("OpenPKCS12: got %v, want %v", err, tt.want)
			}
			if err != nil {
				return
			}
			if !key.Certificate().Equal(rsaKey.Cert) {
				t.Error("wrong certificate")
			}
			if len(key.Chain()) != 1 || !key.Chain()[0].Equal(pki.Intermediate.Cert) {
				t.Errorf("chain = %d certificates, want the intermediate only", len(key.Chain()))
			}
			if err := CheckKey(key, time.Now()); err != nil {
				t.Errorf("CheckKey: %v", err)
			}
		})
	}
	if _, err := OpenPKCS12([]byte("not a pfx"), ""); err == nil {
		t.Error("garbage accepted")
	}
}

// otherCert pairs a key with a certificate that is not its own.
type otherCert struct {
	*signertest.Cert
	cert *x509.Certificate
}

func (o otherCert) Certificate() *x509.Certificate { return o.cert }

func TestCheckKey(t *testing.T) {
	pki := sharedPKI(t)
	now := time.Now()
	good := pki.MustSigner(t, signertest.RSA2048)
	tests := []struct {
		name string
		key  Key
		at   time.Time
		want error
	}{
		{"RSA-2048", good, now, nil},
		{"RSA-3072", pki.MustSigner(t, signertest.RSA3072), now, nil},
		{"ECDSA P-256", pki.MustSigner(t, signertest.ECDSAP256), now, nil},
		{"ECDSA P-384", pki.MustSigner(t, signertest.ECDSAP384), now, nil},
		{"expired", pki.MustSigner(t, signertest.Expired), now, ErrCertExpired},
		{"not yet valid", good, good.Cert.NotBefore.Add(-time.Minute), ErrCertNotYetValid},
		{"no signing key usage", pki.MustSigner(t, signertest.NoSigningUsage), now, ErrKeyUsage},
		{"RSA-1024", pki.MustSigner(t, signertest.RSA1024), now, ErrWeakKey},
		{"key of another certificate", otherCert{good, pki.MustSigner(t, signertest.ECDSAP256).Cert}, now, ErrKeyMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckKey(tt.key, tt.at)
			if !errors.Is(err, tt.want) {
				t.Fatalf("CheckKey: got %v, want %v", err, tt.want)
			}
		})
	}
}
