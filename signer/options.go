package signer

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Level is a PAdES baseline level (ETSI EN 319 142-1).
type Level string

// The PAdES baseline levels.
const (
	// LevelBB is a basic signature: CMS with signing-certificate-v2, the
	// time claimed by the signer in /M.
	LevelBB Level = "B-B"
	// LevelBT adds a signature time-stamp from a TSA (needs TSAURL).
	LevelBT Level = "B-T"
	// LevelBLT adds a Document Security Store with the certificates and
	// their OCSP responses and CRLs, so the signature can be validated
	// without network access later.
	LevelBLT Level = "B-LT"
	// LevelBLTA adds a document time-stamp over everything, which keeps
	// the validation material verifiable after the algorithms age.
	LevelBLTA Level = "B-LTA"
)

// ParseLevel reads "B-B", "B-T", "B-LT" or "B-LTA" (case and the "B-"
// prefix optional).
func ParseLevel(s string) (Level, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(u, "B-") {
		u = "B-" + u
	}
	switch l := Level(u); l {
	case LevelBB, LevelBT, LevelBLT, LevelBLTA:
		return l, nil
	}
	return "", fmt.Errorf("%w: unknown PAdES level %q (want B-B, B-T, B-LT or B-LTA)", ErrInvalidOptions, s)
}

func (l Level) rank() int {
	switch l {
	case LevelBT:
		return 1
	case LevelBLT:
		return 2
	case LevelBLTA:
		return 3
	}
	return 0
}

// Options control Sign. The zero value makes a B-B signature with SHA-256,
// signed now, invisible.
type Options struct {
	Level Level // "" is LevelBB
	// Hash is SHA-256 (the default, 0), SHA-384 or SHA-512.
	Hash crypto.Hash
	// PSS signs with RSASSA-PSS instead of PKCS#1 v1.5 (RSA keys only).
	PSS bool
	// Time is the signing time claimed in /M (PAdES puts no signing-time
	// attribute in the CMS); the zero time means now. The key must be
	// valid then.
	Time time.Time
	// TSAURL is the RFC 3161 time-stamping authority, required from B-T.
	TSAURL string
	// HTTPClient fetches time-stamps, OCSP responses and CRLs; nil means a
	// client with a 30-second timeout.
	HTTPClient *http.Client
	// CheckRevocation asks OCSP/CRL before signing at B-B and B-T too
	// (B-LT and B-LTA always do) and refuses a revoked certificate.
	CheckRevocation bool
	// Roots are trust anchors (the root CA of the signer and of the TSA);
	// optional. They verify revocation data for the top of the chain and
	// go into the DSS.
	Roots []*x509.Certificate

	// Name, Reason, Location and ContactInfo fill the signature dictionary.
	Name, Reason, Location, ContactInfo string
	// FieldName is the signature field's name; "Signature1" (or the next
	// free number) when empty.
	FieldName string
	// Stamp, when set, makes the signature visible on page 1.
	Stamp *Stamp
	// ContentsSize is the space reserved for the CMS in bytes; 0 estimates
	// it (and grows it when the signature does not fit).
	ContentsSize int
}

// Stamp is the visible appearance of a signature: a black-framed box at the
// top right of page 1 with the form of copy (e.g. "SAO Y"), the
// organisation and the signing time (ISO 8601), in 10-point black text.
type Stamp struct {
	// Organisation is the signing organisation; the certificate's O (else
	// CN) when empty.
	Organisation string
	// FormOfCopy is an optional first line, e.g. "SAO Y" or "SAO LỤC".
	FormOfCopy string
	// TimeLabel precedes the time; "Thời gian ký: " when empty.
	TimeLabel string
	// FontFile is a TrueType font that covers the text; DefaultStampFont
	// when empty. It is embedded as a subset.
	FontFile string
}

// Result describes a signed document.
type Result struct {
	Level     Level
	FieldName string
	// SigningTime is the /M time; TimestampTime the TSA's time of the
	// signature time-stamp (B-T and up), DocumentTimestampTime that of
	// the document time-stamp (B-LTA).
	SigningTime, TimestampTime, DocumentTimestampTime time.Time
	// Size is the number of bytes written; Revisions the number of
	// incremental updates added (1 for B-B/B-T, 2 for B-LT, 3 for B-LTA).
	Size      int64
	Revisions int
	// SignatureSize is the DER size of the CMS signature; Reserved the
	// bytes reserved for it.
	SignatureSize, Reserved int
	// CertificateSHA256 identifies the signer's certificate (hex).
	CertificateSHA256 string
	// RevocationResponses counts the OCSP responses and CRLs gathered.
	OCSPResponses, CRLs int
}
