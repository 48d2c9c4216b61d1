// Package softhsmtest puts keys and certificates on a SoftHSM2 token for
// tests: the signer/pkcs11 package tests and the sohoa CLI tests share it so
// that both exercise the same kind of token a CA would issue.
//
//	softhsmtest.Require(t)
//	conf, err := softhsmtest.CreateToken(dir, "my token", "87654321", "246810")
//	t.Setenv("SOFTHSM2_CONF", conf) // read by SoftHSM in C_Initialize
//	s, err := softhsmtest.Login(softhsmtest.ModulePath, "my token", "246810")
//	err = s.ImportRSAKey("signer", []byte{1}, rsaKey, false)
//	err = s.ImportCertificate("signer", []byte{1}, cert)
//	err = s.Close()
//
// It is test support only: the PINs it is given are throw-away test PINs.
package softhsmtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"
)

// ModulePath is where the Debian package softhsm2 installs the module.
const ModulePath = "/usr/lib/softhsm/libsofthsm2.so"

// Require skips tb when SoftHSM2 is not installed, unless CI is set: there a
// missing module is a broken CI image and must fail.
func Require(tb testing.TB) {
	tb.Helper()
	if _, err := os.Stat(ModulePath); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("CI is set but SoftHSM2 is missing (%v); install the Debian package softhsm2", err)
		}
		tb.Skipf("SoftHSM2 not installed (%v); install the Debian package softhsm2", err)
	}
}

// CreateToken runs scripts/softhsm-setup.sh to initialise a token labelled
// label in dir (idempotently) and returns the SOFTHSM2_CONF value that
// selects it, both for this process and for subprocesses.
func CreateToken(dir, label, soPIN, userPIN string) (string, error) {
	script, err := setupScript()
	if err != nil {
		return "", err
	}
	cmd := exec.Command("bash", script, dir)
	cmd.Env = append(os.Environ(), "SOFTHSM_TOKEN_LABEL="+label, "SOFTHSM_SO_PIN="+soPIN, "SOFTHSM_USER_PIN="+userPIN)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("softhsm-setup.sh: %w: %s", err, stderr.String())
	}
	line := strings.TrimSpace(string(out))
	conf, ok := strings.CutPrefix(line, "export SOFTHSM2_CONF=")
	if !ok {
		return "", fmt.Errorf("softhsm-setup.sh: unexpected output %q", line)
	}
	return conf, nil
}

// setupScript finds scripts/softhsm-setup.sh by walking up from the working
// directory (a package directory when run by go test) to the module root.
func setupScript() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find softhsm-setup.sh: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			script := filepath.Join(dir, "scripts", "softhsm-setup.sh")
			if _, err := os.Stat(script); err != nil {
				return "", fmt.Errorf("find softhsm-setup.sh: %w", err)
			}
			return script, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find softhsm-setup.sh: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Session is a logged-in read-write session on one token, for importing
// objects. It owns its own C_Initialize, so close it before the code under
// test opens the module in the same process.
type Session struct {
	ctx      *pkcs11.Ctx
	handle   pkcs11.SessionHandle
	finalize bool // false when someone else had initialised the module
}

// Login loads the module, finds the token labelled tokenLabel and logs in as
// its user with pin. SOFTHSM2_CONF must already be set in this process.
func Login(modulePath, tokenLabel, pin string) (*Session, error) {
	ctx := pkcs11.New(modulePath)
	if ctx == nil {
		return nil, fmt.Errorf("load %s: cannot load the module", modulePath)
	}
	s := &Session{ctx: ctx, finalize: true}
	if err := ctx.Initialize(); err != nil {
		var e pkcs11.Error
		if !errors.As(err, &e) || e != pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED {
			ctx.Destroy()
			return nil, fmt.Errorf("%s: C_Initialize: %w", modulePath, err)
		}
		s.finalize = false
	}
	slot, err := findSlot(ctx, tokenLabel)
	if err == nil {
		s.handle, err = ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
		if err != nil {
			err = fmt.Errorf("open session on %q: %w", tokenLabel, err)
		} else if err = ctx.Login(s.handle, pkcs11.CKU_USER, pin); err != nil {
			ctx.CloseSession(s.handle)
			err = fmt.Errorf("log in to %q: %w", tokenLabel, err)
		}
	}
	if err != nil {
		s.unload()
		return nil, err
	}
	return s, nil
}

func findSlot(ctx *pkcs11.Ctx, label string) (uint, error) {
	slots, err := ctx.GetSlotList(true)
	if err != nil {
		return 0, fmt.Errorf("C_GetSlotList: %w", err)
	}
	var seen []string
	for _, slot := range slots {
		info, err := ctx.GetTokenInfo(slot)
		if err != nil {
			continue
		}
		// Token labels are blank-padded to 32 bytes.
		got := strings.TrimRight(info.Label, " \x00")
		if got == label {
			return slot, nil
		}
		seen = append(seen, got)
	}
	return 0, fmt.Errorf("token %q not found (present: %q)", label, seen)
}

// Close logs out, closes the session and unloads the module.
func (s *Session) Close() error {
	err := s.ctx.Logout(s.handle)
	if cerr := s.ctx.CloseSession(s.handle); err == nil {
		err = cerr
	}
	if uerr := s.unload(); err == nil {
		err = uerr
	}
	if err != nil {
		return fmt.Errorf("close SoftHSM session: %w", err)
	}
	return nil
}

func (s *Session) unload() error {
	var err error
	if s.finalize {
		err = s.ctx.Finalize()
	}
	s.ctx.Destroy()
	return err
}

// Import stores one object given by its attributes (C_CreateObject); the
// *Object functions build the usual ones.
func (s *Session) Import(attrs []*pkcs11.Attribute) error {
	if _, err := s.ctx.CreateObject(s.handle, attrs); err != nil {
		return fmt.Errorf("C_CreateObject: %w", err)
	}
	return nil
}

// ImportCertificate stores c with the given label and CKA_ID.
func (s *Session) ImportCertificate(label string, id []byte, c *x509.Certificate) error {
	return s.Import(CertificateObject(label, id, c))
}

// ImportRSAKey stores k as a sensitive signing key; alwaysAuth sets
// CKA_ALWAYS_AUTHENTICATE (a context-specific login before each signature).
func (s *Session) ImportRSAKey(label string, id []byte, k *rsa.PrivateKey, alwaysAuth bool) error {
	return s.Import(RSAKeyObject(label, id, k, alwaysAuth))
}

// ImportECKey stores the P-256 key k as a sensitive signing key.
func (s *Session) ImportECKey(label string, id []byte, k *ecdsa.PrivateKey) error {
	attrs, err := ECKeyObject(label, id, k)
	if err != nil {
		return err
	}
	return s.Import(attrs)
}

// ImportECPublicKey stores the P-256 public key k, which some tokens keep
// next to the private key.
func (s *Session) ImportECPublicKey(label string, id []byte, k *ecdsa.PublicKey) error {
	attrs, err := ECPublicObject(label, id, k)
	if err != nil {
		return err
	}
	return s.Import(attrs)
}

// CertificateObject describes an X.509 certificate object.
func CertificateObject(label string, id []byte, c *x509.Certificate) []*pkcs11.Attribute {
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

// RSAKeyObject describes an RSA private key object with its CRT values.
func RSAKeyObject(label string, id []byte, k *rsa.PrivateKey, alwaysAuth bool) []*pkcs11.Attribute {
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

var oidP256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}

// p256Params is CKA_EC_PARAMS for P-256: the DER of the named curve's OID.
func p256Params(c elliptic.Curve) ([]byte, error) {
	if c != elliptic.P256() {
		return nil, fmt.Errorf("EC key on %s: only P-256 is supported", c.Params().Name)
	}
	return asn1.Marshal(oidP256)
}

// ECKeyObject describes a P-256 private key object.
func ECKeyObject(label string, id []byte, k *ecdsa.PrivateKey) ([]*pkcs11.Attribute, error) {
	params, err := p256Params(k.Curve)
	if err != nil {
		return nil, err
	}
	scalar, err := k.Bytes()
	if err != nil {
		return nil, fmt.Errorf("EC private key: %w", err)
	}
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
	}, nil
}

// ECPublicObject describes a P-256 public key object.
func ECPublicObject(label string, id []byte, k *ecdsa.PublicKey) ([]*pkcs11.Attribute, error) {
	params, err := p256Params(k.Curve)
	if err != nil {
		return nil, err
	}
	raw, err := k.Bytes()
	if err != nil {
		return nil, fmt.Errorf("EC public key: %w", err)
	}
	point, err := asn1.Marshal(raw) // CKA_EC_POINT is a DER OCTET STRING
	if err != nil {
		return nil, fmt.Errorf("EC point: %w", err)
	}
	return []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params),
		pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, point),
	}, nil
}
