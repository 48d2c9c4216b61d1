package signer

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// BenchmarkVerify verifies typical signed one-page PDF/A files from memory
// without revocation look-ups: a B-B and a B-LTA (two signatures, DSS).
// The target is ≥ 200 documents per second.
func BenchmarkVerify(b *testing.B) {
	untampered, _ := fixtures(b)
	for _, name := range []string{"B-B/rsa2048", "B-LTA/ecdsa-p256", "B-LTA/rsa3072"} {
		i := slicesIndex(untampered, name)
		if i < 0 {
			b.Fatalf("no fixture %s", name)
		}
		fx := untampered[i]
		b.Run(name, func(b *testing.B) {
			opts := VerifyOptions{Roots: fx.roots}
			b.SetBytes(int64(len(fx.pdf)))
			for b.Loop() {
				rep, err := Verify(context.Background(), bytes.NewReader(fx.pdf), int64(len(fx.pdf)), opts)
				if err != nil || rep.Status != StatusValid {
					b.Fatalf("%v %v", err, rep.Status)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

func slicesIndex(fxs []verifyFixture, name string) int {
	for i, fx := range fxs {
		if fx.name == name {
			return i
		}
	}
	return -1
}

// Every finding has a Vietnamese and an English text, in NFC, and the
// Vietnamese one is not a copy of the English one.
func TestReasonTexts(t *testing.T) {
	codes := []ReasonCode{ReasonNotPDF, ReasonNoSignature, ReasonMalformedSignature, ReasonTruncated, ReasonByteRangeGap,
		ReasonByteRangeNotCovering, ReasonDigestMismatch, ReasonSignatureInvalid, ReasonSigningCertificate, ReasonHashNotAllowed,
		ReasonUntrustedChain, ReasonCertExpired, ReasonCertNotYetValid, ReasonKeyUsage, ReasonRevoked, ReasonRevocationUnknown,
		ReasonTimestampInvalid, ReasonTimestampUntrusted, ReasonTimestampMissing, ReasonTimeClaimed, ReasonLevelNotReached,
		ReasonModifiedAfterSigning, ReasonNotPAdES}
	if len(codes) != len(reasonTexts) {
		t.Errorf("%d codes listed here, %d in the table", len(codes), len(reasonTexts))
	}
	for _, c := range codes {
		r := newReason(c, "")
		if r.Vietnamese == "" || r.English == "" || r.Vietnamese == r.English || r.Severity == "" {
			t.Errorf("%s: %+v", c, r)
		}
		if !utf8.ValidString(r.Vietnamese) || !norm.NFC.IsNormalString(r.Vietnamese) {
			t.Errorf("%s: Vietnamese text not NFC", c)
		}
		if (r.Severity == SeverityWarning) != strings.HasPrefix(r.English, "Warning:") {
			t.Errorf("%s: severity %s but text %q", c, r.Severity, r.English)
		}
	}
	if got := newReason(ReasonRevoked, "since %d", 2020).Text("en"); got != "The certificate had been revoked before the signing time. (since 2020)" {
		t.Errorf("Text: %q", got)
	}
}

// A file that is not a PDF, or has no signature, is a report, not an
// error; a reader that fails is an error.
func TestVerifyNotSigned(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
		want ReasonCode
	}{
		{"not a PDF", []byte("hello, world"), ReasonNotPDF},
		{"unsigned PDF/A", testPDF(t, false), ReasonNoSignature},
		{"unsigned PDF/A with xref stream", testPDF(t, true), ReasonNoSignature},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Verify(context.Background(), bytes.NewReader(tt.data), int64(len(tt.data)), VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Status != StatusInvalid || len(rep.Reasons) != 1 || rep.Reasons[0].Code != tt.want {
				t.Errorf("status %s, reasons %+v", rep.Status, rep.Reasons)
			}
		})
	}
	if _, err := Verify(context.Background(), bytes.NewReader([]byte("short")), 100, VerifyOptions{}); err == nil {
		t.Error("no error for a file shorter than its size")
	}
}
