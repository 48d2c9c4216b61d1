package audit

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sohoa/sohoa/signer"
	"github.com/sohoa/sohoa/signer/signertest"
)

// BenchmarkVerifyFiles verifies 50 signed local files (B-LT, revocation
// data embedded, no network) per iteration, with the default workers. The
// target is ≥ 200 documents per second.
func BenchmarkVerifyFiles(b *testing.B) {
	pki := pkiFor(b)
	key := pki.MustSigner(b, signertest.ECDSAP256)
	dir := b.TempDir()
	var targets []Target
	for i := range 50 {
		pdf := signPDF(b, testPDF(b, i), key, signer.Options{Level: signer.LevelBLT, TSAURL: pki.URL + "/tsa",
			Roots: []*x509.Certificate{pki.Root.Cert}, Stamp: &signer.Stamp{FormOfCopy: "SAO Y"}})
		path := filepath.Join(dir, fmt.Sprintf("%02d.pdf", i))
		if err := os.WriteFile(path, pdf, 0o644); err != nil {
			b.Fatal(err)
		}
		targets = append(targets, FileTarget(path))
	}
	v := New(nil, Options{Roots: rootsOf(pki)})
	defer v.Close()
	b.ResetTimer()
	for b.Loop() {
		rep, err := v.Run(context.Background(), targets)
		if err != nil || !rep.OK || rep.Counts[VerdictValid] != len(targets) {
			b.Fatalf("%v %v", err, rep.Counts)
		}
	}
	b.ReportMetric(float64(b.N*len(targets))/b.Elapsed().Seconds(), "docs/s")
}
