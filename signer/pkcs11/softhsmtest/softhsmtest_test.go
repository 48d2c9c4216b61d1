package softhsmtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoginErrors(t *testing.T) {
	Require(t)
	conf, err := CreateToken(filepath.Join(t.TempDir(), "hsm"), "present-token", "11111111", "2222")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	tests := []struct {
		name, label, pin, want string
	}{
		{"unknown label lists the tokens", "absent-token", "2222", `"present-token"`},
		{"wrong PIN", "present-token", "9999", "CKR_PIN_INCORRECT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Login(ModulePath, tc.label, tc.pin)
			if err == nil {
				s.Close()
				t.Fatal("Login succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q lacks %q", err, tc.want)
			}
		})
	}
	// The module is finalized after each failure, so a good login still works.
	s, err := Login(ModulePath, "present-token", "2222")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestECObjectsNeedP256(t *testing.T) {
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384()} {
		k, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		_, privErr := ECKeyObject("k", []byte{1}, k)
		_, pubErr := ECPublicObject("k", []byte{1}, &k.PublicKey)
		wantErr := curve != elliptic.P256()
		if (privErr != nil) != wantErr || (pubErr != nil) != wantErr {
			t.Errorf("%s: errors %v, %v; want error: %v", curve.Params().Name, privErr, pubErr, wantErr)
		}
	}
}
