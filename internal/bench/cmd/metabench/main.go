// Command metabench measures metadata extraction on generated documents:
// it writes a deterministic fixtures set (every variant and form, drawn
// from the seed), runs each page through the real pipeline steps (intake
// decoding, ocr.ProcessPage with one Tesseract per worker, then
// metadata.Extract and Extraction.Document), compares every field with
// the ground truth and prints Markdown tables (see BENCHMARKS.md):
//
//	go run ./internal/bench/cmd/metabench [-n 240] [-seed 4] [-workers 2] [-cache DIR] [-cache-key KEY] [-v]
//
// Comparison is on NFC, whitespace-collapsed, lower-cased values. A
// number or day written by hand counts as correct only when the field is
// flagged for review, empty or read right; any other wrong or missing
// value counts as flagged when a review reason names the field.
//
// OCR results are cached in -cache (default $TMPDIR/sohoa-metabench),
// keyed by the seed, the ocr package sources, the Tesseract version and
// the layout option, so that changing only the extraction re-runs in
// seconds. -cache-key pins that key (e.g. seed4-881406db2cc696cd) so that
// extraction work can go on against a known OCR while the ocr sources
// change under it; the pinned cache must then already hold every page.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sohoa/sohoa/fixtures"
	"github.com/sohoa/sohoa/internal/bench"
	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pipeline/intake"
)

func main() {
	// Tesseract's OpenMP threads only slow down one-engine-per-worker runs.
	if err := ocr.ReexecWithThreadLimit(); err != nil {
		fmt.Fprintln(os.Stderr, "metabench:", err)
		os.Exit(1)
	}
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "metabench:", err)
		os.Exit(1)
	}
}

type options struct {
	n          int
	seed       uint64
	workers    int
	cache      string
	cacheKey   string
	autoLayout bool
	verbose    bool
	cachedOnly bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("metabench", flag.ContinueOnError)
	var o options
	fs.IntVar(&o.n, "n", 240, "number of generated documents")
	fs.Uint64Var(&o.seed, "seed", 4, "seed of the generated set")
	fs.IntVar(&o.workers, "workers", 2, "OCR workers, one Tesseract each")
	fs.StringVar(&o.cache, "cache", filepath.Join(os.TempDir(), "sohoa-metabench"), "OCR result cache `folder` (\"\" for none)")
	fs.StringVar(&o.cacheKey, "cache-key", "", "use this OCR cache `key` (a folder name in -cache, e.g. seed4-881406db2cc696cd) instead of the one hashed from the live ocr sources; every page must be cached under it")
	fs.BoolVar(&o.autoLayout, "auto-layout", false, "read pages with TesseractOptions.AutoLayout")
	fs.BoolVar(&o.verbose, "v", false, "list every wrong field value (to stderr)")
	fs.BoolVar(&o.cachedOnly, "cached-only", false, "score only the documents whose OCR is cached, without generating (quick iterations on extraction; needs a cached truth)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.n <= 0 || o.workers <= 0 {
		return fmt.Errorf("-n and -workers must be positive")
	}
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	cache := bench.OCRCache{Dir: o.cache, Key: o.cacheKey}
	switch {
	case o.cache == "" && o.cacheKey != "":
		return fmt.Errorf("-cache-key needs -cache")
	case o.cache == "":
		cache = bench.OCRCache{}
	case o.cacheKey == "":
		version, err := ocrVersion(root, o.autoLayout)
		if err != nil {
			return err
		}
		cache.Key = fmt.Sprintf("seed%d-%s", o.seed, version)
	default:
		// A pinned key names OCR made by other sources: reading a missing
		// page now would mix two OCR versions under one key.
		if fi, err := os.Stat(filepath.Join(o.cache, o.cacheKey)); err != nil || !fi.IsDir() {
			return fmt.Errorf("-cache-key %s: no such cache in %s", o.cacheKey, o.cache)
		}
	}
	fmt.Fprintf(stderr, "OCR cache: %s\n", filepath.Join(cache.Dir, cache.Key))
	fixturesVersion, err := sourceHash(root, "fixtures")
	if err != nil {
		return err
	}
	truthKey := fmt.Sprintf("truth-seed%d-n%d-%s", o.seed, o.n, fixturesVersion)
	fmt.Fprintf(stderr, "truth cache: %s.json\n", filepath.Join(cache.Dir, truthKey))

	start := time.Now()
	// With every page's OCR cached, the truth alone is needed: the set is
	// not generated again.
	docs, cached, err := cache.LoadTruth(truthKey)
	if err != nil {
		return err
	}
	if cached {
		var have []fixtures.Document
		for _, d := range docs {
			if _, ok, _ := cache.Load(d.ID); ok {
				have = append(have, d)
			}
		}
		if o.cachedOnly {
			docs = have
		} else if len(have) < len(docs) {
			cached = false
		}
	}
	if !cached && o.cachedOnly {
		return fmt.Errorf("-cached-only: no cached truth for this seed and -n")
	}
	if !cached && o.cacheKey != "" {
		return fmt.Errorf("-cache-key %s: the cache lacks the truth or some pages of this set; run without -cache-key or add -cached-only", o.cacheKey)
	}
	if !cached {
		setDir, err := os.MkdirTemp("", "metabench-set-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(setDir)
		docs, err = fixtures.Generate(ctx, fixtures.Options{N: o.n, Seed: o.seed, OutDir: setDir})
		if err != nil {
			return fmt.Errorf("generate: %w", err)
		}
		if err := cache.StoreTruth(truthKey, docs); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "generated %d documents in %s\n", len(docs), time.Since(start).Round(time.Second))
	}

	start = time.Now()
	cases, read, err := readAll(ctx, docs, cache, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "OCR: %d documents read, %d from the cache (%s), in %s\n",
		read, len(docs)-read, filepath.Join(cache.Dir, cache.Key), time.Since(start).Round(time.Second))

	if o.verbose {
		if err := bench.WriteMisses(stderr, cases); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "Metadata extraction, %d generated documents (seed %d, all variants and forms), %s layout:\n\n",
		len(docs), o.seed, map[bool]string{false: "single-block", true: "auto"}[o.autoLayout])
	return bench.ScoreMetadata(cases).WriteTable(stdout)
}

// readAll OCRs (or loads from the cache) and extracts every document with
// o.workers workers; it returns the cases in document order and how many
// documents were read rather than loaded.
func readAll(ctx context.Context, docs []fixtures.Document, cache bench.OCRCache, o options) ([]bench.MetaCase, int, error) {
	cases := make([]bench.MetaCase, len(docs))
	jobs := make(chan int)
	var mu sync.Mutex
	read := 0
	var firstErr error
	var wg sync.WaitGroup
	for w := 0; w < o.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var eng *ocr.Tesseract // created on the first cache miss
			defer func() {
				if eng != nil {
					eng.Close()
				}
			}()
			for i := range jobs {
				d := docs[i]
				pages, ok, err := cache.Load(d.ID)
				if err == nil && !ok {
					if eng == nil {
						if eng, err = ocr.NewTesseract(ocr.TesseractOptions{AutoLayout: o.autoLayout}); err != nil {
							eng, err = nil, &engineError{err}
						}
					}
					if err == nil {
						pages, err = readDocument(ctx, eng, d)
					}
					if err == nil {
						err = cache.Store(d.ID, pages)
					}
					mu.Lock()
					read++
					mu.Unlock()
				}
				c := bench.MetaCase{Truth: d, Err: err}
				if err == nil {
					c.Got = metadata.Extract(pages).Document(d.ID, metadata.Source{}, len(pages), nil)
				}
				cases[i] = c
				var engineErr *engineError
				if errors.As(err, &engineErr) {
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range docs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return cases, read, firstErr
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// engineError is a failure to start Tesseract: the benchmark cannot run.
type engineError struct{ err error }

func (e *engineError) Error() string { return "tesseract: " + e.err.Error() }
func (e *engineError) Unwrap() error { return e.err }

// readDocument decodes the pages of d as the pipeline does and runs each
// through ocr.ProcessPage.
func readDocument(ctx context.Context, eng *ocr.Tesseract, d fixtures.Document) ([]*ocr.Result, error) {
	in := intake.Document{Name: d.ID, Path: d.AbsPath(), Files: d.AbsFiles()}
	var pages []*ocr.Result
	err := in.Pages(ctx, intake.Limits{}, func(p intake.Page) error {
		pg, err := ocr.ProcessPage(ctx, eng, p.Image, ocr.RecognizeOptions{DPI: int(p.DPI + 0.5)})
		if err != nil {
			return fmt.Errorf("page %d: %w", p.Index+1, err)
		}
		pages = append(pages, pg.Result)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.ID, err)
	}
	return pages, nil
}

// ocrVersion names what the OCR results depend on besides the page: the
// ocr package's sources (hashed, found from the working directory up to
// go.mod), the Tesseract version and the layout option.
func ocrVersion(root string, autoLayout bool) (string, error) {
	eng, err := ocr.NewTesseract(ocr.TesseractOptions{AutoLayout: autoLayout})
	if err != nil {
		return "", &engineError{err}
	}
	tv := eng.Version()
	eng.Close()
	src, err := sourceHash(root, "ocr")
	if err != nil {
		return "", err
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("tesseract %s autoLayout %v ocr %s", tv, autoLayout, src)))
	return hex.EncodeToString(h[:])[:16], nil
}

// sourceHash hashes the non-test Go files of the package in root/dir.
func sourceHash(root, dir string) (string, error) {
	files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
	if err != nil {
		return "", err
	}
	if len(files) == 0 {
		return "", fmt.Errorf("no Go files in %s", filepath.Join(root, dir))
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("source hash: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// moduleRoot finds the folder holding go.mod from the working directory
// up: the OCR cache key hashes the ocr sources there.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("ocr version: no go.mod above the working directory; run metabench from the sohoa module")
		}
		dir = parent
	}
}
