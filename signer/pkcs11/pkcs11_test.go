package pkcs11

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/pkcs11"

	"github.com/sohoa/sohoa/pipeline/pdfa"
	"github.com/sohoa/sohoa/signer"
)

// digestOf hashes a message that differs per call site.
func digestOf(h crypto.Hash, msg string) []byte {
	w := h.New()
	w.Write([]byte(msg))
	return w.Sum(nil)
}

func openKey(t testing.TB, opts Options) (*Token, signer.Key) {
	t.Helper()
	tok := openTest(t, opts)
	key, err := tok.Key()
	if err != nil {
		t.Fatalf("Key: %v", err)
	}
	return tok, key
}

func TestSignVerify(t *testing.T) {
	pki := fixture(t)
	maxSalt := (pki.rsaCert.PublicKey.(*rsa.PublicKey).N.BitLen()-1+7)/8 - 2
	tests := []struct {
		key        string
		opts       crypto.SignerOpts
		verifySalt int // for PSS: the salt length the signature must have
	}{
		{key: "rsa", opts: crypto.SHA256},
		{key: "rsa", opts: crypto.SHA384},
		{key: "rsa", opts: crypto.SHA512},
		{key: "rsa", opts: crypto.SHA1},
		{key: "rsa", opts: &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash}, verifySalt: 32},
		{key: "rsa", opts: &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthAuto}, verifySalt: maxSalt - 32},
		{key: "rsa", opts: &rsa.PSSOptions{Hash: crypto.SHA384, SaltLength: 20}, verifySalt: 20},
		{key: "rsa", opts: &rsa.PSSOptions{Hash: crypto.SHA512, SaltLength: rsa.PSSSaltLengthEqualsHash}, verifySalt: 64},
		{key: "always", opts: crypto.SHA256},
		{key: "ec", opts: crypto.SHA256},
		{key: "ec", opts: crypto.SHA384},
		{key: "ec", opts: crypto.SHA512},
		{key: "ec-nopub", opts: crypto.SHA256},
	}
	for _, tc := range tests {
		name := fmt.Sprintf("%s/%v", tc.key, tc.opts.HashFunc())
		if pss, ok := tc.opts.(*rsa.PSSOptions); ok {
			name += fmt.Sprintf("/PSS-salt%d", pss.SaltLength)
		}
		t.Run(name, func(t *testing.T) {
			_, key := openKey(t, Options{KeyLabel: tc.key})
			digest := digestOf(tc.opts.HashFunc(), name)
			sig, err := key.Sign(rand.Reader, digest, tc.opts)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			other := digestOf(tc.opts.HashFunc(), name+" changed")
			switch pub := key.Public().(type) {
			case *rsa.PublicKey:
				if pss, ok := tc.opts.(*rsa.PSSOptions); ok {
					vopts := &rsa.PSSOptions{Hash: pss.Hash, SaltLength: tc.verifySalt}
					if err := rsa.VerifyPSS(pub, pss.Hash, digest, sig, vopts); err != nil {
						t.Fatalf("VerifyPSS with salt %d: %v", tc.verifySalt, err)
					}
					if rsa.VerifyPSS(pub, pss.Hash, other, sig, vopts) == nil {
						t.Fatal("signature also verifies for another digest")
					}
					return
				}
				if err := rsa.VerifyPKCS1v15(pub, tc.opts.HashFunc(), digest, sig); err != nil {
					t.Fatalf("VerifyPKCS1v15: %v", err)
				}
				if rsa.VerifyPKCS1v15(pub, tc.opts.HashFunc(), other, sig) == nil {
					t.Fatal("signature also verifies for another digest")
				}
			case *ecdsa.PublicKey:
				if !ecdsa.VerifyASN1(pub, digest, sig) {
					t.Fatalf("VerifyASN1 failed for %x", sig)
				}
				if ecdsa.VerifyASN1(pub, other, sig) {
					t.Fatal("signature also verifies for another digest")
				}
			default:
				t.Fatalf("unexpected public key %T", pub)
			}
		})
	}

	t.Run("digest of wrong length", func(t *testing.T) {
		_, key := openKey(t, Options{KeyLabel: "rsa"})
		_, err := key.Sign(rand.Reader, []byte("short"), crypto.SHA256)
		if err == nil {
			t.Fatal("Sign accepted a 5-byte SHA-256 digest")
		}
	})
}

func TestCertificateAndChain(t *testing.T) {
	pki := fixture(t)
	tests := []struct {
		name      string
		opts      Options
		wantCert  *x509.Certificate
		wantChain []*x509.Certificate
	}{
		{"rsa by label", Options{KeyLabel: "rsa"}, pki.rsaCert, []*x509.Certificate{pki.intermediate}},
		{"ec by id", Options{KeyID: "02"}, pki.ecCert, []*x509.Certificate{pki.intermediate}},
		{"ec by label and id", Options{KeyLabel: "ec", KeyID: "0x02"}, pki.ecCert, []*x509.Certificate{pki.intermediate}},
		{"ec without public key object", Options{KeyLabel: "ec-nopub"}, pki.ecNoPubCert, []*x509.Certificate{pki.intermediate}},
		{"issuer not on token", Options{KeyLabel: "ext"}, pki.extCert, nil},
		{"issuer in ExtraChain", Options{KeyLabel: "ext", ExtraChain: []*x509.Certificate{pki.extraIntermediate, pki.root}},
			pki.extCert, []*x509.Certificate{pki.extraIntermediate}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, key := openKey(t, tc.opts)
			if !key.Certificate().Equal(tc.wantCert) {
				t.Fatalf("Certificate() = %s, want %s", key.Certificate().Subject, tc.wantCert.Subject)
			}
			type equaler interface{ Equal(crypto.PublicKey) bool }
			if !key.Public().(equaler).Equal(tc.wantCert.PublicKey) {
				t.Fatal("Public() is not the certificate's public key")
			}
			// Without a public key object the match is proven by a test signature.
			if tk := key.(*tokenKey); tk.key.keyType == pkcs11.CKK_EC && (tk.key.ecPoint == nil) != strings.Contains(tc.name, "without public key") {
				t.Fatalf("EC point read from the token: %v", tk.key.ecPoint != nil)
			}
			chain := key.Chain()
			if len(chain) != len(tc.wantChain) {
				t.Fatalf("Chain() has %d certificates, want %d", len(chain), len(tc.wantChain))
			}
			for i := range chain {
				if !chain[i].Equal(tc.wantChain[i]) {
					t.Fatalf("Chain()[%d] = %s, want %s", i, chain[i].Subject, tc.wantChain[i].Subject)
				}
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	fixture(t)
	tests := []struct {
		name     string
		opts     Options
		want     error
		contains []string
	}{
		{"wrong PIN", Options{PIN: "999999"}, ErrWrongPIN, []string{testLabel}},
		{"unknown token", Options{TokenLabel: "no such token"}, ErrTokenNotFound, []string{`"no such token"`, `"` + testLabel + `"`}},
		{"unknown slot", Options{SlotID: new(uint(4242))}, ErrTokenNotFound, []string{"4242", testLabel}},
		{"no PIN", Options{PIN: "-"}, ErrPINRequired, []string{testLabel}},
		{"label and slot", Options{TokenLabel: testLabel, SlotID: new(uint(1))}, nil, []string{"not both"}},
		{"bad key id", Options{KeyID: "zz"}, nil, []string{`"zz"`, "hex"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.ModulePath = softhsmModule
			if opts.TokenLabel == "" && opts.SlotID == nil {
				opts.TokenLabel = testLabel
			}
			switch opts.PIN {
			case "":
				opts.PIN = testPIN
			case "-":
				opts.PIN = ""
			}
			tok, err := Open(opts)
			if err == nil {
				tok.Close()
				t.Fatal("Open succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error %q is not %q", err, tc.want)
			}
			for _, s := range tc.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %s", err, s)
				}
			}
			if opts.PIN != "" && strings.Contains(err.Error(), opts.PIN) {
				t.Errorf("error %q contains the PIN", err)
			}
		})
	}

	t.Run("right PIN after a wrong one", func(t *testing.T) {
		if _, err := Open(Options{ModulePath: softhsmModule, TokenLabel: testLabel, PIN: "111111"}); !errors.Is(err, ErrWrongPIN) {
			t.Fatalf("wrong PIN: got %v", err)
		}
		openKey(t, Options{KeyLabel: "rsa"})
	})
}

func TestModuleErrors(t *testing.T) {
	notLib := filepath.Join(t.TempDir(), "libfake.so")
	if err := os.WriteFile(notLib, []byte("not an ELF file"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       error
	}{
		{"missing file", filepath.Join(t.TempDir(), "nope.so"), ErrModuleNotFound},
		{"directory", t.TempDir(), ErrModuleNotFound},
		{"empty path", "", ErrModuleNotFound},
		{"not a library", notLib, ErrModuleNotLoadable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(Options{ModulePath: tc.path, PIN: "1234"})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open(%q) error = %v, want %v", tc.path, err, tc.want)
			}
			if tc.path != "" && !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q does not name the module", err)
			}
		})
	}
}

func TestKeyErrors(t *testing.T) {
	fixture(t)
	tests := []struct {
		name     string
		opts     Options
		want     error
		contains []string
	}{
		{"unknown label", Options{KeyLabel: "nope"}, ErrKeyNotFound, []string{`"nope"`, `label "rsa" id 01`, `label "ec" id 02`}},
		{"unknown id", Options{KeyID: "ff"}, ErrKeyNotFound, []string{"id ff", `label "rsa" id 01`}},
		{"label and id disagree", Options{KeyLabel: "rsa", KeyID: "02"}, ErrKeyNotFound, []string{`label "rsa" and id 02`}},
		{"no certificate", Options{KeyLabel: "nocert"}, ErrNoCertificate, []string{`"nocert"`}},
		{"certificate of another key", Options{KeyLabel: "mismatch"}, ErrKeyMismatch, []string{"RSA signer"}},
		{"certificate of another key, found by a test signature", Options{KeyLabel: "ec-nopub-wrong"}, ErrKeyMismatch, []string{"EC signer"}},
		{"several keys, none chosen", Options{}, nil, []string{"give a key label or id", `label "mismatch" id 03`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := openTest(t, tc.opts)
			key, err := tok.Key()
			if err == nil {
				t.Fatalf("Key succeeded with certificate %s", key.Certificate().Subject)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error %q is not %q", err, tc.want)
			}
			for _, s := range tc.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %s", err, s)
				}
			}
		})
	}
}

func TestTokenLifecycle(t *testing.T) {
	fixture(t)
	tok, err := Open(Options{ModulePath: softhsmModule, TokenLabel: testLabel, PIN: testPIN, KeyLabel: "ec"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := tok.Key()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{ModulePath: softhsmModule, TokenLabel: testLabel, PIN: testPIN}); !errors.Is(err, ErrTokenBusy) {
		t.Fatalf("second Open of an open token: got %v, want ErrTokenBusy", err)
	}
	if err := tok.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := tok.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	digest := sha256.Sum256([]byte("after close"))
	if _, err := key.Sign(rand.Reader, digest[:], crypto.SHA256); !errors.Is(err, ErrClosed) {
		t.Fatalf("Sign after Close: got %v, want ErrClosed", err)
	}
	if _, err := tok.Key(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Key after Close: got %v, want ErrClosed", err)
	}
	// The module was finalised with the last Token; opening again must work.
	_, key = openKey(t, Options{KeyLabel: "ec"})
	sig, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil || !ecdsa.VerifyASN1(key.Public().(*ecdsa.PublicKey), digest[:], sig) {
		t.Fatalf("Sign after reopening: %v", err)
	}
}

// TestBatchOneLogin signs 200 digests from several goroutines with one login.
func TestBatchOneLogin(t *testing.T) {
	for _, label := range []string{"rsa", "ec"} {
		t.Run(label, func(t *testing.T) {
			tok, key := openKey(t, Options{KeyLabel: label})
			const n, workers = 200, 4
			sigs := make([][]byte, n)
			errs := make([]error, n)
			start := time.Now()
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for i := w; i < n; i += workers {
						d := digestOf(crypto.SHA256, fmt.Sprint("document ", i))
						sigs[i], errs[i] = key.Sign(rand.Reader, d, crypto.SHA256)
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("signature %d: %v", i, errs[i])
				}
				d := digestOf(crypto.SHA256, fmt.Sprint("document ", i))
				var ok bool
				switch pub := key.Public().(type) {
				case *rsa.PublicKey:
					ok = rsa.VerifyPKCS1v15(pub, crypto.SHA256, d, sigs[i]) == nil
				case *ecdsa.PublicKey:
					ok = ecdsa.VerifyASN1(pub, d, sigs[i])
				}
				if !ok {
					t.Fatalf("signature %d does not verify", i)
				}
			}
			tok.mu.Lock()
			logins := tok.logins
			tok.mu.Unlock()
			if logins != 1 {
				t.Fatalf("%d logins for %d signatures, want 1", logins, n)
			}
			t.Logf("%s: %d signatures in %v (%.0f/s) with %d login", label, n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), logins)
		})
	}
}

func TestSetupScriptIdempotent(t *testing.T) {
	requireSoftHSM(t)
	if _, err := exec.LookPath("softhsm2-util"); err != nil {
		t.Fatalf("softhsm2-util missing although %s exists: %v", softhsmModule, err)
	}
	dir := t.TempDir()
	var confs []string
	for range 2 {
		conf, err := runSetupScript(dir, "idempotent")
		if err != nil {
			t.Fatal(err)
		}
		confs = append(confs, conf)
	}
	if confs[0] != confs[1] || confs[0] != filepath.Join(dir, "softhsm2.conf") {
		t.Fatalf("config paths %q, want both %q", confs, filepath.Join(dir, "softhsm2.conf"))
	}
	conf, err := os.ReadFile(confs[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(conf), "directories.tokendir = "+filepath.Join(dir, "tokens")) {
		t.Fatalf("config does not point to %s/tokens:\n%s", dir, conf)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "tokens"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("%d token directories after two runs, want 1", len(entries))
	}
}

func TestParseKeyID(t *testing.T) {
	tests := []struct {
		in      string
		want    []byte
		wantErr bool
	}{
		{"", nil, false},
		{"01ab", []byte{0x01, 0xab}, false},
		{"01:AB", []byte{0x01, 0xab}, false},
		{"0x01ab", []byte{0x01, 0xab}, false},
		{" 01 ab ", []byte{0x01, 0xab}, false},
		{"1ab", nil, true},
		{"xyz", nil, true},
		{"0x", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseKeyID(tc.in)
			if (err != nil) != tc.wantErr || !bytes.Equal(got, tc.want) {
				t.Fatalf("parseKeyID(%q) = %x, %v; want %x, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func BenchmarkSign(b *testing.B) {
	cases := []struct {
		name, label string
		opts        crypto.SignerOpts
	}{
		{"RSA2048-PKCS1v15-SHA256", "rsa", crypto.SHA256},
		{"RSA2048-PSS-SHA256", "rsa", &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash}},
		{"ECDSA-P256-SHA256", "ec", crypto.SHA256},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			_, key := openKey(b, Options{KeyLabel: bc.label})
			digest := digestOf(crypto.SHA256, bc.name)
			for b.Loop() {
				if _, err := key.Sign(rand.Reader, digest, bc.opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sigs/s")
		})
	}
}

// BenchmarkSignDocumentBB measures whole B-B document signatures (PAdES
// incremental update and CMS) with the RSA-2048 key on SoftHSM2, on a
// one-page PDF/A.
func BenchmarkSignDocumentBB(b *testing.B) {
	_, key := openKey(b, Options{KeyLabel: "rsa"})
	var pdf bytes.Buffer
	w, err := pdfa.NewWriter(&pdf, pdfa.Info{})
	if err != nil {
		b.Fatal(err)
	}
	page := image.NewGray(image.Rect(0, 0, 2480, 3508))
	for i := range page.Pix {
		page.Pix[i] = 0xff
	}
	if err := w.AddPage(pdfa.Page{Image: page, DPI: 300}); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	in := pdf.Bytes()
	var out bytes.Buffer
	for b.Loop() {
		out.Reset()
		if _, err := signer.Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out, key, signer.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}
