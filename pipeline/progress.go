package pipeline

import "sync"

// ProgressKind says what a Progress event is about.
type ProgressKind int

// Kinds of progress events.
const (
	BatchStarted ProgressKind = iota // Total documents found
	DocStarted                       // Doc begins
	PageDone                         // one page of Doc OCRed (Page of Pages, Pages 0 if unknown)
	DocDone                          // Doc finished; Outcome says how
	DocFailed                        // Doc failed; Err says why
	BatchDone
)

// Progress is one event of a run.
type Progress struct {
	Kind    ProgressKind
	Doc     string
	Page    int
	Outcome string
	Err     error
	Total   int
}

// Reporter receives progress events. The pipeline never calls it from two
// goroutines at once.
type Reporter interface {
	Report(Progress)
}

type syncReporter struct {
	mu sync.Mutex
	r  Reporter
}

func (s *syncReporter) Report(p Progress) {
	if s.r == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.r.Report(p)
}
