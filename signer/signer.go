// Package signer signs PDF documents with PAdES baseline signatures (ETSI
// EN 319 142-1, levels B-B, B-T, B-LT and B-LTA).
//
// A signature needs a Key: a crypto.Signer with its certificate chain. Keys
// come from a PKCS#12 file (OpenPKCS12) or a PKCS#11 token (subpackage
// pkcs11); the signer does not care which. CheckKey refuses keys that must
// not sign (expired, wrong key usage, weak).
//
//	key, err := signer.OpenPKCS12(p12, password)
//	res, err := signer.Sign(ctx, in, size, out, key, signer.Options{
//		Level: signer.LevelBLT, TSAURL: tsa, Stamp: &signer.Stamp{FormOfCopy: "SAO Y"}})
//
// Sign appends incremental updates and never rewrites a byte of its input,
// so a PDF/A stays PDF/A and earlier signatures stay valid. The CMS is
// built here (no signing-time attribute, signing-certificate-v2), the RFC
// 3161 time-stamp client and the OCSP/CRL fetching too; pdfcpu only reads
// the document's structure. Package signertest has a test PKI with a TSA,
// an OCSP responder and CRLs for tests elsewhere.
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
