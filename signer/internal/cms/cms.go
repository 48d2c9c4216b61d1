// Package cms builds and checks the small part of CMS (RFC 5652) that PAdES
// signatures and RFC 3161 time-stamp tokens need: SignedData with one signer,
// signed attributes, and detached or encapsulated content.
//
// It is hand-written on encoding/asn1 so that the signed attributes are
// exactly the ones PAdES baseline asks for (no signing-time, a
// signing-certificate-v2), and RSA-PSS and ECDSA work alike.
package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sort"
)

// Object identifiers used by CMS, ESS and RFC 3161.
var (
	OIDData               = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDAttrContentType    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDAttrMessageDigest  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDAttrSigningTime    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	OIDAttrSigningCertV2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	OIDAttrTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	OIDTSTInfo            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidRSAEncryption      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSAPSS             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1               = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidSHA256WithRSA      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidECDSAWithSHA256    = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384    = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512    = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidSHA1               = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256             = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384             = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512             = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

// ErrUnsupportedAlgorithm is returned for a hash or key type CMS here does
// not handle.
var ErrUnsupportedAlgorithm = errors.New("cms: unsupported algorithm")

// HashOID is the digest algorithm identifier of h.
func HashOID(h crypto.Hash) (asn1.ObjectIdentifier, error) {
	switch h {
	case crypto.SHA1:
		return oidSHA1, nil
	case crypto.SHA256:
		return oidSHA256, nil
	case crypto.SHA384:
		return oidSHA384, nil
	case crypto.SHA512:
		return oidSHA512, nil
	}
	return nil, fmt.Errorf("%w: hash %v", ErrUnsupportedAlgorithm, h)
}

// HashFromOID is the inverse of HashOID.
func HashFromOID(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		if o, _ := HashOID(h); o.Equal(oid) {
			return h, nil
		}
	}
	return 0, fmt.Errorf("%w: digest %v", ErrUnsupportedAlgorithm, oid)
}

// DigestAlgorithm is the AlgorithmIdentifier of h, parameters absent as
// RFC 5754 recommends.
func DigestAlgorithm(h crypto.Hash) ([]byte, error) {
	oid, err := HashOID(h)
	if err != nil {
		return nil, err
	}
	return Seq(OID(oid)), nil
}

// Attribute is one CMS attribute with its values, each one DER element.
type Attribute struct {
	Type   asn1.ObjectIdentifier
	Values [][]byte
}

func (a Attribute) der() []byte {
	return Seq(OID(a.Type), Set(a.Values...))
}

// Params describe one SignedData to make.
type Params struct {
	Signer      crypto.Signer
	Certificate *x509.Certificate
	// Certificates go into the certificates field, after Certificate.
	Certificates []*x509.Certificate
	// OmitCertificates leaves the certificates field out (a TSA asked
	// without certReq).
	OmitCertificates bool
	Hash             crypto.Hash
	// PSS selects RSASSA-PSS (salt length = hash length) for an RSA key.
	PSS bool
	// ContentType is the eContentType; OIDData when nil.
	ContentType asn1.ObjectIdentifier
	// Content is encapsulated when Detached is false; Digest is used instead
	// of hashing Content when it is set (detached signatures of big input).
	Content  []byte
	Digest   []byte
	Detached bool
	// SignedAttributes are added after content-type, message-digest and
	// signing-certificate-v2.
	SignedAttributes []Attribute
	// Unsigned, when set, is called with the signature value and returns the
	// unsigned attributes (a signature time-stamp).
	Unsigned func(signature []byte) ([]Attribute, error)
}

// Sign makes a DER ContentInfo holding a SignedData.
func Sign(p Params) ([]byte, error) {
	if p.Signer == nil || p.Certificate == nil {
		return nil, errors.New("cms: no signer")
	}
	contentType := p.ContentType
	if contentType == nil {
		contentType = OIDData
	}
	digestAlg, err := DigestAlgorithm(p.Hash)
	if err != nil {
		return nil, err
	}
	digest := p.Digest
	if digest == nil {
		h := p.Hash.New()
		h.Write(p.Content)
		digest = h.Sum(nil)
	}
	certHash := sha256.Sum256(p.Certificate.Raw)
	// ESSCertIDv2 with SHA-256 omits hashAlgorithm (its DEFAULT) as DER demands.
	issuerSerial := Seq(Seq(Explicit(4, p.Certificate.RawIssuer)), Integer(p.Certificate.SerialNumber))
	essCertID := Seq(OctetString(certHash[:]), issuerSerial)
	attrs := []Attribute{
		{Type: OIDAttrContentType, Values: [][]byte{OID(contentType)}},
		{Type: OIDAttrMessageDigest, Values: [][]byte{OctetString(digest)}},
		{Type: OIDAttrSigningCertV2, Values: [][]byte{Seq(Seq(essCertID))}},
	}
	attrs = append(attrs, p.SignedAttributes...)
	encoded := make([][]byte, len(attrs))
	for i, a := range attrs {
		encoded[i] = a.der()
	}
	signedAttrs := Set(encoded...) // Set sorts, as DER requires for SET OF.

	sigAlg, signature, err := signBytes(p.Signer, p.Hash, p.PSS, signedAttrs)
	if err != nil {
		return nil, err
	}
	sid := Seq(p.Certificate.RawIssuer, Integer(p.Certificate.SerialNumber))
	signerInfo := [][]byte{
		Integer(big.NewInt(1)), sid, digestAlg,
		Implicit(0, true, signedAttrs),
		sigAlg, OctetString(signature),
	}
	if p.Unsigned != nil {
		unsigned, err := p.Unsigned(signature)
		if err != nil {
			return nil, err
		}
		if len(unsigned) > 0 {
			enc := make([][]byte, len(unsigned))
			for i, a := range unsigned {
				enc[i] = a.der()
			}
			signerInfo = append(signerInfo, Implicit(1, true, Set(enc...)))
		}
	}
	encap := [][]byte{OID(contentType)}
	if !p.Detached {
		encap = append(encap, Explicit(0, OctetString(p.Content)))
	}
	certs := [][]byte{p.Certificate.Raw}
	for _, c := range p.Certificates {
		if !c.Equal(p.Certificate) {
			certs = append(certs, c.Raw)
		}
	}
	version := int64(1)
	if !contentType.Equal(OIDData) {
		version = 3 // RFC 5652 5.1: eContentType other than id-data.
	}
	sdParts := [][]byte{Integer(big.NewInt(version)), Set(digestAlg), Seq(encap...)}
	if !p.OmitCertificates {
		sdParts = append(sdParts, Implicit(0, true, Set(certs...)))
	}
	sdParts = append(sdParts, Set(Seq(signerInfo...)))
	signedData := Seq(sdParts...)
	return Seq(OID(OIDSignedData), Explicit(0, signedData)), nil
}

// signBytes signs the hash of msg and returns the signatureAlgorithm
// identifier and the signature.
func signBytes(s crypto.Signer, h crypto.Hash, pss bool, msg []byte) ([]byte, []byte, error) {
	hh := h.New()
	hh.Write(msg)
	digest := hh.Sum(nil)
	hashOID, err := HashOID(h)
	if err != nil {
		return nil, nil, err
	}
	switch pub := s.Public().(type) {
	case *rsa.PublicKey:
		if pss {
			hashAlg := Seq(OID(hashOID), Null())
			params := Seq(
				Explicit(0, hashAlg),
				Explicit(1, Seq(OID(oidMGF1), hashAlg)),
				Explicit(2, Integer(big.NewInt(int64(h.Size())))),
			)
			sig, err := s.Sign(rand.Reader, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h})
			if err != nil {
				return nil, nil, fmt.Errorf("cms: sign: %w", err)
			}
			return Seq(OID(oidRSAPSS), params), sig, nil
		}
		sig, err := s.Sign(rand.Reader, digest, h)
		if err != nil {
			return nil, nil, fmt.Errorf("cms: sign: %w", err)
		}
		return Seq(OID(oidRSAEncryption), Null()), sig, nil
	case *ecdsa.PublicKey:
		var oid asn1.ObjectIdentifier
		switch h {
		case crypto.SHA256:
			oid = oidECDSAWithSHA256
		case crypto.SHA384:
			oid = oidECDSAWithSHA384
		case crypto.SHA512:
			oid = oidECDSAWithSHA512
		default:
			return nil, nil, fmt.Errorf("%w: ECDSA with %v", ErrUnsupportedAlgorithm, h)
		}
		_ = pub
		sig, err := s.Sign(rand.Reader, digest, h)
		if err != nil {
			return nil, nil, fmt.Errorf("cms: sign: %w", err)
		}
		return Seq(OID(oid)), sig, nil
	default:
		return nil, nil, fmt.Errorf("%w: key type %T", ErrUnsupportedAlgorithm, pub)
	}
}

// DER building blocks.

func tlv(tag byte, content []byte) []byte {
	n := len(content)
	out := []byte{tag}
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	case n < 0x10000:
		out = append(out, 0x82, byte(n>>8), byte(n))
	case n < 0x1000000:
		out = append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		out = append(out, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(out, content...)
}

// Seq is a DER SEQUENCE of already encoded elements.
func Seq(parts ...[]byte) []byte { return tlv(0x30, bytes.Join(parts, nil)) }

// Set is a DER SET OF, its elements sorted as DER requires.
func Set(parts ...[]byte) []byte {
	sorted := append([][]byte(nil), parts...)
	sort.Slice(sorted, func(i, j int) bool { return bytes.Compare(sorted[i], sorted[j]) < 0 })
	return tlv(0x31, bytes.Join(sorted, nil))
}

// Explicit wraps an element in a context-specific constructed tag.
func Explicit(tag byte, inner []byte) []byte { return tlv(0xA0|tag, inner) }

// Implicit retags an encoded element with a context-specific tag.
func Implicit(tag byte, constructed bool, element []byte) []byte {
	out := append([]byte(nil), element...)
	out[0] = 0x80 | tag
	if constructed {
		out[0] |= 0x20
	}
	return out
}

// OID encodes an object identifier.
func OID(oid asn1.ObjectIdentifier) []byte { b, _ := asn1.Marshal(oid); return b }

// Integer encodes an INTEGER.
func Integer(i *big.Int) []byte { b, _ := asn1.Marshal(i); return b }

// OctetString encodes an OCTET STRING.
func OctetString(b []byte) []byte { return tlv(0x04, b) }

// Null encodes NULL.
func Null() []byte { return []byte{0x05, 0x00} }

// Bool encodes a BOOLEAN.
func Bool(v bool) []byte {
	if v {
		return []byte{0x01, 0x01, 0xFF}
	}
	return []byte{0x01, 0x01, 0x00}
}

// IssuerAndSerial pairs a certificate's issuer with its serial number.
func issuerMatches(c *x509.Certificate, rawIssuer []byte, serial *big.Int) bool {
	return bytes.Equal(c.RawIssuer, rawIssuer) && c.SerialNumber.Cmp(serial) == 0
}
