// Package signer signs PDF documents with PAdES signatures (ETSI EN 319 142)
// and verifies them.
//
// A signature needs a Key: a crypto.Signer with its certificate chain. Keys
// come from a PKCS#12 file (OpenPKCS12) or a PKCS#11 token (subpackage
// pkcs11); the signer does not care which.
package signer

import (
	"crypto"
	"crypto/x509"
)

// Key is a signing key with its certificate and chain.
type Key interface {
	crypto.Signer
	// Certificate is the signer's certificate; its public key matches Public().
	Certificate() *x509.Certificate
	// Chain holds the intermediate certificates up to (not including) a
	// root, nearest first; it may be empty.
	Chain() []*x509.Certificate
}
