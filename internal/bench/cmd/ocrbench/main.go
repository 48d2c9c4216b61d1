// Command ocrbench compares sohoa's OCR with OCRmyPDF and plain Tesseract
// on one generated set of scans, in one run, and prints throughput, CPU,
// peak memory and word error per fixtures variant side by side (see
// BENCHMARKS.md; `make bench` runs it).
//
//	go run ./internal/bench/cmd/ocrbench [-sohoa bin/sohoa] [-dir DIR] [-tools sohoa,ocrmypdf,tesseract] [-large 400]
//
// Text is read back from every output PDF with pdftotext (plain
// Tesseract: its .txt output) and scored with wer.WordError. Then it
// prints the output sizes beside the input's, the pages each tool left
// pixel-identical, and the CPU share of PDF/A writing in sohoa (measured
// in-process, see writerCost). -quick leaves out the slowest OCRmyPDF
// setting (--jobs 2, one file at a time).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/sohoa/sohoa/fixtures"
	"github.com/sohoa/sohoa/internal/bench"
	"github.com/sohoa/sohoa/internal/bench/wer"
	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pipeline"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ocrbench:", err)
		os.Exit(1)
	}
}

type options struct {
	sohoa    string
	dir      string
	seed     uint64
	docs     int
	minPages int
	tools    []string
	large    int
	verbose  bool
	quick    bool
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("ocrbench", flag.ContinueOnError)
	var o options
	var tools string
	fs.StringVar(&o.sohoa, "sohoa", "bin/sohoa", "sohoa `binary` to benchmark")
	fs.StringVar(&o.dir, "dir", "", "work `folder` (default: a new temporary folder, removed afterwards)")
	fs.Uint64Var(&o.seed, "seed", 2026, "seed of the generated set")
	fs.IntVar(&o.docs, "docs", 3, "documents per fixtures variant")
	fs.IntVar(&o.minPages, "min-pages", 40, "clean pages are added up to this many pages")
	fs.StringVar(&tools, "tools", "sohoa,ocrmypdf,tesseract", "tools to run, comma-separated")
	fs.IntVar(&o.large, "large", 0, "also run sohoa alone on a set of this many `pages` (throughput and peak RSS)")
	fs.BoolVar(&o.verbose, "v", false, "list the words each tool missed, per document")
	fs.BoolVar(&o.quick, "quick", false, "skip the slowest OCRmyPDF setting (--jobs 2, one file at a time)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.tools = strings.Split(tools, ",")
	if o.dir == "" {
		dir, err := os.MkdirTemp("", "ocrbench-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.dir = dir
	}
	if abs, err := filepath.Abs(o.sohoa); err == nil {
		o.sohoa = abs
	}
	cores := runtime.NumCPU()

	items, err := bench.GenerateSet(ctx, bench.SetOptions{Dir: filepath.Join(o.dir, "set"), Seed: o.seed, DocsPerVariant: o.docs, MinPages: o.minPages})
	if err != nil {
		return err
	}
	pages := bench.Pages(items)
	fmt.Fprintf(stdout, "OCR benchmark: %d documents, %d pages, every fixtures variant (seed %d), %d cores\n\n", len(items), pages, o.seed, cores)

	var runs []toolRun
	for _, tool := range o.tools {
		var more []toolRun
		switch tool {
		case "sohoa":
			more, err = runSohoa(ctx, o, items, cores)
		case "ocrmypdf":
			more, err = runOCRmyPDF(ctx, o, items)
		case "tesseract":
			more, err = runTesseract(ctx, o, items, cores)
		default:
			err = fmt.Errorf("unknown tool %q", tool)
		}
		if err != nil {
			return err
		}
		runs = append(runs, more...)
	}
	report(stdout, items, runs, cores, o.verbose)
	if err := reportSizes(ctx, stdout, items, runs, o.dir); err != nil {
		return err
	}
	for _, r := range runs {
		if r.meta == nil {
			continue
		}
		if r.stages != nil {
			fmt.Fprintf(stdout, "\n%s, wall time by stage as sohoa reports it (--json stageSeconds, summed over workers):\n  %s\n", r.label, r.stages)
		}
		pass, reenc, n, err := writerCost(ctx, items, r.meta, r.text, o.dir)
		if err != nil {
			return fmt.Errorf("writer cost: %w", err)
		}
		sohoaCPU := r.usage.CPU.Seconds() / float64(n)
		fmt.Fprintf(stdout, "\nPDF/A writing, CPU of the writer's thread in this process over the same %d pages (getrusage RUSAGE_THREAD around NewWriter…Close; decoding not counted):\n", n)
		fmt.Fprintf(stdout, "  as sohoa writes (source JPEG/PNG data copied, correction by matrix): %.4f s/page = %.1f %% of sohoa's %.2f CPU s/page\n",
			pass.Seconds()/float64(n), 100*pass.Seconds()/float64(n)/sohoaCPU, sohoaCPU)
		fmt.Fprintf(stdout, "  re-encoding every page from its pixels (Flate level 1, the former path): %.4f s/page = %.1f %% of it\n",
			reenc.Seconds()/float64(n), 100*reenc.Seconds()/float64(n)/sohoaCPU)
	}

	if o.large > 0 {
		large, err := bench.GenerateSet(ctx, bench.SetOptions{Dir: filepath.Join(o.dir, "large"), Seed: o.seed + 7,
			DocsPerVariant: max(3, o.large/16), MinPages: o.large})
		if err != nil {
			return err
		}
		lr, err := runSohoa(ctx, o, large, cores)
		if err != nil {
			return err
		}
		u := lr[0].usage
		n := bench.Pages(large)
		fmt.Fprintf(stdout, "\nsohoa on %d pages: %.1f pages/minute, %.2f CPU s/page, peak RSS %.0f MB, word error %s\n",
			n, perMinute(n, u.Wall), u.CPU.Seconds()/float64(n), mb(u.PeakRSS), overall(large, lr[0]).String())
	}
	return nil
}

// toolRun is one tool's pass over the set: its cost and the text it read
// for each item (by Item.Name).
type toolRun struct {
	label string
	usage bench.Usage
	text  map[string]string
	pdfs  map[string]string             // output PDF by item name, when the tool writes PDFs
	meta  map[string]*metadata.Document // sohoa's metadata.json by item name
	// stages is sohoa's own account of where its time went (--json).
	stages *pipeline.StageTimes
}

func runSohoa(ctx context.Context, o options, items []bench.Item, workers int) ([]toolRun, error) {
	store := filepath.Join(o.dir, fmt.Sprintf("sohoa-store-%d", time.Now().UnixNano()))
	args := []string{"digitize", "--batch", "bench", "--store", store, "--workers", fmt.Sprint(workers), "--json"}
	for _, it := range items {
		args = append(args, it.Path)
	}
	var out, errOut bytes.Buffer
	u, err := bench.RunAll(ctx, 1, 1, func(ctx context.Context, _ int) *exec.Cmd {
		c := exec.CommandContext(ctx, o.sohoa, args...)
		c.Stdout, c.Stderr = &out, &errOut
		return c
	})
	if err != nil {
		// digitize exits non-zero when a document needs review; only a
		// missing summary is a failure.
		var exit *exec.ExitError
		if !errors.As(err, &exit) || out.Len() == 0 {
			return nil, fmt.Errorf("sohoa: %w\n%s", err, errOut.String())
		}
	}
	var sum struct {
		Stages  pipeline.StageTimes `json:"stageSeconds"`
		Results []struct {
			Name, DocID, Outcome, Error string
		} `json:"results"`
	}
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		return nil, fmt.Errorf("sohoa summary: %w\n%s", err, out.String())
	}
	byBase := make(map[string]string)
	for _, r := range sum.Results {
		if r.DocID == "" {
			return nil, fmt.Errorf("sohoa: %s: %s %s", r.Name, r.Outcome, r.Error)
		}
		byBase[filepath.Base(r.Name)] = r.DocID
	}
	run := toolRun{label: fmt.Sprintf("sohoa digitize --workers %d", workers), usage: u, text: map[string]string{},
		pdfs: map[string]string{}, meta: map[string]*metadata.Document{}, stages: &sum.Stages}
	for _, it := range items {
		id, ok := byBase[filepath.Base(it.Path)]
		if !ok {
			return nil, fmt.Errorf("sohoa: no result for %s", it.Path)
		}
		pdf := filepath.Join(o.dir, "sohoa-"+it.Name+".pdf")
		if out, err := exec.CommandContext(ctx, o.sohoa, "get", "--store", store, "batches/bench/docs/"+id+"/digitized.pdf", "-o", pdf).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("sohoa get %s: %w\n%s", it.Name, err, out)
		}
		if run.text[it.Name], err = pdfText(ctx, pdf); err != nil {
			return nil, err
		}
		run.pdfs[it.Name] = pdf
		mdFile := filepath.Join(o.dir, "sohoa-"+it.Name+".json")
		if out, err := exec.CommandContext(ctx, o.sohoa, "get", "--store", store, "batches/bench/docs/"+id+"/metadata.json", "-o", mdFile).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("sohoa get %s metadata: %w\n%s", it.Name, err, out)
		}
		data, err := os.ReadFile(mdFile)
		if err != nil {
			return nil, err
		}
		var md metadata.Document
		if err := json.Unmarshal(data, &md); err != nil {
			return nil, fmt.Errorf("%s metadata: %w", it.Name, err)
		}
		run.meta[it.Name] = &md
	}
	return []toolRun{run}, nil
}

// runOCRmyPDF runs OCRmyPDF as the issue does, in its two batch settings:
// one file at a time with --jobs 2 (left out by -quick), and two files at
// once with --jobs 1; then two at once again with
// --pdfa-image-compression lossless, the setting that keeps lossless
// scans lossless (by default its PDF/A output re-encodes colour images as
// JPEG through Ghostscript).
func runOCRmyPDF(ctx context.Context, o options, items []bench.Item) ([]toolRun, error) {
	if _, err := exec.LookPath("ocrmypdf"); err != nil {
		return nil, errors.New("ocrmypdf is not installed (Debian package ocrmypdf; make bench installs it)")
	}
	modes := []struct {
		jobs, parallel int
		lossless       bool
	}{{2, 1, false}, {1, 2, false}, {1, 2, true}}
	if o.quick {
		modes = modes[1:]
	}
	var runs []toolRun
	for _, mode := range modes {
		name := fmt.Sprintf("ocrmypdf-j%d-p%d", mode.jobs, mode.parallel)
		args := []string{"--rotate-pages", "--deskew", "-l", "vie", "--output-type", "pdfa-2"}
		if mode.lossless {
			name += "-lossless"
			args = append(args, "--pdfa-image-compression", "lossless")
		}
		dir := filepath.Join(o.dir, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		u, err := bench.RunAll(ctx, len(items), mode.parallel, func(ctx context.Context, i int) *exec.Cmd {
			return exec.CommandContext(ctx, "ocrmypdf", append(slices.Clone(args), "--jobs", fmt.Sprint(mode.jobs),
				items[i].Path, filepath.Join(dir, items[i].Name+".pdf"))...)
		})
		if err != nil {
			return nil, fmt.Errorf("ocrmypdf: %w", err)
		}
		label := fmt.Sprintf("ocrmypdf --jobs %d, one file at a time", mode.jobs)
		if mode.parallel > 1 {
			label = fmt.Sprintf("ocrmypdf --jobs %d, %d files at once", mode.jobs, mode.parallel)
		}
		if mode.lossless {
			label += ", lossless"
		}
		run := toolRun{label: label, usage: u, text: map[string]string{}, pdfs: map[string]string{}}
		for _, it := range items {
			pdf := filepath.Join(dir, it.Name+".pdf")
			if run.text[it.Name], err = pdfText(ctx, pdf); err != nil {
				return nil, err
			}
			run.pdfs[it.Name] = pdf
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// runTesseract runs the tesseract command, single-threaded, one process
// per core: the CPU Tesseract itself needs per page sets the limit.
func runTesseract(ctx context.Context, o options, items []bench.Item, cores int) ([]toolRun, error) {
	dir := filepath.Join(o.dir, "tesseract")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	u, err := bench.RunAll(ctx, len(items), cores, func(ctx context.Context, i int) *exec.Cmd {
		c := exec.CommandContext(ctx, "tesseract", items[i].Path, filepath.Join(dir, items[i].Name), "-l", "vie")
		c.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
		return c
	})
	if err != nil {
		return nil, fmt.Errorf("tesseract: %w", err)
	}
	run := toolRun{label: fmt.Sprintf("tesseract -l vie, %d processes, OMP_THREAD_LIMIT=1", cores), usage: u, text: map[string]string{}}
	for _, it := range items {
		data, err := os.ReadFile(filepath.Join(dir, it.Name+".txt"))
		if err != nil {
			return nil, fmt.Errorf("tesseract output: %w", err)
		}
		run.text[it.Name] = string(data)
	}
	return []toolRun{run}, nil
}

// pdfText is the text layer of a PDF as pdftotext reads it.
func pdfText(ctx context.Context, pdf string) (string, error) {
	out, err := exec.CommandContext(ctx, "pdftotext", "-enc", "UTF-8", pdf, "-").Output()
	if err != nil {
		return "", fmt.Errorf("pdftotext %s: %w", pdf, err)
	}
	return string(out), nil
}

func report(w io.Writer, items []bench.Item, runs []toolRun, cores int, verbose bool) {
	pages := bench.Pages(items)
	fmt.Fprintf(w, "%-52s %10s %8s %11s %9s %11s %10s\n", "tool", "pages/min", "wall s", "CPU s/page", "peak RSS", "CPU-bound", "other load")
	var limit float64
	for _, r := range runs {
		cpuPerPage := r.usage.CPU.Seconds() / float64(pages)
		// CPU-bound: pages/min if the tool had every core to itself;
		// other load: share of the machine's cores other processes used
		// during the run.
		other := r.usage.OtherCPU.Seconds() / (r.usage.Wall.Seconds() * float64(cores))
		fmt.Fprintf(w, "%-52s %10.1f %8.1f %11.2f %6.0f MB %11.1f %9.0f%%\n", r.label, perMinute(pages, r.usage.Wall), r.usage.Wall.Seconds(), cpuPerPage, mb(r.usage.PeakRSS), float64(cores)*60/cpuPerPage, 100*other)
		if strings.HasPrefix(r.label, "tesseract") && cpuPerPage > 0 {
			limit = float64(cores) * 60 / cpuPerPage
		}
	}
	if limit > 0 {
		fmt.Fprintf(w, "\nlimit = %d cores × 60 s / (tesseract CPU s per page) = %.1f pages/min\n", cores, limit)
		for _, r := range runs {
			if strings.HasPrefix(r.label, "sohoa") {
				fmt.Fprintf(w, "sohoa reaches %.0f %% of the limit by wall time, %.0f %% by CPU time per page\n",
					100*perMinute(pages, r.usage.Wall)/limit, 100*float64(cores)*60/(r.usage.CPU.Seconds()/float64(pages))/limit)
			}
		}
	}

	fmt.Fprintf(w, "\nword error (share of ground-truth words missing, wer.WordError; PDFs read back with pdftotext)\n")
	fmt.Fprintf(w, "%-20s %5s %6s", "variant", "pages", "words")
	for i := range runs {
		fmt.Fprintf(w, " %9s", shortLabel(runs[i].label, i))
	}
	fmt.Fprintln(w)
	variants := slices.Clone(fixtures.AllVariants)
	all := make([]wer.Tally, len(runs))
	for _, v := range variants {
		var truthTally wer.Tally
		cols := make([]wer.Tally, len(runs))
		for _, it := range items {
			if it.Variant != v {
				continue
			}
			for i, r := range runs {
				m, n := wer.WordError(it.TruthText(), r.text[it.Name], ocr.Normalize)
				cols[i].Add(m, n, it.Pages)
				if verbose && m > 0 {
					fmt.Fprintf(w, "  %s %s: missed %d/%d: %s\n", shortLabel(r.label, i), it.Name, m, n, wer.MissingWords(it.TruthText(), r.text[it.Name], ocr.Normalize))
				}
			}
			truthTally.Add(0, len(strings.Fields(it.TruthText())), it.Pages)
		}
		if truthTally.Pages == 0 {
			continue
		}
		fmt.Fprintf(w, "%-20s %5d %6d", v, truthTally.Pages, truthTally.Total)
		for i := range runs {
			fmt.Fprintf(w, " %9s", cols[i].String())
			all[i].Merge(cols[i])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%-20s %5d %6d", "overall", pages, all[0].Total)
	for i := range runs {
		fmt.Fprintf(w, " %9s", all[i].String())
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "\ncolumns:")
	for i, r := range runs {
		fmt.Fprintf(w, "  %-9s %s\n", shortLabel(r.label, i), r.label)
	}
}

// shortLabel names a run's column.
func shortLabel(label string, i int) string {
	switch {
	case strings.HasPrefix(label, "sohoa"):
		return "sohoa"
	case strings.HasPrefix(label, "tesseract"):
		return "tesseract"
	case strings.HasPrefix(label, "ocrmypdf") && strings.HasSuffix(label, "lossless"):
		return "omp-lossl"
	case strings.HasPrefix(label, "ocrmypdf") && strings.Contains(label, "at once"):
		return "omp-2x1"
	case strings.HasPrefix(label, "ocrmypdf"):
		return "omp-j2"
	}
	return fmt.Sprint("run", i)
}

func overall(items []bench.Item, r toolRun) wer.Tally {
	var t wer.Tally
	for _, it := range items {
		m, n := wer.WordError(it.TruthText(), r.text[it.Name], ocr.Normalize)
		t.Add(m, n, it.Pages)
	}
	return t
}

func perMinute(pages int, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return float64(pages) / wall.Minutes()
}

func mb(b int64) float64 { return float64(b) / 1e6 }
