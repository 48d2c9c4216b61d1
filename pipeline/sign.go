package pipeline

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/signer"
	"github.com/sohoa/sohoa/storage"
)

// SignedKey is the key of a document's signed PDF/A: written once, never
// replaced.
func SignedKey(batch, docID string) string { return DocPrefix(batch, docID) + "signed.pdf" }

// ApprovalKey is the key of one approval of a batch.
func ApprovalKey(batch string, at time.Time) string {
	return batchesPrefix + batch + "/approvals/" + keyTime(at) + ".json"
}

// Approval is what a signer approved: who, with which certificate, when,
// and the exact bytes (SHA-256 of each unsigned PDF) of every document.
type Approval struct {
	Batch       string             `json:"batch"`
	Who         string             `json:"who"`
	Time        time.Time          `json:"time"`
	Certificate CertificateSummary `json:"certificate"`
	Level       string             `json:"level"`
	Documents   []ApprovedDocument `json:"documents"`
}

// ApprovedDocument is one document of an approval.
type ApprovedDocument struct {
	DocID  string `json:"docId"`
	Name   string `json:"name"`
	PDFKey string `json:"pdfKey"`
	SHA256 string `json:"sha256"`
}

// CertificateSummary describes a signing certificate for people.
type CertificateSummary struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	KeyUsage  []string  `json:"keyUsage"`
	SHA256    string    `json:"sha256"`
}

// SummarizeCertificate describes cert for the approval prompt and record.
func SummarizeCertificate(cert *x509.Certificate) CertificateSummary {
	sum := sha256.Sum256(cert.Raw)
	var usage []string
	for bit, name := range []string{"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign"} {
		if cert.KeyUsage&(1<<bit) != 0 {
			usage = append(usage, name)
		}
	}
	return CertificateSummary{Subject: cert.Subject.String(), Issuer: cert.Issuer.String(), Serial: cert.SerialNumber.Text(16),
		NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, KeyUsage: usage, SHA256: hex.EncodeToString(sum[:])}
}

// SignPlan is what `sohoa sign` would do, shown before approval.
type SignPlan struct {
	Batch          string             `json:"batch"`
	Certificate    CertificateSummary `json:"certificate"`
	ToSign         []*Record          `json:"-"`
	Documents      int                `json:"documents"`
	ToSignCount    int                `json:"toSign"`
	AlreadySigned  int                `json:"alreadySigned"`
	NeedReview     int                `json:"needReview"`
	Failed         int                `json:"failed"`
	IncludeFlagged bool               `json:"includeFlagged"`
}

// PlanSigning lists what signing a batch would sign: digitized (and, with
// includeFlagged, needs_review) documents not yet signed. Flagged documents
// are held back unless reviewed or explicitly included.
func PlanSigning(ctx context.Context, s storage.Store, batch string, key signer.Key, includeFlagged bool) (*SignPlan, error) {
	recs, err := Records(ctx, s, batch)
	if err != nil {
		return nil, err
	}
	p := &SignPlan{Batch: batch, Certificate: SummarizeCertificate(key.Certificate()), Documents: len(recs), IncludeFlagged: includeFlagged}
	for _, r := range recs {
		switch r.Status {
		case metadata.StatusSigned:
			p.AlreadySigned++
		case metadata.StatusFailed:
			p.Failed++
		case metadata.StatusNeedsReview:
			p.NeedReview++
			if includeFlagged {
				p.ToSign = append(p.ToSign, r)
			}
		default:
			p.ToSign = append(p.ToSign, r)
		}
	}
	p.ToSignCount = len(p.ToSign)
	return p, nil
}

// SignConfig says how to sign an approved batch.
type SignConfig struct {
	Who     string
	Options signer.Options
	// Retention keeps signed copies from being replaced or deleted until
	// now+Retention on stores with object lock.
	Retention     time.Duration
	RetentionMode storage.RetentionMode
	LegalHold     bool
	TempDir       string
	Now           func() time.Time
	Reporter      Reporter
}

// SignOutcome is what happened to one document.
type SignOutcome struct {
	DocID     string `json:"docId"`
	Name      string `json:"name"`
	Outcome   string `json:"outcome"` // signed, failed
	SignedKey string `json:"signedKey,omitempty"`
	SHA256    string `json:"sha256,omitempty"`
	Level     string `json:"level,omitempty"`
	Error     string `json:"error,omitempty"`
}

// SignSummary is the outcome of signing a batch.
type SignSummary struct {
	Batch       string        `json:"batch"`
	ApprovalKey string        `json:"approvalKey"`
	Signed      int           `json:"signed"`
	Failed      int           `json:"failed"`
	Results     []SignOutcome `json:"results"`
	// FinishError says why the manifest or the index could not be brought
	// up to date at the end of a run in which documents failed.
	FinishError string `json:"finishError,omitempty"`
}

// SignApproved records the approval of plan and signs every document in
// it. The approval names the SHA-256 of each unsigned PDF; a document whose
// bytes no longer match is refused. Signed copies are written once
// (IfNotExists); a document is never signed twice. A document that fails
// keeps its unsigned PDF and the others go on.
func SignApproved(ctx context.Context, s storage.Store, plan *SignPlan, key signer.Key, cfg SignConfig) (*SignSummary, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	rep := &syncReporter{r: cfg.Reporter}
	now := cfg.Now()
	appr := Approval{Batch: plan.Batch, Who: cfg.Who, Time: now.UTC(), Certificate: plan.Certificate, Level: string(levelOf(cfg.Options))}
	for _, r := range plan.ToSign {
		obj, ok := r.object("pdf")
		if !ok {
			continue
		}
		appr.Documents = append(appr.Documents, ApprovedDocument{DocID: r.DocID, Name: r.Name, PDFKey: obj.Key, SHA256: obj.SHA256})
	}
	sum := &SignSummary{Batch: plan.Batch, ApprovalKey: ApprovalKey(plan.Batch, now)}
	if err := putJSON(ctx, s, sum.ApprovalKey, appr); err != nil {
		return nil, fmt.Errorf("record approval: %w", err)
	}
	rep.Report(Progress{Kind: BatchStarted, Total: len(appr.Documents)})
	for _, ad := range appr.Documents {
		if ctx.Err() != nil {
			break
		}
		out := signOne(ctx, s, plan.Batch, ad, key, cfg, sum.ApprovalKey)
		sum.Results = append(sum.Results, out)
		if out.Outcome == "signed" {
			sum.Signed++
			rep.Report(Progress{Kind: DocDone, Doc: ad.Name, Outcome: "signed"})
		} else {
			sum.Failed++
			rep.Report(Progress{Kind: DocFailed, Doc: ad.Name, Err: errors.New(out.Error)})
		}
	}
	if err := FinishBatch(context.WithoutCancel(ctx), s, plan.Batch, cfg.Now()); err != nil {
		if sum.Failed == 0 {
			return sum, err
		}
		// The failed documents already say why; the next run rebuilds
		// manifest and index from the records.
		sum.FinishError = err.Error()
	}
	rep.Report(Progress{Kind: BatchDone})
	if ctx.Err() != nil {
		return sum, ErrInterrupted
	}
	return sum, nil
}

func levelOf(o signer.Options) signer.Level {
	if o.Level == "" {
		return signer.LevelBB
	}
	return o.Level
}

func (r *Record) object(role string) (Object, bool) {
	for _, o := range r.Objects {
		if o.Role == role {
			return o, true
		}
	}
	return Object{}, false
}

func signOne(ctx context.Context, s storage.Store, batch string, ad ApprovedDocument, key signer.Key, cfg SignConfig, approvalKey string) SignOutcome {
	out := SignOutcome{DocID: ad.DocID, Name: ad.Name, Outcome: "failed"}
	fail := func(err error) SignOutcome {
		out.Error = fmt.Sprintf("%s: %v", ad.Name, err)
		return out
	}
	rec, err := LoadRecord(ctx, s, batch, ad.DocID)
	if err != nil {
		return fail(err)
	}
	if rec.Status == metadata.StatusSigned {
		return fail(errors.New("already signed; a document is never signed twice"))
	}
	signedKey := SignedKey(batch, ad.DocID)
	// A signed copy stored by a run that died before updating the record:
	// finish that run's work instead of signing again.
	if info, err := s.Stat(ctx, signedKey); err == nil {
		return finishSigned(ctx, s, rec, info, "", cfg, approvalKey, out)
	}

	unsigned, err := os.CreateTemp(cfg.TempDir, "sohoa-unsigned-*.pdf")
	if err != nil {
		return fail(err)
	}
	defer os.Remove(unsigned.Name())
	defer unsigned.Close()
	rc, _, err := s.Get(ctx, ad.PDFKey)
	if err != nil {
		return fail(err)
	}
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(unsigned, h), rc)
	rc.Close()
	if err != nil {
		return fail(fmt.Errorf("read %s: %w", ad.PDFKey, err))
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != ad.SHA256 {
		return fail(fmt.Errorf("the PDF changed since it was approved (sha256 %s, approved %s); approve it again", got, ad.SHA256))
	}
	signed, err := os.CreateTemp(cfg.TempDir, "sohoa-signed-*.pdf")
	if err != nil {
		return fail(err)
	}
	defer os.Remove(signed.Name())
	defer signed.Close()
	res, err := signer.Sign(ctx, unsigned, size, signed, key, cfg.Options)
	if err != nil {
		return fail(fmt.Errorf("sign: %w", err))
	}
	if _, err := signed.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	opts := storage.PutOptions{IfNotExists: true, ContentType: "application/pdf", RetentionMode: cfg.RetentionMode, LegalHold: cfg.LegalHold}
	if cfg.Retention > 0 {
		opts.RetainUntil = cfg.Now().Add(cfg.Retention)
	}
	info, err := s.Put(ctx, signedKey, signed, res.Size, opts)
	if errors.Is(err, storage.ErrExists) {
		return fail(fmt.Errorf("a signed copy already exists at %s and is never replaced", signedKey))
	}
	if err != nil {
		return fail(fmt.Errorf("store signed copy: %w", err))
	}
	detail := fmt.Sprintf("PAdES %s, certificate sha256 %s", res.Level, res.CertificateSHA256)
	return finishSigned(ctx, s, rec, info, detail, cfg, approvalKey, out)
}

// finishSigned records a stored signed copy in the document's record and
// metadata: the commit point of signing.
func finishSigned(ctx context.Context, s storage.Store, rec *Record, info storage.ObjectInfo, detail string, cfg SignConfig, approvalKey string, out SignOutcome) SignOutcome {
	if detail == "" {
		detail = "signed copy found from an interrupted run"
	}
	var md metadata.Document
	if err := loadJSON(ctx, s, MetadataKey(rec.Batch, rec.DocID), &md); err == nil {
		md.Status = metadata.StatusSigned
		if b, err := jsonIndent(md); err == nil {
			if mi, err := storage.PutBytes(ctx, s, MetadataKey(rec.Batch, rec.DocID), b, storage.PutOptions{ContentType: "application/json"}); err == nil {
				for i := range rec.Objects {
					if rec.Objects[i].Role == "metadata" {
						rec.Objects[i].SHA256, rec.Objects[i].Size = mi.SHA256, mi.Size
					}
				}
			}
		}
	}
	rec.Status = metadata.StatusSigned
	rec.Objects = append(rec.Objects, Object{Role: "signed", Key: info.Key, SHA256: info.SHA256, Size: info.Size})
	rec.Events = append(rec.Events, Event{Time: cfg.Now().UTC(), Actor: cfg.Who, Action: "sign", Tool: ToolName(),
		Detail: detail + "; approval " + approvalKey[strings.LastIndex(approvalKey, "/")+1:], Approval: approvalKey})
	if err := putJSON(ctx, s, RecordKey(rec.Batch, rec.DocID), rec); err != nil {
		out.Error = fmt.Sprintf("%s: signed copy stored at %s but the record could not be updated (run sign again): %v", rec.Name, info.Key, err)
		return out
	}
	out.Outcome, out.SignedKey, out.SHA256 = "signed", info.Key, info.SHA256
	return out
}

// FinishBatch rewrites a batch's manifest from its records and brings the
// search index up to date: the last step of every command that changes
// records, and of a run that finds nothing to do (its predecessor may have
// died before this step).
func FinishBatch(ctx context.Context, s storage.Store, batch string, now time.Time) error {
	if _, err := writeManifest(ctx, s, batch, ToolName(), now); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if _, err := IndexBatch(ctx, s, batch); err != nil {
		return fmt.Errorf("documents are stored, but %w (run 'sohoa index rebuild')", err)
	}
	return nil
}
