package signer

import "errors"

// Sentinel errors, to be checked with errors.Is. Messages are written for
// the person who signs.
var (
	// Opening a PKCS#12 file.
	ErrWrongPassword = errors.New("wrong password for the PKCS#12 file")
	ErrNoPrivateKey  = errors.New("the PKCS#12 file holds no private key")
	ErrNoCertificate = errors.New("the PKCS#12 file holds no certificate for its key")

	// Key checks (CheckKey, also run by Sign).
	ErrKeyMismatch       = errors.New("the private key does not belong to the certificate")
	ErrCertExpired       = errors.New("the signing certificate has expired")
	ErrCertNotYetValid   = errors.New("the signing certificate is not valid yet")
	ErrKeyUsage          = errors.New("the certificate may not be used for signing documents (needs key usage digitalSignature or nonRepudiation)")
	ErrWeakKey           = errors.New("the key is too weak (RSA needs at least 2048 bits; ECDSA P-256 or P-384)")
	ErrUnsupportedKey    = errors.New("unsupported key type (use RSA or ECDSA P-256/P-384)")
	ErrRevoked           = errors.New("the signing certificate has been revoked")
	ErrRevocationUnknown = errors.New("the revocation status of the certificate could not be established (no OCSP or CRL answer)")
	ErrTSAUnavailable    = errors.New("the time-stamping authority could not be reached")
	ErrTimestampInvalid  = errors.New("the time-stamping authority returned an invalid time-stamp")
	ErrInvalidPDF        = errors.New("not a readable PDF")
	ErrEncrypted         = errors.New("the PDF is encrypted; sign the unencrypted document")
	ErrInvalidOptions    = errors.New("invalid signing options")
	errContentsTooSmall  = errors.New("signature larger than its reserved space")
)
