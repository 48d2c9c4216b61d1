// Package metadata holds the document metadata of sohoa (metadata.json), its
// JSON schema, and the extraction of its fields from OCR results.
//
// Field names follow the national archive standard (Thông tư 05/2025/TT-BNV)
// and Nghị định 30/2020 Phụ lục VI; document.schema.json is the contract,
// and Validate checks a metadata.json against it.
//
// Extract reads the fields from the OCR results of a document's pages,
// using the layout of Nghị định 30/2020: the two-column header (organ names,
// "Số:", "V/v" on the left; Quốc hiệu, tiêu ngữ, place and date on the
// right), the type name and trích yếu under it, and the signature block at
// the bottom right of the last page. Extraction.Document turns the result
// into a Document.
//
// The rule of this package: a value that may be wrong is flagged, never
// silently guessed. When the extraction is unsure of a field — its words
// read with low confidence, its pattern is garbled, a number or day looks
// handwritten, a date is impossible or in the future, two fields contradict
// each other — it adds a review reason naming the field, and when the value
// itself is in doubt it leaves the field empty (a required string becomes
// "") rather than fill in a plausible one; a số or ký hiệu that matched
// its strict pattern but read with low confidence is kept, flagged, for
// the reviewer to confirm. Upper-case header names whose letters spell a
// phrase of the administrative vocabulary (vocabulary.go) get the
// phrase's marks back: only marks and spaces differ, so the spelling is
// certain. Only unambiguous OCR confusions
// are folded (Ð for Đ, an en dash in a ký hiệu); characters are never
// invented.
package metadata

// SchemaVersion is the version of document.schema.json this package writes.
const SchemaVersion = "1"

// Document is the content of metadata.json.
type Document struct {
	SchemaVersion   string             `json:"schemaVersion"`
	DocID           string             `json:"docId"`
	FileCode        string             `json:"fileCode,omitempty"`
	DocCode         string             `json:"docCode,omitempty"`
	TypeName        string             `json:"typeName"`
	CodeNumber      string             `json:"codeNumber"`
	CodeNotation    string             `json:"codeNotation"`
	IssuedDate      string             `json:"issuedDate"`
	Place           string             `json:"place,omitempty"`
	OrganName       string             `json:"organName"`
	ParentOrganName string             `json:"parentOrganName,omitempty"`
	Subject         string             `json:"subject"`
	SignerAuthority string             `json:"signerAuthority,omitempty"`
	SignerPosition  string             `json:"signerPosition,omitempty"`
	SignerFullName  string             `json:"signerFullName,omitempty"`
	NumberOfPage    int                `json:"numberOfPage"`
	Language        string             `json:"language"`
	ConfidenceLevel string             `json:"confidenceLevel"`
	Mode            string             `json:"mode,omitempty"`
	Maintenance     string             `json:"maintenance,omitempty"`
	Keyword         string             `json:"keyword,omitempty"`
	Autograph       string             `json:"autograph,omitempty"`
	Description     string             `json:"description,omitempty"`
	NeedsReview     bool               `json:"needsReview"`
	ReviewReasons   []string           `json:"reviewReasons,omitempty"`
	FieldConfidence map[string]float64 `json:"fieldConfidence"`
	Source          Source             `json:"source"`
	OCR             *OCRInfo           `json:"ocr,omitempty"`
	Status          string             `json:"status,omitempty"`
}

// Source names the input files of a document.
type Source struct {
	Files    []SourceFile `json:"files"`
	Register string       `json:"register,omitempty"`
}

// SourceFile is one input file and its SHA-256 (lower-case hex).
type SourceFile struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Pages  int    `json:"pages,omitempty"`
}

// OCRInfo records how the text was read.
type OCRInfo struct {
	Engine        string     `json:"engine,omitempty"`
	EngineVersion string     `json:"engineVersion,omitempty"`
	Languages     []string   `json:"languages,omitempty"`
	Pages         []PageInfo `json:"pages,omitempty"`
}

// PageInfo records what preprocessing and OCR did on one page.
type PageInfo struct {
	Rotation           int     `json:"rotation"`
	SkewDegrees        float64 `json:"skewDegrees"`
	DPI                int     `json:"dpi,omitempty"`
	MeanConfidence     float64 `json:"meanConfidence"`
	LowConfidenceWords int     `json:"lowConfidenceWords"`
}

// Statuses of a document (the schema's status enum).
const (
	StatusDigitized   = "digitized"
	StatusNeedsReview = "needs_review"
	StatusApproved    = "approved"
	StatusSigned      = "signed"
	StatusFailed      = "failed"
)
