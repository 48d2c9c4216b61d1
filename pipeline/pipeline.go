// Package pipeline runs sohoa's stages in order: it discovers the documents
// of a batch, OCRs their pages, extracts metadata, writes the searchable PDF
// and stores everything, with a bounded worker pool and a per-document
// commit point (record.json) that makes every run resumable.
//
// Only this package knows the order of stages; ocr, pdfa, metadata and
// storage know nothing of each other. Stages never print: progress goes to a
// Reporter.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"runtime"
	"sync"
	"time"

	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pipeline/intake"
	"github.com/sohoa/sohoa/pipeline/pdfa"
	"github.com/sohoa/sohoa/storage"
)

// Version is the tool version recorded in events; set at build time.
var Version = "dev"

// ToolName is the tool and version recorded in events.
func ToolName() string { return "sohoa " + Version }

// Config says what to digitize and how.
type Config struct {
	// Batch names the batch; objects go under batches/<Batch>/.
	Batch string
	// Inputs are the files and folders to digitize.
	Inputs []string
	// Workers is the number of documents processed at once (one OCR engine
	// each); 0 means one per CPU core.
	Workers int
	// FolderIsDocument makes each INPUT folder one document of page
	// images instead of a batch folder.
	FolderIsDocument bool
	// PDFA is the PDF/A flavour written: 2u (default) or 3u, which also
	// embeds metadata.json as an associated file.
	PDFA pdfa.Flavour
	// Register, when set, fills or confirms fields from the archive's
	// register; a disagreement is a review reason, never a silent overwrite.
	Register *metadata.Register
	// Limits bound what a single input may make the tool decode.
	Limits intake.Limits
	// Actor is who runs the job, recorded in events; default the OS user.
	Actor string
	// TempDir holds PDFs while they are written; default the OS temp dir.
	TempDir string
}

// Deps are the parts the pipeline runs with.
type Deps struct {
	Store storage.Store
	// NewEngine makes one OCR engine per worker.
	NewEngine func() (ocr.Engine, error)
	// Reporter receives progress events; may be nil.
	Reporter Reporter
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Summary is the outcome of a run.
type Summary struct {
	Batch       string  `json:"batch"`
	Store       string  `json:"store"`
	Documents   int     `json:"documents"`
	Digitized   int     `json:"digitized"`
	NeedsReview int     `json:"needsReview"`
	Skipped     int     `json:"skipped"`
	Failed      int     `json:"failed"`
	Pages       int     `json:"pages"`
	Elapsed     float64 `json:"elapsedSeconds"`
	// Stages sums the documents' stage times over all workers.
	Stages  StageTimes        `json:"stageSeconds"`
	Results []DocumentOutcome `json:"results"`
	// RegisterUnused lists register rows that matched no document of
	// this run, RegisterAmbiguous rows that matched several.
	RegisterUnused []string `json:"registerUnused,omitempty"`
	// RegisterNotApplied lists register rows whose documents were done by
	// an earlier run: they are not applied (use sohoa review to change a
	// stored document).
	RegisterNotApplied []string `json:"registerNotApplied,omitempty"`
	RegisterAmbiguous  []string `json:"registerAmbiguous,omitempty"`
	// FinishError says why the manifest or the index could not be brought
	// up to date at the end of a run in which documents failed.
	FinishError string `json:"finishError,omitempty"`
}

// DocumentOutcome is what happened to one document in a run.
type DocumentOutcome struct {
	Name    string `json:"name"`
	DocID   string `json:"docId,omitempty"`
	Outcome string `json:"outcome"` // digitized, needs_review, failed, skipped, duplicate
	Pages   int    `json:"pages,omitempty"`
	Error   string `json:"error,omitempty"`
	// Stages is where this document's time went (not for skipped ones).
	Stages *StageTimes `json:"stageSeconds,omitempty"`
}

// AnyFailed reports whether any document failed.
func (s *Summary) AnyFailed() bool { return s.Failed > 0 }

// ErrInterrupted reports that the run was cancelled before every document was done.
var ErrInterrupted = errors.New("interrupted before the batch was complete; run the same command again to finish it")

// Digitize runs the digitization of cfg.Inputs into deps.Store. A document
// that fails is recorded as failed and the others go on; the returned error
// is only for problems that stop the whole run (store unusable, cancelled).
func Digitize(ctx context.Context, cfg Config, deps Deps) (*Summary, error) {
	if err := CheckBatchName(cfg.Batch); err != nil {
		return nil, err
	}
	if deps.Store == nil || deps.NewEngine == nil {
		return nil, errors.New("digitize: a store and an OCR engine are required")
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	if cfg.Actor == "" {
		cfg.Actor = CurrentUser()
	}
	rep := &syncReporter{r: deps.Reporter}
	start := deps.Now()

	docs, discoverErrs := intake.DiscoverWith(cfg.Inputs, intake.Options{FolderIsDocument: cfg.FolderIsDocument})
	if len(docs) == 0 && len(discoverErrs) > 0 {
		return nil, fmt.Errorf("digitize: %w", errors.Join(discoverErrs...))
	}
	// The manifest is written first so an interrupted batch is listed.
	if _, err := writeManifest(ctx, deps.Store, cfg.Batch, ToolName(), start); err != nil {
		return nil, fmt.Errorf("digitize: store %s: %w", deps.Store.Location(), err)
	}
	earlier, err := Records(ctx, deps.Store, cfg.Batch)
	if err != nil {
		return nil, fmt.Errorf("digitize: %w", err)
	}
	known := newKnownRecords(earlier)
	sum := &Summary{Batch: cfg.Batch, Store: deps.Store.Location(), Documents: len(docs) + len(discoverErrs)}
	rep.Report(Progress{Kind: BatchStarted, Total: sum.Documents})
	for _, e := range discoverErrs {
		sum.Failed++
		sum.Results = append(sum.Results, DocumentOutcome{Name: errorSubject(e), Outcome: "failed", Error: e.Error()})
		rep.Report(Progress{Kind: DocFailed, Doc: errorSubject(e), Err: e})
	}

	work := make(chan int)
	outcomes := make([]DocumentOutcome, len(docs))
	seen := &dedup{ids: map[string]string{}}
	var wg sync.WaitGroup
	workers := min(cfg.Workers, max(len(docs), 1))
	var engineErr error
	var engineErrOnce sync.Once
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := &digitizer{cfg: cfg, deps: deps, rep: rep, seen: seen, known: known}
			defer d.close()
			for i := range work {
				out, err := d.document(runCtx, docs[i])
				if err != nil {
					// Not a document's fault (the OCR engine cannot start):
					// stop the run rather than fail every document.
					engineErrOnce.Do(func() { engineErr = err; cancel() })
					out = DocumentOutcome{Name: docs[i].Name, Outcome: "not processed"}
				}
				outcomes[i] = out
			}
		}()
	}
feed:
	for i := range docs {
		select {
		case work <- i:
		case <-runCtx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()

	for i, o := range outcomes {
		if o.Outcome == "" {
			o = DocumentOutcome{Name: docs[i].Name, Outcome: "not processed"}
		}
		switch o.Outcome {
		case "digitized":
			sum.Digitized++
		case "needs_review":
			sum.NeedsReview++
		case "skipped", "duplicate":
			sum.Skipped++
		case "failed":
			sum.Failed++
		}
		sum.Pages += o.Pages
		if o.Stages != nil {
			sum.Stages.add(*o.Stages)
		}
		sum.Results = append(sum.Results, o)
	}
	// The manifest is rebuilt from the records even after a cancel, with a
	// fresh context, so what was done is listed.
	mctx := context.WithoutCancel(ctx)
	if err := FinishBatch(mctx, deps.Store, cfg.Batch, deps.Now()); err != nil {
		if !sum.AnyFailed() {
			return sum, fmt.Errorf("digitize: %w", err)
		}
		// The failed documents already say why, each by name (the store
		// went away); the next run rebuilds manifest and index from the
		// records.
		sum.FinishError = err.Error()
	}
	if cfg.Register != nil {
		sum.RegisterUnused, sum.RegisterAmbiguous = cfg.Register.Unused(), cfg.Register.Ambiguous()
		sum.RegisterNotApplied = cfg.Register.NotApplied()
	}
	sum.Elapsed = deps.Now().Sub(start).Seconds()
	rep.Report(Progress{Kind: BatchDone, Total: len(docs)})
	if engineErr != nil {
		return sum, engineErr
	}
	if ctx.Err() != nil {
		return sum, ErrInterrupted
	}
	return sum, nil
}

// dedup remembers which document ids this run has taken, so two inputs with
// identical content become one document.
type dedup struct {
	mu  sync.Mutex
	ids map[string]string
}

func (d *dedup) claim(id, name string) (first string, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if f, taken := d.ids[id]; taken {
		return f, false
	}
	d.ids[id] = name
	return "", true
}

// knownRecords are the records a batch had when the run started.
type knownRecords struct {
	byID   map[string]*Record
	byName map[string][]*Record
}

func newKnownRecords(recs []*Record) *knownRecords {
	k := &knownRecords{byID: map[string]*Record{}, byName: map[string][]*Record{}}
	for _, r := range recs {
		k.byID[r.DocID] = r
		k.byName[r.Name] = append(k.byName[r.Name], r)
	}
	return k
}

// CurrentUser is the OS user running sohoa, recorded as who did a step
// when no name is given.
func CurrentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

func errorSubject(err error) string {
	var ie *intake.Error
	if errors.As(err, &ie) {
		return ie.File
	}
	return ""
}
