package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/signer"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/index"
)

// readStored reads an object, hashing it as it flows; it keeps the bytes
// when keep is set. A problem (unreadable, or the store's own digest
// differs) comes back as a finding; the bytes read are returned with a
// checksum finding, since they are what an auditor must judge.
func (v *Verifier) readStored(ctx context.Context, key string, keep bool) ([]byte, string, *Finding) {
	if v.store == nil {
		f := finding(CheckFixityRecord, CodeObjectUnreadable, "%s: no store", key)
		return nil, "", &f
	}
	rc, _, err := v.store.Get(ctx, key)
	if err != nil {
		f := finding(CheckFixityRecord, CodeObjectUnreadable, "%s: %v", key, err)
		return nil, "", &f
	}
	defer rc.Close()
	h := sha256.New()
	var buf bytes.Buffer
	w := io.Writer(h)
	if keep {
		w = io.MultiWriter(h, &buf)
	}
	_, err = io.Copy(w, rc)
	sum := hex.EncodeToString(h.Sum(nil))
	var data []byte
	if keep {
		data = buf.Bytes()
	}
	switch {
	case errors.Is(err, storage.ErrChecksum):
		f := finding(CheckFixityRecord, CodeStoreChecksum, "%s: sha256 %s", key, sum)
		return data, sum, &f
	case err != nil:
		f := finding(CheckFixityRecord, CodeObjectUnreadable, "%s: %v", key, err)
		return nil, "", &f
	}
	return data, sum, nil
}

// verifyStored checks a stored document: the fixity of every object its
// record names, then the signatures of its signed copy (or of the object
// t.Key names). It returns the PDF verified (nil when none) and the PDF/A
// flavour the record names.
func (v *Verifier) verifyStored(ctx context.Context, d *Document, t Target) ([]byte, string) {
	batch, docID, pdfKey := t.Batch, t.DocID, t.Key
	if pdfKey != "" {
		batch, docID, _ = splitDocKey(pdfKey)
	}
	d.Batch, d.DocID, d.Key, d.Name = batch, docID, pdfKey, docID
	rec := t.record
	if rec == nil {
		var err error
		if rec, err = pipeline.LoadRecord(ctx, v.store, batch, docID); err != nil {
			d.addFinding(CheckFixityRecord, finding(CheckFixityRecord, CodeRecordUnreadable, "%s: %v", pipeline.RecordKey(batch, docID), err))
			if pdfKey == "" {
				return nil, ""
			}
			// Without a record the PDF can still be judged on its own.
			data, sum, problem := v.readStored(ctx, pdfKey, true)
			if problem != nil {
				d.addFinding(CheckFixityRecord, *problem)
			}
			if data == nil {
				return nil, ""
			}
			v.verifyPDF(ctx, d, data, sum, v.opts.Level)
			return data, ""
		}
	}
	d.Name = rec.Name
	signed, isSigned := recordObject(rec, "signed")
	if pdfKey == "" && isSigned {
		pdfKey = signed.Key
	}
	d.Key = pdfKey
	fx := &Fixity{Record: pipeline.RecordKey(batch, docID)}
	d.Fixity = fx

	// 1. The bytes against the record.
	var pdf []byte
	var pdfSum string
	sums := map[string]string{} // key → recomputed SHA-256
	var recordProblems []Finding
	for _, o := range rec.Objects {
		keep := o.Key == pdfKey
		data, sum, problem := v.readStored(ctx, o.Key, keep)
		of := ObjectFixity{Role: o.Role, Key: o.Key, SHA256: sum, Record: o.SHA256}
		if problem != nil {
			recordProblems = append(recordProblems, *problem)
		}
		if sum != "" {
			sums[o.Key] = sum
			if keep {
				pdf, pdfSum = data, sum
				of.Size = int64(len(data))
			}
			if sum != o.SHA256 {
				recordProblems = append(recordProblems, finding(CheckFixityRecord, CodeRecordMismatch,
					"%s %s: sha256 %s, the record says %s", o.Role, o.Key, sum, o.SHA256))
			}
		}
		of.OK = sum != "" && sum == o.SHA256 && problem == nil
		fx.Objects = append(fx.Objects, of)
	}
	if pdfKey != "" && sums[pdfKey] == "" {
		if _, named := recordObjectByKey(rec, pdfKey); !named {
			recordProblems = append(recordProblems, finding(CheckFixityRecord, CodeNotRecorded, "%s", pdfKey))
			data, sum, problem := v.readStored(ctx, pdfKey, true)
			if problem != nil {
				recordProblems = append(recordProblems, *problem)
			}
			pdf, pdfSum = data, sum
		}
	}
	recordProblems = append(recordProblems, inputProblems(rec, sums)...)
	v.addFixityCheck(d, CheckFixityRecord, recordProblems, text{
		fmt.Sprintf("%d tệp lưu trữ khớp mã băm SHA-256 ghi trong hồ sơ lưu trữ.", len(rec.Objects)),
		fmt.Sprintf("%d stored files match the SHA-256 of the archive record.", len(rec.Objects))})

	// 2. The batch manifest and 3. the search index.
	last := lastEvent(rec)
	v.addFixityCheck(d, CheckFixityManifest, v.manifestProblems(ctx, rec, fx, last), text{
		"Mã băm khớp với danh mục lô (batch.json).", "The digests match the batch manifest (batch.json)."})
	v.addFixityCheck(d, CheckFixityIndex, v.indexProblems(ctx, rec, fx, last), text{
		"Mã băm khớp với chỉ mục tra cứu.", "The digests match the search index."})

	// 4. The approval that allowed the signature.
	level := v.opts.Level
	var appr *ApprovalFixity
	var apprProblems []Finding
	if isSigned {
		appr, apprProblems = v.approvalOf(ctx, rec, sums)
		fx.Approval = appr
		if appr != nil && level == "" {
			if l, err := signer.ParseLevel(appr.Level); err == nil {
				level = l
			}
		}
	}

	if pdfKey == "" {
		detail := "status " + rec.Status
		if rec.Status == metadata.StatusFailed && rec.Error != "" {
			detail += ": " + rec.Error
		}
		d.addFinding(CheckSignature, finding(CheckSignature, CodeNotSigned, "%s", detail))
		return nil, ""
	}
	if pdf == nil {
		d.addFinding(CheckSignature, finding(CheckSignature, CodeReadError, "%s", pdfKey))
		return nil, ""
	}
	rep := v.verifyPDF(ctx, d, pdf, pdfSum, level)
	if isSigned && pdfKey == signed.Key {
		if appr != nil {
			apprProblems = append(apprProblems, approvedRevisionProblems(pdf, rep, appr)...)
			appr.OK = len(apprProblems) == 0
		}
		v.addFixityCheck(d, CheckFixityApproval, apprProblems, approvalText(appr))
	}
	return pdf, rec.PDFA
}

func approvalText(a *ApprovalFixity) text {
	if a == nil {
		return text{}
	}
	return text{
		fmt.Sprintf("Nội dung được ký đúng là nội dung đã phê duyệt bởi %s lúc %s (mức %s).", a.Who, showTime(a.Time), a.Level),
		fmt.Sprintf("What was signed is what %s approved at %s (level %s).", a.Who, showTime(a.Time), a.Level)}
}

// addFixityCheck adds a fixity check's line and its findings.
func (v *Verifier) addFixityCheck(d *Document, check string, problems []Finding, ok text) {
	for i := range problems {
		problems[i].Check = check
	}
	d.Findings = append(d.Findings, problems...)
	d.Checks = append(d.Checks, checkFromFindings(problems, check, "", ok))
}

func recordObject(rec *pipeline.Record, role string) (pipeline.Object, bool) {
	for _, o := range rec.Objects {
		if o.Role == role {
			return o, true
		}
	}
	return pipeline.Object{}, false
}

func recordObjectByKey(rec *pipeline.Record, key string) (pipeline.Object, bool) {
	for _, o := range rec.Objects {
		if o.Key == key {
			return o, true
		}
	}
	return pipeline.Object{}, false
}

// inputProblems checks that every stored original is byte for byte one of
// the input files the record says were read.
func inputProblems(rec *pipeline.Record, sums map[string]string) []Finding {
	if len(rec.Inputs) == 0 {
		return nil
	}
	inputs := map[string]bool{}
	for _, in := range rec.Inputs {
		inputs[in.SHA256] = true
	}
	var out []Finding
	for _, o := range rec.Objects {
		if sum := sums[o.Key]; o.Role == "original" && sum != "" && !inputs[sum] {
			out = append(out, finding(CheckFixityRecord, CodeInputMismatch, "%s: sha256 %s is not among the inputs read", o.Key, sum))
		}
	}
	return out
}

// lastEvent is the time of the record's newest event: a source written
// before it may lawfully lag behind the record.
func lastEvent(rec *pipeline.Record) time.Time {
	var t time.Time
	for _, e := range rec.Events {
		if e.Time.After(t) {
			t = e.Time
		}
	}
	return t
}

func (v *Verifier) manifest(ctx context.Context, batch string) (*pipeline.Manifest, error) {
	v.mu.Lock()
	l := v.manifests[batch]
	if l == nil {
		l = &lazy[*pipeline.Manifest]{}
		v.manifests[batch] = l
	}
	v.mu.Unlock()
	return l.get(func() (*pipeline.Manifest, error) { return pipeline.LoadManifest(ctx, v.store, batch) })
}

// manifestProblems compares the batch manifest's digests with the bytes.
// A manifest written before the record's last change (a review import does
// not rewrite it) may lag: that is a warning, not tampering.
func (v *Verifier) manifestProblems(ctx context.Context, rec *pipeline.Record, fx *Fixity, last time.Time) []Finding {
	m, err := v.manifest(ctx, rec.Batch)
	if err != nil {
		return []Finding{finding(CheckFixityManifest, CodeManifestUnreadable, "%s: %v", pipeline.ManifestKey(rec.Batch), err)}
	}
	stale := last.After(m.Updated)
	var entry *pipeline.ManifestEntry
	for i := range m.Documents {
		if m.Documents[i].DocID == rec.DocID {
			entry = &m.Documents[i]
		}
	}
	if entry == nil {
		if stale {
			return []Finding{finding(CheckFixityManifest, CodeManifestStale, "%s is not in the manifest of %s", rec.DocID, showTime(m.Updated))}
		}
		return []Finding{finding(CheckFixityManifest, CodeManifestMismatch, "%s is not in the manifest", rec.DocID)}
	}
	listed := map[string]string{}
	for _, o := range entry.Objects {
		listed[o.Key] = o.SHA256
	}
	differ := compareListed(fx, listed, func(of *ObjectFixity) *string { return &of.Manifest }, "the manifest")
	if len(differ) == 0 {
		return nil
	}
	if stale {
		return []Finding{finding(CheckFixityManifest, CodeManifestStale, "manifest of %s, record changed %s: %s",
			showTime(m.Updated), showTime(last), strings.Join(differ, "; "))}
	}
	out := make([]Finding, len(differ))
	for i, s := range differ {
		out[i] = finding(CheckFixityManifest, CodeManifestMismatch, "%s", s)
	}
	return out
}

// openIndex opens the store's search index once, in a fresh cache unless
// one is configured.
func (v *Verifier) openIndex(ctx context.Context) (*index.Index, error) {
	v.indexOnce.Do(func() {
		cache := v.opts.IndexCache
		if cache == "" {
			dir, err := v.temp()
			if err != nil {
				v.indexErr = err
				return
			}
			cache = filepath.Join(dir, "index.db")
		}
		v.index, v.indexErr = index.Open(ctx, v.store, cache)
	})
	return v.index, v.indexErr
}

// indexProblems compares the search index's entry with the bytes. An entry
// older than the record's last change means the index lags (a crash before
// indexing): a warning, repaired by 'sohoa index rebuild'.
func (v *Verifier) indexProblems(ctx context.Context, rec *pipeline.Record, fx *Fixity, last time.Time) []Finding {
	ix, err := v.openIndex(ctx)
	if err != nil {
		return []Finding{finding(CheckFixityIndex, CodeIndexUnreadable, "%v", err)}
	}
	v.indexMu.Lock()
	e, err := ix.Get(ctx, rec.Batch, rec.DocID)
	v.indexMu.Unlock()
	if errors.Is(err, index.ErrNotFound) {
		return []Finding{finding(CheckFixityIndex, CodeIndexMissing, "%s/%s", rec.Batch, rec.DocID)}
	}
	if err != nil {
		return []Finding{finding(CheckFixityIndex, CodeIndexUnreadable, "%v", err)}
	}
	listed := map[string]string{}
	for _, o := range e.Objects {
		listed[o.Key] = o.SHA256
	}
	differ := compareListed(fx, listed, func(of *ObjectFixity) *string { return &of.Index }, "the index")
	if len(differ) == 0 {
		return nil
	}
	if e.Updated.Before(last) {
		return []Finding{finding(CheckFixityIndex, CodeIndexStale, "entry of %s, record changed %s: %s",
			showTime(e.Updated), showTime(last), strings.Join(differ, "; "))}
	}
	out := make([]Finding, len(differ))
	for i, s := range differ {
		out[i] = finding(CheckFixityIndex, CodeIndexMismatch, "%s", s)
	}
	return out
}

func (v *Verifier) approval(ctx context.Context, key string) (*pipeline.Approval, error) {
	v.mu.Lock()
	l := v.approvals[key]
	if l == nil {
		l = &lazy[*pipeline.Approval]{}
		v.approvals[key] = l
	}
	v.mu.Unlock()
	return l.get(func() (*pipeline.Approval, error) {
		b, err := storage.GetBytes(ctx, v.store, key)
		if err != nil {
			return nil, err
		}
		var a pipeline.Approval
		if err := json.Unmarshal(b, &a); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		return &a, nil
	})
}

// approvalsDir is where a batch's approval records live.
func approvalsDir(batch string) string { return path.Dir(pipeline.ManifestKey(batch)) + "/approvals/" }

// approvalKeysOf lists a batch's approval records, oldest first.
func (v *Verifier) approvalKeysOf(ctx context.Context, batch string) ([]string, error) {
	v.mu.Lock()
	l := v.approvalKeys[batch]
	if l == nil {
		l = &lazy[[]string]{}
		v.approvalKeys[batch] = l
	}
	v.mu.Unlock()
	return l.get(func() ([]string, error) {
		var keys []string
		err := v.store.List(ctx, approvalsDir(batch), func(o storage.ObjectInfo) error {
			if strings.HasSuffix(o.Key, ".json") {
				keys = append(keys, o.Key)
			}
			return nil
		})
		sort.Strings(keys)
		return keys, err
	})
}

// approvalOf finds the approval that allowed the document's signature —
// the one its newest sign event names (Event.Approval, else in its
// Detail), else the newest that lists it — and
// compares the approved digest with the unsigned PDF's bytes.
func (v *Verifier) approvalOf(ctx context.Context, rec *pipeline.Record, sums map[string]string) (*ApprovalFixity, []Finding) {
	var candidates []string
	for i := len(rec.Events) - 1; i >= 0; i-- {
		e := rec.Events[i]
		if e.Action != "sign" {
			continue
		}
		if e.Approval != "" {
			if storage.CheckKey(e.Approval) == nil && strings.HasPrefix(e.Approval, approvalsDir(rec.Batch)) {
				candidates = append(candidates, e.Approval)
				break
			}
			continue
		}
		// Records signed before Event.Approval existed name it in Detail.
		if at := strings.LastIndex(e.Detail, "approval "); at >= 0 {
			name := strings.TrimSpace(e.Detail[at+len("approval "):])
			if storage.CheckKey(name) == nil && !strings.Contains(name, "/") {
				candidates = append(candidates, approvalsDir(rec.Batch)+name)
				break
			}
		}
	}
	if len(candidates) == 0 {
		keys, err := v.approvalKeysOf(ctx, rec.Batch)
		if err != nil {
			return nil, []Finding{finding(CheckFixityApproval, CodeApprovalMissing, "%v", err)}
		}
		for i := len(keys) - 1; i >= 0; i-- {
			candidates = append(candidates, keys[i])
		}
	}
	var lastErr error
	for _, key := range candidates {
		a, err := v.approval(ctx, key)
		if err != nil {
			lastErr = err
			continue
		}
		for _, ad := range a.Documents {
			if ad.DocID != rec.DocID {
				continue
			}
			af := &ApprovalFixity{Key: key, Who: a.Who, Time: a.Time, Level: a.Level, ApprovedSHA256: ad.SHA256}
			var problems []Finding
			pdfObj, ok := recordObject(rec, "pdf")
			switch {
			case !ok:
				problems = append(problems, finding(CheckFixityApproval, CodeApprovalMismatch, "the record has no unsigned PDF"))
			case pdfObj.Key != ad.PDFKey:
				problems = append(problems, finding(CheckFixityApproval, CodeApprovalMismatch, "approved %s, the record's PDF is %s", ad.PDFKey, pdfObj.Key))
			default:
				af.UnsignedSHA256 = sums[pdfObj.Key]
				if af.UnsignedSHA256 != "" && af.UnsignedSHA256 != ad.SHA256 {
					problems = append(problems, finding(CheckFixityApproval, CodeApprovalMismatch,
						"unsigned PDF %s: sha256 %s, approved %s", pdfObj.Key, af.UnsignedSHA256, ad.SHA256))
				}
			}
			return af, problems
		}
	}
	if lastErr != nil {
		return nil, []Finding{finding(CheckFixityApproval, CodeApprovalMissing, "%v", lastErr)}
	}
	return nil, []Finding{finding(CheckFixityApproval, CodeApprovalMissing, "no approval of %s lists %s", rec.Batch, rec.DocID)}
}

// approvedRevisionProblems checks that the signed copy, up to the end of
// the revision before its first signature, is the approved PDF byte for
// byte: the signature was added to what was approved and to nothing else.
func approvedRevisionProblems(pdf []byte, rep *signer.Report, a *ApprovalFixity) []Finding {
	contents := int64(-1) // where the first signature's /Contents starts
	if rep != nil {
		for _, s := range rep.Signatures {
			if s.Kind == signer.KindSignature && len(s.ByteRange) == 4 && s.ByteRange[1] > 0 && s.ByteRange[1] <= int64(len(pdf)) &&
				(contents < 0 || s.ByteRange[1] < contents) {
				contents = s.ByteRange[1]
			}
		}
	}
	if contents < 0 {
		return []Finding{finding(CheckFixityApproval, CodeApprovalMismatch, "the signed copy has no readable signature to compare with the approved PDF")}
	}
	end := bytes.LastIndex(pdf[:contents], []byte("%%EOF"))
	if end < 0 {
		return []Finding{finding(CheckFixityApproval, CodeApprovalMismatch, "the signed copy has no revision before its signature")}
	}
	end += len("%%EOF")
	// The revision ends after %%EOF and its end-of-line, whichever it is.
	h := sha256.New()
	h.Write(pdf[:end])
	for n := end; ; n++ {
		sum := hex.EncodeToString(h.Sum(nil))
		if n == end {
			a.FirstRevisionSHA256, a.FirstRevisionSize = sum, int64(n)
		}
		if sum == a.ApprovedSHA256 {
			a.FirstRevisionSHA256, a.FirstRevisionSize = sum, int64(n)
			return nil
		}
		if n >= len(pdf) || n-end >= 2 || (pdf[n] != '\r' && pdf[n] != '\n') {
			break
		}
		h.Write(pdf[n : n+1])
	}
	return []Finding{finding(CheckFixityApproval, CodeApprovalMismatch,
		"the signed copy's revision before its signature (%d bytes) has sha256 %s, approved %s", a.FirstRevisionSize, a.FirstRevisionSHA256, a.ApprovedSHA256)}
}

// compareListed records in each object the digest a source lists for it
// (through field) and describes every object whose recomputed digest
// differs, marking it not OK.
func compareListed(fx *Fixity, listed map[string]string, field func(*ObjectFixity) *string, source string) []string {
	var differ []string
	for i := range fx.Objects {
		of := &fx.Objects[i]
		said := field(of)
		*said = listed[of.Key]
		if of.SHA256 != "" && *said != of.SHA256 {
			of.OK = false
			differ = append(differ, fmt.Sprintf("%s %s: sha256 %s, %s says %q", of.Role, of.Key, of.SHA256, source, *said))
		}
	}
	return differ
}
