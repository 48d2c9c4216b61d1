package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/sohoa/sohoa/fixtures"
	"github.com/sohoa/sohoa/internal/bench"
	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pipeline/intake"
	"github.com/sohoa/sohoa/pipeline/pdfa"
)

// reportSizes prints, per variant, the size of the inputs and of every
// run's output PDFs, and how many pages each run left pixel-identical to
// the input (pdfimages -png of the output against the decoded input page,
// compared as 8-bit RGB). The last table sums only the documents every
// compared run left pixel-identical: the issue's "same page, no change to
// the pixels" comparison.
func reportSizes(ctx context.Context, w io.Writer, items []bench.Item, runs []toolRun, dir string) error {
	var withPDF []toolRun
	for _, r := range runs {
		if r.pdfs != nil {
			withPDF = append(withPDF, r)
		}
	}
	if len(withPDF) == 0 {
		return nil
	}
	inSize := map[string]int64{}
	same := make([]map[string]int, len(withPDF)) // pixel-identical pages per item
	for i := range same {
		same[i] = map[string]int{}
	}
	for _, it := range items {
		st, err := os.Stat(it.Path)
		if err != nil {
			return err
		}
		inSize[it.Name] = st.Size()
		inputs, err := decodePages(ctx, it.Path)
		if err != nil {
			return fmt.Errorf("%s: %w", it.Name, err)
		}
		for i, r := range withPDF {
			out, err := extractImages(ctx, r.pdfs[it.Name], filepath.Join(dir, "pdfimages"))
			if err != nil {
				return fmt.Errorf("%s: %s: %w", r.label, it.Name, err)
			}
			if len(out) == len(inputs) {
				for p := range inputs {
					if bytes.Equal(inputs[p].Pix, out[p].Pix) && inputs[p].Rect.Size() == out[p].Rect.Size() {
						same[i][it.Name]++
					}
				}
			}
		}
	}
	size := func(path string) int64 {
		st, err := os.Stat(path)
		if err != nil {
			return 0
		}
		return st.Size()
	}

	table := func(title string, keep func(bench.Item) bool) {
		fmt.Fprintf(w, "\n%s\n%-20s %5s %6s %10s", title, "variant", "files", "pages", "input KB")
		for i, r := range withPDF {
			fmt.Fprintf(w, " %10s %9s", shortLabel(r.label, i)+" KB", "identical")
		}
		fmt.Fprintln(w)
		type sums struct{ files, pages, in int64 }
		var total sums
		totalOut := make([]int64, len(withPDF))
		totalSame := make([]int, len(withPDF))
		for _, v := range slices.Clone(fixtures.AllVariants) {
			var s sums
			out := make([]int64, len(withPDF))
			sm := make([]int, len(withPDF))
			for _, it := range items {
				if it.Variant != v || !keep(it) {
					continue
				}
				s.files++
				s.pages += int64(it.Pages)
				s.in += inSize[it.Name]
				for i, r := range withPDF {
					out[i] += size(r.pdfs[it.Name])
					sm[i] += same[i][it.Name]
				}
			}
			if s.files == 0 {
				continue
			}
			fmt.Fprintf(w, "%-20s %5d %6d %10.0f", v, s.files, s.pages, float64(s.in)/1024)
			for i := range withPDF {
				fmt.Fprintf(w, " %10.0f %5d/%-3d", float64(out[i])/1024, sm[i], s.pages)
				totalOut[i] += out[i]
				totalSame[i] += sm[i]
			}
			fmt.Fprintln(w)
			total.files, total.pages, total.in = total.files+s.files, total.pages+s.pages, total.in+s.in
		}
		fmt.Fprintf(w, "%-20s %5d %6d %10.0f", "total", total.files, total.pages, float64(total.in)/1024)
		for i := range withPDF {
			fmt.Fprintf(w, " %10.0f %5d/%-3d", float64(totalOut[i])/1024, totalSame[i], total.pages)
		}
		fmt.Fprintln(w)
	}
	table("output size (KB = 1024 bytes, os.Stat) and pages left pixel-identical (pdfimages -png vs decoded input, as 8-bit RGB)",
		func(bench.Item) bool { return true })
	table("only documents every run above left pixel-identical on every page",
		func(it bench.Item) bool {
			for i := range withPDF {
				if same[i][it.Name] != it.Pages {
					return false
				}
			}
			return true
		})
	fmt.Fprintln(w, "\ncolumns:")
	for i, r := range withPDF {
		fmt.Fprintf(w, "  %-9s %s\n", shortLabel(r.label, i), r.label)
	}
	return nil
}

// decodePages decodes a document's pages as sohoa reads them, as RGB.
func decodePages(ctx context.Context, path string) ([]*image.RGBA, error) {
	var pages []*image.RGBA
	err := intake.Document{Name: filepath.Base(path), Path: path}.Pages(ctx, intake.Limits{}, func(p intake.Page) error {
		pages = append(pages, toRGBA(p.Image))
		return nil
	})
	return pages, err
}

// extractImages returns the images of a PDF in page order, as RGB.
func extractImages(ctx context.Context, pdf, dir string) ([]*image.RGBA, error) {
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if out, err := exec.CommandContext(ctx, "pdfimages", "-png", pdf, filepath.Join(dir, "img")).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pdfimages: %w\n%s", err, out)
	}
	names, err := filepath.Glob(filepath.Join(dir, "img-*.png"))
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var imgs []*image.RGBA
	for _, n := range names {
		f, err := os.Open(n)
		if err != nil {
			return nil, err
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		imgs = append(imgs, toRGBA(img))
	}
	return imgs, nil
}

// toRGBA converts any image to RGBA (alpha composited over white is not
// needed: scans and PDF images are opaque).
func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	m := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(m, m.Bounds(), img, b.Min, draw.Src)
	return m
}

// writerCost measures what writing the PDF/A costs sohoa per page, in this
// process: every document of the set is decoded (not measured), then
// written again with pipeline/pdfa as the pipeline writes it (the scan's
// own JPEG/PNG data when it can be copied, the correction sohoa recorded in
// metadata.json, a text layer of the words sohoa read, laid out in rows)
// and, for comparison, with every page re-encoded from its pixels (Flate
// level 1, no pass-through: the writer's path before pass-through). The
// time is the CPU time of this thread only (getrusage RUSAGE_THREAD,
// goroutine locked to it), around NewWriter … Close, output to a file.
func writerCost(ctx context.Context, items []bench.Item, meta map[string]*metadata.Document, text map[string]string, dir string) (passThrough, reencode time.Duration, pages int, err error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, it := range items {
		var decoded []intake.Page
		err := intake.Document{Name: it.Name, Path: it.Path}.Pages(ctx, intake.Limits{}, func(p intake.Page) error {
			decoded = append(decoded, p)
			return nil
		})
		if err != nil {
			return 0, 0, 0, fmt.Errorf("%s: %w", it.Name, err)
		}
		md := meta[it.Name]
		if md == nil || md.OCR == nil || len(md.OCR.Pages) != len(decoded) {
			return 0, 0, 0, fmt.Errorf("%s: no page information from sohoa", it.Name)
		}
		pageTexts := strings.Split(text[it.Name], "\f")
		build := func(keepSource bool) []pdfa.Page {
			var out []pdfa.Page
			for i, p := range decoded {
				info := md.OCR.Pages[i]
				page := pdfa.Page{Image: p.Image, DPI: p.DPI}
				if keepSource {
					page.Encoded, page.Format = p.Encoded, p.Format
					page.Rotation, page.SkewDegrees = info.Rotation, info.SkewDegrees
				}
				if i < len(pageTexts) {
					page.Words = rowsOfWords(pageTexts[i], p.Image.Bounds().Size())
				}
				out = append(out, page)
			}
			return out
		}
		for _, mode := range []bool{true, false} {
			pages := build(mode)
			runtime.GC() // decoding's garbage is not the writer's
			d, err := timeWriter(filepath.Join(dir, "writer.pdf"), pages)
			if err != nil {
				return 0, 0, 0, fmt.Errorf("%s: %w", it.Name, err)
			}
			if mode {
				passThrough += d
			} else {
				reencode += d
			}
		}
		pages += len(decoded)
	}
	return passThrough, reencode, pages, nil
}

// timeWriter writes pages as one PDF/A to path and returns the CPU time
// this thread spent.
func timeWriter(path string, pages []pdfa.Page) (time.Duration, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer os.Remove(path)
	defer f.Close()
	start := threadCPU()
	w, err := pdfa.NewWriter(f, pdfa.Info{Producer: "ocrbench", Created: time.Unix(0, 0)})
	if err != nil {
		return 0, err
	}
	for _, p := range pages {
		if err := w.AddPage(p); err != nil {
			return 0, err
		}
	}
	if err := w.SetInfo(pdfa.Info{Title: "ocrbench", Language: "vi"}); err != nil {
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	return threadCPU() - start, nil
}

// threadCPU is the user and system time of the calling thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rowsOfWords lays the words of text out in rows over a page of size, as
// OCR word boxes: the text layer costs what it costs on the real page.
func rowsOfWords(text string, size image.Point) []ocr.Word {
	const lineHeight, margin = 40, 100
	var words []ocr.Word
	x, y, line := margin, margin, 0
	for _, f := range strings.Fields(text) {
		width := 22 * len([]rune(f))
		if x+width > size.X-margin && x > margin {
			x, y, line = margin, y+lineHeight*3/2, line+1
		}
		words = append(words, ocr.Word{Text: f, Box: image.Rect(x, y, x+width, y+lineHeight), Confidence: 0.9, Line: line})
		x += width + 20
	}
	return words
}
