package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/pipeline/intake"
	"github.com/sohoa/sohoa/pipeline/pdfa"
	"github.com/sohoa/sohoa/storage"
)

func runDigitize(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("digitize", "sohoa digitize [--batch NAME] [--store URL] [--workers N] [--folder-is-document] [--pdfa 2u|3u] [--json] INPUT...", stdout)
	batch := fs.String("batch", "", "batch `NAME` (default: the name of the first INPUT); re-running a batch skips documents already done")
	store := fs.String("store", defaultStore(), "store `URL`: a folder path or file:///abs/path (default ./sohoa-data)")
	workers := fs.Int("workers", 0, "documents processed at once, one OCR engine each (default: one per CPU core)")
	asJSON := fs.Bool("json", false, "print the run summary as JSON on stdout")
	folderDoc := fs.Bool("folder-is-document", false, "treat each INPUT folder as ONE document whose pages are its images (natural order), not as a folder of documents")
	flavour := fs.String("pdfa", "2u", "PDF/A flavour: 2u, or 3u to also embed metadata.json in the PDF")
	registerPath := fs.String("register", "", "register `FILE.csv` (columns: file + schema keys) that fills or confirms fields; disagreements are flagged for review")
	maxPixels := fs.Int64("max-pixels", 0, "refuse page images larger than this many pixels (default 150 million)")
	inputs, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(inputs) == 0 {
		return usagef("no INPUT given: name the scanned files or folders to digitize")
	}
	if *workers < 0 {
		return usagef("--workers must be positive, got %d", *workers)
	}
	pdfaFlavour, err := pdfa.ParseFlavour(*flavour)
	if err != nil {
		return usagef("--pdfa: %v", err)
	}
	if *batch == "" {
		*batch = defaultBatchName(inputs[0])
	}
	if err := pipeline.CheckBatchName(*batch); err != nil {
		return usagef("%v", err)
	}
	for _, in := range inputs {
		if _, err := os.Stat(in); err != nil {
			return usagef("INPUT %s: %v", in, err)
		}
	}
	var register *metadata.Register
	if *registerPath != "" {
		f, err := os.Open(*registerPath)
		if err != nil {
			return usagef("--register: %v", err)
		}
		register, err = metadata.LoadRegister(f, filepath.Base(*registerPath))
		f.Close()
		if err != nil {
			return usagef("--register: %v", err)
		}
	}
	if err := checkOCRInstallation(stderr); err != nil {
		return err
	}
	st, err := storage.Open(ctx, *store)
	if err != nil {
		return err
	}
	rep := newProgressReporter(stderr, "digitize")
	cfg := pipeline.Config{Batch: *batch, Inputs: inputs, Workers: *workers, FolderIsDocument: *folderDoc, PDFA: pdfaFlavour, Register: register, Limits: intake.Limits{MaxPixels: *maxPixels}}
	deps := pipeline.Deps{
		Store:     st,
		NewEngine: func() (ocr.Engine, error) { return ocr.NewTesseract(ocr.TesseractOptions{}) },
		Reporter:  rep,
	}
	sum, err := pipeline.Digitize(ctx, cfg, deps)
	rep.finish()
	if sum != nil {
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(sum); err != nil {
				return err
			}
		} else {
			printSummary(stdout, sum)
		}
	}
	if err != nil {
		return err
	}
	if sum.AnyFailed() {
		return errFailures
	}
	return nil
}

// checkOCRInstallation loads the OCR models once before the batch starts
// (about 0.1 s): a missing page model fails here, before any work, and a
// missing digit model, which would leave every handwritten number and day
// for review, is said once instead of being discovered in the review file.
func checkOCRInstallation(stderr io.Writer) error {
	t, err := ocr.NewTesseract(ocr.TesseractOptions{})
	if err != nil {
		return err
	}
	defer t.Close()
	if err := t.HandwritingReady(); err != nil {
		fmt.Fprintf(stderr, "sohoa digitize: warning: %v\n", err)
	}
	return nil
}

// defaultBatchName names a batch after its first input, so that running the
// same command again resumes the same batch.
func defaultBatchName(input string) string {
	abs, err := filepath.Abs(input)
	if err != nil {
		abs = input
	}
	name := storage.SafeSegment(strings.TrimSuffix(filepath.Base(abs), filepath.Ext(abs)))
	if len(name) > 100 {
		name = name[:100]
	}
	return name
}

func printSummary(w io.Writer, s *pipeline.Summary) {
	fmt.Fprintf(w, "Batch %s in %s: %d document(s), %d page(s) in %.1fs\n", s.Batch, s.Store, s.Documents, s.Pages, s.Elapsed)
	fmt.Fprintf(w, "  digitized %d, needs review %d, already done %d, failed %d\n", s.Digitized, s.NeedsReview, s.Skipped, s.Failed)
	if s.Stages.Total() > 0 {
		fmt.Fprintf(w, "  time by stage, all workers: %s\n", s.Stages)
	}
	for _, r := range s.Results {
		if r.Outcome == "failed" {
			fmt.Fprintf(w, "  FAILED %s\n", r.Error)
		}
	}
	if s.Failed > 0 {
		fmt.Fprintf(w, "Fix or remove the failed inputs and run the same command again; finished documents are kept.\n")
	}
	if s.FinishError != "" {
		fmt.Fprintf(w, "  the manifest and index will be brought up to date by the next run: %s\n", s.FinishError)
	}
	for _, r := range s.RegisterUnused {
		fmt.Fprintf(w, "  register row matched no document of this run: %s\n", r)
	}
	for _, r := range s.RegisterNotApplied {
		fmt.Fprintf(w, "  register row not applied, its document was digitized by an earlier run (change it with sohoa review %s --export/--import): %s\n", s.Batch, r)
	}
	for _, r := range s.RegisterAmbiguous {
		fmt.Fprintf(w, "  register row matched several documents (not used): %s\n", r)
	}
	fmt.Fprintf(w, "See: sohoa batch show %s --store %s\n", s.Batch, s.Store)
}
