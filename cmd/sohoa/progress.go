package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/sohoa/sohoa/pipeline"
)

// progressReporter renders pipeline progress: a bar on a terminal, plain log
// lines (one per finished document, a count every few seconds) otherwise.
// Failures are always printed, one line each, naming the file and reason.
type progressReporter struct {
	w        io.Writer
	verb     string
	bar      *progressbar.ProgressBar
	total    int
	done     int
	pages    int
	failed   int
	start    time.Time
	lastLine time.Time
}

// newProgressReporter reports on w; verb says what is done to documents
// ("digitize", "sign").
func newProgressReporter(w io.Writer, verb string) *progressReporter {
	r := &progressReporter{w: w, verb: verb, start: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		r.bar = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(verb),
			progressbar.OptionShowCount(),
			progressbar.OptionSetItsString("doc"),
			progressbar.OptionShowIts(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
		)
	}
	return r
}

func (r *progressReporter) Report(p pipeline.Progress) {
	switch p.Kind {
	case pipeline.BatchStarted:
		r.total = p.Total
		if r.bar != nil {
			r.bar.ChangeMax(p.Total)
		} else {
			fmt.Fprintf(r.w, "sohoa: %d document(s) to %s\n", p.Total, r.verb)
		}
	case pipeline.PageDone:
		r.pages++
		if r.bar != nil {
			r.bar.Describe(fmt.Sprintf("%s p.%d", shorten(p.Doc, 30), p.Page))
		} else if time.Since(r.lastLine) > 10*time.Second {
			r.lastLine = time.Now()
			fmt.Fprintf(r.w, "sohoa: %d/%d documents, %d pages, %.1f pages/min\n", r.done, r.total, r.pages,
				float64(r.pages)/time.Since(r.start).Minutes())
		}
	case pipeline.DocDone:
		r.done++
		if r.bar != nil {
			r.bar.Add(1)
		} else {
			fmt.Fprintf(r.w, "sohoa: [%d/%d] %s: %s\n", r.done, r.total, p.Doc, p.Outcome)
		}
	case pipeline.DocFailed:
		r.done++
		r.failed++
		if r.bar != nil {
			r.bar.Clear()
			fmt.Fprintf(r.w, "sohoa: FAILED %v\n", p.Err)
			r.bar.Add(1)
		} else {
			fmt.Fprintf(r.w, "sohoa: [%d/%d] FAILED %v\n", r.done, r.total, p.Err)
		}
	}
}

func (r *progressReporter) finish() {
	if r.bar != nil {
		r.bar.Finish()
	}
}

func shorten(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return "…" + string(rs[len(rs)-n+1:])
}
