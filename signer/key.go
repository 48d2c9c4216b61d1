package signer

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// softKey is a Key held in memory, from a PKCS#12 file.
type softKey struct {
	crypto.Signer
	cert  *x509.Certificate
	chain []*x509.Certificate
}

func (k *softKey) Certificate() *x509.Certificate { return k.cert }
func (k *softKey) Chain() []*x509.Certificate     { return k.chain }

// OpenPKCS12 reads a PKCS#12 (.p12, .pfx) file holding a private key, its
// certificate and optionally the chain. The chain is ordered nearest
// issuer first and a self-signed root is left out. The errors tell a wrong
// password (ErrWrongPassword), a file without a key (ErrNoPrivateKey) and
// a key that is not the certificate's (ErrKeyMismatch) apart. It does not
// check validity dates or key usage: CheckKey does.
func OpenPKCS12(data []byte, password string) (Key, error) {
	priv, cert, cas, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		switch {
		case errors.Is(err, pkcs12.ErrIncorrectPassword):
			return nil, fmt.Errorf("open PKCS#12: %w", ErrWrongPassword)
		case strings.Contains(err.Error(), "expected exactly one key bag"), strings.Contains(err.Error(), "private key"):
			return nil, fmt.Errorf("open PKCS#12: %w (%v)", ErrNoPrivateKey, err)
		case strings.Contains(err.Error(), "certificate missing"):
			return nil, fmt.Errorf("open PKCS#12: %w", ErrNoCertificate)
		}
		return nil, fmt.Errorf("open PKCS#12: %w", err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok || priv == nil {
		return nil, fmt.Errorf("open PKCS#12: %w", ErrNoPrivateKey)
	}
	if cert == nil {
		return nil, fmt.Errorf("open PKCS#12: %w", ErrNoCertificate)
	}
	if !publicKeysEqual(signer.Public(), cert.PublicKey) {
		return nil, fmt.Errorf("open PKCS#12: %w (certificate %q)", ErrKeyMismatch, cert.Subject.CommonName)
	}
	return &softKey{Signer: signer, cert: cert, chain: orderChain(cert, cas)}, nil
}

// orderChain puts the CA certificates in issuing order from cert upwards,
// dropping self-signed roots and certificates that are not in the path.
func orderChain(cert *x509.Certificate, cas []*x509.Certificate) []*x509.Certificate {
	var chain []*x509.Certificate
	cur := cert
	used := make([]bool, len(cas))
	for range cas {
		found := false
		for i, c := range cas {
			if used[i] || !bytes.Equal(cur.RawIssuer, c.RawSubject) || cur.CheckSignatureFrom(c) != nil {
				continue
			}
			used[i], found, cur = true, true, c
			if !bytes.Equal(c.RawIssuer, c.RawSubject) {
				chain = append(chain, c)
			}
			break
		}
		if !found {
			break
		}
	}
	return chain
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// CheckKey tells whether key may sign at the given time: its certificate
// is valid then, allows digitalSignature or nonRepudiation, matches the
// key, and the key is strong enough (RSA ≥ 2048 bits, ECDSA P-256 or
// P-384). Each refusal wraps its own sentinel error.
func CheckKey(key Key, at time.Time) error {
	cert := key.Certificate()
	if cert == nil {
		return fmt.Errorf("check key: %w", ErrNoCertificate)
	}
	who := cert.Subject.CommonName
	if !publicKeysEqual(key.Public(), cert.PublicKey) {
		return fmt.Errorf("check key %q: %w", who, ErrKeyMismatch)
	}
	if at.Before(cert.NotBefore) {
		return fmt.Errorf("check key %q: %w: valid from %s", who, ErrCertNotYetValid, cert.NotBefore.Format(time.RFC3339))
	}
	if at.After(cert.NotAfter) {
		return fmt.Errorf("check key %q: %w on %s", who, ErrCertExpired, cert.NotAfter.Format(time.RFC3339))
	}
	if cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return fmt.Errorf("check key %q: %w", who, ErrKeyUsage)
	}
	switch pub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < 2048 {
			return fmt.Errorf("check key %q: %w: RSA-%d", who, ErrWeakKey, pub.N.BitLen())
		}
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P256() && pub.Curve != elliptic.P384() {
			return fmt.Errorf("check key %q: %w: curve %s", who, ErrWeakKey, pub.Curve.Params().Name)
		}
	case ed25519.PublicKey:
		return fmt.Errorf("check key %q: %w: Ed25519", who, ErrUnsupportedKey)
	default:
		return fmt.Errorf("check key %q: %w: %T", who, ErrUnsupportedKey, pub)
	}
	return nil
}
