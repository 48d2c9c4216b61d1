package audit

import (
	"context"
	"encoding/json"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/signer"
	"github.com/sohoa/sohoa/signer/signertest"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/index"
)

// An untampered store verifies with no finding at all on the signed
// documents, and the unsigned one is reported as such.
func TestVerifyUntamperedStore(t *testing.T) {
	fx := newStoreFixture(t)
	for _, strict := range []bool{false, true} {
		rep := fx.verifyBatch(t, Options{Strict: strict})
		if len(rep.Documents) != 3 {
			t.Fatalf("%d documents, want 3", len(rep.Documents))
		}
		for _, d := range rep.Documents[:2] {
			if d.Verdict != VerdictValid || !d.OK || len(d.Findings) != 0 {
				t.Errorf("%s: %s ok=%v, findings %q", d.Name, d.Verdict, d.OK, codesOf(&d))
			}
			if d.Level != signer.LevelBLT || d.TimeSource != signer.TimeFromTimestamp || d.Signer == nil {
				t.Errorf("%s: level %q, time from %q, signer %v", d.Name, d.Level, d.TimeSource, d.Signer)
			}
			if d.Fixity == nil || d.Fixity.Approval == nil || !d.Fixity.Approval.OK || d.Fixity.Approval.Level != "B-LT" {
				t.Fatalf("%s: fixity %+v", d.Name, d.Fixity)
			}
			if d.Fixity.Approval.FirstRevisionSHA256 != d.Fixity.Approval.ApprovedSHA256 || d.Fixity.Approval.FirstRevisionSize <= 0 ||
				d.Fixity.Approval.FirstRevisionSize >= d.Size {
				t.Errorf("%s: approval %+v (file %d bytes)", d.Name, d.Fixity.Approval, d.Size)
			}
			roles := map[string]bool{}
			for _, o := range d.Fixity.Objects {
				roles[o.Role] = true
				if !o.OK || o.SHA256 != o.Record || o.SHA256 != o.Manifest || o.SHA256 != o.Index {
					t.Errorf("%s: object %+v", d.Name, o)
				}
			}
			for _, r := range []string{"original", "pdf", "signed", "metadata", "text"} {
				if !roles[r] {
					t.Errorf("%s: no fixity for the %s", d.Name, r)
				}
			}
			if d.PDFA == nil || d.PDFA.Claimed != "2u" || d.PDFA.Recorded != "2u" {
				t.Errorf("%s: PDF/A %+v", d.Name, d.PDFA)
			}
			for _, want := range []string{CheckSigner, CheckIntegrity, CheckChain, CheckSigningTime, CheckValidity, CheckRevocation,
				CheckTimestamp, CheckLevel, CheckModifications, CheckFixityRecord, CheckFixityManifest, CheckFixityIndex,
				CheckFixityApproval, CheckPDFAClaim} {
				if !slices.ContainsFunc(d.Checks, func(c Check) bool { return c.Check == want && c.Status == StatusOK }) {
					t.Errorf("%s: no passed %s check in %+v", d.Name, want, d.Checks)
				}
			}
		}
		unsigned := rep.Documents[2]
		if unsigned.Verdict != VerdictNotSigned || unsigned.OK == strict || !unsigned.Has(CodeNotSigned) || len(unsigned.Findings) != 1 {
			t.Errorf("unsigned (strict %v): %s ok=%v %q", strict, unsigned.Verdict, unsigned.OK, codesOf(&unsigned))
		}
		if rep.OK == strict || rep.Counts[VerdictValid] != 2 || rep.Counts[VerdictNotSigned] != 1 {
			t.Errorf("strict %v: run ok=%v counts %v", strict, rep.OK, rep.Counts)
		}
	}
}

// Every way of tampering with the store's copies or bookkeeping is caught
// by the sources that were not edited, with its own finding.
func TestFixityTampering(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		tamper func(t *testing.T, fx *storeFixture)
		want   []string // codes that must be found on the first document
		// signatureOK: the signature itself still verifies (only fixity
		// can tell).
		signatureOK bool
		verdict     Verdict
		// shared: the tampered object belongs to every document (the
		// batch's one approval).
		shared bool
	}{
		{
			name: "signed copy replaced by another validly signed document",
			tamper: func(t *testing.T, fx *storeFixture) {
				other := fx.read(t, pipeline.SignedKey(fx.batch, fx.ids[1]))
				fx.overwrite(t, pipeline.SignedKey(fx.batch, fx.ids[0]), other)
			},
			want:        []string{CodeRecordMismatch, CodeManifestMismatch, CodeIndexMismatch, CodeApprovalMismatch},
			signatureOK: true, verdict: VerdictInvalid,
		},
		{
			name: "signed copy replaced and the record edited to match",
			tamper: func(t *testing.T, fx *storeFixture) {
				other := fx.read(t, pipeline.SignedKey(fx.batch, fx.ids[1]))
				fx.overwrite(t, pipeline.SignedKey(fx.batch, fx.ids[0]), other)
				rec := fx.record(t, fx.ids[0])
				for i := range rec.Objects {
					if rec.Objects[i].Role == "signed" {
						rec.Objects[i].SHA256 = sha(other)
					}
				}
				fx.putJSON(t, pipeline.RecordKey(fx.batch, fx.ids[0]), rec)
			},
			want:        []string{CodeManifestMismatch, CodeIndexMismatch, CodeApprovalMismatch},
			signatureOK: true, verdict: VerdictInvalid,
		},
		{
			name: "index entry edited",
			tamper: func(t *testing.T, fx *storeFixture) {
				ix, err := index.Open(ctx, fx.st, t.TempDir()+"/ix.db")
				if err != nil {
					t.Fatal(err)
				}
				e, err := ix.Get(ctx, fx.batch, fx.ids[0])
				ix.Close()
				if err != nil {
					t.Fatal(err)
				}
				for i := range e.Objects {
					if e.Objects[i].Role == "signed" {
						e.Objects[i].SHA256 = strings.Repeat("ab", 32)
					}
				}
				e.Updated = time.Time{}
				if err := index.Append(ctx, fx.st, []index.Entry{e}); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{CodeIndexMismatch}, signatureOK: true, verdict: VerdictInvalid,
		},
		{
			name: "original changed",
			tamper: func(t *testing.T, fx *storeFixture) {
				rec := fx.record(t, fx.ids[0])
				o, _ := recordObject(rec, "original")
				fx.overwrite(t, o.Key, []byte("another scan"))
			},
			want:        []string{CodeRecordMismatch, CodeInputMismatch, CodeManifestMismatch, CodeIndexMismatch},
			signatureOK: true, verdict: VerdictInvalid,
		},
		{
			name: "approved digest edited",
			tamper: func(t *testing.T, fx *storeFixture) {
				key := onlyApproval(t, fx)
				var a pipeline.Approval
				readJSON(t, fx, key, &a)
				a.Documents[0].SHA256 = strings.Repeat("cd", 32)
				fx.putJSON(t, key, a)
			},
			want: []string{CodeApprovalMismatch}, signatureOK: true, verdict: VerdictInvalid,
		},
		{
			name:   "approval removed",
			tamper: func(t *testing.T, fx *storeFixture) { os.Remove(fx.path(onlyApproval(t, fx))) },
			want:   []string{CodeApprovalMissing}, signatureOK: true, verdict: VerdictInvalid, shared: true,
		},
		{
			name: "manifest edited",
			tamper: func(t *testing.T, fx *storeFixture) {
				m, err := pipeline.LoadManifest(ctx, fx.st, fx.batch)
				if err != nil {
					t.Fatal(err)
				}
				for i, d := range m.Documents {
					if d.DocID == fx.ids[0] {
						m.Documents[i].Objects[0].SHA256 = strings.Repeat("ef", 32)
					}
				}
				fx.putJSON(t, pipeline.ManifestKey(fx.batch), m)
			},
			want: []string{CodeManifestMismatch}, signatureOK: true, verdict: VerdictInvalid,
		},
		{
			name: "byte flipped in the signed copy",
			tamper: func(t *testing.T, fx *storeFixture) {
				key := pipeline.SignedKey(fx.batch, fx.ids[0])
				b := fx.read(t, key)
				slots, err := signertest.Signatures(b)
				if err != nil {
					t.Fatal(err)
				}
				fx.overwrite(t, key, signertest.FlipByte(b, int(slots[0].ByteRange[1]/2)))
			},
			want: []string{string(signer.ReasonDigestMismatch), CodeRecordMismatch}, verdict: VerdictInvalid,
		},
		{
			// A record changed after the manifest and the index were
			// written (a crash before they were brought up to date): they
			// lag, which is a warning, not tampering.
			name: "manifest and index older than the record",
			tamper: func(t *testing.T, fx *storeFixture) {
				rec := fx.record(t, fx.ids[0])
				info, err := storage.PutBytes(ctx, fx.st, pipeline.MetadataKey(fx.batch, fx.ids[0]), []byte(`{"status":"signed","subject":"sửa"}`), storage.PutOptions{})
				if err != nil {
					t.Fatal(err)
				}
				for i := range rec.Objects {
					if rec.Objects[i].Role == "metadata" {
						rec.Objects[i].SHA256, rec.Objects[i].Size = info.SHA256, info.Size
					}
				}
				rec.Events = append(rec.Events, pipeline.Event{Time: time.Now().Add(time.Minute).UTC(), Actor: "x", Action: "review", Tool: "test"})
				fx.putJSON(t, pipeline.RecordKey(fx.batch, fx.ids[0]), rec)
			},
			want: []string{CodeManifestStale, CodeIndexStale}, signatureOK: true, verdict: VerdictWarning,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fx := newStoreFixture(t)
			c.tamper(t, fx)
			rep := fx.verifyBatch(t, Options{})
			d := rep.Documents[0]
			for _, code := range c.want {
				if !d.Has(code) {
					t.Errorf("no %s in %q", code, codesOf(&d))
				}
			}
			if d.Verdict != c.verdict || d.OK != (c.verdict == VerdictWarning) {
				t.Errorf("verdict %s ok=%v, want %s", d.Verdict, d.OK, c.verdict)
			}
			if c.signatureOK && (len(d.Signatures) == 0 || d.Signatures[0].Status != signer.StatusValid) {
				t.Errorf("the signature should still verify: %+v", d.Signatures)
			}
			// The other signed document is untouched and stays valid.
			if o := rep.Documents[1]; o.Verdict != VerdictValid && !c.shared {
				t.Errorf("other document: %s %q", o.Verdict, codesOf(&o))
			}
			if rep.OK != (c.verdict == VerdictWarning) {
				t.Errorf("run ok=%v", rep.OK)
			}
		})
	}
}

// A store key under a document gets fixity too; without its record the PDF
// is still judged, and the missing record reported.
func TestVerifyKeys(t *testing.T) {
	fx := newStoreFixture(t)
	signed := pipeline.SignedKey(fx.batch, fx.ids[0])
	os.Remove(fx.path(pipeline.RecordKey(fx.batch, fx.ids[1])))
	v := New(fx.st, Options{Roots: fx.roots})
	defer v.Close()
	rep, err := v.Run(context.Background(), []Target{
		KeyTarget(signed),
		KeyTarget(pipeline.SignedKey(fx.batch, fx.ids[1])),
		KeyTarget(pipeline.PDFKey(fx.batch, fx.ids[2])),
		KeyTarget("batches/" + fx.batch + "/nothing.pdf"),
	})
	if err != nil {
		t.Fatal(err)
	}
	d := rep.Documents
	if d[0].Verdict != VerdictValid || d[0].Fixity == nil || d[0].Fixity.Approval == nil || d[0].Key != signed {
		t.Errorf("signed key: %s %q %+v", d[0].Verdict, codesOf(&d[0]), d[0].Fixity)
	}
	if !d[1].Has(CodeRecordUnreadable) || d[1].Verdict != VerdictInvalid || len(d[1].Signatures) != 1 || d[1].Signatures[0].Status != signer.StatusValid {
		t.Errorf("without record: %s %q", d[1].Verdict, codesOf(&d[1]))
	}
	// An unsigned PDF named explicitly is invalid: it was asked to verify.
	if !d[2].Has(string(signer.ReasonNoSignature)) || d[2].Verdict != VerdictInvalid || d[2].Fixity == nil {
		t.Errorf("unsigned key: %s %q", d[2].Verdict, codesOf(&d[2]))
	}
	if !d[3].Has(CodeObjectUnreadable) || d[3].Verdict != VerdictInvalid {
		t.Errorf("missing key: %s %q", d[3].Verdict, codesOf(&d[3]))
	}
}

func onlyApproval(t *testing.T, fx *storeFixture) string {
	t.Helper()
	var keys []string
	fx.st.List(context.Background(), approvalsDir(fx.batch), func(o storage.ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	})
	if len(keys) != 1 {
		t.Fatalf("approvals: %q", keys)
	}
	return keys[0]
}

func readJSON(t *testing.T, fx *storeFixture, key string, v any) {
	t.Helper()
	if err := json.Unmarshal(fx.read(t, key), v); err != nil {
		t.Fatal(err)
	}
}

// A sign event names its approval in a field; records signed before that
// field existed name it only in the event's text, and are verified the same.
func TestApprovalOfOlderRecords(t *testing.T) {
	fx := newStoreFixture(t)
	approval := onlyApproval(t, fx)
	rec := fx.record(t, fx.ids[0])
	var sign *pipeline.Event
	for i := range rec.Events {
		if rec.Events[i].Action == "sign" {
			sign = &rec.Events[i]
		}
	}
	if sign == nil || sign.Approval != approval || !strings.HasSuffix(sign.Detail, "approval "+path.Base(approval)) {
		t.Fatalf("sign event %+v, want approval %s", sign, approval)
	}
	for _, older := range []struct{ name, detail string }{
		{"named in the text", sign.Detail},
		{"not named at all", "level B-LT"},
	} {
		t.Run(older.name, func(t *testing.T) {
			sign.Approval, sign.Detail = "", older.detail
			fx.putJSON(t, pipeline.RecordKey(fx.batch, fx.ids[0]), rec)
			rep := fx.verifyBatch(t, Options{})
			for _, d := range rep.Documents {
				if d.DocID != fx.ids[0] {
					continue
				}
				if d.Fixity == nil || d.Fixity.Approval == nil || !d.Fixity.Approval.OK || d.Fixity.Approval.Key != approval {
					t.Errorf("approval of an older record: %+v, findings %q", d.Fixity, codesOf(&d))
				}
			}
		})
	}
}
