package signer

import "fmt"

// ReasonCode is a machine-readable finding of Verify.
type ReasonCode string

// Severity tells what a finding does to a signature's status.
type Severity string

// Severities, from worst to mildest.
const (
	// SeverityError makes the signature invalid.
	SeverityError Severity = "error"
	// SeverityIndeterminate makes it indeterminate: nothing is proven
	// wrong, but it cannot be shown valid (no trust anchor, say).
	SeverityIndeterminate Severity = "indeterminate"
	// SeverityWarning leaves the status alone; an auditor should see it
	// (Thông tư 15/2025/TT-BKHCN asks for a warning when the certificate's
	// status cannot be checked).
	SeverityWarning Severity = "warning"
)

// The findings of Verify.
const (
	ReasonNotPDF               ReasonCode = "not-a-pdf"
	ReasonNoSignature          ReasonCode = "no-signature"
	ReasonMalformedSignature   ReasonCode = "malformed-signature"
	ReasonTruncated            ReasonCode = "truncated"
	ReasonByteRangeGap         ReasonCode = "byterange-gap"
	ReasonByteRangeNotCovering ReasonCode = "byterange-not-covering-revision"
	ReasonDigestMismatch       ReasonCode = "digest-mismatch"
	ReasonSignatureInvalid     ReasonCode = "signature-invalid"
	ReasonSigningCertificate   ReasonCode = "signing-certificate-mismatch"
	ReasonHashNotAllowed       ReasonCode = "hash-not-allowed"
	ReasonUntrustedChain       ReasonCode = "untrusted-chain"
	ReasonCertExpired          ReasonCode = "cert-expired-at-signing-time"
	ReasonCertNotYetValid      ReasonCode = "cert-not-yet-valid"
	ReasonKeyUsage             ReasonCode = "key-usage"
	ReasonRevoked              ReasonCode = "revoked"
	ReasonRevocationUnknown    ReasonCode = "revocation-unknown"
	ReasonTimestampInvalid     ReasonCode = "timestamp-invalid"
	ReasonTimestampUntrusted   ReasonCode = "timestamp-untrusted"
	ReasonTimestampMissing     ReasonCode = "timestamp-missing"
	ReasonTimeClaimed          ReasonCode = "time-claimed"
	ReasonLevelNotReached      ReasonCode = "level-not-reached"
	ReasonModifiedAfterSigning ReasonCode = "modified-after-signing"
	ReasonNotPAdES             ReasonCode = "not-pades"
)

// reasonText is one row of the table of findings: severity and the texts
// in Vietnamese and English.
type reasonText struct {
	severity Severity
	vi, en   string
}

// reasonTexts holds every finding's texts, kept together so that a
// translation is never missing (a test checks it).
var reasonTexts = map[ReasonCode]reasonText{
	ReasonNotPDF: {SeverityError,
		"Tệp không phải là PDF đọc được.",
		"The file is not a readable PDF."},
	ReasonNoSignature: {SeverityError,
		"Tài liệu không có chữ ký số.",
		"The document has no digital signature."},
	ReasonMalformedSignature: {SeverityError,
		"Chữ ký số bị hỏng, không đọc được.",
		"The signature is malformed and cannot be read."},
	ReasonTruncated: {SeverityError,
		"Tệp bị cắt cụt: thiếu phần dữ liệu đã được ký hoặc phần cuối tệp không hoàn chỉnh.",
		"The file is truncated: signed data is missing or the end of the file is incomplete."},
	ReasonByteRangeGap: {SeverityError,
		"Vùng dữ liệu được ký (ByteRange) không hợp lệ: chừa ra phần nội dung không được ký ngoài giá trị chữ ký.",
		"The signed byte range is malformed: it leaves out more than the signature value."},
	ReasonByteRangeNotCovering: {SeverityError,
		"Vùng dữ liệu được ký không bao trọn một phiên bản của tài liệu.",
		"The signed byte range does not cover a whole revision of the document."},
	ReasonDigestMismatch: {SeverityError,
		"Nội dung tài liệu đã bị thay đổi sau khi ký (giá trị băm không khớp).",
		"The document content was changed after signing (the digest does not match)."},
	ReasonSignatureInvalid: {SeverityError,
		"Chữ ký số không hợp lệ: không kiểm tra được bằng khóa công khai của chứng thư.",
		"The signature value does not verify with the certificate's public key."},
	ReasonSigningCertificate: {SeverityError,
		"Thuộc tính chứng thư ký (signing-certificate-v2) thiếu hoặc không khớp với chứng thư của người ký.",
		"The signing-certificate-v2 attribute is missing or does not match the signer's certificate."},
	ReasonHashNotAllowed: {SeverityError,
		"Thuật toán băm không được chấp nhận.",
		"The hash algorithm is not allowed."},
	ReasonUntrustedChain: {SeverityIndeterminate,
		"Chứng thư số không được cấp bởi tổ chức cung cấp dịch vụ chứng thực tin cậy.",
		"The certificate does not chain to a trusted root."},
	ReasonCertExpired: {SeverityError,
		"Chứng thư số đã hết hạn tại thời điểm ký.",
		"The certificate had expired at the signing time."},
	ReasonCertNotYetValid: {SeverityError,
		"Chứng thư số chưa có hiệu lực tại thời điểm ký.",
		"The certificate was not yet valid at the signing time."},
	ReasonKeyUsage: {SeverityError,
		"Chứng thư số không được phép dùng để ký tài liệu.",
		"The certificate may not be used to sign documents (key usage)."},
	ReasonRevoked: {SeverityError,
		"Chứng thư số đã bị thu hồi trước thời điểm ký.",
		"The certificate had been revoked before the signing time."},
	ReasonRevocationUnknown: {SeverityWarning,
		"Cảnh báo: không kiểm tra được trạng thái thu hồi của chứng thư số.",
		"Warning: the revocation status of the certificate could not be checked."},
	ReasonTimestampInvalid: {SeverityError,
		"Dấu thời gian không hợp lệ.",
		"The time-stamp is invalid."},
	ReasonTimestampUntrusted: {SeverityIndeterminate,
		"Dấu thời gian không do tổ chức cấp dấu thời gian tin cậy cung cấp.",
		"The time-stamp's authority does not chain to a trusted root."},
	ReasonTimestampMissing: {SeverityError,
		"Thiếu dấu thời gian mà mức chữ ký yêu cầu.",
		"The time-stamp required by the signature level is missing."},
	ReasonTimeClaimed: {SeverityWarning,
		"Cảnh báo: thời điểm ký do người ký tự khai, không có dấu thời gian xác thực.",
		"Warning: the signing time is claimed by the signer, not proven by a time-stamp."},
	ReasonLevelNotReached: {SeverityError,
		"Chữ ký không đạt mức PAdES yêu cầu.",
		"The signature does not reach the required PAdES level."},
	ReasonModifiedAfterSigning: {SeverityError,
		"Tài liệu đã bị sửa đổi sau khi ký.",
		"The document was modified after signing."},
	ReasonNotPAdES: {SeverityWarning,
		"Cảnh báo: chữ ký không theo định dạng PAdES.",
		"Warning: the signature is not a PAdES signature."},
}

// Reason is one finding, with its texts.
type Reason struct {
	Code     ReasonCode `json:"code"`
	Severity Severity   `json:"severity"`
	// Vietnamese and English are the texts for people; Detail says what
	// exactly was found (technical, English).
	Vietnamese string `json:"vi"`
	English    string `json:"en"`
	Detail     string `json:"detail,omitempty"`
}

func newReason(code ReasonCode, format string, args ...any) Reason {
	t, ok := reasonTexts[code]
	if !ok {
		t = reasonText{SeverityError, string(code), string(code)}
	}
	r := Reason{Code: code, Severity: t.severity, Vietnamese: t.vi, English: t.en}
	if format != "" {
		r.Detail = fmt.Sprintf(format, args...)
	}
	return r
}

// Text is the reason in language lang ("vi" or "en"), with its detail.
func (r Reason) Text(lang string) string {
	s := r.Vietnamese
	if lang == "en" {
		s = r.English
	}
	if r.Detail != "" {
		s += " (" + r.Detail + ")"
	}
	return s
}
