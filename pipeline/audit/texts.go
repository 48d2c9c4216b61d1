package audit

import (
	"fmt"

	"github.com/sohoa/sohoa/signer"
)

// The checks: one line each in a document's report.
const (
	// Per signature.
	CheckSignature     = "signature" // the file as a whole: readable, signed
	CheckSigner        = "signer"    // who signed, issued by which CA
	CheckIntegrity     = "integrity"
	CheckChain         = "chain"
	CheckSigningTime   = "signing-time"
	CheckValidity      = "certificate-validity"
	CheckRevocation    = "revocation"
	CheckTimestamp     = "timestamp"
	CheckLevel         = "level"
	CheckModifications = "modifications"
	// Per stored document.
	CheckFixityRecord   = "fixity-record"
	CheckFixityManifest = "fixity-manifest"
	CheckFixityIndex    = "fixity-index"
	CheckFixityApproval = "fixity-approval"
	// PDF/A.
	CheckPDFAClaim   = "pdfa-claim"
	CheckPDFAVeraPDF = "pdfa-verapdf"
)

// Finding codes of this package (besides package signer's ReasonCode).
const (
	CodeReadError          = "read-error"               // the PDF could not be read
	CodeNotSigned          = "not-signed"               // a batch document without a signed copy
	CodeRecordUnreadable   = "record-unreadable"        // the document's record.json is missing or damaged
	CodeObjectUnreadable   = "fixity-object-unreadable" // an object the record names cannot be read
	CodeRecordMismatch     = "fixity-record-mismatch"   // bytes differ from the record's SHA-256
	CodeNotRecorded        = "fixity-not-recorded"      // the PDF is not an object of its document's record
	CodeStoreChecksum      = "fixity-store-checksum"    // bytes differ from the store's own recorded SHA-256
	CodeInputMismatch      = "fixity-input-mismatch"    // an original differs from the input file as read
	CodeManifestMismatch   = "fixity-manifest-mismatch"
	CodeManifestStale      = "fixity-manifest-stale" // older than the record: a warning
	CodeManifestUnreadable = "fixity-manifest-unreadable"
	CodeIndexMismatch      = "fixity-index-mismatch"
	CodeIndexMissing       = "fixity-index-missing"
	CodeIndexStale         = "fixity-index-stale" // older than the record: a warning
	CodeIndexUnreadable    = "fixity-index-unreadable"
	CodeApprovalMissing    = "fixity-approval-missing"
	CodeApprovalMismatch   = "fixity-approval-mismatch"
	CodePDFANoClaim        = "pdfa-no-claim"
	CodePDFAClaimMismatch  = "pdfa-claim-mismatch"
	CodePDFANotCompliant   = "pdfa-not-compliant"
	CodePDFAValidatorError = "pdfa-validator-error"
)

type text struct{ vi, en string }

// findingTexts are the texts of this package's findings, written for an
// auditor who is not a PDF expert.
var findingTexts = map[string]struct {
	severity signer.Severity
	text
}{
	CodeReadError: {signer.SeverityError, text{
		"Không đọc được tệp PDF.",
		"The PDF could not be read."}},
	CodeNotSigned: {signer.SeverityWarning, text{
		"Tài liệu chưa được ký số.",
		"The document has not been signed."}},
	CodeRecordUnreadable: {signer.SeverityError, text{
		"Không đọc được hồ sơ lưu trữ (record.json) của tài liệu.",
		"The document's archive record (record.json) could not be read."}},
	CodeObjectUnreadable: {signer.SeverityError, text{
		"Một tệp được ghi trong hồ sơ lưu trữ không còn đọc được.",
		"A file named in the archive record can no longer be read."}},
	CodeRecordMismatch: {signer.SeverityError, text{
		"Tệp lưu trữ đã bị thay đổi: mã băm SHA-256 không khớp với hồ sơ lưu trữ.",
		"A stored file has been changed: its SHA-256 does not match the archive record."}},
	CodeNotRecorded: {signer.SeverityError, text{
		"Tệp PDF không có trong hồ sơ lưu trữ của tài liệu.",
		"The PDF is not among the files of the document's archive record."}},
	CodeStoreChecksum: {signer.SeverityError, text{
		"Tệp lưu trữ không khớp với mã băm do kho lưu trữ ghi nhận.",
		"A stored file does not match the digest the store recorded for it."}},
	CodeInputMismatch: {signer.SeverityError, text{
		"Bản gốc lưu trữ khác với tệp quét đã tiếp nhận.",
		"A stored original differs from the scanned file that was taken in."}},
	CodeManifestMismatch: {signer.SeverityError, text{
		"Mã băm SHA-256 không khớp với danh mục lô (batch.json).",
		"The SHA-256 does not match the batch manifest (batch.json)."}},
	CodeManifestStale: {signer.SeverityWarning, text{
		"Danh mục lô (batch.json) cũ hơn hồ sơ tài liệu (tài liệu được sửa sau lần ghi danh mục cuối).",
		"The batch manifest (batch.json) is older than the document's record (changed after the manifest was last written)."}},
	CodeManifestUnreadable: {signer.SeverityError, text{
		"Không đọc được danh mục lô (batch.json).",
		"The batch manifest (batch.json) could not be read."}},
	CodeIndexMismatch: {signer.SeverityError, text{
		"Mã băm SHA-256 không khớp với chỉ mục tra cứu.",
		"The SHA-256 does not match the search index."}},
	CodeIndexMissing: {signer.SeverityError, text{
		"Tài liệu không có trong chỉ mục tra cứu.",
		"The document is not in the search index."}},
	CodeIndexStale: {signer.SeverityWarning, text{
		"Chỉ mục tra cứu cũ hơn hồ sơ tài liệu (chạy 'sohoa index rebuild').",
		"The search index is older than the document's record (run 'sohoa index rebuild')."}},
	CodeIndexUnreadable: {signer.SeverityError, text{
		"Không đọc được chỉ mục tra cứu.",
		"The search index could not be read."}},
	CodeApprovalMissing: {signer.SeverityError, text{
		"Không tìm thấy biên bản phê duyệt ký cho tài liệu đã ký.",
		"No approval record covers the signed document."}},
	CodeApprovalMismatch: {signer.SeverityError, text{
		"Nội dung được ký khác với nội dung đã được phê duyệt.",
		"What was signed is not what was approved."}},
	CodePDFANoClaim: {signer.SeverityError, text{
		"Tệp không tuyên bố tuân thủ PDF/A trong siêu dữ liệu XMP.",
		"The file claims no PDF/A conformance in its XMP metadata."}},
	CodePDFAClaimMismatch: {signer.SeverityError, text{
		"Chuẩn PDF/A tuyên bố trong tệp khác với chuẩn ghi trong hồ sơ lưu trữ.",
		"The PDF/A flavour the file claims differs from the archive record's."}},
	CodePDFANotCompliant: {signer.SeverityError, text{
		"veraPDF kết luận tệp không tuân thủ chuẩn PDF/A đã tuyên bố.",
		"veraPDF found the file not compliant with the PDF/A flavour it claims."}},
	CodePDFAValidatorError: {signer.SeverityWarning, text{
		"Không chạy được veraPDF để kiểm tra PDF/A.",
		"veraPDF could not be run to check PDF/A."}},
}

// finding makes one of this package's findings.
func finding(check, code, format string, a ...any) Finding {
	t, ok := findingTexts[code]
	if !ok {
		panic("audit: finding without texts: " + code)
	}
	f := Finding{Check: check, Code: code, Severity: t.severity, Vietnamese: t.vi, English: t.en}
	if format != "" {
		f.Detail = fmt.Sprintf(format, a...)
	}
	return f
}

// checkOfReason is the check a finding of signer.Verify belongs to.
func checkOfReason(code signer.ReasonCode) string {
	switch code {
	case signer.ReasonTruncated, signer.ReasonByteRangeGap, signer.ReasonByteRangeNotCovering,
		signer.ReasonDigestMismatch, signer.ReasonSignatureInvalid, signer.ReasonSigningCertificate,
		signer.ReasonHashNotAllowed, signer.ReasonMalformedSignature, signer.ReasonNotPAdES:
		return CheckIntegrity
	case signer.ReasonUntrustedChain, signer.ReasonKeyUsage:
		return CheckChain
	case signer.ReasonCertExpired, signer.ReasonCertNotYetValid:
		return CheckValidity
	case signer.ReasonRevoked, signer.ReasonRevocationUnknown:
		return CheckRevocation
	case signer.ReasonTimestampInvalid, signer.ReasonTimestampUntrusted, signer.ReasonTimestampMissing:
		return CheckTimestamp
	case signer.ReasonTimeClaimed:
		return CheckSigningTime
	case signer.ReasonLevelNotReached:
		return CheckLevel
	case signer.ReasonModifiedAfterSigning:
		return CheckModifications
	}
	return CheckSignature
}

// checkLabels name the checks for people.
var checkLabels = map[string]text{
	CheckSignature:      {"Chữ ký số", "Digital signature"},
	CheckSigner:         {"Người ký", "Signer"},
	CheckIntegrity:      {"Toàn vẹn", "Integrity"},
	CheckChain:          {"Chuỗi chứng thư", "Certificate chain"},
	CheckSigningTime:    {"Thời điểm ký", "Signing time"},
	CheckValidity:       {"Hiệu lực chứng thư", "Certificate validity"},
	CheckRevocation:     {"Tình trạng thu hồi", "Revocation status"},
	CheckTimestamp:      {"Dấu thời gian", "Time-stamp"},
	CheckLevel:          {"Mức PAdES", "PAdES level"},
	CheckModifications:  {"Thay đổi sau khi ký", "Changes after signing"},
	CheckFixityRecord:   {"Đối chiếu hồ sơ lưu trữ", "Archive record"},
	CheckFixityManifest: {"Đối chiếu danh mục lô", "Batch manifest"},
	CheckFixityIndex:    {"Đối chiếu chỉ mục tra cứu", "Search index"},
	CheckFixityApproval: {"Đối chiếu phê duyệt ký", "Signing approval"},
	CheckPDFAClaim:      {"Chuẩn PDF/A", "PDF/A claim"},
	CheckPDFAVeraPDF:    {"Kiểm tra PDF/A (veraPDF)", "PDF/A validation (veraPDF)"},
}

// CheckLabel names a check in lang.
func CheckLabel(check, lang string) string {
	if t, ok := checkLabels[check]; ok {
		return pick(lang, t.vi, t.en)
	}
	return check
}

var verdictWords = map[Verdict]text{
	VerdictValid:         {"Hợp lệ", "Valid"},
	VerdictWarning:       {"Hợp lệ, có cảnh báo", "Valid, with warnings"},
	VerdictNotSigned:     {"Chưa ký", "Not signed"},
	VerdictIndeterminate: {"Không xác định được", "Cannot be confirmed"},
	VerdictInvalid:       {"Không hợp lệ", "Invalid"},
}

// VerdictText is a verdict in words, in lang.
func VerdictText(v Verdict, lang string) string {
	if t, ok := verdictWords[v]; ok {
		return pick(lang, t.vi, t.en)
	}
	return string(v)
}

var timeSourceWords = map[signer.TimeSource]text{
	signer.TimeFromTimestamp: {"theo dấu thời gian", "from the time-stamp"},
	signer.TimeClaimed:       {"do người ký tự khai, chưa được chứng thực", "claimed by the signer, not proven"},
	signer.TimeCurrent:       {"thời điểm kiểm tra (tài liệu không ghi thời điểm ký)", "the time of this check (the document gives none)"},
}

var revocationSources = map[string]text{
	"dss-ocsp":    {"OCSP lưu trong tài liệu", "OCSP stored in the document"},
	"dss-crl":     {"CRL lưu trong tài liệu", "CRL stored in the document"},
	"cms-ocsp":    {"OCSP trong chữ ký", "OCSP inside the signature"},
	"cms-crl":     {"CRL trong chữ ký", "CRL inside the signature"},
	"online-ocsp": {"OCSP trực tuyến", "online OCSP"},
	"online-crl":  {"CRL trực tuyến", "online CRL"},
}
