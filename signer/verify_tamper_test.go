package signer

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/signer/signertest"
)

// Untampered files must verify with no false alarm, at the level they were
// signed at, for every key type.
func TestVerifyUntampered(t *testing.T) {
	untampered, _ := fixtures(t)
	for _, fx := range untampered {
		t.Run(fx.name, func(t *testing.T) {
			rep := fx.verify(t)
			if rep.Status != StatusValid || len(rep.Signatures) == 0 {
				t.Fatalf("status %s, reasons %v", rep.Status, rep.Reasons)
			}
			s := rep.Signatures[0]
			if s.Kind != KindSignature || s.Status != StatusValid {
				t.Fatalf("first signature: %s %s: %s", s.Kind, s.Status, codes(s.Reasons))
			}
			if s.Level != fx.wantLevel {
				t.Errorf("level %q, want %q (%s)", s.Level, fx.wantLevel, codes(s.Reasons))
			}
			for _, r := range s.Reasons {
				if r.Severity != SeverityWarning {
					t.Errorf("false alarm: %s: %s", r.Code, r.Detail)
				}
			}
			if !s.Chain.Trusted || len(s.Chain.Certificates) != 3 || s.Signer.Issuer != s.Chain.Certificates[1].Subject {
				t.Errorf("chain %+v", s.Chain)
			}
			if s.Signer.SHA256 == "" || s.Signer.Serial == "" || s.Signer.NotAfter.Before(s.Signer.NotBefore) {
				t.Errorf("signer %+v", s.Signer)
			}
			if s.SigningTime.IsZero() {
				t.Error("no /M signing time")
			}
			timestamped := fx.wantLevel != LevelBB
			if timestamped != (s.TimeSource == TimeFromTimestamp) || timestamped == s.TimestampTime.IsZero() {
				t.Errorf("time source %s, timestamp time %v at %s", s.TimeSource, s.TimestampTime, fx.wantLevel)
			}
			if timestamped && (s.TimestampTime.Sub(s.SigningTime) > time.Minute || s.TimestampTime.Before(s.SigningTime.Add(-time.Second))) {
				t.Errorf("timestamp %v far from /M %v", s.TimestampTime, s.SigningTime)
			}
			if got := s.Has(ReasonTimeClaimed); got == timestamped {
				t.Errorf("time-claimed warning: %v at %s", got, fx.wantLevel)
			}
			lt := fx.wantLevel.rank() >= LevelBLT.rank()
			if lt != (s.Revocation.Checked && s.Revocation.Embedded) || lt == s.Has(ReasonRevocationUnknown) {
				t.Errorf("revocation %+v at %s", s.Revocation, fx.wantLevel)
			}
			wantSigs := 1
			if fx.wantLevel == LevelBLTA {
				wantSigs = 2
				if d := rep.Signatures[1]; d.Kind != KindDocumentTimestamp || d.Status != StatusValid || d.Timestamp == nil || !d.Timestamp.Trusted {
					t.Errorf("document time-stamp: %+v", d)
				}
			}
			if len(rep.Signatures) != wantSigs {
				t.Errorf("%d signatures, want %d", len(rep.Signatures), wantSigs)
			}
			for _, m := range s.Modifications {
				if !strings.HasPrefix(m, "allowed: ") {
					t.Errorf("modification %q", m)
				}
			}
			if (fx.wantLevel.rank() >= LevelBLT.rank()) != (len(s.Modifications) > 0) {
				t.Errorf("modifications after a %s signature: %q", fx.wantLevel, s.Modifications)
			}
		})
	}
}

// Every tampered file is caught with its own reason.
func TestVerifyTampered(t *testing.T) {
	_, tampered := fixtures(t)
	for _, fx := range tampered {
		t.Run(fx.name, func(t *testing.T) {
			rep := fx.verify(t)
			if len(rep.Signatures) == 0 {
				t.Fatalf("no signature: %v", rep.Reasons)
			}
			s := rep.Signatures[0]
			if !s.Has(fx.wantCode) {
				t.Errorf("no %s: %s", fx.wantCode, codes(s.Reasons))
			}
			if s.Status != fx.wantStatus || rep.Status != fx.wantStatus {
				t.Errorf("status %s (file %s), want %s: %s", s.Status, rep.Status, fx.wantStatus, codes(s.Reasons))
			}
		})
	}
}

// Damage anywhere in a file never crashes Verify, and damage inside a
// signed range is never reported valid.
func TestVerifyDamagedFiles(t *testing.T) {
	untampered, _ := fixtures(t)
	fx := untampered[slicesIndex(untampered, "B-LTA/ecdsa-p256")]
	rng := rand.New(rand.NewPCG(1, 2))
	n := len(fx.pdf)
	slots, err := signertest.Signatures(fx.pdf)
	if err != nil {
		t.Fatal(err)
	}
	unsigned := func(off int) bool { // inside a /Contents value
		for _, s := range slots {
			if off >= s.Contents[0] && off < s.Contents[1] {
				return true
			}
		}
		return false
	}
	for range 600 {
		var damaged []byte
		flipped := -1
		if rng.IntN(2) == 0 {
			damaged = fx.pdf[:rng.IntN(n)]
		} else {
			flipped = rng.IntN(n)
			damaged = signertest.FlipByte(fx.pdf, flipped)
		}
		rep := func() *Report {
			fx := fx
			fx.pdf = damaged
			return fx.verify(t)
		}()
		for _, r := range rep.Reasons {
			if strings.Contains(r.Detail, "internal error") {
				t.Fatalf("%s", r.Detail)
			}
		}
		if len(damaged) < n && rep.Status == StatusValid {
			t.Errorf("file cut at %d of %d bytes is valid", len(damaged), n)
		}
		if flipped >= 0 && !unsigned(flipped) && rep.Status == StatusValid {
			t.Errorf("byte %d flipped (%q) and still valid", flipped, fx.pdf[max(0, flipped-20):min(n, flipped+20)])
		}
	}
}
