package main

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/internal/oracles"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/signer/pkcs11/softhsmtest"
	"github.com/sohoa/sohoa/signer/signertest"
)

// TestSignWithPKCS11Token signs a batch with a key held on a SoftHSM2 token,
// as an officer would with a CA-issued USB token, and checks that a wrong
// PIN and an unknown token label are refused with a useful message.
func TestSignWithPKCS11Token(t *testing.T) {
	softhsmtest.Require(t)
	const (
		tokenLabel = "sohoa-cli-test"
		keyLabel   = "officer"
		soPIN      = "11223344"
		pin        = "582046"
		wrongPIN   = "97531864"
	)
	dir := t.TempDir()
	conf, err := softhsmtest.CreateToken(filepath.Join(dir, "hsm"), tokenLabel, soPIN, pin)
	if err != nil {
		t.Fatal(err)
	}
	// Read by SoftHSM here (for the import) and by the sohoa subprocesses,
	// which inherit this environment.
	t.Setenv("SOFTHSM2_CONF", conf)

	pki := signertest.Start(t)
	cert := pki.MustSigner(t, signertest.RSA2048)
	rsaKey, ok := cert.Key.(*rsa.PrivateKey)
	if !ok {
		t.Fatalf("signertest RSA2048 key is %T, want *rsa.PrivateKey", cert.Key)
	}
	importToToken(t, tokenLabel, pin, keyLabel, rsaKey, cert.Cert, pki.Intermediate.Cert)

	docs := makeBatch(t, dir, 4100, [][2]string{{"clean", "jpeg"}, {"clean", "pdf"}})
	store := filepath.Join(dir, "store")
	if r := sohoa(t, "digitize", "--store", store, filepath.Join(dir, "scans")); r.code != 0 {
		t.Fatalf("digitize: exit %d\n%s", r.code, r.stderr)
	}
	var before batchView
	if err := json.Unmarshal([]byte(sohoa(t, "batch", "show", "scans", "--store", store, "--json").stdout), &before); err != nil {
		t.Fatal(err)
	}
	unflagged := map[string]bool{}
	for _, d := range before.Documents {
		if d.Status == "digitized" {
			unflagged[d.Name] = true
		}
	}
	if len(unflagged) == 0 {
		t.Fatalf("all of %d clean documents were flagged; nothing to sign", len(docs))
	}

	rootPath := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(rootPath, pki.RootPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	signArgs := func(label string) []string {
		return []string{"sign", "scans", "--store", store,
			"--pkcs11-module", softhsmtest.ModulePath, "--token-label", label, "--key-label", keyLabel,
			"--tsa", pki.URL + "/tsa", "--roots", rootPath, "--approve", "--json"}
	}

	r := sohoaEnv(t, []string{"SOHOA_PIN=" + pin}, signArgs(tokenLabel)...)
	if r.code != 0 {
		t.Fatalf("sign: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var sum pipeline.SignSummary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatalf("sign summary: %v\n%s", err, r.stdout)
	}
	if sum.Signed != len(unflagged) || sum.Failed != 0 {
		t.Fatalf("signed %d failed %d; want the %d unflagged signed\n%s", sum.Signed, sum.Failed, len(unflagged), r.stderr)
	}
	var signed []string
	for _, res := range sum.Results {
		if !unflagged[res.Name] {
			t.Errorf("%s was signed although flagged", res.Name)
		}
		out := filepath.Join(dir, res.DocID+"-signed.pdf")
		if g := sohoa(t, "get", "--store", store, res.SignedKey, "-o", out); g.code != 0 {
			t.Fatalf("get %s: %s", res.SignedKey, g.stderr)
		}
		signed = append(signed, out)
		report, err := oracles.PDFSig(out)
		if err != nil || !strings.Contains(report, "Signature is Valid") {
			t.Errorf("pdfsig %s: %v\n%s", res.Name, err, report)
		}
		// The signature must be the token's key: its certificate is the signer's.
		if !strings.Contains(report, cert.Cert.Subject.CommonName) {
			t.Errorf("pdfsig %s does not name the signer %q:\n%s", res.Name, cert.Cert.Subject.CommonName, report)
		}
	}
	t.Run("pyHanko", func(t *testing.T) {
		pyhanko := oracles.Require(t, "SOHOA_PYHANKO", "")
		for _, f := range signed {
			out, err := oracles.PyHankoValidate(pyhanko, rootPath, f, true)
			if err != nil || !strings.Contains(out, "INTACT:TRUSTED") {
				t.Errorf("pyHanko on %s: %v\n%s", filepath.Base(f), err, out)
			}
		}
	})

	tests := []struct {
		name, pin, label string
		want             []string // all must appear in stderr (case-insensitive)
	}{
		{name: "wrong PIN", pin: wrongPIN, label: tokenLabel, want: []string{"wrong pin"}},
		{name: "unknown token label", pin: pin, label: "no-such-token", want: []string{"no-such-token", "present", tokenLabel}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := sohoaEnv(t, []string{"SOHOA_PIN=" + tc.pin}, signArgs(tc.label)...)
			if r.code != exitFatal {
				t.Fatalf("exit %d, want %d\n%s", r.code, exitFatal, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(strings.ToLower(r.stderr), strings.ToLower(w)) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stderr+r.stdout, tc.pin) {
				t.Errorf("the PIN was echoed:\n%s%s", r.stdout, r.stderr)
			}
		})
	}
}

// importToToken stores the signing key, its certificate (same CKA_ID, as CA
// tools write them) and the intermediate CA certificate on the token.
func importToToken(t *testing.T, tokenLabel, pin, keyLabel string, key *rsa.PrivateKey, cert, intermediate *x509.Certificate) {
	t.Helper()
	s, err := softhsmtest.Login(softhsmtest.ModulePath, tokenLabel, pin)
	if err != nil {
		t.Fatal(err)
	}
	id := []byte{0x42}
	errs := []error{
		s.ImportRSAKey(keyLabel, id, key, false),
		s.ImportCertificate(keyLabel, id, cert),
		s.ImportCertificate("intermediate CA", []byte{0xca}, intermediate),
	}
	// Close finalizes the module in this process; sohoa loads its own.
	errs = append(errs, s.Close())
	for _, err := range errs {
		if err != nil {
			t.Fatalf("import to token: %v", err)
		}
	}
}
