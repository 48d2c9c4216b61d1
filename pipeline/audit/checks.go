package audit

import (
	"fmt"
	"strings"
	"time"

	"github.com/sohoa/sohoa/signer"
)

// timeLayout is how times are shown to people: local to Việt Nam, as the
// stamp shows them.
const timeLayout = "2006-01-02 15:04:05 -07:00"

var ict = time.FixedZone("ICT", 7*3600)

func showTime(t time.Time) string { return t.In(ict).Format(timeLayout) }

// addSignatureReport turns what signer.Verify found into the document's
// checks and findings.
func (d *Document) addSignatureReport(rep *signer.Report) {
	d.Signatures = rep.Signatures
	// Findings about the file as a whole: one line per check they touch.
	var fileLevel []Finding
	var touched []string
	seen := map[string]bool{}
	for _, r := range rep.Reasons {
		f := fromReason(r, "")
		fileLevel = append(fileLevel, f)
		if !seen[f.Check] {
			seen[f.Check] = true
			touched = append(touched, f.Check)
		}
	}
	d.Findings = append(d.Findings, fileLevel...)
	for _, check := range touched {
		d.Checks = append(d.Checks, checkFromFindings(fileLevel, check, "", text{}))
	}
	if len(rep.Signatures) == 0 {
		if !seen[CheckSignature] {
			d.Checks = append(d.Checks, Check{Check: CheckSignature, Status: StatusFailed,
				Vietnamese: "Không có chữ ký số hợp lệ.", English: "No usable digital signature."})
		}
		return
	}
	for i := range rep.Signatures {
		s := &rep.Signatures[i]
		var own []Finding
		for _, r := range s.Reasons {
			own = append(own, fromReason(r, s.FieldName))
		}
		d.Findings = append(d.Findings, own...)
		d.Checks = append(d.Checks, signatureChecks(s, own)...)
	}
	// The document's headline comes from its first signature (a document
	// time-stamp follows the signature it protects).
	first := rep.Signatures[0]
	for _, s := range rep.Signatures {
		if s.Kind == signer.KindSignature {
			first = s
			break
		}
	}
	d.Signer, d.Level, d.TimeSource = first.Signer, first.Level, first.TimeSource
	d.SigningTime = first.SigningTime
	if first.TimeSource == signer.TimeFromTimestamp && !first.TimestampTime.IsZero() {
		d.SigningTime = first.TimestampTime
	}
}

func fromReason(r signer.Reason, field string) Finding {
	return Finding{Check: checkOfReason(r.Code), Signature: field, Code: string(r.Code), Severity: r.Severity,
		Vietnamese: r.Vietnamese, English: r.English, Detail: r.Detail}
}

// signatureChecks are the lines of one signature: each says what was found
// when it passed and carries the worst of its findings' severities.
func signatureChecks(s *signer.SignatureReport, findings []Finding) []Check {
	var out []Check
	add := func(check string, ok text, info bool) {
		c := checkFromFindings(findings, check, s.FieldName, ok)
		if info && c.Status == StatusOK {
			c.Status = StatusInfo
		}
		out = append(out, c)
	}
	if s.Kind == signer.KindDocumentTimestamp {
		add(CheckIntegrity, text{"Dấu thời gian tài liệu bao trùm toàn bộ nội dung trước nó và còn nguyên vẹn.",
			"The document time-stamp covers everything before it and is intact."}, false)
		add(CheckTimestamp, timestampText(s.Timestamp), s.Timestamp == nil)
		add(CheckModifications, modificationsText(s), false)
		return out
	}
	if s.Signer != nil {
		add(CheckSigner, text{
			fmt.Sprintf("%s; tổ chức cung cấp dịch vụ chứng thực (CA) cấp: %s; số hiệu chứng thư %s", s.Signer.Subject, s.Signer.Issuer, s.Signer.Serial),
			fmt.Sprintf("%s; issued by (CA): %s; certificate serial %s", s.Signer.Subject, s.Signer.Issuer, s.Signer.Serial)}, false)
	}
	add(CheckIntegrity, text{"Nội dung được ký còn nguyên vẹn: vùng ký, mã băm và chữ ký số đều đúng.",
		"The signed content is intact: byte range, digest and signature are correct."}, false)
	chain := text{"Chuỗi chứng thư dẫn đến một chứng thư gốc tin cậy.", "The certificate chain leads to a trusted root."}
	if n := len(s.Chain.Certificates); n > 0 {
		root := s.Chain.Certificates[n-1].Subject
		chain = text{"Chuỗi chứng thư dẫn đến chứng thư gốc tin cậy: " + root, "The certificate chain leads to the trusted root: " + root}
	}
	add(CheckChain, chain, false)
	if !s.ValidationTime.IsZero() {
		t := s.ValidationTime
		src := timeSourceWords[s.TimeSource]
		add(CheckSigningTime, text{showTime(t) + " (" + src.vi + ")", showTime(t) + " (" + src.en + ")"}, false)
	}
	if s.Signer != nil {
		period := showTime(s.Signer.NotBefore) + " – " + showTime(s.Signer.NotAfter)
		add(CheckValidity, text{"Chứng thư có hiệu lực từ " + period + "; còn hiệu lực tại thời điểm ký.",
			"The certificate is valid from " + period + "; it was valid at the signing time."}, false)
	}
	add(CheckRevocation, revocationText(s.Revocation), false)
	add(CheckTimestamp, timestampText(s.Timestamp), s.Timestamp == nil)
	level := text{"Không đạt mức PAdES nào.", "No PAdES level reached."}
	if s.Level != "" {
		level = text{"Đạt mức PAdES " + string(s.Level) + ".", "PAdES level " + string(s.Level) + " reached."}
	}
	add(CheckLevel, level, false)
	add(CheckModifications, modificationsText(s), false)
	return out
}

// checkFromFindings makes the line of check from the findings that belong
// to it: ok when there are none, else the worst one's text.
func checkFromFindings(findings []Finding, check, field string, ok text) Check {
	c := Check{Check: check, Signature: field, Status: StatusOK, Vietnamese: ok.vi, English: ok.en}
	worst := -1
	for _, f := range findings {
		if f.Check != check || f.Signature != field {
			continue
		}
		if r := severityRank(f.Severity); r > worst {
			worst = r
			c.Vietnamese, c.English = f.Vietnamese, f.English
			if f.Detail != "" {
				c.Vietnamese += " (" + f.Detail + ")"
				c.English += " (" + f.Detail + ")"
			}
		}
	}
	switch {
	case worst >= severityRank(signer.SeverityIndeterminate):
		c.Status = StatusFailed
	case worst >= 0:
		c.Status = StatusWarning
	}
	return c
}

func severityRank(s signer.Severity) int {
	switch s {
	case signer.SeverityWarning:
		return 0
	case signer.SeverityIndeterminate:
		return 1
	}
	return 2
}

func revocationText(r signer.Revocation) text {
	if !r.Checked {
		return text{"Chưa kiểm tra được tình trạng thu hồi của chứng thư.", "The certificate's revocation status could not be checked."}
	}
	var vi, en []string
	seen := map[string]bool{}
	for _, it := range r.Items {
		if t, ok := revocationSources[it.Source]; ok && !seen[it.Source] {
			seen[it.Source] = true
			vi, en = append(vi, t.vi), append(en, t.en)
		}
	}
	src := text{"", ""}
	if len(vi) > 0 {
		src = text{" (" + strings.Join(vi, ", ") + ")", " (" + strings.Join(en, ", ") + ")"}
	}
	return text{"Chứng thư không bị thu hồi tại thời điểm ký" + src.vi + ".", "The certificate was not revoked at the signing time" + src.en + "."}
}

func timestampText(ts *signer.Timestamp) text {
	if ts == nil {
		return text{"Không có dấu thời gian.", "No time-stamp."}
	}
	tsa := "?"
	if ts.TSA != nil {
		tsa = ts.TSA.Subject
		if ts.TSA.CommonName != "" {
			tsa = ts.TSA.CommonName
		}
	}
	return text{"Dấu thời gian hợp lệ lúc " + showTime(ts.Time) + ", cấp bởi " + tsa + ".",
		"Valid time-stamp of " + showTime(ts.Time) + ", by " + tsa + "."}
}

func modificationsText(s *signer.SignatureReport) text {
	if len(s.Modifications) == 0 {
		return text{"Không có thay đổi nào sau khi ký.", "Nothing was changed after signing."}
	}
	return text{"Sau khi ký chỉ bổ sung dữ liệu xác thực hoặc dấu thời gian (được phép).",
		"After signing only validation data or time-stamps were added (allowed)."}
}
