package pkcs11

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/miekg/pkcs11"
)

// tokenKey is a signer.Key whose private half stays on the token.
type tokenKey struct {
	tok   *Token
	key   privateKey
	cert  *x509.Certificate
	chain []*x509.Certificate
}

// Public returns the certificate's public key, which Key checked matches.
func (k *tokenKey) Public() crypto.PublicKey { return k.cert.PublicKey }

// Certificate returns the certificate stored with the key.
func (k *tokenKey) Certificate() *x509.Certificate { return k.cert }

// Chain returns the intermediate CA certificates, nearest first.
func (k *tokenKey) Chain() []*x509.Certificate {
	return append([]*x509.Certificate(nil), k.chain...)
}

// Sign signs digest on the token. For RSA keys opts selects PKCS#1 v1.5 or,
// as *rsa.PSSOptions, RSA-PSS; ECDSA signatures come back ASN.1 DER encoded.
// The random source is unused: the token has its own.
func (k *tokenKey) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	k.tok.mu.Lock()
	defer k.tok.mu.Unlock()
	if k.tok.closed {
		return nil, fmt.Errorf("pkcs11: sign with %s: %w", k.key, ErrClosed)
	}
	sig, err := k.signLocked(digest, opts)
	if err != nil {
		return nil, fmt.Errorf("pkcs11: sign with %s on token %q: %w", k.key, k.tok.label, err)
	}
	return sig, nil
}

// signLocked signs with the token's session; the caller holds tok.mu.
func (k *tokenKey) signLocked(digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	var hash crypto.Hash
	if opts != nil {
		hash = opts.HashFunc()
	}
	if hash != 0 && len(digest) != hash.Size() {
		return nil, fmt.Errorf("digest is %d bytes, %v needs %d", len(digest), hash, hash.Size())
	}
	var (
		mech  *pkcs11.Mechanism
		input []byte
		err   error
	)
	switch k.key.keyType {
	case pkcs11.CKK_RSA:
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			mech, err = k.pssMechanism(hash, pss)
			input = digest
		} else {
			mech = pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS, nil)
			input, err = digestInfo(hash, digest)
		}
	case pkcs11.CKK_EC:
		mech, input = pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil), digest
	default:
		err = fmt.Errorf("unsupported key type 0x%x", k.key.keyType)
	}
	if err != nil {
		return nil, err
	}

	ctx, session := k.tok.mod.ctx, k.tok.session
	if err := ctx.SignInit(session, []*pkcs11.Mechanism{mech}, k.key.handle); err != nil {
		return nil, sessionError("C_SignInit", err)
	}
	if k.key.alwaysAuth {
		if err := ctx.Login(session, pkcs11.CKU_CONTEXT_SPECIFIC, k.tok.opts.PIN); err != nil {
			// The operation stays active after a failed login; end it so the
			// session can sign again.
			_, _ = ctx.Sign(session, nil)
			return nil, fmt.Errorf("key requires the PIN for every signature: %w", k.tok.loginError(err))
		}
	}
	sig, err := ctx.Sign(session, input)
	if err != nil {
		return nil, sessionError("C_Sign", err)
	}
	if k.key.keyType == pkcs11.CKK_EC {
		return ecdsaDER(sig)
	}
	return sig, nil
}

// pssMechanism builds CKM_RSA_PKCS_PSS parameters with Go's salt rules.
func (k *tokenKey) pssMechanism(hash crypto.Hash, opts *rsa.PSSOptions) (*pkcs11.Mechanism, error) {
	hashMech, mgf, ok := pssHash(hash)
	if !ok {
		return nil, fmt.Errorf("RSA-PSS with %v is not supported", hash)
	}
	pub, ok := k.cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("RSA key with a non-RSA certificate")
	}
	// EMSA-PSS: emLen = ceil((modBits-1)/8) bytes must hold hash, salt and 2 more.
	maxSalt := (pub.N.BitLen()-1+7)/8 - hash.Size() - 2
	salt := opts.SaltLength
	switch salt {
	case rsa.PSSSaltLengthAuto: // as large as possible, as crypto/rsa does when signing
		salt = maxSalt
	case rsa.PSSSaltLengthEqualsHash:
		salt = hash.Size()
	}
	if salt < 0 || salt > maxSalt {
		return nil, fmt.Errorf("RSA-PSS salt length %d out of range 0..%d", opts.SaltLength, maxSalt)
	}
	return pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS_PSS, pkcs11.NewPSSParams(hashMech, mgf, uint(salt))), nil
}

func pssHash(h crypto.Hash) (hashMech, mgf uint, ok bool) {
	switch h {
	case crypto.SHA1:
		return pkcs11.CKM_SHA_1, pkcs11.CKG_MGF1_SHA1, true
	case crypto.SHA224:
		return pkcs11.CKM_SHA224, pkcs11.CKG_MGF1_SHA224, true
	case crypto.SHA256:
		return pkcs11.CKM_SHA256, pkcs11.CKG_MGF1_SHA256, true
	case crypto.SHA384:
		return pkcs11.CKM_SHA384, pkcs11.CKG_MGF1_SHA384, true
	case crypto.SHA512:
		return pkcs11.CKM_SHA512, pkcs11.CKG_MGF1_SHA512, true
	}
	return 0, 0, false
}

// Hash algorithm OIDs for the PKCS#1 v1.5 DigestInfo (RFC 8017, appendix B.1).
var hashOIDs = map[crypto.Hash]asn1.ObjectIdentifier{
	crypto.SHA1:   {1, 3, 14, 3, 2, 26},
	crypto.SHA224: {2, 16, 840, 1, 101, 3, 4, 2, 4},
	crypto.SHA256: {2, 16, 840, 1, 101, 3, 4, 2, 1},
	crypto.SHA384: {2, 16, 840, 1, 101, 3, 4, 2, 2},
	crypto.SHA512: {2, 16, 840, 1, 101, 3, 4, 2, 3},
}

// digestInfo wraps digest in the DER DigestInfo that CKM_RSA_PKCS expects
// (the token adds only the padding). Hash 0 means digest is signed as is,
// as crypto/rsa does.
func digestInfo(hash crypto.Hash, digest []byte) ([]byte, error) {
	if hash == 0 {
		return digest, nil
	}
	oid, ok := hashOIDs[hash]
	if !ok {
		return nil, fmt.Errorf("RSA PKCS#1 v1.5 with %v is not supported", hash)
	}
	return asn1.Marshal(struct {
		Algorithm pkix.AlgorithmIdentifier
		Digest    []byte
	}{pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue}, digest})
}

// ecdsaDER turns the r||s that CKM_ECDSA returns into ASN.1 DER.
func ecdsaDER(raw []byte) ([]byte, error) {
	if len(raw) == 0 || len(raw)%2 != 0 {
		return nil, fmt.Errorf("ECDSA signature of odd length %d from the token", len(raw))
	}
	half := len(raw) / 2
	return asn1.Marshal(struct{ R, S *big.Int }{
		new(big.Int).SetBytes(raw[:half]),
		new(big.Int).SetBytes(raw[half:]),
	})
}

// sessionError explains the return values that mean the token went away.
func sessionError(op string, err error) error {
	switch {
	case isCode(err, pkcs11.CKR_DEVICE_REMOVED), isCode(err, pkcs11.CKR_TOKEN_NOT_PRESENT),
		isCode(err, pkcs11.CKR_SESSION_HANDLE_INVALID), isCode(err, pkcs11.CKR_SESSION_CLOSED):
		return fmt.Errorf("%s: token removed or session lost; reopen the token: %w", op, err)
	case isCode(err, pkcs11.CKR_USER_NOT_LOGGED_IN):
		return fmt.Errorf("%s: token logged out (was it removed and reinserted?); reopen the token: %w", op, err)
	case isCode(err, pkcs11.CKR_MECHANISM_INVALID), isCode(err, pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED),
		isCode(err, pkcs11.CKR_KEY_TYPE_INCONSISTENT):
		return fmt.Errorf("%s: the token does not allow this signature scheme for this key: %w", op, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
