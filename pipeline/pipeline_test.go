package pipeline_test

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/storage"
)

// fakeEngine "reads" one fixed line, so these tests exercise the pipeline's
// bookkeeping without Tesseract (the end-to-end tests in cmd/sohoa use it).
type fakeEngine struct {
	pages *atomic.Int64
	delay time.Duration
}

func (f fakeEngine) Recognize(ctx context.Context, img image.Image) (*ocr.Result, error) {
	if f.pages != nil {
		f.pages.Add(1)
	}
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	b := img.Bounds()
	w := ocr.Word{Text: "Số:", Box: image.Rect(b.Min.X+10, b.Min.Y+10, b.Min.X+60, b.Min.Y+30), Confidence: 0.9}
	return &ocr.Result{Text: "Số:", Words: []ocr.Word{w}, Width: b.Dx(), Height: b.Dy(), MeanConfidence: 0.9}, nil
}

func (fakeEngine) Close() error { return nil }

func writePNG(t *testing.T, path string, shade uint8) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 240, 340))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	img.Set(5, 5, color.Gray{0})
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func newDeps(t *testing.T, engine ocr.Engine) (pipeline.Deps, storage.Store) {
	s, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return pipeline.Deps{Store: s, NewEngine: func() (ocr.Engine, error) { return engine, nil }}, s
}

func outcomes(sum *pipeline.Summary) map[string]pipeline.DocumentOutcome {
	m := map[string]pipeline.DocumentOutcome{}
	for _, r := range sum.Results {
		m[r.Name] = r
	}
	return m
}

func TestFailedDocumentIsRecordedAndOthersGoOn(t *testing.T) {
	ctx := context.Background()
	in := filepath.Join(t.TempDir(), "scans")
	for i, name := range []string{"a.png", "b.png", "c.png"} {
		writePNG(t, filepath.Join(in, name), uint8(200+i))
	}
	os.WriteFile(filepath.Join(in, "broken.png"), []byte("\x89PNG\r\n\x1a\nnot really"), 0o644)
	deps, st := newDeps(t, fakeEngine{})
	sum, err := pipeline.Digitize(ctx, pipeline.Config{Batch: "b1", Inputs: []string{in}, Workers: 2}, deps)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Documents != 4 || sum.Failed != 1 || sum.Digitized+sum.NeedsReview != 3 {
		t.Fatalf("summary %+v", sum)
	}
	broken := outcomes(sum)["scans/broken.png"]
	if broken.Outcome != "failed" || !strings.Contains(broken.Error, "broken.png") {
		t.Fatalf("broken.png outcome %+v", broken)
	}
	rec, err := pipeline.LoadRecord(ctx, st, "b1", broken.DocID)
	if err != nil {
		t.Fatalf("failure not recorded: %v", err)
	}
	if rec.Status != metadata.StatusFailed || rec.Error == "" {
		t.Fatalf("record %+v", rec)
	}
	// The failed document's original is kept.
	if len(rec.Objects) != 1 || rec.Objects[0].Role != "original" {
		t.Fatalf("failed document objects %+v, want its original", rec.Objects)
	}
	m, err := pipeline.LoadManifest(ctx, st, "b1")
	if err != nil || len(m.Documents) != 4 || m.Counts["failed"] != 1 {
		t.Fatalf("manifest %+v, %v", m, err)
	}
}

func TestRerunSkipsDoneRetriesFailedAndDropsSuperseded(t *testing.T) {
	ctx := context.Background()
	in := filepath.Join(t.TempDir(), "scans")
	writePNG(t, filepath.Join(in, "a.png"), 200)
	writePNG(t, filepath.Join(in, "folder", "page-1.png"), 210)
	writePNG(t, filepath.Join(in, "folder", "page-2.png"), 211)
	os.WriteFile(filepath.Join(in, "b.png"), nil, 0o644)
	var pages atomic.Int64
	deps, st := newDeps(t, fakeEngine{pages: &pages})
	cfg := pipeline.Config{Batch: "b", Inputs: []string{in}, Workers: 2}
	first, err := pipeline.Digitize(ctx, cfg, deps)
	if err != nil || first.Failed != 1 {
		t.Fatalf("first run %+v, %v", first, err)
	}
	if pages.Load() != 3 {
		t.Fatalf("first run OCRed %d pages, want 3", pages.Load())
	}
	// The user replaces the empty file with a real scan.
	writePNG(t, filepath.Join(in, "b.png"), 220)
	second, err := pipeline.Digitize(ctx, cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	if second.Skipped != 2 || second.Failed != 0 || pages.Load() != 4 {
		t.Fatalf("second run %+v after %d pages; want 2 skipped and only b.png OCRed", second, pages.Load())
	}
	recs, err := pipeline.Records(ctx, st, "b")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3 (the superseded failure dropped)", len(recs))
	}
	for _, r := range recs {
		if r.Status == metadata.StatusFailed {
			t.Errorf("stale failed record for %s", r.Name)
		}
	}
}

func TestIdenticalInputsAreOneDocument(t *testing.T) {
	in := t.TempDir()
	writePNG(t, filepath.Join(in, "x.png"), 200)
	writePNG(t, filepath.Join(in, "copy-of-x.png"), 200)
	deps, _ := newDeps(t, fakeEngine{})
	sum, err := pipeline.Digitize(context.Background(), pipeline.Config{Batch: "d", Inputs: []string{in}, Workers: 1}, deps)
	if err != nil {
		t.Fatal(err)
	}
	var dup int
	for _, r := range sum.Results {
		if r.Outcome == "duplicate" {
			dup++
			if !strings.Contains(r.Error, "same content as") {
				t.Errorf("duplicate without reason: %+v", r)
			}
		}
	}
	if dup != 1 || sum.Digitized+sum.NeedsReview != 1 {
		t.Fatalf("summary %+v", sum)
	}
}

func TestEngineFailureStopsTheRun(t *testing.T) {
	in := t.TempDir()
	writePNG(t, filepath.Join(in, "a.png"), 200)
	deps, st := newDeps(t, nil)
	deps.NewEngine = func() (ocr.Engine, error) { return nil, errors.New("tesseract: vie.traineddata not found") }
	_, err := pipeline.Digitize(context.Background(), pipeline.Config{Batch: "e", Inputs: []string{in}}, deps)
	if err == nil || !strings.Contains(err.Error(), "traineddata") {
		t.Fatalf("err = %v, want the engine's error", err)
	}
	recs, _ := pipeline.Records(context.Background(), st, "e")
	for _, r := range recs {
		if r.Status == metadata.StatusFailed {
			t.Errorf("document %s blamed for the engine: %s", r.Name, r.Error)
		}
	}
}

func TestCancelledRunIsResumable(t *testing.T) {
	in := t.TempDir()
	for i := 0; i < 6; i++ {
		writePNG(t, filepath.Join(in, string(rune('a'+i))+".png"), uint8(150+i))
	}
	deps, st := newDeps(t, fakeEngine{delay: 150 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	cfg := pipeline.Config{Batch: "c", Inputs: []string{in}, Workers: 1}
	_, err := pipeline.Digitize(ctx, cfg, deps)
	if !errors.Is(err, pipeline.ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	recs, _ := pipeline.Records(context.Background(), st, "c")
	if len(recs) >= 6 {
		t.Fatalf("%d records after an early cancel", len(recs))
	}
	for _, r := range recs {
		if r.Status == metadata.StatusFailed {
			t.Errorf("%s recorded as failed by the cancel: %s", r.Name, r.Error)
		}
	}
	deps.NewEngine = func() (ocr.Engine, error) { return fakeEngine{}, nil }
	sum, err := pipeline.Digitize(context.Background(), cfg, deps)
	if err != nil || sum.Digitized+sum.NeedsReview+sum.Skipped != 6 || sum.Skipped != len(recs) {
		t.Fatalf("resumed run %+v, %v (had %d records)", sum, err, len(recs))
	}
}

func TestBadBatchName(t *testing.T) {
	deps, _ := newDeps(t, fakeEngine{})
	for _, name := range []string{"", "../x", "a/b", "tên lô"} {
		if _, err := pipeline.Digitize(context.Background(), pipeline.Config{Batch: name, Inputs: []string{"."}}, deps); err == nil {
			t.Errorf("batch name %q accepted", name)
		}
	}
}

// Each digitized document says where its time went, and the batch sums
// them: an engine that takes 50 ms a page shows up as OCR time, not as
// any other stage's.
func TestStageTimes(t *testing.T) {
	in := filepath.Join(t.TempDir(), "scans")
	writePNG(t, filepath.Join(in, "a.png"), 200)
	writePNG(t, filepath.Join(in, "folder", "page-1.png"), 210)
	writePNG(t, filepath.Join(in, "folder", "page-2.png"), 211)
	os.WriteFile(filepath.Join(in, "broken.png"), []byte("\x89PNG\r\n\x1a\nnot really"), 0o644)
	const delay = 50 * time.Millisecond
	deps, _ := newDeps(t, fakeEngine{delay: delay})
	cfg := pipeline.Config{Batch: "b", Inputs: []string{in}, Workers: 2}
	sum, err := pipeline.Digitize(context.Background(), cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range sum.Results {
		if o.Stages == nil {
			t.Fatalf("%s (%s): no stage times", o.Name, o.Outcome)
		}
		if o.Outcome == "failed" {
			if o.Stages.OCR != 0 {
				t.Errorf("%s failed before OCR but shows %.3f s of it", o.Name, o.Stages.OCR)
			}
			continue
		}
		if min := float64(o.Pages) * delay.Seconds(); o.Stages.OCR < min {
			t.Errorf("%s: OCR %.3f s for %d page(s), want ≥ %.3f s", o.Name, o.Stages.OCR, o.Pages, min)
		}
		if other := o.Stages.Total() - o.Stages.OCR; other >= o.Stages.OCR {
			t.Errorf("%s: %.3f s outside OCR against %.3f s of OCR: %+v", o.Name, other, o.Stages.OCR, *o.Stages)
		}
		if o.Stages.PDF <= 0 || o.Stages.Store <= 0 || o.Stages.Hash <= 0 || o.Stages.Decode <= 0 {
			t.Errorf("%s: a stage not measured: %+v", o.Name, *o.Stages)
		}
	}
	var total float64
	for _, o := range sum.Results {
		total += o.Stages.Total()
	}
	if d := sum.Stages.Total() - total; d > 1e-9 || d < -1e-9 || sum.Stages.OCR < 3*delay.Seconds() {
		t.Errorf("batch stages %+v do not sum the documents' (%.3f s)", sum.Stages, total)
	}
	if s := sum.Stages.String(); !strings.HasPrefix(s, "ocr ") || !strings.Contains(s, "store ") {
		t.Errorf("stage line %q", s)
	}
}
