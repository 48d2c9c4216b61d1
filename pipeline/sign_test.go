package pipeline_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/signer/signertest"
	"github.com/sohoa/sohoa/storage"
)

func TestSignRefusesChangedBytesAndNeverSignsTwice(t *testing.T) {
	ctx := context.Background()
	in := t.TempDir()
	writePNG(t, filepath.Join(in, "a.png"), 200)
	writePNG(t, filepath.Join(in, "b.png"), 210)
	deps, st := newDeps(t, fakeEngine{})
	if _, err := pipeline.Digitize(ctx, pipeline.Config{Batch: "s", Inputs: []string{in}}, deps); err != nil {
		t.Fatal(err)
	}
	pki := signertest.Start(t)
	key := pki.MustSigner(t, signertest.ECDSAP256)
	plan, err := pipeline.PlanSigning(ctx, st, "s", key, true)
	if err != nil || plan.ToSignCount != 2 {
		t.Fatalf("plan %+v, %v", plan, err)
	}
	// b.png's PDF changes after the plan is shown and approved.
	var changed string
	for _, r := range plan.ToSign {
		if strings.HasSuffix(r.Name, "b.png") {
			changed = pipeline.PDFKey("s", r.DocID)
		}
	}
	pdf, _ := storage.GetBytes(ctx, st, changed)
	storage.PutBytes(ctx, st, changed, append(pdf, "\n% tampered\n"...), storage.PutOptions{})

	sum, err := pipeline.SignApproved(ctx, st, plan, key, pipeline.SignConfig{Who: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Signed != 1 || sum.Failed != 1 {
		t.Fatalf("signed %d failed %d, want 1 and 1: %+v", sum.Signed, sum.Failed, sum.Results)
	}
	for _, r := range sum.Results {
		if r.Outcome == "failed" && !strings.Contains(r.Error, "changed since it was approved") {
			t.Errorf("refusal reason %q", r.Error)
		}
	}
	// The same plan again: the signed document is refused, not re-signed.
	again, err := pipeline.SignApproved(ctx, st, plan, key, pipeline.SignConfig{Who: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Signed != 0 {
		t.Fatalf("signed %d documents a second time", again.Signed)
	}
	recs, _ := pipeline.Records(ctx, st, "s")
	signed := 0
	for _, r := range recs {
		if r.Status == metadata.StatusSigned {
			signed++
			n := 0
			for _, o := range r.Objects {
				if o.Role == "signed" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s has %d signed copies", r.Name, n)
			}
		}
	}
	if signed != 1 {
		t.Errorf("%d signed records, want 1", signed)
	}
}
