// Package audit verifies stored documents for auditors: the signatures of a
// signed copy (everything signer.Verify checks), the fixity of a stored
// document (the bytes of its signed copy and originals against the record,
// the batch manifest, the approval that allowed the signature and the search
// index), and its PDF/A claim (with veraPDF's verdict when it is installed).
//
//	v := audit.New(store, audit.Options{Roots: roots, Lang: "vi"})
//	defer v.Close()
//	targets, err := v.BatchTargets(ctx, "scans")
//	rep, err := v.Run(ctx, targets)
//	err = audit.WriteHTML(f, rep)
//
// Every finding goes into the Report with a Vietnamese and an English text;
// Run's error is only for a run that could not happen at all. A document's
// verdict is valid, warning (valid, but something could not be established,
// such as the certificate's revocation status), not-signed (a batch
// document without a signed copy), indeterminate or invalid; with
// Options.Strict only valid passes.
//
// What counts as proof: the bytes. Every object a record names is read and
// hashed again; the record, the manifest, the index and the approval are
// each compared with those digests, so a signed copy replaced by another
// validly signed document, or a record edited to match, is caught by the
// sources that were not edited. The approval's digest of the unsigned PDF
// must also be the digest of the signed copy's revision before its first
// signature: what was signed is what was approved.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/signer"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/index"
)

// Options control a verification run.
type Options struct {
	// Roots are the trust anchors for signers and time-stamping
	// authorities; without them every chain is untrusted (indeterminate).
	Roots *x509.CertPool
	// Online fetches OCSP responses and CRLs the documents do not embed.
	Online     bool
	HTTPClient *http.Client
	// Level, when set, is the PAdES level every signature must reach. When
	// empty, a stored signed copy must reach the level its approval names.
	Level signer.Level
	// Strict counts warnings and unsigned documents as failures.
	Strict bool
	// Lang is the language of the human texts: "vi" (default) or "en".
	// The Report carries both; Lang selects what renderers show.
	Lang string
	// VeraPDF is veraPDF's command-line launcher; "" skips the PDF/A
	// validation (the claim is still read).
	VeraPDF string
	// IndexCache is the search-index cache to use; "" makes a fresh one in
	// a temporary folder, so the index is read from the store's segments
	// and not from a cache that could have been edited.
	IndexCache string
	// TempDir holds temporary files ("" is os.TempDir()).
	TempDir string
	// Workers is the number of documents verified at once; 0 is the number
	// of CPUs.
	Workers int
	// Now is the current time (the run's time; a signature without any
	// time is checked at it); nil is time.Now.
	Now func() time.Time
}

// Target is one thing to verify: a local file, an object of the store, or
// a stored document (its signed copy, or only its fixity when unsigned).
type Target struct {
	File  string `json:"file,omitempty"`
	Key   string `json:"key,omitempty"`
	Batch string `json:"batch,omitempty"`
	DocID string `json:"docId,omitempty"`

	record *pipeline.Record
}

// FileTarget names a local PDF.
func FileTarget(path string) Target { return Target{File: path} }

// KeyTarget names a PDF object of the store; under a document's prefix its
// fixity is checked too.
func KeyTarget(key string) Target { return Target{Key: key} }

// DocumentTarget names a stored document of a batch.
func DocumentTarget(batch, docID string) Target { return Target{Batch: batch, DocID: docID} }

// Verifier verifies documents; it caches what documents of one batch
// share (manifest, approvals, the index). Safe for concurrent use.
type Verifier struct {
	store storage.Store
	opts  Options

	mu        sync.Mutex
	manifests map[string]*lazy[*pipeline.Manifest]
	approvals map[string]*lazy[*pipeline.Approval]
	// approvalKeys lists each batch's approval records (for records that
	// do not name theirs).
	approvalKeys map[string]*lazy[[]string]

	indexOnce sync.Once
	indexMu   sync.Mutex // index.Index is used from one goroutine at a time
	index     *index.Index
	indexErr  error
	tempDir   string // created on first use; removed by Close
}

// lazy is a value loaded once on first use.
type lazy[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (l *lazy[T]) get(load func() (T, error)) (T, error) {
	l.once.Do(func() { l.v, l.err = load() })
	return l.v, l.err
}

// New makes a Verifier reading stored documents from store (nil when only
// local files are verified).
func New(store storage.Store, opts Options) *Verifier {
	if opts.Lang != "en" {
		opts.Lang = "vi"
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.NumCPU()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Verifier{store: store, opts: opts, manifests: map[string]*lazy[*pipeline.Manifest]{},
		approvals: map[string]*lazy[*pipeline.Approval]{}, approvalKeys: map[string]*lazy[[]string]{}}
}

// Close releases the index cache and removes temporary files.
func (v *Verifier) Close() error {
	var err error
	if v.index != nil {
		err = v.index.Close()
	}
	if v.tempDir != "" {
		if rerr := os.RemoveAll(v.tempDir); err == nil {
			err = rerr
		}
	}
	return err
}

func (v *Verifier) temp() (string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.tempDir == "" {
		d, err := os.MkdirTemp(v.opts.TempDir, "sohoa-verify-")
		if err != nil {
			return "", fmt.Errorf("temporary folder: %w", err)
		}
		v.tempDir = d
	}
	return v.tempDir, nil
}

// BatchTargets lists every document of a batch, by name.
func (v *Verifier) BatchTargets(ctx context.Context, batch string) ([]Target, error) {
	if v.store == nil {
		return nil, errors.New("no store to read the batch from")
	}
	recs, err := pipeline.Records(ctx, v.store, batch)
	if err != nil {
		return nil, err
	}
	out := make([]Target, 0, len(recs))
	for _, r := range recs {
		out = append(out, Target{Batch: batch, DocID: r.DocID, record: r})
	}
	return out, nil
}

// Run verifies targets, several at once, and returns the report with the
// documents in the order of targets. Its error is only for a run that
// could not be done (the context ended); every problem with a document is
// in the report.
func (v *Verifier) Run(ctx context.Context, targets []Target) (*Report, error) {
	rep := &Report{Tool: pipeline.ToolName(), Time: v.opts.Now().UTC(), Lang: v.opts.Lang, Strict: v.opts.Strict,
		Counts: map[Verdict]int{}, Documents: make([]Document, len(targets))}
	if v.store != nil {
		rep.Store = v.store.Location()
	}
	copies := make([]string, len(targets)) // files for veraPDF
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(v.opts.Workers, max(1, len(targets))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				rep.Documents[i], copies[i] = v.verify(ctx, targets[i])
			}
		}()
	}
	for i := range targets {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if v.opts.VeraPDF != "" {
		v.validatePDFA(ctx, rep.Documents, copies)
	}
	rep.finish(v.opts.Strict)
	return rep, nil
}

// finish computes the verdicts and counts.
func (rep *Report) finish(strict bool) {
	rep.Verdict, rep.OK = VerdictValid, true
	for i := range rep.Documents {
		d := &rep.Documents[i]
		d.judge(strict)
		rep.Counts[d.Verdict]++
		if d.Verdict.rank() > rep.Verdict.rank() {
			rep.Verdict = d.Verdict
		}
		rep.OK = rep.OK && d.OK
	}
}

// judge sets the document's verdict from its findings.
func (d *Document) judge(strict bool) {
	d.Verdict = VerdictValid
	for _, f := range d.Findings {
		var v Verdict
		switch {
		case f.Code == CodeNotSigned:
			v = VerdictNotSigned
		case f.Severity == signer.SeverityWarning:
			v = VerdictWarning
		case f.Severity == signer.SeverityIndeterminate:
			v = VerdictIndeterminate
		default:
			v = VerdictInvalid
		}
		if v.rank() > d.Verdict.rank() {
			d.Verdict = v
		}
	}
	d.OK = d.Verdict == VerdictValid || (!strict && (d.Verdict == VerdictWarning || d.Verdict == VerdictNotSigned))
}

// verify checks one target; the second result is a local file with the
// PDF's bytes for veraPDF ("" when there is none or no claim).
func (v *Verifier) verify(ctx context.Context, t Target) (Document, string) {
	d := Document{Checks: []Check{}, Findings: []Finding{}, Signatures: []signer.SignatureReport{}}
	var pdf []byte
	var recorded string
	switch {
	case t.File != "":
		d.Name, d.File = t.File, t.File
		data, err := os.ReadFile(t.File)
		if err != nil {
			d.addFinding(CheckSignature, finding(CheckSignature, CodeReadError, "%v", err))
			return d, ""
		}
		pdf = data
		v.verifyPDF(ctx, &d, pdf, "", v.opts.Level)
	case t.Key != "" && !isDocObject(t.Key):
		d.Name, d.Key = t.Key, t.Key
		data, sum, problem := v.readStored(ctx, t.Key, true)
		if problem != nil {
			d.addFinding(CheckSignature, *problem)
			if problem.Code != CodeStoreChecksum {
				return d, ""
			}
		}
		pdf = data
		v.verifyPDF(ctx, &d, pdf, sum, v.opts.Level)
	default:
		pdf, recorded = v.verifyStored(ctx, &d, t)
	}
	if pdf == nil {
		return d, ""
	}
	return d, v.checkPDFAClaim(&d, pdf, recorded)
}

// verifyPDF runs signer.Verify on the bytes and adds what it found.
func (v *Verifier) verifyPDF(ctx context.Context, d *Document, pdf []byte, sum string, level signer.Level) *signer.Report {
	d.Size = int64(len(pdf))
	if sum == "" {
		s := sha256.Sum256(pdf)
		sum = hex.EncodeToString(s[:])
	}
	d.SHA256 = sum
	rep, err := signer.Verify(ctx, bytes.NewReader(pdf), int64(len(pdf)), signer.VerifyOptions{
		Roots: v.opts.Roots, Online: v.opts.Online, HTTPClient: v.opts.HTTPClient, Now: v.opts.Now(), RequireLevel: level,
	})
	if err != nil {
		d.addFinding(CheckSignature, finding(CheckSignature, CodeReadError, "%v", err))
		return nil
	}
	d.addSignatureReport(rep)
	return rep
}

// addFinding records a finding of this package with its check's line.
func (d *Document) addFinding(check string, f Finding) {
	d.Findings = append(d.Findings, f)
	for i := range d.Checks {
		if d.Checks[i].Check == check && d.Checks[i].Signature == "" {
			d.Checks[i] = checkFromFindings(d.Findings, check, "", text{d.Checks[i].Vietnamese, d.Checks[i].English})
			return
		}
	}
	d.Checks = append(d.Checks, checkFromFindings(d.Findings, check, "", text{}))
}

// checkPDFAClaim reads the PDF/A claim and, when veraPDF will judge it,
// returns a local file with the bytes.
func (v *Verifier) checkPDFAClaim(d *Document, pdf []byte, recorded string) string {
	claim := ClaimedFlavour(pdf)
	d.PDFA = &PDFA{Claimed: claim, Recorded: recorded}
	switch {
	case claim == "" && recorded != "":
		d.addFinding(CheckPDFAClaim, finding(CheckPDFAClaim, CodePDFANoClaim, "the record says PDF/A-%s", recorded))
	case claim == "":
		d.Checks = append(d.Checks, Check{Check: CheckPDFAClaim, Status: StatusInfo,
			Vietnamese: "Tệp không tuyên bố tuân thủ PDF/A.", English: "The file claims no PDF/A conformance."})
	case recorded != "" && !strings.EqualFold(claim, recorded):
		d.addFinding(CheckPDFAClaim, finding(CheckPDFAClaim, CodePDFAClaimMismatch, "the file claims PDF/A-%s, the record PDF/A-%s", claim, recorded))
	default:
		d.Checks = append(d.Checks, Check{Check: CheckPDFAClaim, Status: StatusOK,
			Vietnamese: "Tệp tuyên bố tuân thủ PDF/A-" + claim + ".", English: "The file claims PDF/A-" + claim + "."})
	}
	if claim == "" || v.opts.VeraPDF == "" {
		return ""
	}
	if d.File != "" {
		return d.File
	}
	dir, err := v.temp()
	if err == nil {
		f, ferr := os.CreateTemp(dir, "doc-*.pdf")
		if ferr == nil {
			_, ferr = f.Write(pdf)
			if cerr := f.Close(); ferr == nil {
				ferr = cerr
			}
			if ferr == nil {
				return f.Name()
			}
		}
		err = ferr
	}
	d.addFinding(CheckPDFAVeraPDF, finding(CheckPDFAVeraPDF, CodePDFAValidatorError, "%v", err))
	return ""
}

// validatePDFA runs veraPDF on the documents that claim PDF/A, one run per
// flavour, and adds its verdicts.
func (v *Verifier) validatePDFA(ctx context.Context, docs []Document, files []string) {
	byFlavour := map[string][]int{}
	var flavours []string
	for i, f := range files {
		if f == "" || docs[i].PDFA == nil {
			continue
		}
		fl := docs[i].PDFA.Claimed
		if byFlavour[fl] == nil {
			flavours = append(flavours, fl)
		}
		byFlavour[fl] = append(byFlavour[fl], i)
	}
	for _, fl := range flavours {
		idx := byFlavour[fl]
		paths := make([]string, len(idx))
		for j, i := range idx {
			paths[j] = files[i]
		}
		results, err := runVeraPDF(ctx, v.opts.VeraPDF, fl, paths)
		for _, i := range idx {
			d := &docs[i]
			r, ok := results[files[i]]
			switch {
			case !ok && err != nil:
				d.PDFA.VeraPDF = &VeraPDFResult{Flavour: fl, Error: err.Error()}
				d.addFinding(CheckPDFAVeraPDF, finding(CheckPDFAVeraPDF, CodePDFAValidatorError, "%v", err))
			case r.Error != "":
				d.PDFA.VeraPDF = &r
				d.addFinding(CheckPDFAVeraPDF, finding(CheckPDFAVeraPDF, CodePDFAValidatorError, "%s", r.Error))
			case !r.Compliant:
				d.PDFA.VeraPDF = &r
				d.addFinding(CheckPDFAVeraPDF, finding(CheckPDFAVeraPDF, CodePDFANotCompliant, "PDF/A-%s, failed rules: %s", fl, strings.Join(r.FailedRules, ", ")))
			default:
				d.PDFA.VeraPDF = &r
				d.Checks = append(d.Checks, Check{Check: CheckPDFAVeraPDF, Status: StatusOK,
					Vietnamese: "veraPDF xác nhận tệp tuân thủ PDF/A-" + fl + ".", English: "veraPDF finds the file compliant with PDF/A-" + fl + "."})
			}
		}
	}
}

// isDocObject tells whether key lies under a document's prefix
// (batches/<batch>/docs/<docId>/…), where the record gives its fixity.
func isDocObject(key string) bool {
	_, _, ok := splitDocKey(key)
	return ok
}

func splitDocKey(key string) (batch, docID string, ok bool) {
	parts := strings.SplitN(key, "/", 5)
	if len(parts) != 5 || parts[0] != "batches" || parts[2] != "docs" || parts[1] == "" || parts[3] == "" {
		return "", "", false
	}
	return parts[1], parts[3], true
}

// LooksLikeKey tells whether arg is better read as a store key than as a
// local path: it is not an existing file and is a valid key.
func LooksLikeKey(arg string) bool {
	if _, err := os.Stat(arg); err == nil {
		return false
	}
	return storage.CheckKey(arg) == nil && !filepath.IsAbs(arg)
}
