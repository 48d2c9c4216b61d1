package pipeline

import (
	"fmt"
	"strings"
	"time"
)

// StageTimes is the wall time spent in each stage of digitizing, in
// seconds. For a batch it is summed over the workers, so with two workers
// busy the total is about twice the elapsed time: the shares tell where a
// slow batch spends its time (OCR should dominate; a large "store" points
// at the storage, a large "decode" at huge or unusual scans).
type StageTimes struct {
	Hash     float64 `json:"hash"`     // reading the inputs for their SHA-256
	Decode   float64 `json:"decode"`   // decoding the pages' pixels
	OCR      float64 `json:"ocr"`      // orientation, deskew and recognition
	Metadata float64 `json:"metadata"` // extraction, register, schema check
	PDF      float64 `json:"pdf"`      // writing the PDF/A
	Store    float64 `json:"store"`    // uploads: originals, PDF, metadata, text, record
}

// add adds o's times to t.
func (t *StageTimes) add(o StageTimes) {
	t.Hash += o.Hash
	t.Decode += o.Decode
	t.OCR += o.OCR
	t.Metadata += o.Metadata
	t.PDF += o.PDF
	t.Store += o.Store
}

// Total is the sum of the stages.
func (t StageTimes) Total() float64 {
	return t.Hash + t.Decode + t.OCR + t.Metadata + t.PDF + t.Store
}

// String lists the stages with their share of the total, always in the
// same order so that runs compare line by line:
// "ocr 41.2 s (93 %), decode 0.8 s (2 %), …".
func (t StageTimes) String() string {
	total := t.Total()
	if total <= 0 {
		return "no time measured"
	}
	var parts []string
	for _, s := range []struct {
		name string
		sec  float64
	}{{"ocr", t.OCR}, {"decode", t.Decode}, {"pdf", t.PDF}, {"metadata", t.Metadata}, {"store", t.Store}, {"hash", t.Hash}} {
		parts = append(parts, fmt.Sprintf("%s %.1f s (%.0f %%)", s.name, s.sec, 100*s.sec/total))
	}
	return strings.Join(parts, ", ")
}

// stopwatch measures consecutive laps of one worker's time.
type stopwatch struct{ last time.Time }

func startStopwatch() stopwatch { return stopwatch{last: time.Now()} }

// lap returns the seconds since the previous lap (or the start) and
// starts the next one.
func (w *stopwatch) lap() float64 {
	now := time.Now()
	d := now.Sub(w.last).Seconds()
	w.last = now
	return d
}
