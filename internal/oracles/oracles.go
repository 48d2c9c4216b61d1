// Package oracles runs the independent tools that judge sohoa's outputs in
// tests: veraPDF for PDF/A, poppler for text and signatures. They are test
// oracles only; the product never calls them.
//
// A tool is found through an environment variable set by `make test`
// (SOHOA_VERAPDF, …). When it is missing, a test skips — unless CI is set,
// where a missing oracle is a failure: CI must never pass by skipping.
package oracles

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// Require returns the path of a tool named by env (or found on PATH when
// fallback is not empty); it skips the test when absent, or fails it on CI.
func Require(t testing.TB, env, fallback string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return p
	}
	if fallback != "" {
		if p, err := exec.LookPath(fallback); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("test oracle not available: set %s (make test does)", env)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// VeraPDFVerdict is veraPDF's judgement of one file.
type VeraPDFVerdict struct {
	Compliant bool
	Report    string // the part of the XML report about this file
}

var compliantAttr = regexp.MustCompile(`isCompliant="(\w+)"`)

// VeraPDF validates files against a PDF/A flavour ("2u", "3u") in one JVM run.
// Each file must have a path that is not a prefix of another's.
func VeraPDF(launcher, flavour string, files []string) (map[string]VeraPDFVerdict, error) {
	args := append([]string{"--flavour", flavour, "--format", "xml"}, files...)
	out, err := exec.Command(launcher, args...).Output()
	if err != nil && len(out) == 0 {
		return nil, fmt.Errorf("veraPDF: %w", err)
	}
	report := string(out)
	verdicts := map[string]VeraPDFVerdict{}
	for _, f := range files {
		at := strings.Index(report, f)
		if at < 0 {
			return nil, fmt.Errorf("veraPDF: %s is not in the report", f)
		}
		rest := report[at:]
		if next := strings.Index(rest[1:], "<job>"); next > 0 {
			rest = rest[:next+1]
		}
		m := compliantAttr.FindStringSubmatch(rest)
		if m == nil {
			return nil, fmt.Errorf("veraPDF: no verdict for %s", f)
		}
		verdicts[f] = VeraPDFVerdict{Compliant: m[1] == "true", Report: rest[:min(len(rest), 4000)]}
	}
	return verdicts, nil
}

// PDFText is poppler's pdftotext of a file (plain, reading order).
func PDFText(path string) (string, error) {
	out, err := exec.Command("pdftotext", path, "-").Output()
	if err != nil {
		return "", fmt.Errorf("pdftotext %s: %w", path, err)
	}
	return string(out), nil
}

// PyHankoValidate runs pyHanko's validation of the last signature of path
// against the trust anchor rootPEM (a file) and returns its report. LTV
// levels (B-LT, B-LTA) are checked with "adesverify", which judges them
// from the embedded revocation data.
func PyHankoValidate(pyhanko, rootPEM, path string, ltv bool) (string, error) {
	cmd := "validate"
	if ltv {
		cmd = "adesverify"
	}
	out, err := exec.Command(pyhanko, "sign", cmd, "--trust", rootPEM, "--trust-replace", path).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("pyhanko sign %s %s: %w", cmd, path, err)
	}
	return string(out), nil
}

// PDFSig is poppler's pdfsig report on path.
func PDFSig(path string) (string, error) {
	out, err := exec.Command("pdfsig", path).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("pdfsig %s: %w", path, err)
	}
	return string(out), nil
}
