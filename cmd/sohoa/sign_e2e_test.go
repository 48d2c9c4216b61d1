package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/internal/oracles"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/signer/signertest"
)

// sohoaEnv runs sohoa with extra environment variables.
func sohoaEnv(t *testing.T, env []string, args ...string) runResult {
	t.Helper()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return sohoa(t, args...)
}

// TestSignApprovedBatch digitizes a batch, signs it at B-LT with a PKCS#12
// key against a real TSA and OCSP responder on loopback, and has pdfsig,
// pyHanko and veraPDF judge the signed copies.
func TestSignApprovedBatch(t *testing.T) {
	dir := t.TempDir()
	docs := makeBatch(t, dir, 3000, [][2]string{{"clean", "jpeg"}, {"clean", "pdf"}, {"handwritten-number", "png"}})
	store := filepath.Join(dir, "store")
	if r := sohoa(t, "digitize", "--store", store, filepath.Join(dir, "scans")); r.code != 0 {
		t.Fatalf("digitize: exit %d\n%s", r.code, r.stderr)
	}
	var before batchView
	json.Unmarshal([]byte(sohoa(t, "batch", "show", "scans", "--store", store, "--json").stdout), &before)
	unflagged := map[string]bool{}
	for _, d := range before.Documents {
		if d.Status == "digitized" {
			unflagged[d.Name] = true
		}
	}
	if unflagged[docs[2].name] || len(unflagged) == 0 {
		t.Fatalf("want the handwritten number flagged and some document not: %v", unflagged)
	}
	pki := signertest.Start(t)
	key := pki.MustSigner(t, signertest.RSA2048)
	p12, err := key.PKCS12("mật-khẩu")
	if err != nil {
		t.Fatal(err)
	}
	p12Path, rootPath := filepath.Join(dir, "signer.p12"), filepath.Join(dir, "root.pem")
	os.WriteFile(p12Path, p12, 0o600)
	os.WriteFile(rootPath, pki.RootPEM(), 0o644)
	signArgs := []string{"sign", "scans", "--store", store, "--p12", p12Path, "--tsa", pki.URL + "/tsa", "--stamp", "SAO Y", "--roots", rootPath, "--json"}

	// Without approval nothing is signed.
	r := sohoaEnv(t, []string{"SOHOA_PIN=mật-khẩu"}, signArgs...)
	if r.code != 2 || !strings.Contains(r.stderr, "not approved") {
		t.Fatalf("unapproved sign: exit %d\n%s", r.code, r.stderr)
	}
	// A wrong password is refused before anything happens.
	r = sohoaEnv(t, []string{"SOHOA_PIN=wrong"}, append(signArgs, "--approve")...)
	if r.code != 3 || !strings.Contains(strings.ToLower(r.stderr), "password") {
		t.Fatalf("wrong password: exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "wrong") && strings.Contains(r.stderr, "SOHOA_PIN=wrong") {
		t.Fatal("the password was echoed")
	}

	r = sohoaEnv(t, []string{"SOHOA_PIN=mật-khẩu"}, append(signArgs, "--approve")...)
	if r.code != 0 {
		t.Fatalf("sign: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var sum pipeline.SignSummary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatal(err)
	}
	// Flagged documents (the handwritten number at least) are held back
	// until reviewed.
	if sum.Signed != len(unflagged) || sum.Failed != 0 {
		t.Fatalf("signed %d failed %d; want the %d unflagged signed\n%s", sum.Signed, sum.Failed, len(unflagged), r.stderr)
	}
	for _, res := range sum.Results {
		if !unflagged[res.Name] {
			t.Errorf("%s was signed although flagged", res.Name)
		}
	}

	var signed []string
	for _, res := range sum.Results {
		out := filepath.Join(dir, res.DocID+"-signed.pdf")
		if g := sohoa(t, "get", "--store", store, res.SignedKey, "-o", out); g.code != 0 {
			t.Fatalf("get %s: %s", res.SignedKey, g.stderr)
		}
		signed = append(signed, out)
		report, err := oracles.PDFSig(out)
		if err != nil || !strings.Contains(report, "Signature is Valid") {
			t.Errorf("pdfsig %s: %v\n%s", res.Name, err, report)
		}
	}
	t.Run("pyHanko", func(t *testing.T) {
		pyhanko := oracles.Require(t, "SOHOA_PYHANKO", "")
		for _, f := range signed {
			out, err := oracles.PyHankoValidate(pyhanko, rootPath, f, true)
			if err != nil || !strings.Contains(out, "INTACT:TRUSTED") || !strings.Contains(out, "TIMESTAMP_TOKEN<INTACT:TRUSTED>") {
				t.Errorf("pyHanko on %s: %v\n%s", filepath.Base(f), err, out)
			}
		}
	})
	t.Run("veraPDF", func(t *testing.T) {
		launcher := oracles.Require(t, "SOHOA_VERAPDF", "")
		verdicts, err := oracles.VeraPDF(launcher, "2u", signed)
		if err != nil {
			t.Fatal(err)
		}
		for f, v := range verdicts {
			if !v.Compliant {
				t.Errorf("%s is no longer PDF/A-2u after signing:\n%s", filepath.Base(f), v.Report)
			}
		}
	})

	// Signing again signs nothing: a document is never signed twice.
	r = sohoaEnv(t, []string{"SOHOA_PIN=mật-khẩu"}, append(signArgs, "--approve")...)
	if r.code != 0 || !strings.Contains(r.stderr, "Nothing to sign") {
		t.Fatalf("second sign: exit %d\n%s", r.code, r.stderr)
	}
	var show batchView
	json.Unmarshal([]byte(sohoa(t, "batch", "show", "scans", "--store", store, "--json").stdout), &show)
	for _, d := range show.Documents {
		wantSigned := unflagged[d.Name]
		if (d.Status == "signed") != wantSigned {
			t.Errorf("%s: status %s", d.Name, d.Status)
		}
	}
	approvals, _ := filepath.Glob(filepath.Join(store, "batches", "scans", "approvals", "*.json"))
	if len(approvals) != 1 {
		t.Fatalf("%d approval records, want 1", len(approvals))
	}
	appr, _ := os.ReadFile(approvals[0])
	if !strings.Contains(string(appr), key.Certificate().Subject.CommonName) && !strings.Contains(string(appr), "sha256") {
		t.Errorf("approval record lacks the certificate:\n%s", appr)
	}
}
