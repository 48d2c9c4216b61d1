package audit

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// The PDF/A identification schema, as element or attribute (both are legal
// RDF/XML).
var (
	partRE       = regexp.MustCompile(`<pdfaid:part>\s*(\d)\s*</pdfaid:part>|pdfaid:part\s*=\s*["'](\d)["']`)
	conformityRE = regexp.MustCompile(`<pdfaid:conformance>\s*([A-Za-z])\s*</pdfaid:conformance>|pdfaid:conformance\s*=\s*["']([A-Za-z])["']`)
)

// ClaimedFlavour is the PDF/A flavour the file claims in its newest XMP
// packet ("2u", "3b", "4" …), or "" when it claims none. It reads the
// packet as text: sohoa and most archival tools write XMP uncompressed, as
// PDF/A recommends; a compressed packet reads as no claim.
func ClaimedFlavour(pdf []byte) string {
	// The newest revision is the last written: its packet comes last.
	at := bytes.LastIndex(pdf, []byte("pdfaid:part"))
	if at < 0 {
		return ""
	}
	start := bytes.LastIndex(pdf[:at], []byte("<x:xmpmeta"))
	if start < 0 {
		start = max(0, at-8192)
	}
	end := len(pdf)
	if i := bytes.Index(pdf[at:], []byte("</x:xmpmeta>")); i >= 0 {
		end = at + i
	} else {
		end = min(end, at+8192)
	}
	packet := pdf[start:end]
	part := firstGroup(partRE.FindSubmatch(packet))
	if part == "" {
		return ""
	}
	return part + strings.ToLower(firstGroup(conformityRE.FindSubmatch(packet)))
}

func firstGroup(m [][]byte) string {
	for _, g := range m[min(1, len(m)):] {
		if len(g) > 0 {
			return string(g)
		}
	}
	return ""
}

// veraPDFBatch bounds the files of one veraPDF run (one JVM start, several
// seconds, is the main cost; the command line must stay short).
const veraPDFBatch = 64

// runVeraPDF judges files against flavour with veraPDF's command-line
// launcher, in as few JVM runs as the batch size allows. The result is keyed
// by the files as given.
func runVeraPDF(ctx context.Context, launcher, flavour string, files []string) (map[string]VeraPDFResult, error) {
	out := map[string]VeraPDFResult{}
	for len(files) > 0 {
		n := min(len(files), veraPDFBatch)
		part, err := runVeraPDFOnce(ctx, launcher, flavour, files[:n])
		if err != nil {
			return out, err
		}
		for k, v := range part {
			out[k] = v
		}
		files = files[n:]
	}
	return out, nil
}

func runVeraPDFOnce(ctx context.Context, launcher, flavour string, files []string) (map[string]VeraPDFResult, error) {
	abs := make(map[string]string, len(files)) // cleaned absolute path → as given
	args := []string{"--flavour", flavour, "--format", "xml"}
	for _, f := range files {
		a, err := filepath.Abs(f)
		if err != nil {
			return nil, err
		}
		abs[filepath.Clean(a)] = f
		args = append(args, a)
	}
	cmd := exec.CommandContext(ctx, launcher, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	// veraPDF exits non-zero when a file is not compliant; only a missing
	// report is a failure to run.
	if len(bytes.TrimSpace(stdout)) == 0 {
		if err == nil {
			err = errors.New("empty report")
		}
		return nil, fmt.Errorf("veraPDF %s: %w: %s", launcher, err, strings.TrimSpace(lastLine(stderr.String())))
	}
	var rep veraReport
	if err := xml.Unmarshal(stdout, &rep); err != nil {
		return nil, fmt.Errorf("veraPDF %s: unreadable report: %w", launcher, err)
	}
	res := map[string]VeraPDFResult{}
	for _, job := range rep.Jobs {
		given, ok := abs[filepath.Clean(strings.TrimSpace(job.Name))]
		if !ok {
			continue
		}
		r := VeraPDFResult{Flavour: flavour}
		if job.Report == nil {
			r.Error = "no validation report"
			if job.TaskError != "" {
				r.Error = strings.TrimSpace(job.TaskError)
			}
		} else {
			r.Compliant = job.Report.Compliant
			for _, rule := range job.Report.Rules {
				if rule.Status == "failed" {
					r.FailedRules = append(r.FailedRules, rule.Clause)
				}
			}
		}
		res[given] = r
	}
	for a, given := range abs {
		if _, ok := res[given]; !ok {
			res[given] = VeraPDFResult{Flavour: flavour, Error: "not in veraPDF's report: " + a}
		}
	}
	return res, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// veraReport is the part of veraPDF's XML report read here.
type veraReport struct {
	Jobs []struct {
		Name      string `xml:"item>name"`
		TaskError string `xml:"taskException"`
		Report    *struct {
			Compliant bool `xml:"isCompliant,attr"`
			Rules     []struct {
				Clause string `xml:"clause,attr"`
				Status string `xml:"status,attr"`
			} `xml:"details>rule"`
		} `xml:"validationReport"`
	} `xml:"jobs>job"`
}
