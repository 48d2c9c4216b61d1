package audit

import (
	"bytes"
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/sohoa/sohoa/signer"
	"github.com/sohoa/sohoa/signer/signertest"
)

func signPDF(t testing.TB, pdf []byte, key signer.Key, opts signer.Options) []byte {
	t.Helper()
	var out bytes.Buffer
	if _, err := signer.Sign(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), &out, key, opts); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

var contentsRE = regexp.MustCompile(`/Contents (\d+) 0 R`)

// The tamper suite on local files: each is found with its own reason, and
// the untampered file raises no alarm.
func TestVerifyFiles(t *testing.T) {
	pki := pkiFor(t)
	tsa := pki.URL + "/tsa"
	key := pki.MustSigner(t, signertest.ECDSAP256)
	roots := []*x509.Certificate{pki.Root.Cert}
	plain := testPDF(t, 7)
	blt := signPDF(t, plain, key, signer.Options{Level: signer.LevelBLT, TSAURL: tsa, Roots: roots})
	bt := signPDF(t, plain, key, signer.Options{Level: signer.LevelBT, TSAURL: tsa})
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	slots, err := signertest.Signatures(bt)
	if err != nil {
		t.Fatal(err)
	}
	br := slots[0].ByteRange
	m := contentsRE.FindSubmatch(plain)
	if m == nil {
		t.Fatal("no page content reference in the test PDF")
	}
	num, _ := strconv.Atoi(string(m[1]))
	content := "BT /F1 12 Tf 20 20 Td (PAID) Tj ET"
	modified := must(signertest.AppendUpdate(blt, map[int]string{num: "<</Length " + strconv.Itoa(len(content)) + ">>\nstream\n" + content + "\nendstream"}))

	expiredKey := pki.MustSigner(t, signertest.Expired)
	// Signed while the certificate was valid by its own clock (/M), but
	// the time-stamp proves the signature was made after it expired.
	expired := signPDF(t, plain, expiredKey, signer.Options{Level: signer.LevelBT, TSAURL: tsa, Time: expiredKey.Cert.NotBefore.Add(24 * time.Hour)})
	revoked := signPDF(t, plain, pki.MustSigner(t, signertest.Revoked), signer.Options{Level: signer.LevelBT, TSAURL: tsa})
	other := signertest.Start(t)
	otherRoots := rootsOf(other)

	cases := []struct {
		name    string
		pdf     []byte
		opts    Options
		want    string
		verdict Verdict
	}{
		{name: "untampered", pdf: blt, verdict: VerdictValid},
		{name: "B-T without revocation data warns", pdf: bt, want: string(signer.ReasonRevocationUnknown), verdict: VerdictWarning},
		{name: "byte flipped in signed range", pdf: signertest.FlipByte(blt, int(br[1]/2)), want: string(signer.ReasonDigestMismatch), verdict: VerdictInvalid},
		{name: "page content changed after signing", pdf: modified, want: string(signer.ReasonModifiedAfterSigning), verdict: VerdictInvalid},
		{name: "timestamp removed", pdf: must(signertest.StripTimestamp(bt, 0)), opts: Options{Level: signer.LevelBT},
			want: string(signer.ReasonTimestampMissing), verdict: VerdictInvalid},
		{name: "untrusted certificate", pdf: blt, opts: Options{Roots: otherRoots}, want: string(signer.ReasonUntrustedChain), verdict: VerdictIndeterminate},
		{name: "certificate expired at signing time", pdf: expired, want: string(signer.ReasonCertExpired), verdict: VerdictInvalid},
		{name: "revoked certificate", pdf: revoked, opts: Options{Online: true}, want: string(signer.ReasonRevoked), verdict: VerdictInvalid},
		{name: "truncated", pdf: blt[:len(blt)-200], want: string(signer.ReasonTruncated), verdict: VerdictInvalid},
		{name: "ByteRange gap", pdf: must(signertest.SetByteRange(bt, 0, [4]int64{0, br[1] - 64, br[2], br[3]})),
			want: string(signer.ReasonByteRangeGap), verdict: VerdictInvalid},
		{name: "not a PDF", pdf: []byte("hello"), want: string(signer.ReasonNotPDF), verdict: VerdictInvalid},
		{name: "unsigned PDF", pdf: plain, want: string(signer.ReasonNoSignature), verdict: VerdictInvalid},
	}
	dir := t.TempDir()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strconv.Itoa(i)+".pdf")
			if err := os.WriteFile(path, c.pdf, 0o644); err != nil {
				t.Fatal(err)
			}
			opts := c.opts
			if opts.Roots == nil {
				opts.Roots = rootsOf(pki)
			}
			v := New(nil, opts)
			defer v.Close()
			rep, err := v.Run(context.Background(), []Target{FileTarget(path)})
			if err != nil {
				t.Fatal(err)
			}
			d := rep.Documents[0]
			if d.Verdict != c.verdict || d.File != path || d.Fixity != nil {
				t.Errorf("verdict %s, want %s: %q", d.Verdict, c.verdict, codesOf(&d))
			}
			if c.want == "" && len(d.Findings) != 0 {
				t.Errorf("false alarm: %q", codesOf(&d))
			}
			if c.want != "" && !d.Has(c.want) {
				t.Errorf("no %s: %q", c.want, codesOf(&d))
			}
			// Every finding shows up on a failed or warning line.
			for _, f := range d.Findings {
				found := false
				for _, ch := range d.Checks {
					found = found || (ch.Check == f.Check && ch.Signature == f.Signature && ch.Status != StatusOK && ch.Status != StatusInfo)
				}
				if !found {
					t.Errorf("finding %s (%s/%s) has no failed line in %+v", f.Code, f.Check, f.Signature, d.Checks)
				}
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		v := New(nil, Options{})
		rep, err := v.Run(context.Background(), []Target{FileTarget(filepath.Join(dir, "absent.pdf"))})
		if err != nil || !rep.Documents[0].Has(CodeReadError) || rep.OK {
			t.Fatalf("%v %+v", err, rep.Documents[0])
		}
	})
}

func TestClaimedFlavour(t *testing.T) {
	for _, c := range []struct{ name, pdf, want string }{
		{"elements", `<x:xmpmeta><rdf:Description><pdfaid:part>2</pdfaid:part><pdfaid:conformance>U</pdfaid:conformance></rdf:Description></x:xmpmeta>`, "2u"},
		{"attributes", `<x:xmpmeta><rdf:Description pdfaid:part="3" pdfaid:conformance='B'/></x:xmpmeta>`, "3b"},
		{"PDF/A-4 has no conformance", `<x:xmpmeta><rdf:Description pdfaid:part="4"/></x:xmpmeta>`, "4"},
		{"the newest packet wins", `<x:xmpmeta><pdfaid:part>1</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></x:xmpmeta> %%EOF
<x:xmpmeta><pdfaid:part>2</pdfaid:part><pdfaid:conformance>A</pdfaid:conformance></x:xmpmeta>`, "2a"},
		{"none", `<x:xmpmeta><dc:title>x</dc:title></x:xmpmeta>`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ClaimedFlavour([]byte(c.pdf)); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
	if got := ClaimedFlavour(testPDF(t, 1)); got != "2u" {
		t.Errorf("sohoa's PDF/A claims %q", got)
	}
}

// veraPDF's report is read per file: verdict and failed clauses.
func TestRunVeraPDFReport(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.pdf"), filepath.Join(dir, "bad.pdf")
	report := `<?xml version="1.0" encoding="utf-8"?>
<report><jobs>
<job><item size="1"><name>` + dir + `/./good.pdf</name></item>
<validationReport profileName="PDF/A-2U validation profile" isCompliant="true"><details passedRules="146" failedRules="0"></details></validationReport></job>
<job><item size="1"><name>` + bad + `</name></item>
<validationReport isCompliant="false"><details>
<rule clause="6.2.4.3" testNumber="2" status="failed"></rule><rule clause="6.6.2.1" status="failed"></rule></details></validationReport></job>
</jobs></report>`
	launcher := filepath.Join(dir, "verapdf")
	script := "#!/bin/sh\n[ \"$1 $2 $3 $4\" = \"--flavour 2u --format xml\" ] || exit 9\ncat <<'EOF'\n" + report + "\nEOF\nexit 1\n"
	if err := os.WriteFile(launcher, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := runVeraPDF(context.Background(), launcher, "2u", []string{good, bad})
	if err != nil {
		t.Fatal(err)
	}
	if g := got[good]; !g.Compliant || g.Error != "" {
		t.Errorf("good: %+v", g)
	}
	if b := got[bad]; b.Compliant || len(b.FailedRules) != 2 || b.FailedRules[0] != "6.2.4.3" {
		t.Errorf("bad: %+v", b)
	}
	if _, err := runVeraPDF(context.Background(), filepath.Join(dir, "absent"), "2u", []string{good}); err == nil {
		t.Error("a launcher that does not run is no error")
	}
}
