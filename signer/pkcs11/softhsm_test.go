package pkcs11

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/pkcs11"
)

// The SoftHSM2 fixture: one token per test binary, filled once.
const (
	softhsmModule = "/usr/lib/softhsm/libsofthsm2.so"
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

// requireSoftHSM skips when SoftHSM2 is not installed, unless CI is set:
// there a missing module is a broken CI image and must fail.
func requireSoftHSM(tb testing.TB) {
	tb.Helper()
	if _, err := os.Stat(softhsmModule); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("CI is set but SoftHSM2 is missing (%v); install the Debian package softhsm2", err)
		}
		tb.Skipf("SoftHSM2 not installed (%v); install the Debian package softhsm2", err)
	}
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
	cmd := exec.Command("bash", filepath.Join("..", "..", "scripts", "softhsm-setup.sh"), dir)
	cmd.Env = append(os.Environ(), "SOFTHSM_TOKEN_LABEL="+label, "SOFTHSM_SO_PIN="+testSOPIN, "SOFTHSM_USER_PIN="+testPIN)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", &scriptError{err: err, stderr: stderr.String()}
	}
	line := strings.TrimSpace(string(out))
	conf, ok := strings.CutPrefix(line, "export SOFTHSM2_CONF=")
	if !ok {
		return "", &scriptError{err: os.ErrInvalid, stderr: "unexpected output: " + line}
	}
	return conf, nil
}

type scriptError struct {
	err    error
	stderr string
}

func (e *scriptError) Error() string { return "softhsm-setup.sh: " + e.err.Error() + ": " + e.stderr }

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

	mod, err := acquireModule(softhsmModule)
	if err != nil {
		return nil, err
	}
	defer mod.release()
	slot, _, err := findSlot(mod, Options{TokenLabel: testLabel})
	if err != nil {
		return nil, err
	}
	ctx := mod.ctx
	s, err := ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return nil, err
	}
	defer ctx.CloseSession(s)
	if err := ctx.Login(s, pkcs11.CKU_USER, testPIN); err != nil {
		return nil, err
	}
	defer ctx.Logout(s)

	objects := [][]*pkcs11.Attribute{
		certObject("root", []byte{0xc0}, p.root),
		certObject("intermediate", []byte{0xc1}, p.intermediate),
		rsaKeyObject("rsa", []byte{0x01}, rsaKey, false),
		certObject("rsa", []byte{0x01}, p.rsaCert),
		ecKeyObject("ec", []byte{0x02}, ecKey),
		ecPublicObject("ec", []byte{0x02}, &ecKey.PublicKey),
		certObject("ec", []byte{0x02}, p.ecCert),
		ecKeyObject("ec-nopub", []byte{0x05}, ecNoPub),
		certObject("ec-nopub", []byte{0x05}, p.ecNoPubCert),
		rsaKeyObject("always", []byte{0x07}, rsaKey, true),
		certObject("always", []byte{0x07}, p.rsaCert),
		rsaKeyObject("mismatch", []byte{0x03}, otherRSA, false),
		certObject("mismatch", []byte{0x03}, p.rsaCert),
		ecKeyObject("nocert", []byte{0x04}, noCert),
		ecKeyObject("ec-nopub-wrong", []byte{0x08}, noCert),
		certObject("ec-nopub-wrong", []byte{0x08}, p.ecCert),
		ecKeyObject("ext", []byte{0x06}, extKey),
		ecPublicObject("ext", []byte{0x06}, &extKey.PublicKey),
		certObject("ext", []byte{0x06}, p.extCert),
	}
	for _, o := range objects {
		if _, err := ctx.CreateObject(s, o); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func certObject(label string, id []byte, c *x509.Certificate) []*pkcs11.Attribute {
	return []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
		pkcs11.NewAttribute(pkcs11.CKA_SUBJECT, c.RawSubject),
		pkcs11.NewAttribute(pkcs11.CKA_ISSUER, c.RawIssuer),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, c.Raw),
	}
}

func rsaKeyObject(label string, id []byte, k *rsa.PrivateKey, alwaysAuth bool) []*pkcs11.Attribute {
	k.Precompute()
	return []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_ALWAYS_AUTHENTICATE, alwaysAuth),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
		pkcs11.NewAttribute(pkcs11.CKA_MODULUS, k.N.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, big.NewInt(int64(k.E)).Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE_EXPONENT, k.D.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PRIME_1, k.Primes[0].Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PRIME_2, k.Primes[1].Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_EXPONENT_1, k.Precomputed.Dp.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_EXPONENT_2, k.Precomputed.Dq.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_COEFFICIENT, k.Precomputed.Qinv.Bytes()),
	}
}

func ecKeyObject(label string, id []byte, k *ecdsa.PrivateKey) []*pkcs11.Attribute {
	params, _ := asn1.Marshal(oidP256)
	scalar, _ := k.Bytes()
	return []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, scalar),
	}
}

func ecPublicObject(label string, id []byte, k *ecdsa.PublicKey) []*pkcs11.Attribute {
	params, _ := asn1.Marshal(oidP256)
	raw, _ := k.Bytes()
	point, _ := asn1.Marshal(raw) // CKA_EC_POINT is a DER OCTET STRING
	return []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params),
		pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, point),
	}
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
