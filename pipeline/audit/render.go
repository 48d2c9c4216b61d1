package audit

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"

	"github.com/sohoa/sohoa/signer"
)

// ui are the fixed words of the renderers.
var ui = map[string]text{
	"title":        {"Báo cáo kiểm tra chữ ký số và toàn vẹn lưu trữ", "Verification report: digital signatures and archive fixity"},
	"time":         {"Thời điểm kiểm tra", "Checked at"},
	"tool":         {"Công cụ", "Tool"},
	"store":        {"Kho lưu trữ", "Store"},
	"batch":        {"Lô", "Batch"},
	"result":       {"Kết luận", "Conclusion"},
	"strict":       {"chế độ nghiêm ngặt: cảnh báo được tính là lỗi", "strict: warnings count as failures"},
	"documents":    {"tài liệu", "document(s)"},
	"document":     {"Tài liệu", "Document"},
	"verdict":      {"Kết quả", "Result"},
	"signer":       {"Người ký", "Signer"},
	"signingTime":  {"Thời điểm ký", "Signing time"},
	"level":        {"Mức", "Level"},
	"reasons":      {"Lý do", "Reasons"},
	"details":      {"Chi tiết", "Details"},
	"signature":    {"Chữ ký", "Signature"},
	"docTimestamp": {"Dấu thời gian tài liệu", "Document time-stamp"},
	"storage":      {"Lưu trữ và PDF/A", "Archive and PDF/A"},
	"allOK":        {"Tất cả tài liệu đều được xác minh.", "Every document verifies."},
	"notAllOK":     {"Có tài liệu không được xác minh.", "Some documents do not verify."},
	"none":         {"Không có tài liệu nào.", "No documents."},
	"sha256":       {"Mã băm SHA-256", "SHA-256"},
	"key":          {"Khóa lưu trữ", "Store key"},
	"file":         {"Tệp", "File"},
}

func (rep *Report) word(k string) string { return pick(rep.Lang, ui[k].vi, ui[k].en) }

var marks = map[CheckStatus]string{StatusOK: "✓", StatusFailed: "✗", StatusWarning: "!", StatusInfo: "·"}

// countsText sums up the verdicts, worst first.
func (rep *Report) countsText() string {
	vs := make([]Verdict, 0, len(rep.Counts))
	for v := range rep.Counts {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].rank() > vs[j].rank() })
	parts := make([]string, 0, len(vs))
	for _, v := range vs {
		parts = append(parts, fmt.Sprintf("%d %s", rep.Counts[v], strings.ToLower(VerdictText(v, rep.Lang))))
	}
	return strings.Join(parts, ", ")
}

// section is a group of a document's checks: one per signature, then one
// for the archive and PDF/A checks.
type section struct {
	Title  string
	Checks []checkLine
}

type checkLine struct {
	Mark, Status, Label, Text string
	Findings                  []string
}

func (rep *Report) sections(d *Document) []section {
	var out []section
	index := map[string]int{}
	kinds := map[string]signer.SignatureKind{}
	for _, s := range d.Signatures {
		kinds[s.FieldName] = s.Kind
	}
	for _, c := range d.Checks {
		title := rep.word("storage")
		if c.Signature != "" {
			title = rep.word("signature") + " " + c.Signature
			if kinds[c.Signature] == signer.KindDocumentTimestamp {
				title = rep.word("docTimestamp") + " " + c.Signature
			}
		} else if !strings.HasPrefix(c.Check, "fixity-") && !strings.HasPrefix(c.Check, "pdfa-") {
			title = rep.word("signature")
		}
		i, ok := index[title]
		if !ok {
			i = len(out)
			index[title] = i
			out = append(out, section{Title: title})
		}
		line := checkLine{Mark: marks[c.Status], Status: string(c.Status), Label: CheckLabel(c.Check, rep.Lang), Text: c.Text(rep.Lang)}
		if c.Status == StatusFailed || c.Status == StatusWarning {
			for _, f := range d.Findings {
				if f.Check == c.Check && f.Signature == c.Signature {
					line.Findings = append(line.Findings, f.Text(rep.Lang))
				}
			}
			if len(line.Findings) == 1 {
				line.Text, line.Findings = line.Findings[0], nil
			}
		}
		out[i].Checks = append(out[i].Checks, line)
	}
	// Signatures first, the archive's checks last, whatever order they
	// were made in.
	if i, ok := index[rep.word("storage")]; ok && i != len(out)-1 {
		storage := out[i]
		out = append(append(out[:i:i], out[i+1:]...), storage)
	}
	return out
}

// WriteText writes the human summary: one block per document, its
// verdict, then each check with ✓ (passed), ✗ (failed), ! (warning) or ·
// (nothing to judge) and its text, in the report's language.
func WriteText(w io.Writer, rep *Report) error {
	bw := bufio.NewWriter(w)
	for i := range rep.Documents {
		d := &rep.Documents[i]
		mark := "✓"
		switch {
		case !d.OK:
			mark = "✗"
		case d.Verdict != VerdictValid:
			mark = "!"
		}
		fmt.Fprintf(bw, "%s %s — %s\n", mark, d.Name, strings.ToUpper(VerdictText(d.Verdict, rep.Lang)))
		switch {
		case d.Key != "":
			fmt.Fprintf(bw, "    %s: %s\n", rep.word("key"), d.Key)
		case d.File != "" && d.File != d.Name:
			fmt.Fprintf(bw, "    %s: %s\n", rep.word("file"), d.File)
		}
		if d.SHA256 != "" {
			fmt.Fprintf(bw, "    %s: %s\n", rep.word("sha256"), d.SHA256)
		}
		for _, s := range rep.sections(d) {
			fmt.Fprintf(bw, "    %s\n", s.Title)
			for _, c := range s.Checks {
				fmt.Fprintf(bw, "      %s %s: %s\n", c.Mark, c.Label, c.Text)
				for _, f := range c.Findings {
					fmt.Fprintf(bw, "          - %s\n", f)
				}
			}
		}
		fmt.Fprintln(bw)
	}
	verdict := rep.word("allOK")
	switch {
	case len(rep.Documents) == 0:
		verdict = rep.word("none")
	case !rep.OK:
		verdict = rep.word("notAllOK")
	}
	fmt.Fprintf(bw, "%s: %d %s (%s). %s\n", rep.word("result"), len(rep.Documents), rep.word("documents"), rep.countsText(), verdict)
	if rep.Strict {
		fmt.Fprintf(bw, "(%s)\n", rep.word("strict"))
	}
	return bw.Flush()
}

// htmlRow is one document in the HTML report.
type htmlRow struct {
	N                          int
	ID, Name, Where, SHA256    string
	Verdict, Class             string
	Signer, SigningTime, Level string
	Reasons                    []string
	Sections                   []section
}

type htmlPage struct {
	Lang, Title              string
	Labels                   map[string]string
	Time, Tool, Store, Batch string
	Overall, OverallClass    string
	Counts                   string
	Strict                   bool
	Rows                     []htmlRow
}

func verdictClass(d *Document) string {
	switch {
	case !d.OK:
		return "bad"
	case d.Verdict != VerdictValid:
		return "warn"
	}
	return "good"
}

// WriteHTML writes the report as one self-contained HTML page for people
// who are not PDF experts: a table with one line per document (its name,
// verdict in words and colour, signer, signing time, level and the reason
// of every failure or warning), then each document's checks. Everything is
// escaped by html/template; the page loads nothing from elsewhere.
func WriteHTML(w io.Writer, rep *Report) error {
	page := htmlPage{Lang: rep.Lang, Title: rep.word("title"), Labels: map[string]string{},
		Time: showTime(rep.Time), Tool: rep.Tool, Store: rep.Store, Batch: rep.Batch, Strict: rep.Strict,
		Counts: fmt.Sprintf("%d %s: %s", len(rep.Documents), rep.word("documents"), rep.countsText())}
	for k := range ui {
		page.Labels[k] = rep.word(k)
	}
	page.Overall, page.OverallClass = rep.word("allOK"), "good"
	if !rep.OK {
		page.Overall, page.OverallClass = rep.word("notAllOK"), "bad"
	}
	if len(rep.Documents) == 0 {
		page.Overall = rep.word("none")
	}
	for i := range rep.Documents {
		d := &rep.Documents[i]
		row := htmlRow{N: i + 1, ID: fmt.Sprintf("doc-%d", i+1), Name: d.Name, SHA256: d.SHA256,
			Verdict: VerdictText(d.Verdict, rep.Lang), Class: verdictClass(d), Level: string(d.Level), Sections: rep.sections(d)}
		row.Where = d.Key
		if row.Where == "" && d.File != d.Name {
			row.Where = d.File
		}
		if d.Signer != nil {
			row.Signer = d.Signer.CommonName
			if row.Signer == "" {
				row.Signer = d.Signer.Subject
			}
		}
		if !d.SigningTime.IsZero() {
			row.SigningTime = showTime(d.SigningTime)
			if d.TimeSource != "" {
				src := timeSourceWords[d.TimeSource]
				row.SigningTime += " (" + pick(rep.Lang, src.vi, src.en) + ")"
			}
		}
		for _, f := range d.Findings {
			row.Reasons = append(row.Reasons, f.Text(rep.Lang))
		}
		page.Rows = append(page.Rows, row)
	}
	return htmlTemplate.Execute(w, page)
}

var htmlTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; margin: 2em; color: #222; line-height: 1.4; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
.meta { color: #555; margin: 0 0 1em 0; }
.meta dt { font-weight: bold; display: inline; }
.meta dd { display: inline; margin: 0 1.5em 0 .3em; }
.overall { font-size: 1.2em; font-weight: bold; padding: .6em 1em; border-radius: 4px; display: inline-block; }
table { border-collapse: collapse; width: 100%; margin: 1em 0 2em 0; }
th, td { border: 1px solid #ccc; padding: .4em .6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.good { background: #e3f4e1; color: #1b5e20; }
.warn { background: #fff4d6; color: #7a4f00; }
.bad { background: #fde2e1; color: #a50e0e; }
td.verdict { font-weight: bold; white-space: nowrap; }
ul.reasons { margin: 0; padding-left: 1.2em; }
section.doc { border-top: 2px solid #ddd; padding-top: .5em; margin-top: 1.5em; }
section.doc h3 { margin: .2em 0; }
.where { font-family: monospace; font-size: .9em; color: #555; word-break: break-all; }
ul.checks { list-style: none; padding-left: .5em; }
ul.checks li { margin: .15em 0; }
.mark { display: inline-block; width: 1.4em; font-weight: bold; }
.ok .mark { color: #1b5e20; } .failed .mark { color: #a50e0e; } .warning .mark { color: #b26a00; } .info .mark { color: #777; }
.failed { color: #a50e0e; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<dl class="meta">
<dt>{{.Labels.time}}:</dt><dd>{{.Time}}</dd>
<dt>{{.Labels.tool}}:</dt><dd>{{.Tool}}</dd>
{{if .Store}}<dt>{{.Labels.store}}:</dt><dd>{{.Store}}</dd>{{end}}
{{if .Batch}}<dt>{{.Labels.batch}}:</dt><dd>{{.Batch}}</dd>{{end}}
</dl>
<p class="overall {{.OverallClass}}">{{.Labels.result}}: {{.Overall}} ({{.Counts}})</p>
{{if .Strict}}<p>{{.Labels.strict}}</p>{{end}}
<table>
<thead><tr><th>#</th><th>{{.Labels.document}}</th><th>{{.Labels.verdict}}</th><th>{{.Labels.signer}}</th><th>{{.Labels.signingTime}}</th><th>{{.Labels.level}}</th><th>{{.Labels.reasons}}</th></tr></thead>
<tbody>
{{range .Rows}}<tr>
<td>{{.N}}</td>
<td><a href="#{{.ID}}">{{.Name}}</a></td>
<td class="verdict {{.Class}}">{{.Verdict}}</td>
<td>{{.Signer}}</td>
<td>{{.SigningTime}}</td>
<td>{{.Level}}</td>
<td>{{if .Reasons}}<ul class="reasons">{{range .Reasons}}<li>{{.}}</li>{{end}}</ul>{{end}}</td>
</tr>
{{end}}</tbody>
</table>
<h2>{{.Labels.details}}</h2>
{{range .Rows}}<section class="doc" id="{{.ID}}">
<h3>{{.N}}. {{.Name}} — <span class="{{.Class}}">{{.Verdict}}</span></h3>
{{if .Where}}<div class="where">{{.Where}}</div>{{end}}
{{if .SHA256}}<div class="where">SHA-256 {{.SHA256}}</div>{{end}}
{{range .Sections}}<h4>{{.Title}}</h4>
<ul class="checks">
{{range .Checks}}<li class="{{.Status}}"><span class="mark">{{.Mark}}</span><strong>{{.Label}}:</strong> {{.Text}}{{if .Findings}}<ul>{{range .Findings}}<li>{{.}}</li>{{end}}</ul>{{end}}</li>
{{end}}</ul>
{{end}}</section>
{{end}}
</body>
</html>
`))
