package audit

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/pipeline"
)

// renderFixture is a run over a batch whose first document's signed copy
// was replaced and whose name carries markup.
func renderFixture(t *testing.T, lang string) *Report {
	t.Helper()
	fx := newStoreFixture(t)
	other := fx.read(t, pipeline.SignedKey(fx.batch, fx.ids[1]))
	fx.overwrite(t, pipeline.SignedKey(fx.batch, fx.ids[0]), other)
	rec := fx.record(t, fx.ids[0])
	rec.Name = `scans/00-<script>alert("x")</script>.png` // still sorts first
	fx.putJSON(t, pipeline.RecordKey(fx.batch, fx.ids[0]), rec)
	rep := fx.verifyBatch(t, Options{Lang: lang})
	rep.Batch = fx.batch
	return rep
}

func TestWriteText(t *testing.T) {
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"vi", []string{"KHÔNG HỢP LỆ", "✗ Đối chiếu hồ sơ lưu trữ", "✓ Toàn vẹn", "Chữ ký Signature1", "CHƯA KÝ", "Kết luận: 3 tài liệu", "1 không hợp lệ"}},
		{"en", []string{"INVALID", "✗ Archive record", "✓ Integrity", "Signature Signature1", "NOT SIGNED", "Conclusion: 3 document(s)", "1 invalid"}},
	} {
		t.Run(c.lang, func(t *testing.T) {
			rep := renderFixture(t, c.lang)
			var out bytes.Buffer
			if err := WriteText(&out, rep); err != nil {
				t.Fatal(err)
			}
			s := out.String()
			for _, w := range c.want {
				if !strings.Contains(s, w) {
					t.Errorf("no %q in\n%s", w, s)
				}
			}
			// Each finding's text is shown.
			for _, f := range rep.Documents[0].Findings {
				if !strings.Contains(s, pick(c.lang, f.Vietnamese, f.English)) {
					t.Errorf("finding %s not shown", f.Code)
				}
			}
			// A document's signatures come before the archive's checks.
			sig, arch := strings.Index(s, pick(c.lang, "Chữ ký Signature1", "Signature Signature1")), strings.Index(s, pick(c.lang, "Lưu trữ và PDF/A", "Archive and PDF/A"))
			if sig < 0 || arch < sig {
				t.Errorf("signature section at %d, archive section at %d", sig, arch)
			}
			// Three document blocks, each headed by a mark and its name.
			if n := len(regexp.MustCompile(`(?m)^[✓✗!] scans/`).FindAllString(s, -1)); n != 3 {
				t.Errorf("%d document blocks, want 3:\n%s", n, s)
			}
		})
	}
}

func TestWriteHTML(t *testing.T) {
	for _, lang := range []string{"vi", "en"} {
		t.Run(lang, func(t *testing.T) {
			rep := renderFixture(t, lang)
			var out bytes.Buffer
			if err := WriteHTML(&out, rep); err != nil {
				t.Fatal(err)
			}
			s := out.String()
			if strings.Contains(s, `<script>alert`) || !strings.Contains(s, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`) {
				t.Error("the document name is not escaped")
			}
			if regexp.MustCompile(`(?i)(src|href)\s*=\s*"(https?:)?//|@import|url\(`).MatchString(s) {
				t.Error("the page loads an external resource")
			}
			if !strings.Contains(s, `<html lang="`+lang+`">`) {
				t.Error("no language")
			}
			// One summary row per document, coloured by its verdict.
			rows := regexp.MustCompile(`<td class="verdict (good|warn|bad)">([^<]*)</td>`).FindAllStringSubmatch(s, -1)
			if len(rows) != 3 {
				t.Fatalf("%d summary rows, want 3", len(rows))
			}
			for i, d := range rep.Documents {
				if rows[i][1] != verdictClass(&d) || rows[i][2] != VerdictText(d.Verdict, lang) {
					t.Errorf("row %d: %q, document %s ok=%v", i, rows[i][1:], d.Verdict, d.OK)
				}
			}
			if rows[0][1] != "bad" || rows[1][1] != "good" || rows[2][1] != "warn" {
				t.Errorf("row colours %q %q %q", rows[0][1], rows[1][1], rows[2][1])
			}
			// The reason for each failure is on the page, escaped.
			for _, f := range rep.Documents[0].Findings {
				if !strings.Contains(s, pick(lang, f.Vietnamese, f.English)) {
					t.Errorf("reason %s missing", f.Code)
				}
			}
		})
	}
}

// The JSON shape documented on Report: these field names are a contract.
func TestReportJSONShape(t *testing.T) {
	rep := renderFixture(t, "vi")
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	has := func(obj map[string]any, where string, keys ...string) {
		t.Helper()
		for _, k := range keys {
			if _, ok := obj[k]; !ok {
				t.Errorf("%s: no %q in %v", where, k, keysOf(obj))
			}
		}
	}
	has(m, "report", "tool", "time", "lang", "strict", "store", "batch", "verdict", "ok", "counts", "documents")
	if m["verdict"] != "invalid" || m["ok"] != false {
		t.Errorf("verdict %v ok %v", m["verdict"], m["ok"])
	}
	docs := m["documents"].([]any)
	d0 := docs[0].(map[string]any)
	has(d0, "document", "name", "key", "batch", "docId", "size", "sha256", "verdict", "ok", "signer", "signingTime",
		"timeSource", "level", "checks", "findings", "signatures", "fixity", "pdfa")
	has(d0["checks"].([]any)[0].(map[string]any), "check", "check", "status", "vi", "en")
	f0 := d0["findings"].([]any)[0].(map[string]any)
	has(f0, "finding", "check", "code", "severity", "vi", "en", "detail")
	fixity := d0["fixity"].(map[string]any)
	has(fixity, "fixity", "record", "objects", "approval")
	has(fixity["objects"].([]any)[0].(map[string]any), "fixity object", "role", "key", "size", "sha256", "record", "manifest", "index", "ok")
	has(fixity["approval"].(map[string]any), "approval", "key", "who", "time", "level", "approvedSha256", "unsignedSha256",
		"signedFirstRevisionSha256", "signedFirstRevisionSize", "ok")
	has(d0["pdfa"].(map[string]any), "pdfa", "claimed", "recorded")
	has(d0["signatures"].([]any)[0].(map[string]any), "signature", "fieldName", "status", "integrity", "chain", "revocation", "level")
	// An unsigned document still lists empty arrays, not null.
	d2 := docs[2].(map[string]any)
	if d2["verdict"] != "not-signed" || d2["signatures"] == nil || d2["checks"] == nil {
		t.Errorf("unsigned document: %v", d2)
	}
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
