package cms

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
)

// Checks one at a time, for a verifier that must tell a wrong digest from
// a wrong signature from a wrong certificate reference.

// OIDAttrAdbeRevocation is Adobe's revocation-information attribute
// (adbe-revocationInfoArchival), a signed attribute some tools embed.
var OIDAttrAdbeRevocation = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}

// MessageDigest is the value of the message-digest signed attribute.
func (sd *SignedData) MessageDigest() ([]byte, error) {
	md, ok := sd.SignedAttribute(OIDAttrMessageDigest)
	if !ok {
		return nil, fmt.Errorf("%w: no message digest", ErrInvalid)
	}
	var got []byte
	if _, err := asn1.Unmarshal(md, &got); err != nil {
		return nil, fmt.Errorf("%w: message digest: %v", ErrInvalid, err)
	}
	return got, nil
}

// CheckSignature verifies the signer's signature over the signed
// attributes with cert's public key, and that the content-type attribute
// names the encapsulated content type. It does not look at the digest.
func (sd *SignedData) CheckSignature(cert *x509.Certificate) error {
	if len(sd.si.SignedAttrs.FullBytes) == 0 {
		return fmt.Errorf("%w: no signed attributes", ErrInvalid)
	}
	ct, ok := sd.SignedAttribute(OIDAttrContentType)
	var ctOID asn1.ObjectIdentifier
	if !ok {
		return fmt.Errorf("%w: no content type attribute", ErrInvalid)
	}
	if _, err := asn1.Unmarshal(ct, &ctOID); err != nil || !ctOID.Equal(sd.ContentType) {
		return fmt.Errorf("%w: content type attribute does not match", ErrInvalid)
	}
	msg := append([]byte(nil), sd.si.SignedAttrs.FullBytes...)
	msg[0] = 0x31
	return verifySignature(cert, sd.si.SignatureAlgorithm, sd.Hash, msg, sd.si.Signature)
}

// SignatureHash is the hash the signature algorithm uses (the PSS
// parameters' hash for RSASSA-PSS, else the digest algorithm).
func (sd *SignedData) SignatureHash() crypto.Hash {
	if sd.si.SignatureAlgorithm.Algorithm.Equal(oidRSAPSS) {
		var p pssParams
		if _, err := asn1.Unmarshal(sd.si.SignatureAlgorithm.Parameters.FullBytes, &p); err == nil {
			if h, err := HashFromOID(p.Hash.Algorithm); err == nil {
				return h
			}
			return crypto.SHA1 // the PSS default
		}
	}
	return sd.Hash
}

// ESSCertID is one certificate reference of a signing-certificate-v2
// attribute (RFC 5035).
type ESSCertID struct {
	Hash     crypto.Hash
	CertHash []byte
	// Issuer (the raw GeneralNames' directory name) and Serial, when the
	// reference has an issuerSerial.
	Issuer []byte
	Serial *big.Int
}

// SigningCertificatesV2 reads the signing-certificate-v2 attribute; ok is
// false when it is absent.
func (sd *SignedData) SigningCertificatesV2() (ids []ESSCertID, ok bool, err error) {
	v, ok := sd.SignedAttribute(OIDAttrSigningCertV2)
	if !ok {
		return nil, false, nil
	}
	// SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies ... }
	var outer []asn1.RawValue
	if _, err := asn1.Unmarshal(v, &outer); err != nil || len(outer) == 0 {
		return nil, true, fmt.Errorf("%w: signing-certificate-v2", ErrInvalid)
	}
	var certs []asn1.RawValue
	if _, err := asn1.Unmarshal(outer[0].FullBytes, &certs); err != nil {
		return nil, true, fmt.Errorf("%w: signing-certificate-v2 certs: %v", ErrInvalid, err)
	}
	for _, c := range certs {
		var parts []asn1.RawValue
		if _, err := asn1.Unmarshal(c.FullBytes, &parts); err != nil || len(parts) == 0 {
			return nil, true, fmt.Errorf("%w: ESSCertIDv2", ErrInvalid)
		}
		id := ESSCertID{Hash: crypto.SHA256}
		if parts[0].Tag == asn1.TagSequence { // hashAlgorithm present
			var alg struct {
				Algorithm asn1.ObjectIdentifier
				Params    asn1.RawValue `asn1:"optional"`
			}
			if _, err := asn1.Unmarshal(parts[0].FullBytes, &alg); err != nil {
				return nil, true, fmt.Errorf("%w: ESSCertIDv2 hash: %v", ErrInvalid, err)
			}
			h, err := HashFromOID(alg.Algorithm)
			if err != nil {
				return nil, true, err
			}
			id.Hash, parts = h, parts[1:]
		}
		if len(parts) == 0 || parts[0].Tag != asn1.TagOctetString {
			return nil, true, fmt.Errorf("%w: ESSCertIDv2 without hash", ErrInvalid)
		}
		id.CertHash = parts[0].Bytes
		if len(parts) > 1 {
			var is struct {
				Issuer []asn1.RawValue
				Serial *big.Int
			}
			if _, err := asn1.Unmarshal(parts[1].FullBytes, &is); err == nil && len(is.Issuer) > 0 {
				// GeneralName directoryName [4] EXPLICIT Name.
				if is.Issuer[0].Tag == 4 {
					id.Issuer = is.Issuer[0].Bytes
				}
				id.Serial = is.Serial
			}
		}
		ids = append(ids, id)
	}
	return ids, true, nil
}

// Matches tells whether the reference designates cert.
func (id ESSCertID) Matches(cert *x509.Certificate) bool {
	if !id.Hash.Available() {
		return false
	}
	h := id.Hash.New()
	h.Write(cert.Raw)
	if !bytes.Equal(h.Sum(nil), id.CertHash) {
		return false
	}
	if id.Serial != nil && (id.Serial.Cmp(cert.SerialNumber) != 0 || (id.Issuer != nil && !bytes.Equal(id.Issuer, cert.RawIssuer))) {
		return false
	}
	return true
}

// UnsignedAttribute returns the first value (DER) of an unsigned attribute.
func (sd *SignedData) UnsignedAttribute(oid asn1.ObjectIdentifier) ([]byte, bool) {
	rest := sd.si.UnsignedAttrs.Bytes
	for len(rest) > 0 {
		var a attribute
		var err error
		rest, err = asn1.Unmarshal(rest, &a)
		if err != nil {
			return nil, false
		}
		if !a.Type.Equal(oid) {
			continue
		}
		var first asn1.RawValue
		if _, err := asn1.Unmarshal(a.Values.Bytes, &first); err != nil {
			return nil, false
		}
		return first.FullBytes, true
	}
	return nil, false
}

// RevocationArchival reads Adobe's revocation-information attribute: CRLs
// and OCSP responses (DER) the signer embedded.
func (sd *SignedData) RevocationArchival() (crls, ocsps [][]byte) {
	v, ok := sd.SignedAttribute(OIDAttrAdbeRevocation)
	if !ok {
		return nil, nil
	}
	var parts []asn1.RawValue
	if _, err := asn1.Unmarshal(v, &parts); err != nil {
		return nil, nil
	}
	for _, p := range parts {
		var list []asn1.RawValue
		if _, err := asn1.Unmarshal(p.Bytes, &list); err != nil {
			continue
		}
		for _, item := range list {
			switch p.Tag {
			case 0:
				crls = append(crls, item.FullBytes)
			case 1:
				ocsps = append(ocsps, item.FullBytes)
			}
		}
	}
	return crls, ocsps
}

// WithoutUnsignedAttributes re-encodes a ContentInfo with the signer's
// unsigned attributes (a signature time-stamp) removed. The signature stays
// valid: unsigned attributes are not signed.
func WithoutUnsignedAttributes(der []byte) ([]byte, error) {
	var ci contentInfo
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	var sdParts []asn1.RawValue
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sdParts); err != nil || len(sdParts) < 4 {
		return nil, fmt.Errorf("%w: signed data", ErrInvalid)
	}
	infos := sdParts[len(sdParts)-1]
	var siList [][]byte
	rest := infos.Bytes
	for len(rest) > 0 {
		var si asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &si); err != nil {
			return nil, fmt.Errorf("%w: signer infos", ErrInvalid)
		}
		var fields []asn1.RawValue
		if _, err := asn1.Unmarshal(si.FullBytes, &fields); err != nil {
			return nil, fmt.Errorf("%w: signer info", ErrInvalid)
		}
		var keep [][]byte
		for _, f := range fields {
			if f.Class == asn1.ClassContextSpecific && f.Tag == 1 {
				continue
			}
			keep = append(keep, f.FullBytes)
		}
		siList = append(siList, Seq(keep...))
	}
	parts := make([][]byte, 0, len(sdParts))
	for _, p := range sdParts[:len(sdParts)-1] {
		parts = append(parts, p.FullBytes)
	}
	parts = append(parts, Set(siList...))
	return Seq(OID(ci.ContentType), Explicit(0, Seq(parts...))), nil
}
