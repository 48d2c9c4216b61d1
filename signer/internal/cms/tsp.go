package cms

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

// Time-stamp protocol (RFC 3161) messages.

// MessageImprint is the hash of the time-stamped data.
type MessageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

// TimeStampReq is an RFC 3161 request.
type TimeStampReq struct {
	Version        int
	MessageImprint MessageImprint
	ReqPolicy      asn1.ObjectIdentifier `asn1:"optional"`
	Nonce          *big.Int              `asn1:"optional"`
	CertReq        bool                  `asn1:"optional,default:false"`
	Extensions     asn1.RawValue         `asn1:"optional,tag:0"`
}

// PKIStatusInfo is the status of a response.
type PKIStatusInfo struct {
	Status       int
	StatusString asn1.RawValue  `asn1:"optional"`
	FailInfo     asn1.BitString `asn1:"optional"`
}

// TimeStampResp is an RFC 3161 response.
type TimeStampResp struct {
	Status         PKIStatusInfo
	TimeStampToken asn1.RawValue `asn1:"optional"`
}

// Accuracy of genTime.
type Accuracy struct {
	Seconds int `asn1:"optional"`
	Millis  int `asn1:"optional,tag:0"`
	Micros  int `asn1:"optional,tag:1"`
}

// TSTInfo is the content of a time-stamp token.
type TSTInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint MessageImprint
	SerialNumber   *big.Int
	GenTime        time.Time     `asn1:"generalized"`
	Accuracy       Accuracy      `asn1:"optional"`
	Ordering       bool          `asn1:"optional,default:false"`
	Nonce          *big.Int      `asn1:"optional"`
	TSA            asn1.RawValue `asn1:"optional,tag:0"`
	Extensions     asn1.RawValue `asn1:"optional,tag:1"`
}

// EncodeTSTInfo writes a TSTInfo by hand, leaving out absent optional
// fields (encoding/asn1 cannot omit a nil *big.Int).
func EncodeTSTInfo(t TSTInfo) []byte {
	imprint := Seq(Seq(OID(t.MessageImprint.HashAlgorithm.Algorithm)), OctetString(t.MessageImprint.HashedMessage))
	gen, _ := asn1.MarshalWithParams(t.GenTime.UTC(), "generalized")
	parts := [][]byte{Integer(big.NewInt(1)), OID(t.Policy), imprint, Integer(t.SerialNumber), gen}
	var acc [][]byte
	if t.Accuracy.Seconds > 0 {
		acc = append(acc, Integer(big.NewInt(int64(t.Accuracy.Seconds))))
	}
	if t.Accuracy.Millis > 0 {
		acc = append(acc, Implicit(0, false, Integer(big.NewInt(int64(t.Accuracy.Millis)))))
	}
	if t.Accuracy.Micros > 0 {
		acc = append(acc, Implicit(1, false, Integer(big.NewInt(int64(t.Accuracy.Micros)))))
	}
	if len(acc) > 0 {
		parts = append(parts, Seq(acc...))
	}
	if t.Nonce != nil {
		parts = append(parts, Integer(t.Nonce))
	}
	return Seq(parts...)
}

// ParseTSTInfo reads the TSTInfo of a parsed time-stamp token.
func ParseTSTInfo(token *SignedData) (*TSTInfo, error) {
	if !token.ContentType.Equal(OIDTSTInfo) {
		return nil, fmt.Errorf("%w: token content type %v is not TSTInfo", ErrInvalid, token.ContentType)
	}
	var info TSTInfo
	if _, err := asn1.Unmarshal(token.Content, &info); err != nil {
		return nil, fmt.Errorf("%w: TSTInfo: %v", ErrInvalid, err)
	}
	return &info, nil
}
