package signer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sohoa/sohoa/signer/signertest"
)

// pyHankoSigned signs the test PDF/A with pyHanko itself: a plain
// adbe.pkcs7.detached signature and a PAdES B-LT one with a time-stamp
// from the test TSA. A signature made by another tool must verify here.
func pyHankoSigned(t *testing.T, pyhanko string) []verifyFixture {
	pki := sharedPKI(t)
	key := pki.MustSigner(t, signertest.ECDSAP256)
	dir := t.TempDir()
	keyPEM, err := key.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"key.pem": keyPEM, "cert.pem": key.CertPEM(), "chain.pem": pki.Intermediate.CertPEM(),
		"root.pem": pki.RootPEM(), "in.pdf": testPDF(t, false),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	key_ := []string{"pemder", "--key", p("key.pem"), "--cert", p("cert.pem"), "--chain", p("chain.pem"), "--no-pass", p("in.pdf")}
	variants := []struct {
		name  string
		flags []string
		level Level
	}{
		{"pyhanko-pkcs7", nil, ""},
		{"pyhanko-pades-b-lt", []string{"--use-pades", "--timestamp-url", pki.URL + "/tsa", "--with-validation-info",
			"--trust", p("root.pem"), "--trust-replace"}, LevelBLT},
	}
	var out []verifyFixture
	for _, v := range variants {
		args := append(append([]string{"sign", "addsig", "--field", "Sig1"}, v.flags...), key_...)
		args = append(args, p(v.name+".pdf"))
		if msg, err := run(t, pyhanko, args...); err != nil {
			t.Fatalf("pyhanko %s: %v\n%s", strings.Join(args, " "), err, msg)
		}
		pdf, err := os.ReadFile(p(v.name + ".pdf"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, verifyFixture{name: v.name, pdf: pdf, roots: poolOf(pki.Root.Cert), rootPEM: pki.RootPEM(),
			wantStatus: StatusValid, wantLevel: v.level})
	}
	return out
}

// pyHankoValid runs "pyhanko sign validate" (online revocation checks,
// the test PKI's servers up) and tells whether every signature is VALID.
func pyHankoValid(t *testing.T, pyhanko, path string, rootPEM []byte) (bool, string) {
	root := filepath.Join(filepath.Dir(path), "root.pem")
	if err := os.WriteFile(root, rootPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := run(t, pyhanko, "sign", "validate", "--executive-summary", "--trust", root, "--trust-replace", path)
	valid, seen := true, false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasSuffix(line, ":VALID"):
			seen = true
		case strings.HasSuffix(line, ":INVALID"), strings.HasPrefix(line, "Error:"):
			valid = false
		}
	}
	return valid && seen, out
}

// Verify and pyHanko agree on valid or not for every fixture: untampered,
// tampered and signed by pyHanko.
func TestVerifyAgreesWithPyHanko(t *testing.T) {
	pyhanko := tool(t, "SOHOA_PYHANKO")
	untampered, tampered := fixtures(t)
	if testing.Short() { // one key type per level
		untampered = slices.DeleteFunc(slices.Clone(untampered), func(fx verifyFixture) bool {
			return !strings.HasSuffix(fx.name, "/"+string(signertest.ECDSAP256))
		})
	}
	all := append(append(append([]verifyFixture(nil), untampered...), tampered...), pyHankoSigned(t, pyhanko)...)
	sem := make(chan struct{}, 4) // pyHanko is a second of Python start-up each
	var wg sync.WaitGroup
	type result struct {
		ok  bool
		out string
	}
	results := make([]result, len(all))
	dir := t.TempDir()
	for i, fx := range all {
		sub := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(fx.name))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(sub, "file.pdf")
		if err := os.WriteFile(path, fx.pdf, 0o600); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ok, out := pyHankoValid(t, pyhanko, path, fx.rootPEM)
			results[i] = result{ok, out}
		}()
	}
	wg.Wait()
	for i, fx := range all {
		t.Run(fx.name, func(t *testing.T) {
			fx.opts.RequireLevel = "" // pyHanko knows of no required level
			fx.opts.Online = true     // as pyHanko, which fetches OCSP/CRLs
			rep := fx.verify(t)
			ours := rep.Status == StatusValid
			if ours != results[i].ok {
				var why []string
				for _, s := range rep.Signatures {
					why = append(why, s.FieldName+": "+codes(s.Reasons))
				}
				t.Errorf("Verify says %s, pyHanko valid=%v\nours: %s\npyHanko:\n%s", rep.Status, results[i].ok, strings.Join(why, "\n"), results[i].out)
			}
			if fx.wantStatus == StatusValid && !ours {
				t.Errorf("want valid")
			}
			if fx.wantLevel != "" && len(rep.Signatures) > 0 && rep.Signatures[0].Level != fx.wantLevel {
				t.Errorf("level %q, want %q", rep.Signatures[0].Level, fx.wantLevel)
			}
		})
	}
}
