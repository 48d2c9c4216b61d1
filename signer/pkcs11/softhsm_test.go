package pkcs11

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/sohoa/sohoa/signer/pkcs11/softhsmtest"
)

// The SoftHSM2 fixture: one token per test binary, filled once.
const (
	softhsmModule = softhsmtest.ModulePath
	testLabel     = "sohoa-pkcs11-test"
	testSOPIN     = "87654321"
	testPIN       = "246810"
)

// testPKI is what the fixture put on the token.
type testPKI struct {
	root, intermediate, extraIntermediate *x509.Certificate
	rsaCert, ecCert, ecNoPubCert, extCert *x509.Certificate
}

var (
	fixtureOnce sync.Once
	fixturePKI  *testPKI
	fixtureErr  error
	fixtureDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

// requireSoftHSM skips when SoftHSM2 is not installed, unless CI is set.
func requireSoftHSM(tb testing.TB) {
	tb.Helper()
	softhsmtest.Require(tb)
}

// fixture returns the shared token, creating it on first use.
func fixture(tb testing.TB) *testPKI {
	tb.Helper()
	requireSoftHSM(tb)
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "sohoa-softhsm-")
		if fixtureErr != nil {
			return
		}
		var conf string
		if conf, fixtureErr = runSetupScript(fixtureDir, testLabel); fixtureErr != nil {
			return
		}
		// Read by SoftHSM in C_Initialize; every test uses the same value.
		os.Setenv("SOFTHSM2_CONF", conf)
		fixturePKI, fixtureErr = fillToken()
	})
	if fixtureErr != nil {
		tb.Fatalf("SoftHSM2 fixture: %v", fixtureErr)
	}
	return fixturePKI
}

// runSetupScript runs scripts/softhsm-setup.sh and returns SOFTHSM2_CONF.
func runSetupScript(dir, label string) (string, error) {
	return softhsmtest.CreateToken(dir, label, testSOPIN, testPIN)
}

// fillToken generates a small PKI in Go and stores keys and certificates on
// the token through C_CreateObject:
//
//	root ─ intermediate ─┬ rsa      (RSA-2048, id 01)
//	                     ├ ec       (P-256 with public key object, id 02)
//	                     ├ ec-nopub (P-256 without public key object, id 05)
//	                     ├ always   (the rsa key again, CKA_ALWAYS_AUTHENTICATE, id 07)
//	                     ├ mismatch (RSA key, certificate of the rsa key, id 03)
//	                     ├ nocert   (P-256, no certificate, id 04)
//	                     └ ec-nopub-wrong (the nocert key, certificate of ec, id 08)
//	root ─ extra intermediate (not on the token) ─ ext (P-256, id 06)
func fillToken() (*testPKI, error) {
	rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	intKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	extIntKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	otherRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecNoPub, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	noCert, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	extKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

	p := &testPKI{}
	serial := int64(1)
	issue := func(cn string, pub crypto.PublicKey, issuer *x509.Certificate, issuerKey crypto.Signer, ca bool) *x509.Certificate {
		if err != nil {
			return nil
		}
		serial++
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(serial),
			Subject:               pkix.Name{CommonName: cn, Organization: []string{"sohoa test"}},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(24 * time.Hour),
			BasicConstraintsValid: true,
			IsCA:                  ca,
			KeyUsage:              x509.KeyUsageDigitalSignature,
		}
		if ca {
			tmpl.KeyUsage |= x509.KeyUsageCertSign
		}
		if issuer == nil {
			issuer = tmpl
		}
		var der []byte
		if der, err = x509.CreateCertificate(rand.Reader, tmpl, issuer, pub, issuerKey); err != nil {
			return nil
		}
		var c *x509.Certificate
		c, err = x509.ParseCertificate(der)
		return c
	}
	p.root = issue("Test Root", rootKey.Public(), nil, rootKey, true)
	p.intermediate = issue("Test Intermediate", intKey.Public(), p.root, rootKey, true)
	p.extraIntermediate = issue("Extra Intermediate", extIntKey.Public(), p.root, rootKey, true)
	p.rsaCert = issue("RSA signer", rsaKey.Public(), p.intermediate, intKey, false)
	p.ecCert = issue("EC signer", ecKey.Public(), p.intermediate, intKey, false)
	p.ecNoPubCert = issue("EC signer without public key object", ecNoPub.Public(), p.intermediate, intKey, false)
	p.extCert = issue("EC signer of the extra intermediate", extKey.Public(), p.extraIntermediate, extIntKey, false)
	if err != nil {
		return nil, err
	}

	sess, err := softhsmtest.Login(softhsmModule, testLabel, testPIN)
	if err != nil {
		return nil, err
	}
	imports := []struct {
		name string
		run  func() error
	}{
		{"root", func() error { return sess.ImportCertificate("root", []byte{0xc0}, p.root) }},
		{"intermediate", func() error { return sess.ImportCertificate("intermediate", []byte{0xc1}, p.intermediate) }},
		{"rsa key", func() error { return sess.ImportRSAKey("rsa", []byte{0x01}, rsaKey, false) }},
		{"rsa cert", func() error { return sess.ImportCertificate("rsa", []byte{0x01}, p.rsaCert) }},
		{"ec key", func() error { return sess.ImportECKey("ec", []byte{0x02}, ecKey) }},
		{"ec public", func() error { return sess.ImportECPublicKey("ec", []byte{0x02}, &ecKey.PublicKey) }},
		{"ec cert", func() error { return sess.ImportCertificate("ec", []byte{0x02}, p.ecCert) }},
		{"ec-nopub key", func() error { return sess.ImportECKey("ec-nopub", []byte{0x05}, ecNoPub) }},
		{"ec-nopub cert", func() error { return sess.ImportCertificate("ec-nopub", []byte{0x05}, p.ecNoPubCert) }},
		{"always key", func() error { return sess.ImportRSAKey("always", []byte{0x07}, rsaKey, true) }},
		{"always cert", func() error { return sess.ImportCertificate("always", []byte{0x07}, p.rsaCert) }},
		{"mismatch key", func() error { return sess.ImportRSAKey("mismatch", []byte{0x03}, otherRSA, false) }},
		{"mismatch cert", func() error { return sess.ImportCertificate("mismatch", []byte{0x03}, p.rsaCert) }},
		{"nocert key", func() error { return sess.ImportECKey("nocert", []byte{0x04}, noCert) }},
		{"ec-nopub-wrong key", func() error { return sess.ImportECKey("ec-nopub-wrong", []byte{0x08}, noCert) }},
		{"ec-nopub-wrong cert", func() error { return sess.ImportCertificate("ec-nopub-wrong", []byte{0x08}, p.ecCert) }},
		{"ext key", func() error { return sess.ImportECKey("ext", []byte{0x06}, extKey) }},
		{"ext public", func() error { return sess.ImportECPublicKey("ext", []byte{0x06}, &extKey.PublicKey) }},
		{"ext cert", func() error { return sess.ImportCertificate("ext", []byte{0x06}, p.extCert) }},
	}
	for _, im := range imports {
		if err := im.run(); err != nil {
			sess.Close()
			return nil, fmt.Errorf("import %s: %w", im.name, err)
		}
	}
	// Close finalizes the module so that Open starts from a clean state.
	if err := sess.Close(); err != nil {
		return nil, err
	}
	return p, nil
}

// openTest opens the fixture token with opts filled in and closes it at the end.
func openTest(t testing.TB, opts Options) *Token {
	t.Helper()
	fixture(t)
	opts.ModulePath = softhsmModule
	if opts.TokenLabel == "" && opts.SlotID == nil {
		opts.TokenLabel = testLabel
	}
	if opts.PIN == "" {
		opts.PIN = testPIN
	}
	tok, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := tok.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return tok
}
