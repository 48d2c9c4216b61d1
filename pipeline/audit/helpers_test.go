package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/pipeline/pdfa"
	"github.com/sohoa/sohoa/signer"
	"github.com/sohoa/sohoa/signer/signertest"
	"github.com/sohoa/sohoa/storage"
)

// testPDF is a small one-page PDF/A-2u; n makes its bytes differ.
func testPDF(t testing.TB, n int) []byte {
	t.Helper()
	b, err := makePDF(n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func makePDF(n int) ([]byte, error) {
	img := image.NewGray(image.Rect(0, 0, 300, 400))
	for i := range img.Pix {
		img.Pix[i] = 0xF0
	}
	for x := 20; x < 20+(n%200)+50; x++ {
		for y := 40; y < 52; y++ {
			img.SetGray(x, y, color.Gray{Y: 0x30})
		}
	}
	var buf bytes.Buffer
	w, err := pdfa.NewWriter(&buf, pdfa.Info{Title: fmt.Sprintf("Quyết định số %d/QĐ-UBND", n), Author: "UBND xã Tân Phú",
		Language: "vi", Created: time.Date(2025, 3, 15, 9, 30, 0, 0, ict), Producer: "sohoa audit test"})
	if err != nil {
		return nil, err
	}
	words := []ocr.Word{{Text: "Quyết", Box: image.Rect(20, 40, 80, 52), Confidence: 0.9}}
	if err := w.AddPage(pdfa.Page{Image: img, DPI: 75, Words: words}); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// sharedPKI is one test PKI (with its TSA and OCSP servers) for the
// package's tests; it lives until the test binary exits.
var sharedPKI = sync.OnceValues(func() (*signertest.PKI, error) { return signertest.New("127.0.0.1:0") })

func pkiFor(t testing.TB) *signertest.PKI {
	t.Helper()
	pki, err := sharedPKI()
	if err != nil {
		t.Fatal(err)
	}
	return pki
}

func rootsOf(pki *signertest.PKI) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(pki.Root.Cert)
	return p
}

// storeFixture is a local store with one batch digitized by hand (records,
// objects) and signed by the real pipeline at B-LT: approval, signed
// copies, manifest and index as sohoa writes them.
type storeFixture struct {
	dir   string
	st    storage.Store
	batch string
	ids   []string // documents, in name order; the last one is not signed
	roots *x509.CertPool
}

const fixtureBatch = "lo-1"

var (
	baseOnce sync.Once
	baseDir  string
	baseErr  error
)

// newStoreFixture copies a store built once for the package (signing is
// the slow part) into a fresh folder the test may tamper with.
func newStoreFixture(t *testing.T) *storeFixture {
	t.Helper()
	baseOnce.Do(func() {
		baseDir, baseErr = os.MkdirTemp("", "sohoa-audit-store-")
		if baseErr == nil {
			baseErr = buildStore(baseDir, pkiFor(t))
		}
	})
	if baseErr != nil {
		t.Fatal(baseErr)
	}
	dir := filepath.Join(t.TempDir(), "store")
	if err := os.CopyFS(dir, os.DirFS(baseDir)); err != nil {
		t.Fatal(err)
	}
	st, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := pipeline.Records(context.Background(), st, fixtureBatch)
	if err != nil {
		t.Fatal(err)
	}
	fx := &storeFixture{dir: dir, st: st, batch: fixtureBatch, roots: rootsOf(pkiFor(t))}
	for _, r := range recs {
		fx.ids = append(fx.ids, r.DocID)
	}
	return fx
}

// buildStore digitizes three documents by hand and signs the first two.
func buildStore(dir string, pki *signertest.PKI) error {
	ctx := context.Background()
	st, err := storage.NewLocal(dir)
	if err != nil {
		return err
	}
	t0 := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	for i := range 3 {
		docID := fmt.Sprintf("d%024x", i+1)
		name := fmt.Sprintf("scans/%02d-doc.png", i)
		original := []byte(fmt.Sprintf("scan %d, pretend PNG bytes", i))
		pdf, err := makePDF(i)
		if err != nil {
			return err
		}
		status := "digitized"
		if i == 2 {
			status = "needs_review" // held back from signing
		}
		md, _ := json.Marshal(map[string]any{"docId": docID, "status": status, "typeName": "Quyết định", "codeNumber": fmt.Sprint(10 + i)})
		objs := []pipeline.Object{}
		for _, o := range []struct {
			role, key string
			data      []byte
		}{
			{"original", pipeline.OriginalKey(fixtureBatch, docID, 0, "doc.png"), original},
			{"pdf", pipeline.PDFKey(fixtureBatch, docID), pdf},
			{"metadata", pipeline.MetadataKey(fixtureBatch, docID), md},
			{"text", pipeline.TextKey(fixtureBatch, docID), []byte("Quyết định\f")},
		} {
			info, err := storage.PutBytes(ctx, st, o.key, o.data, storage.PutOptions{})
			if err != nil {
				return err
			}
			objs = append(objs, pipeline.Object{Role: o.role, Key: info.Key, SHA256: info.SHA256, Size: info.Size})
		}
		rec := pipeline.Record{DocID: docID, Batch: fixtureBatch, Name: name, Status: status, PDFA: "2u", Pages: 1,
			NeedsReview: status == "needs_review",
			Inputs:      []pipeline.InputFile{{Name: name, SHA256: sha(original), Size: int64(len(original))}},
			Objects:     objs, Events: []pipeline.Event{{Time: t0, Actor: "test", Action: "digitize", Tool: "test"}}}
		b, _ := json.MarshalIndent(rec, "", "  ")
		if _, err := storage.PutBytes(ctx, st, pipeline.RecordKey(fixtureBatch, docID), b, storage.PutOptions{}); err != nil {
			return err
		}
	}
	key, err := pki.Signer(signertest.ECDSAP256)
	if err != nil {
		return err
	}
	plan, err := pipeline.PlanSigning(ctx, st, fixtureBatch, key, false)
	if err != nil {
		return err
	}
	sum, err := pipeline.SignApproved(ctx, st, plan, key, pipeline.SignConfig{Who: "Nguyễn Văn A",
		Options: signer.Options{Level: signer.LevelBLT, TSAURL: pki.URL + "/tsa", Roots: []*x509.Certificate{pki.Root.Cert}}})
	if err != nil {
		return err
	}
	if sum.Signed != 2 || sum.Failed != 0 {
		return fmt.Errorf("signed %d, failed %d: %+v", sum.Signed, sum.Failed, sum.Results)
	}
	return nil
}

// verifyBatch verifies the fixture's batch.
func (fx *storeFixture) verifyBatch(t *testing.T, opts Options) *Report {
	t.Helper()
	if opts.Roots == nil {
		opts.Roots = fx.roots
	}
	v := New(fx.st, opts)
	defer v.Close()
	targets, err := v.BatchTargets(context.Background(), fx.batch)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := v.Run(context.Background(), targets)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func (fx *storeFixture) path(key string) string {
	return filepath.Join(fx.dir, filepath.FromSlash(key))
}

func (fx *storeFixture) read(t *testing.T, key string) []byte {
	t.Helper()
	b, err := storage.GetBytes(context.Background(), fx.st, key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// overwrite replaces an object's bytes behind the store's back, as someone
// with access to the folder would (the store recomputes a stale digest).
func (fx *storeFixture) overwrite(t *testing.T, key string, data []byte) {
	t.Helper()
	p := fx.path(key)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// A different modification time marks the store's meta stale even when
	// the size is unchanged.
	later := time.Now().Add(time.Minute)
	os.Chtimes(p, later, later)
}

func (fx *storeFixture) record(t *testing.T, docID string) *pipeline.Record {
	t.Helper()
	r, err := pipeline.LoadRecord(context.Background(), fx.st, fx.batch, docID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (fx *storeFixture) putJSON(t *testing.T, key string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storage.PutBytes(context.Background(), fx.st, key, b, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}

func codesOf(d *Document) []string {
	var out []string
	for _, f := range d.Findings {
		out = append(out, f.Code+" ["+string(f.Severity)+"] "+f.Detail)
	}
	return out
}
