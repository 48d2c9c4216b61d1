package audit

import (
	"time"

	"github.com/sohoa/sohoa/signer"
)

// Report is the outcome of one verification run: one Document per PDF, file
// or stored document verified. It is what `sohoa verify --json` prints.
//
// The JSON shape (field names are stable; new fields may be added):
//
//	{
//	  "tool": "sohoa 0.1.0",            // the verifying program
//	  "time": "2026-…Z",                 // when the run started
//	  "lang": "vi",                      // language of the human texts chosen
//	  "strict": false,                   // warnings counted as failures
//	  "store": "/srv/sohoa",             // only when the store was read
//	  "batch": "scans",                  // only for --batch
//	  "verdict": "valid",                // the worst document verdict (see Verdict)
//	  "ok": true,                        // every document verified: exit status 0
//	  "counts": {"valid": 2, "not-signed": 1},
//	  "documents": [{
//	    "name": "scans/01-clean-pdf.pdf",  // document name (record) or file name
//	    "file": "/tmp/x.pdf",              // a local file, or
//	    "key": "batches/scans/docs/d…/signed.pdf", "batch": "scans", "docId": "d…",
//	    "size": 123456, "sha256": "…",     // of the bytes verified
//	    "verdict": "valid", "ok": true,
//	    "signer": {"subject": "…", "commonName": "…", "issuer": "…", "serial": "…",
//	               "notBefore": "…", "notAfter": "…", "sha256": "…"},
//	    "signingTime": "…", "timeSource": "timestamp", "level": "B-LT",
//	    "checks": [{"check": "integrity", "signature": "Signature1", "status": "ok",
//	                "vi": "…", "en": "…"}, …],
//	    "findings": [{"check": "fixity-index", "code": "fixity-index-mismatch",
//	                  "severity": "error", "vi": "…", "en": "…", "detail": "…"}],
//	    "signatures": [ …signer.SignatureReport, as in package signer… ],
//	    "fixity": {"record": "batches/…/record.json",
//	               "objects": [{"role": "signed", "key": "…", "size": 1, "sha256": "…",
//	                            "record": "…", "manifest": "…", "index": "…", "ok": true}],
//	               "approval": {"key": "…", "who": "…", "time": "…", "level": "B-LT",
//	                            "approvedSha256": "…", "unsignedSha256": "…",
//	                            "signedFirstRevisionSha256": "…", "signedFirstRevisionSize": 1,
//	                            "ok": true}},
//	    "pdfa": {"claimed": "2u", "recorded": "2u",
//	             "veraPDF": {"flavour": "2u", "compliant": true, "failedRules": ["6.2.4.3"]}}
//	  }]
//	}
//
// A check's "status" is "ok", "failed", "warning" or "info" (nothing to
// judge, e.g. no time-stamp on a B-B signature). "check" names are those of
// the Check* constants; finding codes are package signer's ReasonCode values
// plus this package's Code* constants. Every finding that is not "ok" is in
// "findings"; "checks" are the lines a person reads.
type Report struct {
	Tool      string          `json:"tool"`
	Time      time.Time       `json:"time"`
	Lang      string          `json:"lang"`
	Strict    bool            `json:"strict"`
	Store     string          `json:"store,omitempty"`
	Batch     string          `json:"batch,omitempty"`
	Verdict   Verdict         `json:"verdict"`
	OK        bool            `json:"ok"`
	Counts    map[Verdict]int `json:"counts"`
	Documents []Document      `json:"documents"`
}

// Verdict is the judgement on a document (and, the worst of them, on a run).
type Verdict string

// The verdicts, from best to worst.
const (
	// VerdictValid: every check passed.
	VerdictValid Verdict = "valid"
	// VerdictWarning: nothing is wrong, but something could not be
	// established (the certificate's status, the time is only claimed);
	// a failure under Options.Strict.
	VerdictWarning Verdict = "warning"
	// VerdictNotSigned: a document of a batch without a signed copy (yet);
	// its stored objects are intact. A failure under Options.Strict.
	VerdictNotSigned Verdict = "not-signed"
	// VerdictIndeterminate: the signature cannot be shown valid (no trust
	// anchor for its chain, say); a failure.
	VerdictIndeterminate Verdict = "indeterminate"
	// VerdictInvalid: something is proven wrong; a failure.
	VerdictInvalid Verdict = "invalid"
)

func (v Verdict) rank() int {
	switch v {
	case VerdictValid:
		return 0
	case VerdictWarning:
		return 1
	case VerdictNotSigned:
		return 2
	case VerdictIndeterminate:
		return 3
	}
	return 4
}

// Document is what was found about one PDF.
type Document struct {
	Name        string                   `json:"name"`
	File        string                   `json:"file,omitempty"`
	Key         string                   `json:"key,omitempty"`
	Batch       string                   `json:"batch,omitempty"`
	DocID       string                   `json:"docId,omitempty"`
	Size        int64                    `json:"size"`
	SHA256      string                   `json:"sha256,omitempty"`
	Verdict     Verdict                  `json:"verdict"`
	OK          bool                     `json:"ok"`
	Signer      *signer.CertInfo         `json:"signer,omitempty"`
	SigningTime time.Time                `json:"signingTime,omitzero"`
	TimeSource  signer.TimeSource        `json:"timeSource,omitempty"`
	Level       signer.Level             `json:"level,omitempty"`
	Checks      []Check                  `json:"checks"`
	Findings    []Finding                `json:"findings"`
	Signatures  []signer.SignatureReport `json:"signatures"`
	Fixity      *Fixity                  `json:"fixity,omitempty"`
	PDFA        *PDFA                    `json:"pdfa,omitempty"`
}

// Has tells whether the document has a finding with this code.
func (d *Document) Has(code string) bool {
	for _, f := range d.Findings {
		if f.Code == code {
			return true
		}
	}
	return false
}

// CheckStatus is the outcome of one check.
type CheckStatus string

// The check outcomes.
const (
	StatusOK      CheckStatus = "ok"
	StatusFailed  CheckStatus = "failed"
	StatusWarning CheckStatus = "warning"
	StatusInfo    CheckStatus = "info"
)

// Check is one line of a document's report: what was checked and found, in
// both languages.
type Check struct {
	Check string `json:"check"`
	// Signature is the signature's field name for a check of one signature.
	Signature  string      `json:"signature,omitempty"`
	Status     CheckStatus `json:"status"`
	Vietnamese string      `json:"vi"`
	English    string      `json:"en"`
}

// Text is the check's line in lang ("vi" or "en").
func (c Check) Text(lang string) string { return pick(lang, c.Vietnamese, c.English) }

// Finding is one thing wrong or doubtful, with its texts.
type Finding struct {
	Check      string          `json:"check"`
	Signature  string          `json:"signature,omitempty"`
	Code       string          `json:"code"`
	Severity   signer.Severity `json:"severity"`
	Vietnamese string          `json:"vi"`
	English    string          `json:"en"`
	Detail     string          `json:"detail,omitempty"`
}

// Text is the finding in lang, with its detail.
func (f Finding) Text(lang string) string {
	s := pick(lang, f.Vietnamese, f.English)
	if f.Detail != "" {
		s += " (" + f.Detail + ")"
	}
	return s
}

// Fixity is what the store's bookkeeping says of a stored document's
// objects, against their bytes.
type Fixity struct {
	Record   string          `json:"record"`
	Objects  []ObjectFixity  `json:"objects"`
	Approval *ApprovalFixity `json:"approval,omitempty"`
}

// ObjectFixity compares one object's bytes (SHA256, recomputed) with the
// digests the record, the batch manifest and the search index give it
// ("" where the source does not name the object).
type ObjectFixity struct {
	Role     string `json:"role"`
	Key      string `json:"key"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	Record   string `json:"record"`
	Manifest string `json:"manifest,omitempty"`
	Index    string `json:"index,omitempty"`
	OK       bool   `json:"ok"`
}

// ApprovalFixity compares the approval that covered a signed document with
// its unsigned PDF and the first revision of its signed copy (the bytes the
// signature was added to).
type ApprovalFixity struct {
	Key                 string    `json:"key"`
	Who                 string    `json:"who"`
	Time                time.Time `json:"time"`
	Level               string    `json:"level"`
	ApprovedSHA256      string    `json:"approvedSha256"`
	UnsignedSHA256      string    `json:"unsignedSha256,omitempty"`
	FirstRevisionSHA256 string    `json:"signedFirstRevisionSha256,omitempty"`
	FirstRevisionSize   int64     `json:"signedFirstRevisionSize,omitempty"`
	OK                  bool      `json:"ok"`
}

// PDFA is the document's PDF/A claim and, when veraPDF ran, its verdict.
type PDFA struct {
	// Claimed is the flavour the XMP claims (pdfaid:part and conformance,
	// e.g. "2u"); "" when none was found.
	Claimed string `json:"claimed,omitempty"`
	// Recorded is the flavour the store's record names.
	Recorded string         `json:"recorded,omitempty"`
	VeraPDF  *VeraPDFResult `json:"veraPDF,omitempty"`
}

// VeraPDFResult is veraPDF's verdict on a file for a flavour.
type VeraPDFResult struct {
	Flavour   string `json:"flavour"`
	Compliant bool   `json:"compliant"`
	// FailedRules are the clauses of the failed rules ("6.2.4.3").
	FailedRules []string `json:"failedRules,omitempty"`
	// Error says why veraPDF could not judge the file.
	Error string `json:"error,omitempty"`
}

func pick(lang, vi, en string) string {
	if lang == "en" {
		return en
	}
	return vi
}
