package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// ErrInvalid is returned for a structure that is not a well-formed
// SignedData or whose signature does not verify.
var ErrInvalid = errors.New("cms: invalid signed data")

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      []signerInfo  `asn1:"set"`
}

type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

type signerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue
}

// SignedData is a parsed SignedData with its first signer.
type SignedData struct {
	ContentType  asn1.ObjectIdentifier
	Content      []byte // encapsulated content; nil when detached
	Certificates []*x509.Certificate
	Hash         crypto.Hash // the signer's digest algorithm
	Signature    []byte      // the signer's signature value

	si          signerInfo
	signedAttrs map[string][]byte // OID → first value, DER
}

// Parse reads a DER ContentInfo holding a SignedData with one signer.
func Parse(der []byte) (*SignedData, error) {
	var ci contentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, fmt.Errorf("%w: content info: %v", ErrInvalid, err)
	}
	if len(bytes.Trim(rest, "\x00")) > 0 {
		return nil, fmt.Errorf("%w: trailing data", ErrInvalid)
	}
	if !ci.ContentType.Equal(OIDSignedData) {
		return nil, fmt.Errorf("%w: content type %v is not signed data", ErrInvalid, ci.ContentType)
	}
	var sd signedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("%w: %d signers", ErrInvalid, len(sd.SignerInfos))
	}
	out := &SignedData{ContentType: sd.EncapContentInfo.EContentType, si: sd.SignerInfos[0]}
	if len(sd.EncapContentInfo.EContent.Bytes) > 0 {
		var content []byte
		if _, err := asn1.Unmarshal(sd.EncapContentInfo.EContent.Bytes, &content); err != nil {
			return nil, fmt.Errorf("%w: content: %v", ErrInvalid, err)
		}
		out.Content = content
	}
	if len(sd.Certificates.Bytes) > 0 {
		certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: certificates: %v", ErrInvalid, err)
		}
		out.Certificates = certs
	}
	out.Hash, err = HashFromOID(out.si.DigestAlgorithm.Algorithm)
	if err != nil {
		return nil, err
	}
	out.Signature = out.si.Signature
	out.signedAttrs = map[string][]byte{}
	if len(out.si.SignedAttrs.Bytes) > 0 {
		rest := out.si.SignedAttrs.Bytes
		for len(rest) > 0 {
			var a attribute
			rest, err = asn1.Unmarshal(rest, &a)
			if err != nil {
				return nil, fmt.Errorf("%w: signed attributes: %v", ErrInvalid, err)
			}
			var first asn1.RawValue
			if _, err := asn1.Unmarshal(a.Values.Bytes, &first); err != nil {
				return nil, fmt.Errorf("%w: attribute %v: %v", ErrInvalid, a.Type, err)
			}
			out.signedAttrs[a.Type.String()] = first.FullBytes
		}
	}
	return out, nil
}

// SignedAttribute returns the first value (DER) of a signed attribute.
func (sd *SignedData) SignedAttribute(oid asn1.ObjectIdentifier) ([]byte, bool) {
	v, ok := sd.signedAttrs[oid.String()]
	return v, ok
}

// SignerCertificate finds the signer's certificate among Certificates.
func (sd *SignedData) SignerCertificate() (*x509.Certificate, error) {
	var ias issuerAndSerial
	if _, err := asn1.Unmarshal(sd.si.SID.FullBytes, &ias); err != nil {
		return nil, fmt.Errorf("%w: signer identifier: %v", ErrInvalid, err)
	}
	for _, c := range sd.Certificates {
		if issuerMatches(c, ias.Issuer.FullBytes, ias.Serial) {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: signer certificate not included", ErrInvalid)
}

// Verify checks the signer's signature and that its message digest is
// the digest of the content (or of detached content whose digest is given).
// It returns the signer's certificate; trusting it is the caller's job.
func (sd *SignedData) Verify(detachedDigest []byte) (*x509.Certificate, error) {
	cert, err := sd.SignerCertificate()
	if err != nil {
		return nil, err
	}
	digest := detachedDigest
	if digest == nil {
		h := sd.Hash.New()
		h.Write(sd.Content)
		digest = h.Sum(nil)
	}
	md, ok := sd.SignedAttribute(OIDAttrMessageDigest)
	if !ok {
		return nil, fmt.Errorf("%w: no message digest", ErrInvalid)
	}
	var got []byte
	if _, err := asn1.Unmarshal(md, &got); err != nil || !bytes.Equal(got, digest) {
		return nil, fmt.Errorf("%w: message digest does not match the content", ErrInvalid)
	}
	ct, ok := sd.SignedAttribute(OIDAttrContentType)
	var ctOID asn1.ObjectIdentifier
	if !ok {
		return nil, fmt.Errorf("%w: no content type attribute", ErrInvalid)
	}
	if _, err := asn1.Unmarshal(ct, &ctOID); err != nil || !ctOID.Equal(sd.ContentType) {
		return nil, fmt.Errorf("%w: content type attribute does not match", ErrInvalid)
	}
	// The signature is over the DER SET OF, not the [0] IMPLICIT form.
	msg := append([]byte(nil), sd.si.SignedAttrs.FullBytes...)
	msg[0] = 0x31
	if err := verifySignature(cert, sd.si.SignatureAlgorithm, sd.Hash, msg, sd.si.Signature); err != nil {
		return nil, err
	}
	return cert, nil
}

type pssParams struct {
	Hash       pkix.AlgorithmIdentifier `asn1:"explicit,optional,tag:0"`
	MGF        pkix.AlgorithmIdentifier `asn1:"explicit,optional,tag:1"`
	SaltLength int                      `asn1:"explicit,optional,tag:2,default:20"`
}

func verifySignature(cert *x509.Certificate, alg pkix.AlgorithmIdentifier, h crypto.Hash, msg, sig []byte) error {
	switch {
	case alg.Algorithm.Equal(oidRSAPSS):
		var p pssParams
		if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err != nil {
			return fmt.Errorf("%w: PSS parameters: %v", ErrInvalid, err)
		}
		if ph, err := HashFromOID(p.Hash.Algorithm); err == nil {
			h = ph
		}
		pub, ok := cert.PublicKey.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: PSS signature with a non-RSA key", ErrInvalid)
		}
		d := h.New()
		d.Write(msg)
		if err := rsa.VerifyPSS(pub, h, d.Sum(nil), sig, &rsa.PSSOptions{SaltLength: p.SaltLength, Hash: h}); err != nil {
			return fmt.Errorf("%w: signature: %v", ErrInvalid, err)
		}
		return nil
	}
	d := h.New()
	d.Write(msg)
	digest := d.Sum(nil)
	switch pub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if err := rsa.VerifyPKCS1v15(pub, h, digest, sig); err != nil {
			return fmt.Errorf("%w: signature: %v", ErrInvalid, err)
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, digest, sig) {
			return fmt.Errorf("%w: ECDSA signature does not verify", ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: key type %T", ErrUnsupportedAlgorithm, pub)
	}
	return nil
}
