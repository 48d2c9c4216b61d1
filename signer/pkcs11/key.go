package pkcs11

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"

	"github.com/miekg/pkcs11"

	"github.com/sohoa/sohoa/signer"
)

// privateKey is a private key object as found on the token.
type privateKey struct {
	handle     pkcs11.ObjectHandle
	label      string
	id         []byte
	keyType    uint
	alwaysAuth bool // CKA_ALWAYS_AUTHENTICATE: PIN again before each signature
	rsaN       *big.Int
	rsaE       *big.Int
	ecParams   []byte
	ecPoint    []byte // from the matching public key object, when there is one
}

func (k privateKey) String() string {
	var parts []string
	if k.label != "" {
		parts = append(parts, fmt.Sprintf("label %q", k.label))
	}
	if len(k.id) > 0 {
		parts = append(parts, "id "+hex.EncodeToString(k.id))
	}
	if len(parts) == 0 {
		return "key without label or id"
	}
	return "key " + strings.Join(parts, " ")
}

// tokenCert is an X.509 certificate object on the token.
type tokenCert struct {
	label string
	id    []byte
	cert  *x509.Certificate
}

// Key finds the private key the options select, its certificate and chain.
// The key signs through this Token's session and stops working after Close.
func (t *Token) Key() (signer.Key, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, fmt.Errorf("pkcs11: %w", ErrClosed)
	}
	key, err := t.selectKey()
	if err != nil {
		return nil, fmt.Errorf("pkcs11: token %q: %w", t.label, err)
	}
	k := &tokenKey{tok: t, key: key}
	certs, err := t.certificates()
	if err != nil {
		return nil, fmt.Errorf("pkcs11: token %q: %w", t.label, err)
	}
	leaf, err := t.certificateFor(k, certs)
	if err != nil {
		return nil, fmt.Errorf("pkcs11: token %q: %s: %w", t.label, key, err)
	}
	k.cert = leaf
	pool := append([]*x509.Certificate(nil), t.opts.ExtraChain...)
	for _, c := range certs {
		if !c.cert.Equal(leaf) {
			pool = append(pool, c.cert)
		}
	}
	k.chain = buildChain(leaf, pool)
	return k, nil
}

// selectKey returns the one private key matching KeyLabel and KeyID.
func (t *Token) selectKey() (privateKey, error) {
	all, err := t.privateKeys()
	if err != nil {
		return privateKey{}, err
	}
	var match []privateKey
	for _, k := range all {
		if t.opts.KeyLabel != "" && k.label != t.opts.KeyLabel {
			continue
		}
		if t.keyID != nil && !bytes.Equal(k.id, t.keyID) {
			continue
		}
		match = append(match, k)
	}
	describe := func() string {
		if len(all) == 0 {
			return "the token holds no private key visible after login"
		}
		var names []string
		for _, k := range all {
			names = append(names, k.String())
		}
		return "keys on the token: " + strings.Join(sortedUnique(names), ", ")
	}
	var want []string
	if t.opts.KeyLabel != "" {
		want = append(want, fmt.Sprintf("label %q", t.opts.KeyLabel))
	}
	if t.keyID != nil {
		want = append(want, "id "+hex.EncodeToString(t.keyID))
	}
	switch {
	case len(match) == 1:
		key := match[0]
		if err := t.readPublicParts(&key); err != nil {
			return privateKey{}, fmt.Errorf("%s: %w", key, err)
		}
		return key, nil
	case len(match) == 0 && len(want) == 0:
		return privateKey{}, fmt.Errorf("%w: %s", ErrKeyNotFound, describe())
	case len(match) == 0:
		return privateKey{}, fmt.Errorf("%w: no private key with %s; %s", ErrKeyNotFound, strings.Join(want, " and "), describe())
	case len(want) == 0:
		return privateKey{}, fmt.Errorf("%d private keys on the token, give a key label or id; %s", len(match), describe())
	default:
		return privateKey{}, fmt.Errorf("%d private keys have %s, give both label and id; %s", len(match), strings.Join(want, " and "), describe())
	}
}

// privateKeys lists the private keys with their label, id and type.
func (t *Token) privateKeys() ([]privateKey, error) {
	handles, err := t.findObjects([]*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
	})
	if err != nil {
		return nil, fmt.Errorf("list private keys: %w", err)
	}
	keys := make([]privateKey, 0, len(handles))
	for _, h := range handles {
		attrs, err := t.mod.ctx.GetAttributeValue(t.session, h, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil),
			pkcs11.NewAttribute(pkcs11.CKA_ID, nil),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, nil),
		})
		if err != nil {
			return nil, fmt.Errorf("read private key attributes: %w", err)
		}
		k := privateKey{handle: h}
		for _, a := range attrs {
			switch a.Type {
			case pkcs11.CKA_LABEL:
				k.label = string(a.Value)
			case pkcs11.CKA_ID:
				k.id = a.Value
			case pkcs11.CKA_KEY_TYPE:
				k.keyType = uint(bytesToUint(a.Value))
			}
		}
		// Optional attribute: tokens that do not know it simply lack the feature.
		if v, err := t.attribute(h, pkcs11.CKA_ALWAYS_AUTHENTICATE); err == nil && len(v) == 1 && v[0] != 0 {
			k.alwaysAuth = true
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// readPublicParts reads what the token reveals about the key's public half,
// to check it against the certificate. Missing attributes are not errors:
// the check then falls back to a test signature.
func (t *Token) readPublicParts(k *privateKey) error {
	switch k.keyType {
	case pkcs11.CKK_RSA:
		if n, err := t.attribute(k.handle, pkcs11.CKA_MODULUS); err == nil && len(n) > 0 {
			k.rsaN = new(big.Int).SetBytes(n)
		}
		if e, err := t.attribute(k.handle, pkcs11.CKA_PUBLIC_EXPONENT); err == nil && len(e) > 0 {
			k.rsaE = new(big.Int).SetBytes(e)
		}
	case pkcs11.CKK_EC:
		if p, err := t.attribute(k.handle, pkcs11.CKA_EC_PARAMS); err == nil {
			k.ecParams = p
		}
		if len(k.id) == 0 {
			return nil
		}
		pubs, err := t.findObjects([]*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_ID, k.id),
		})
		if err != nil {
			return fmt.Errorf("find public key: %w", err)
		}
		if len(pubs) == 1 {
			if p, err := t.attribute(pubs[0], pkcs11.CKA_EC_POINT); err == nil {
				k.ecPoint = p
			}
		}
	default:
		return fmt.Errorf("unsupported key type 0x%x (want RSA or EC)", k.keyType)
	}
	return nil
}

// certificates lists the X.509 certificates on the token. Objects that do
// not parse are skipped: they cannot be the key's certificate anyway.
func (t *Token) certificates() ([]tokenCert, error) {
	handles, err := t.findObjects([]*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509),
	})
	if err != nil {
		return nil, fmt.Errorf("list certificates: %w", err)
	}
	var certs []tokenCert
	for _, h := range handles {
		attrs, err := t.mod.ctx.GetAttributeValue(t.session, h, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil),
			pkcs11.NewAttribute(pkcs11.CKA_ID, nil),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil),
		})
		if err != nil {
			return nil, fmt.Errorf("read certificate: %w", err)
		}
		var c tokenCert
		var der []byte
		for _, a := range attrs {
			switch a.Type {
			case pkcs11.CKA_LABEL:
				c.label = string(a.Value)
			case pkcs11.CKA_ID:
				c.id = a.Value
			case pkcs11.CKA_VALUE:
				der = a.Value
			}
		}
		if c.cert, err = x509.ParseCertificate(der); err == nil {
			certs = append(certs, c)
		}
	}
	return certs, nil
}

// certificateFor picks the certificate stored next to the key (same CKA_ID,
// or same label when the key has no id) and checks that it belongs to the
// key. When the token stores it under another id, any certificate on the
// token whose public key provably matches is accepted.
func (t *Token) certificateFor(k *tokenKey, certs []tokenCert) (*x509.Certificate, error) {
	var next []tokenCert
	for _, c := range certs {
		if (len(k.key.id) > 0 && bytes.Equal(c.id, k.key.id)) || (len(k.key.id) == 0 && k.key.label != "" && c.label == k.key.label) {
			next = append(next, c)
		}
	}
	var proven, unsure, wrong []*x509.Certificate
	for _, c := range next {
		switch match, sure := k.key.matches(c.cert.PublicKey); {
		case match && sure:
			proven = append(proven, c.cert)
		case sure:
			wrong = append(wrong, c.cert)
		default:
			unsure = append(unsure, c.cert)
		}
	}
	if len(proven) > 0 {
		return newest(proven), nil
	}
	// The token does not reveal enough to compare: a signature decides.
	for _, c := range unsure {
		if err := k.testSignature(c); err == nil {
			return c, nil
		}
		wrong = append(wrong, c)
	}
	if len(wrong) > 0 {
		var subjects []string
		for _, c := range wrong {
			subjects = append(subjects, fmt.Sprintf("%q (serial %s)", c.Subject.String(), c.SerialNumber.Text(16)))
		}
		return nil, fmt.Errorf("%w: certificate %s stored with the key holds another public key", ErrKeyMismatch, strings.Join(subjects, ", "))
	}
	var elsewhere []*x509.Certificate
	for _, c := range certs {
		if match, sure := k.key.matches(c.cert.PublicKey); match && sure {
			elsewhere = append(elsewhere, c.cert)
		}
	}
	if len(elsewhere) > 0 {
		return newest(elsewhere), nil
	}
	return nil, fmt.Errorf("%w: the token holds %d certificates, none with the key's id or label", ErrNoCertificate, len(certs))
}

// matches reports whether pub is the key's public key; sure is false when
// the token revealed too little to tell.
func (k privateKey) matches(pub crypto.PublicKey) (match, sure bool) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if k.keyType != pkcs11.CKK_RSA {
			return false, true
		}
		if k.rsaN == nil {
			return false, false
		}
		eq := k.rsaN.Cmp(p.N) == 0 && (k.rsaE == nil || k.rsaE.Cmp(big.NewInt(int64(p.E))) == 0)
		return eq, true
	case *ecdsa.PublicKey:
		if k.keyType != pkcs11.CKK_EC {
			return false, true
		}
		if curve := curveFromParams(k.ecParams); curve != nil && curve != p.Curve {
			return false, true
		}
		want, err := p.Bytes()
		if err != nil || k.ecPoint == nil {
			return false, false
		}
		// CKA_EC_POINT is a DER OCTET STRING, though some tokens store the raw point.
		point := k.ecPoint
		var inner []byte
		if rest, err := asn1.Unmarshal(k.ecPoint, &inner); err == nil && len(rest) == 0 {
			point = inner
		}
		return bytes.Equal(point, want), true
	default:
		return false, true
	}
}

// testSignature signs a fixed digest and verifies it with cert's public key.
func (k *tokenKey) testSignature(cert *x509.Certificate) error {
	digest := sha256.Sum256([]byte("sohoa pkcs11 key/certificate check"))
	sig, err := k.signLocked(digest[:], crypto.SHA256)
	if err != nil {
		return err
	}
	switch pub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, digest[:], sig) {
			return ErrKeyMismatch
		}
		return nil
	default:
		return ErrKeyMismatch
	}
}

// buildChain follows issuers from leaf through pool, nearest first, and
// stops before a self-signed root or when no issuer is found.
func buildChain(leaf *x509.Certificate, pool []*x509.Certificate) []*x509.Certificate {
	var chain []*x509.Certificate
	cur := leaf
	for len(chain) < len(pool) { // a path never repeats a certificate
		if selfSigned(cur) {
			break
		}
		var issuer *x509.Certificate
		for _, c := range pool {
			if bytes.Equal(c.RawSubject, cur.RawIssuer) && cur.CheckSignatureFrom(c) == nil {
				issuer = c
				break
			}
		}
		if issuer == nil || selfSigned(issuer) {
			break
		}
		chain = append(chain, issuer)
		cur = issuer
	}
	return chain
}

func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(c) == nil
}

func newest(certs []*x509.Certificate) *x509.Certificate {
	best := certs[0]
	for _, c := range certs[1:] {
		if c.NotAfter.After(best.NotAfter) {
			best = c
		}
	}
	return best
}

// Named curves by their OID in CKA_EC_PARAMS.
var (
	oidP224 = asn1.ObjectIdentifier{1, 3, 132, 0, 33}
	oidP256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidP384 = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	oidP521 = asn1.ObjectIdentifier{1, 3, 132, 0, 35}
)

// curveFromParams returns the named curve in CKA_EC_PARAMS, or nil.
func curveFromParams(params []byte) elliptic.Curve {
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(params, &oid); err != nil {
		return nil
	}
	switch {
	case oid.Equal(oidP224):
		return elliptic.P224()
	case oid.Equal(oidP256):
		return elliptic.P256()
	case oid.Equal(oidP384):
		return elliptic.P384()
	case oid.Equal(oidP521):
		return elliptic.P521()
	}
	return nil
}

// findObjects returns every object matching template. Callers hold t.mu.
func (t *Token) findObjects(template []*pkcs11.Attribute) ([]pkcs11.ObjectHandle, error) {
	ctx := t.mod.ctx
	if err := ctx.FindObjectsInit(t.session, template); err != nil {
		return nil, err
	}
	var all []pkcs11.ObjectHandle
	for {
		batch, _, err := ctx.FindObjects(t.session, 64)
		if err != nil {
			_ = ctx.FindObjectsFinal(t.session)
			return nil, err
		}
		if len(batch) == 0 {
			break
		}
		all = append(all, batch...)
	}
	return all, ctx.FindObjectsFinal(t.session)
}

// attribute reads one attribute; reading them one by one keeps a sensitive
// or unknown attribute from failing the others.
func (t *Token) attribute(h pkcs11.ObjectHandle, typ uint) ([]byte, error) {
	attrs, err := t.mod.ctx.GetAttributeValue(t.session, h, []*pkcs11.Attribute{pkcs11.NewAttribute(typ, nil)})
	if err != nil {
		return nil, err
	}
	if len(attrs) != 1 {
		return nil, fmt.Errorf("attribute 0x%x: got %d values", typ, len(attrs))
	}
	return attrs[0].Value, nil
}

// bytesToUint decodes a CK_ULONG attribute, which is in host byte order.
func bytesToUint(b []byte) uint64 {
	switch len(b) {
	case 8:
		return binary.NativeEndian.Uint64(b)
	case 4:
		return uint64(binary.NativeEndian.Uint32(b))
	case 1:
		return uint64(b[0])
	}
	return ^uint64(0) // no valid key type; reported as unsupported
}
