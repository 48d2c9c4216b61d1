package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pipeline/intake"
	"github.com/sohoa/sohoa/pipeline/pdfa"
	"github.com/sohoa/sohoa/storage"
)

// digitizer processes documents one after another with its own OCR engine.
type digitizer struct {
	cfg    Config
	deps   Deps
	rep    *syncReporter
	seen   *dedup
	known  *knownRecords
	engine ocr.Engine
}

func (d *digitizer) close() {
	if d.engine != nil {
		d.engine.Close()
	}
}

// document digitizes one document. Problems of the document itself are
// recorded and returned as a failed outcome; the error return is reserved
// for problems that concern every document (the engine does not start).
func (d *digitizer) document(ctx context.Context, doc intake.Document) (DocumentOutcome, error) {
	out := DocumentOutcome{Name: doc.Name}
	var times StageTimes
	clock := startStopwatch()
	inputs, docID, err := hashInputs(doc)
	times.Hash = clock.lap()
	out.DocID = docID
	// failed records the failure with the time spent so far.
	failed := func(objs []Object, err error) (DocumentOutcome, error) {
		o := d.fail(ctx, doc, docID, inputs, objs, err)
		if o.Outcome == metadata.StatusFailed {
			times.Store += clock.lap()
			o.Stages = &times
		}
		return o, nil
	}
	if err != nil {
		return failed(nil, err)
	}
	if first, ok := d.seen.claim(docID, doc.Name); !ok {
		out.Outcome = "duplicate"
		out.Error = fmt.Sprintf("same content as %s", first)
		d.rep.Report(Progress{Kind: DocDone, Doc: doc.Name, Outcome: out.Outcome})
		return out, nil
	}
	if rec := d.known.byID[docID]; rec != nil && rec.Status != metadata.StatusFailed {
		out.Outcome, out.Pages = "skipped", rec.Pages
		if d.cfg.Register != nil {
			d.cfg.Register.DoneEarlier(doc.Name)
		}
		d.rep.Report(Progress{Kind: DocDone, Doc: doc.Name, Outcome: out.Outcome})
		return out, nil
	}
	if d.engine == nil {
		if d.engine, err = d.deps.NewEngine(); err != nil {
			return out, fmt.Errorf("start OCR engine: %w", err)
		}
	}
	d.rep.Report(Progress{Kind: DocStarted, Doc: doc.Name})
	clock.lap() // engine start and waiting are no stage's

	rec := &Record{DocID: docID, Batch: d.cfg.Batch, Name: doc.Name, Inputs: inputs}
	// Originals first: whatever happens next, nothing the user gave is lost.
	for i, f := range doc.Files {
		obj, err := d.storeOriginal(ctx, docID, i, f, inputs[i])
		if err != nil {
			return failed(rec.Objects, err)
		}
		rec.Objects = append(rec.Objects, obj)
	}
	rec.Events = append(rec.Events, d.event("store-originals", fmt.Sprintf("%d file(s)", len(doc.Files))))

	times.Store += clock.lap()
	objs, md, err := d.derive(ctx, doc, docID, inputs, &times)
	clock.lap() // derive timed its own stages
	if err != nil {
		return failed(rec.Objects, err)
	}
	rec.Objects = append(rec.Objects, objs...)
	rec.Pages = md.NumberOfPage
	rec.PDFA = string(d.cfg.PDFA)
	if rec.PDFA == "" {
		rec.PDFA = string(pdfa.PDFA2U)
	}
	rec.NeedsReview, rec.ReviewReasons = md.NeedsReview, md.ReviewReasons
	rec.Status = md.Status
	rec.Events = append(rec.Events, d.event("digitize", fmt.Sprintf("%d page(s), status %s", md.NumberOfPage, md.Status)))
	if err := putJSON(ctx, d.deps.Store, RecordKey(d.cfg.Batch, docID), rec); err != nil {
		return failed(rec.Objects, fmt.Errorf("store record: %w", err))
	}
	d.dropSuperseded(ctx, doc.Name, docID)
	times.Store += clock.lap()
	out.Outcome, out.Pages, out.Stages = rec.Status, rec.Pages, &times
	d.rep.Report(Progress{Kind: DocDone, Doc: doc.Name, Outcome: out.Outcome})
	return out, nil
}

// dropSuperseded removes the failed records of earlier runs for an input of
// the same name whose content has since been replaced and now succeeded, so
// the batch shows the document once. Their objects go first and the record
// last, so a crash leaves at worst a failed record to drop next time.
func (d *digitizer) dropSuperseded(ctx context.Context, name, docID string) {
	for _, old := range d.known.byName[name] {
		if old.DocID == docID || old.Status != metadata.StatusFailed {
			continue
		}
		for _, o := range old.Objects {
			d.deps.Store.Delete(ctx, o.Key)
		}
		d.deps.Store.Delete(ctx, RecordKey(d.cfg.Batch, old.DocID))
	}
}

// derive reads the pages, OCRs them, writes the PDF and the metadata and
// stores both, adding the time of each stage to times.
func (d *digitizer) derive(ctx context.Context, doc intake.Document, docID string, inputs []InputFile, times *StageTimes) ([]Object, *metadata.Document, error) {
	clock := startStopwatch()
	tmp, err := os.CreateTemp(d.cfg.TempDir, "sohoa-*.pdf")
	if err != nil {
		return nil, nil, fmt.Errorf("temporary PDF: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	w, err := pdfa.NewWriter(tmp, pdfa.Info{Producer: ToolName(), Created: d.deps.Now(), Flavour: d.cfg.PDFA})
	if err != nil {
		return nil, nil, err
	}
	var results []*ocr.Result
	var pageInfo []metadata.PageInfo
	times.PDF += clock.lap()
	err = doc.Pages(ctx, d.cfg.Limits, func(p intake.Page) error {
		times.Decode += clock.lap()
		pg, err := ocr.ProcessPage(ctx, d.engine, p.Image, ocr.RecognizeOptions{DPI: int(p.DPI + 0.5)})
		times.OCR += clock.lap()
		if err != nil {
			return fmt.Errorf("%s: page %d: %w", filepath.Base(p.File), p.Index+1, err)
		}
		res := pg.Result
		// The scan goes in as it is (its own JPEG or PNG data when the
		// writer can copy it); the page shows it corrected.
		page := pdfa.Page{Image: pg.Image, Encoded: p.Encoded, Format: p.Format, DPI: p.DPI, ICCProfile: p.ICCProfile,
			Rotation: pg.Rotation, SkewDegrees: pg.SkewDegrees, Words: res.Words}
		err = w.AddPage(page)
		times.PDF += clock.lap()
		if err != nil {
			return fmt.Errorf("page %d: write PDF: %w", p.Index+1, err)
		}
		results = append(results, res)
		pageInfo = append(pageInfo, metadata.PageInfo{Rotation: pg.Rotation, SkewDegrees: round3(pg.SkewDegrees), DPI: int(p.DPI + 0.5),
			MeanConfidence: round3(res.MeanConfidence), LowConfidenceWords: res.LowConfidenceWords})
		d.rep.Report(Progress{Kind: PageDone, Doc: doc.Name, Page: p.Index + 1})
		return nil
	})
	times.Decode += clock.lap() // the time after the last page: a decoding failure, or the end
	if err != nil {
		return nil, nil, err
	}
	if len(results) == 0 {
		return nil, nil, fmt.Errorf("%s: no pages", doc.Name)
	}

	ext := metadata.Extract(results)
	src := metadata.Source{}
	for _, in := range inputs {
		src.Files = append(src.Files, metadata.SourceFile{Name: in.Name, SHA256: in.SHA256})
	}
	if len(src.Files) == 1 {
		src.Files[0].Pages = len(results)
	}
	md := ext.Document(docID, src, len(results), &metadata.OCRInfo{
		Engine: engineName(d.engine), EngineVersion: engineVersion(d.engine), Languages: []string{"vie"}, Pages: pageInfo,
	})
	if d.cfg.Register != nil {
		d.cfg.Register.Apply(&md, doc.Name)
	}
	mdJSON, err := json.MarshalIndent(md, "", "  ")
	if err != nil {
		return nil, nil, fmt.Errorf("metadata: %w", err)
	}
	if err := metadata.Validate(mdJSON); err != nil {
		return nil, nil, fmt.Errorf("metadata.json does not match the schema: %w", err)
	}

	times.Metadata += clock.lap()
	info, err := pdfInfo(&md, mdJSON)
	if err != nil {
		return nil, nil, err
	}
	if err := w.SetInfo(info); err != nil {
		return nil, nil, fmt.Errorf("PDF metadata: %w", err)
	}
	if d.cfg.PDFA == pdfa.PDFA3U {
		if err := w.Attach(metadataAttachment(mdJSON)); err != nil {
			return nil, nil, fmt.Errorf("PDF attachment: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, nil, fmt.Errorf("write PDF: %w", err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, nil, err
	}
	st, err := tmp.Stat()
	if err != nil {
		return nil, nil, err
	}
	times.PDF += clock.lap()
	defer func() { times.Store += clock.lap() }()
	pdfInfo, err := d.deps.Store.Put(ctx, PDFKey(d.cfg.Batch, docID), tmp, st.Size(), storage.PutOptions{ContentType: "application/pdf"})
	if err != nil {
		return nil, nil, fmt.Errorf("store PDF: %w", err)
	}
	mdInfo, err := storage.PutBytes(ctx, d.deps.Store, MetadataKey(d.cfg.Batch, docID), append(mdJSON, '\n'), storage.PutOptions{ContentType: "application/json"})
	if err != nil {
		return nil, nil, fmt.Errorf("store metadata: %w", err)
	}
	textInfo, err := storage.PutBytes(ctx, d.deps.Store, TextKey(d.cfg.Batch, docID), []byte(pagesText(results)), storage.PutOptions{ContentType: "text/plain; charset=utf-8"})
	if err != nil {
		return nil, nil, fmt.Errorf("store text: %w", err)
	}
	return []Object{
		{Role: "pdf", Key: pdfInfo.Key, SHA256: pdfInfo.SHA256, Size: pdfInfo.Size},
		{Role: "metadata", Key: mdInfo.Key, SHA256: mdInfo.SHA256, Size: mdInfo.Size},
		{Role: "text", Key: textInfo.Key, SHA256: textInfo.SHA256, Size: textInfo.Size},
	}, &md, nil
}

func (d *digitizer) storeOriginal(ctx context.Context, docID string, i int, file string, in InputFile) (Object, error) {
	key := OriginalKey(d.cfg.Batch, docID, i, in.Name)
	// Already stored by an interrupted run: keep it, do not upload again.
	if info, err := d.deps.Store.Stat(ctx, key); err == nil && info.SHA256 == in.SHA256 {
		return Object{Role: "original", Key: key, SHA256: info.SHA256, Size: info.Size}, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return Object{}, fmt.Errorf("%s: %w", in.Name, err)
	}
	defer f.Close()
	// The expected digest makes the store refuse a file changed since hashing.
	info, err := d.deps.Store.Put(ctx, key, f, in.Size, storage.PutOptions{SHA256: in.SHA256})
	if err != nil {
		return Object{}, fmt.Errorf("store original %s: %w", in.Name, err)
	}
	return Object{Role: "original", Key: key, SHA256: info.SHA256, Size: info.Size}, nil
}

// fail records a failed document (keeping the originals already stored)
// and returns its outcome.
func (d *digitizer) fail(ctx context.Context, doc intake.Document, docID string, inputs []InputFile, objs []Object, cause error) DocumentOutcome {
	if ctx.Err() != nil {
		// Cancelled, not failed: the next run does this document again.
		return DocumentOutcome{Name: doc.Name, DocID: docID, Outcome: "not processed"}
	}
	msg := cause.Error()
	if !strings.Contains(msg, doc.Name) && !strings.Contains(msg, filepath.Base(doc.Path)) {
		msg = doc.Name + ": " + msg
	}
	out := DocumentOutcome{Name: doc.Name, DocID: docID, Outcome: metadata.StatusFailed, Error: msg}
	d.rep.Report(Progress{Kind: DocFailed, Doc: doc.Name, Err: errors.New(msg)})
	if docID == "" {
		return out
	}
	rec := &Record{DocID: docID, Batch: d.cfg.Batch, Name: doc.Name, Status: metadata.StatusFailed, Error: msg,
		Inputs: inputs, Objects: objs, Events: []Event{d.event("digitize-failed", msg)}}
	if err := putJSON(context.WithoutCancel(ctx), d.deps.Store, RecordKey(d.cfg.Batch, docID), rec); err != nil {
		out.Error += "; also could not record the failure: " + err.Error()
	}
	return out
}

func (d *digitizer) event(action, detail string) Event {
	return Event{Time: d.deps.Now().UTC(), Actor: d.cfg.Actor, Action: action, Tool: ToolName(), Detail: detail}
}

// hashInputs reads every file of a document once to compute its SHA-256.
// The document id derives from the content alone, so re-running the same
// input finds the same document whatever the file is called now.
func hashInputs(doc intake.Document) ([]InputFile, string, error) {
	idHash := sha256.New()
	var inputs []InputFile
	for _, f := range doc.Files {
		name := filepath.Base(f)
		if len(doc.Files) == 1 {
			name = doc.Name
		}
		fh, err := os.Open(f)
		if err != nil {
			// Unreadable: an id from the name keeps the failure recorded.
			return nil, idFrom(sha256.Sum256([]byte("unreadable:" + doc.Name))), fmt.Errorf("%s: %w", name, err)
		}
		h := sha256.New()
		n, err := io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return nil, idFrom(sha256.Sum256([]byte("unreadable:" + doc.Name))), fmt.Errorf("%s: read: %w", name, err)
		}
		sum := hex.EncodeToString(h.Sum(nil))
		inputs = append(inputs, InputFile{Name: name, SHA256: sum, Size: n})
		idHash.Write([]byte(sum))
	}
	var s [32]byte
	copy(s[:], idHash.Sum(nil))
	return inputs, idFrom(s), nil
}

// idFrom makes a docId: "d" and 24 hex digits (96 bits), within the
// schema's 25 characters.
func idFrom(sum [32]byte) string { return "d" + hex.EncodeToString(sum[:12]) }

// pagesText joins the pages' OCR text as pdftotext does: a form feed ends
// every page.
func pagesText(results []*ocr.Result) string {
	var b strings.Builder
	for _, r := range results {
		b.WriteString(r.Text)
		b.WriteString("\n\f")
	}
	return b.String()
}

// pdfInfo is the metadata a PDF/A carries in its XMP: Dublin Core for any
// reader, and every field of metadata.json under sohoa's own namespace.
func pdfInfo(md *metadata.Document, mdJSON []byte) (pdfa.Info, error) {
	fields, err := pdfa.FieldsFromJSON(mdJSON, "issuedDate")
	if err != nil {
		return pdfa.Info{}, fmt.Errorf("PDF metadata: %w", err)
	}
	return pdfa.Info{Title: md.Subject, Author: md.OrganName, Date: md.IssuedDate, Language: md.Language, Fields: fields}, nil
}

// metadataAttachment is metadata.json as a PDF/A-3 associated file.
func metadataAttachment(mdJSON []byte) pdfa.Attachment {
	return pdfa.Attachment{Name: "metadata.json", MIMEType: "application/json", Data: mdJSON}
}

func round3(f float64) float64 { return float64(int(f*1000+0.5)) / 1000 }

func engineName(e ocr.Engine) string {
	if n, ok := e.(interface{ Name() string }); ok {
		return n.Name()
	}
	return fmt.Sprintf("%T", e)
}

func engineVersion(e ocr.Engine) string {
	if v, ok := e.(interface{ Version() string }); ok {
		return v.Version()
	}
	return ""
}
