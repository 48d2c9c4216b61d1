package index

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sohoa/sohoa/storage"
)

var t0 = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

// sampleEntries is a small archive: decisions and letters of two organs.
func sampleEntries() []Entry {
	return []Entry{
		{DocID: "d1", Batch: "b1", Name: "qd125.tif", Status: "digitized", TypeName: "Quyết định", CodeNumber: "125", CodeNotation: "QĐ-UBND",
			IssuedDate: "2024-05-12", OrganName: "Ủy ban nhân dân tỉnh Quảng Nam", SignerFullName: "Nguyễn Văn An",
			Subject: "Về việc phê duyệt kế hoạch phòng chống thiên tai năm 2024",
			Text:    "ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM\nQUYẾT ĐỊNH\nVề việc phê duyệt kế hoạch phòng chống thiên tai.\nĐiều 1. Phê duyệt kế hoạch kèm theo Quyết định này.",
			Objects: []Object{{Role: "pdf", Key: "batches/b1/docs/d1/digitized.pdf", SHA256: strings.Repeat("a", 64), Size: 1234}}, Updated: t0},
		{DocID: "d2", Batch: "b1", Name: "cv88.tif", Status: "needs_review", TypeName: "Công văn", CodeNumber: "88", CodeNotation: "UBND-VP",
			IssuedDate: "2024-01-03", OrganName: "Ủy ban nhân dân tỉnh Quảng Nam", SignerFullName: "Trần Thị Bình",
			Subject: "Về việc tổ chức Tết Nguyên đán", Text: "Văn phòng đề nghị các sở ngành tổ chức trực Tết Nguyên đán an toàn.",
			NeedsReview: true, Updated: t0},
		{DocID: "d3", Batch: "b2", Name: "qd7.pdf", Status: "signed", TypeName: "Quyết định", CodeNumber: "7", CodeNotation: "QĐ-SNV",
			IssuedDate: "2023-11-30", OrganName: "Sở Nội vụ thành phố Đà Nẵng", SignerFullName: "Lê Đình Cường",
			Subject: "Về việc bổ nhiệm công chức", Text: "Quyết định bổ nhiệm ông Phạm Văn Dũng giữ chức vụ trưởng phòng.", Updated: t0},
		{DocID: "d4", Batch: "b2", Name: "tb3.pdf", Status: "digitized", TypeName: "Thông báo", CodeNumber: "3", CodeNotation: "TB-SNV",
			IssuedDate: "", OrganName: "Sở Nội vụ thành phố Đà Nẵng", SignerFullName: "",
			Subject: "Thông báo lịch họp", Text: "Thông báo lịch họp giao ban tháng 12 tại phòng họp số 2.", Updated: t0},
		{DocID: "d5", Batch: "b2", Name: "qd125b.pdf", Status: "digitized", TypeName: "Quyết định", CodeNumber: "125", CodeNotation: "QĐ-SNV",
			IssuedDate: "2024-05-12", OrganName: "Sở Nội vụ thành phố Đà Nẵng", SignerFullName: "Lê Đình Cường",
			Subject: "Về việc nâng lương", Text: "Quyết định nâng bậc lương thường xuyên cho công chức.", Updated: t0},
	}
}

func newStore(t testing.TB) *storage.Local {
	t.Helper()
	s, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openIndex(t testing.TB, s storage.Store, cache string) *Index {
	t.Helper()
	ix, err := Open(context.Background(), s, cache)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func ids(t testing.TB, ix *Index, q Query) []string {
	t.Helper()
	hits, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	out := []string{}
	for _, h := range hits {
		out = append(out, h.DocID)
	}
	return out
}

func segmentKeys(t testing.TB, s storage.Store) []string {
	t.Helper()
	keys, err := listSegments(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestSearchFilters(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := Append(ctx, s, sampleEntries()); err != nil {
		t.Fatal(err)
	}
	ix := openIndex(t, s, filepath.Join(t.TempDir(), "cache.db"))
	tests := []struct {
		name string
		q    Query
		want []string
	}{
		{"everything, newest issue first, undated last", Query{}, []string{"d1", "d5", "d2", "d3", "d4"}},
		{"code number", Query{CodeNumber: "125"}, []string{"d1", "d5"}},
		{"code notation without diacritics", Query{CodeNotation: "qd-ubnd"}, []string{"d1"}},
		{"code notation exact", Query{CodeNotation: "QĐ-SNV"}, []string{"d5", "d3"}},
		{"organ substring folded", Query{OrganName: "uy ban nhan dan"}, []string{"d1", "d2"}},
		{"organ substring with diacritics", Query{OrganName: "Đà Nẵng"}, []string{"d5", "d3", "d4"}},
		{"organ no match", Query{OrganName: "Hà Nội"}, []string{}},
		{"type folded", Query{TypeName: "quyet dinh"}, []string{"d1", "d5", "d3"}},
		{"issued range by day", Query{IssuedFrom: "2024-01-01", IssuedTo: "2024-01-31"}, []string{"d2"}},
		{"issued year", Query{IssuedFrom: "2023", IssuedTo: "2023"}, []string{"d3"}},
		{"issued to excludes undated", Query{IssuedTo: "2024-02"}, []string{"d2", "d3"}},
		{"signer substring folded", Query{Signer: "dinh cuong"}, []string{"d5", "d3"}},
		{"status", Query{Status: "needs_review"}, []string{"d2"}},
		{"batch", Query{Batch: "b1"}, []string{"d1", "d2"}},
		{"needs review", Query{NeedsReview: true}, []string{"d2"}},
		{"words without diacritics", Query{Words: "quyet dinh"}, []string{"d1", "d5", "d3"}},
		{"words with diacritics", Query{Words: "Quyết định"}, []string{"d1", "d5", "d3"}},
		{"words all must match", Query{Words: "quyết định bổ nhiệm"}, []string{"d3"}},
		{"words in subject only", Query{Words: "nâng lương"}, []string{"d5"}},
		{"words phrase", Query{Words: `"phong hop"`}, []string{"d4"}},
		{"words prefix", Query{Words: "nguyen*"}, []string{"d2"}},
		{"words upper-case text, đ folded", Query{Words: "dieu 1"}, []string{"d1"}},
		{"words and filters", Query{Words: "quyet dinh", OrganName: "noi vu", IssuedFrom: "2024"}, []string{"d5"}},
		{"punctuation is not syntax", Query{Words: `công-chức AND (OR`}, []string{}},
		{"limit", Query{Limit: 2}, []string{"d1", "d5"}},
		{"offset", Query{Limit: 2, Offset: 2}, []string{"d2", "d3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ids(t, ix, tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSearchHitContent(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := Append(ctx, s, sampleEntries()); err != nil {
		t.Fatal(err)
	}
	ix := openIndex(t, s, filepath.Join(t.TempDir(), "cache.db"))
	hits, err := ix.Search(ctx, Query{Words: "ke hoach thien tai"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 {
		t.Fatalf("got %d hits, want 1", len(hits))
	}
	h := hits[0]
	want := sampleEntries()[0]
	if h.Text != "" {
		t.Errorf("hit carries Text %q; hits must not", h.Text)
	}
	if h.OrganName != want.OrganName || h.SignerFullName != want.SignerFullName || h.CodeNotation != want.CodeNotation ||
		!h.Updated.Equal(want.Updated) || !slices.Equal(h.Objects, want.Objects) {
		t.Errorf("hit = %+v, want fields of %+v", h.Entry, want)
	}
	for _, w := range []string{"«kế»", "«hoạch»", "«thiên»", "«tai»"} {
		if !strings.Contains(h.Snippet, w) {
			t.Errorf("snippet %q lacks %s", h.Snippet, w)
		}
	}
	if strings.Contains(h.Snippet, "\n") {
		t.Errorf("snippet %q spans lines", h.Snippet)
	}

	got, err := ix.Get(ctx, "b1", "d1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != want.Text || got.Objects[0].SHA256 != want.Objects[0].SHA256 {
		t.Errorf("Get = %+v, want %+v", got, want)
	}
	if _, err := ix.Get(ctx, "b1", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get missing: err = %v, want ErrNotFound", err)
	}
	if n, err := ix.Count(ctx); err != nil || n != 5 {
		t.Errorf("Count = %d, %v; want 5", n, err)
	}
}

func TestSearchRejectsBadQueries(t *testing.T) {
	s := newStore(t)
	ix := openIndex(t, s, filepath.Join(t.TempDir(), "cache.db"))
	for _, q := range []Query{{IssuedFrom: "12/05/2024"}, {IssuedTo: "2024-5"}, {Words: "?!…"}} {
		if _, err := ix.Search(context.Background(), q); !errors.Is(err, ErrQuery) {
			t.Errorf("Search(%+v): err = %v, want ErrQuery", q, err)
		}
	}
}

func TestAppendRejectsInvalidEntries(t *testing.T) {
	tests := []struct {
		name string
		e    Entry
	}{
		{"no doc id", Entry{Batch: "b"}},
		{"no batch", Entry{DocID: "d"}},
		{"date not ISO", Entry{Batch: "b", DocID: "d", IssuedDate: "12/05/2024"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			err := Append(context.Background(), s, []Entry{{Batch: "b", DocID: "ok"}, tc.e})
			if !errors.Is(err, ErrInvalidEntry) {
				t.Fatalf("err = %v, want ErrInvalidEntry", err)
			}
			if keys := segmentKeys(t, s); len(keys) != 0 {
				t.Errorf("a refused append left segments %v", keys)
			}
		})
	}
}

func TestNewestWins(t *testing.T) {
	ctx := context.Background()
	base := Entry{Batch: "b", DocID: "d", TypeName: "Quyết định", Text: "bản gốc"}
	with := func(status, text string, updated time.Time) Entry {
		e := base
		e.Status, e.Text, e.Updated = status, text, updated
		return e
	}
	tests := []struct {
		name       string
		segments   [][]Entry // appended in this order
		wantStatus string
		wantText   string
	}{
		{"later update in later segment", [][]Entry{{with("digitized", "một", t0)}, {with("signed", "hai", t0.Add(time.Hour))}}, "signed", "hai"},
		{"older update in later segment loses", [][]Entry{{with("signed", "hai", t0.Add(time.Hour))}, {with("digitized", "một", t0)}}, "signed", "hai"},
		{"same time: later segment wins", [][]Entry{{with("digitized", "một", t0)}, {with("approved", "ba", t0)}}, "approved", "ba"},
		{"same time, same segment: later line wins", [][]Entry{{with("digitized", "một", t0), with("approved", "ba", t0)}}, "approved", "ba"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			for _, seg := range tc.segments {
				if err := Append(ctx, s, seg); err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Millisecond) // distinct segment times
			}
			// Both a fresh cache and one fed segment by segment agree.
			fresh := openIndex(t, s, filepath.Join(t.TempDir(), "fresh.db"))
			got, err := fresh.Get(ctx, "b", "d")
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tc.wantStatus || got.Text != tc.wantText {
				t.Errorf("got status %q text %q, want %q %q", got.Status, got.Text, tc.wantStatus, tc.wantText)
			}
			if n, _ := fresh.Count(ctx); n != 1 {
				t.Errorf("Count = %d, want 1", n)
			}
			// The words of the losing versions are gone from the full-text index.
			for _, w := range []string{"một", "hai", "ba"} {
				found := len(ids(t, fresh, Query{Words: w})) > 0
				if found != (w == tc.wantText) {
					t.Errorf("words %q found = %v", w, found)
				}
			}
		})
	}
}

func TestTombstone(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	cache := filepath.Join(t.TempDir(), "cache.db")
	if err := Append(ctx, s, sampleEntries()); err != nil {
		t.Fatal(err)
	}
	ix := openIndex(t, s, cache)
	if got := ids(t, ix, Query{CodeNumber: "125"}); !slices.Equal(got, []string{"d1", "d5"}) {
		t.Fatalf("before delete: %v", got)
	}
	if err := Append(ctx, s, []Entry{{Batch: "b1", DocID: "d1", Deleted: true, Updated: t0.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for name, ix := range map[string]*Index{"synced": ix, "fresh": openIndex(t, s, filepath.Join(t.TempDir(), "fresh.db"))} {
		t.Run(name, func(t *testing.T) {
			if got := ids(t, ix, Query{CodeNumber: "125"}); !slices.Equal(got, []string{"d5"}) {
				t.Errorf("number search after delete: %v", got)
			}
			if got := ids(t, ix, Query{Words: "thien tai"}); len(got) != 0 {
				t.Errorf("words of a deleted document still found: %v", got)
			}
			if _, err := ix.Get(ctx, "b1", "d1"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get deleted: %v", err)
			}
			if n, _ := ix.Count(ctx); n != 4 {
				t.Errorf("Count = %d, want 4", n)
			}
		})
	}
	// A newer entry brings it back.
	e := sampleEntries()[0]
	e.Updated = t0.Add(2 * time.Hour)
	if err := Append(ctx, s, []Entry{e}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, ix, Query{Words: "thien tai"}); !slices.Equal(got, []string{"d1"}) {
		t.Errorf("after re-adding: %v", got)
	}
}

// failingDeletes is a store whose deletes fail, as if the process died
// between Rebuild's write and its deletes.
type failingDeletes struct{ storage.Store }

func (failingDeletes) Delete(context.Context, string) error { return errors.New("crash") }

func seqOf(entries []Entry) func(func(Entry, error) bool) {
	return func(yield func(Entry, error) bool) {
		for _, e := range entries {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func TestRebuild(t *testing.T) {
	ctx := context.Background()
	// The rebuilt set: d2 is gone (dropped without a tombstone), d1 changed.
	rebuilt := sampleEntries()
	rebuilt[0].Status = "signed"
	rebuilt = slices.Delete(rebuilt, 1, 2)
	tests := []struct {
		name         string
		crash        bool
		wantSegments int
	}{
		{"complete", false, 1},
		{"crash between write and deletes", true, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			entries := sampleEntries()
			// Three appends, the last one a tombstone of d4.
			for _, seg := range [][]Entry{entries[:2], entries[2:], {{Batch: "b2", DocID: "d4", Deleted: true, Updated: t0.Add(time.Minute)}}} {
				if err := Append(ctx, s, seg); err != nil {
					t.Fatal(err)
				}
			}
			oldCache := filepath.Join(t.TempDir(), "old.db")
			old := openIndex(t, s, oldCache)
			if got := ids(t, old, Query{}); !slices.Equal(got, []string{"d1", "d5", "d2", "d3"}) {
				t.Fatalf("before rebuild: %v", got)
			}

			var target storage.Store = s
			if tc.crash {
				target = failingDeletes{s}
			}
			err := Rebuild(ctx, target, seqOf(rebuilt))
			if tc.crash != (err != nil) {
				t.Fatalf("Rebuild: err = %v, crash = %v", err, tc.crash)
			}
			keys := segmentKeys(t, s)
			if len(keys) != tc.wantSegments || !isBaseKey(keys[len(keys)-1]) {
				t.Fatalf("segments after rebuild: %v", keys)
			}
			want := []string{"d1", "d5", "d3", "d4"}
			for name, ix := range map[string]*Index{"resynced": old, "fresh": openIndex(t, s, filepath.Join(t.TempDir(), "fresh.db"))} {
				t.Run(name, func(t *testing.T) {
					if err := ix.Sync(ctx); err != nil {
						t.Fatal(err)
					}
					if got := ids(t, ix, Query{}); !slices.Equal(got, want) {
						t.Errorf("got %v, want %v", got, want)
					}
					if got := ids(t, ix, Query{Status: "signed"}); !slices.Equal(got, []string{"d1", "d3"}) {
						t.Errorf("status signed: %v", got)
					}
				})
			}
			// A later append still counts after a base.
			if err := Append(ctx, s, []Entry{{Batch: "b3", DocID: "new", Updated: t0}}); err != nil {
				t.Fatal(err)
			}
			if err := old.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			if n, _ := old.Count(ctx); n != len(want)+1 {
				t.Errorf("Count after append = %d, want %d", n, len(want)+1)
			}
		})
	}
}

func TestCacheRecovery(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		damage func(t *testing.T, s storage.Store, cache string, keys []string)
		want   []string
	}{
		{"cache deleted", func(t *testing.T, _ storage.Store, cache string, _ []string) {
			for _, f := range []string{cache, cache + "-wal", cache + "-shm"} {
				if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
			}
		}, []string{"d1", "d5", "d2", "d3", "d4"}},
		{"segment removed", func(t *testing.T, s storage.Store, _ string, keys []string) {
			if err := s.Delete(ctx, keys[0]); err != nil { // holds d1, d2
				t.Fatal(err)
			}
		}, []string{"d5", "d3", "d4"}},
		{"cache of another schema", func(t *testing.T, _ storage.Store, cache string, _ []string) {
			ix := openIndex(t, newStore(t), cache)
			if _, err := ix.db.Exec("PRAGMA user_version = 99"); err != nil {
				t.Fatal(err)
			}
			ix.Close()
		}, []string{"d1", "d5", "d2", "d3", "d4"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			entries := sampleEntries()
			for _, seg := range [][]Entry{entries[:2], entries[2:]} {
				if err := Append(ctx, s, seg); err != nil {
					t.Fatal(err)
				}
			}
			cache := filepath.Join(t.TempDir(), "sub", "cache.db")
			ix, err := Open(ctx, s, cache)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(t, ix, Query{}); len(got) != 5 {
				t.Fatalf("before: %v", got)
			}
			ix.Close()
			tc.damage(t, s, cache, segmentKeys(t, s))
			ix = openIndex(t, s, cache)
			if got := ids(t, ix, Query{}); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCorruptSegment(t *testing.T) {
	ctx := context.Background()
	gz := func(s string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.Bytes()
	}
	tests := []struct {
		name     string
		content  []byte
		wantLine string
	}{
		{"not gzip", []byte("hello"), ""},
		{"truncated gzip", gz(`{"docId":"x","batch":"b"}` + "\n")[:20], ""},
		{"bad JSON", gz(`{"docId":"x","batch":"b"}` + "\n" + `{"docId": 12}` + "\n"), "line 2"},
		{"entry without identity", gz(`{"docId":"x","batch":"b"}` + "\n" + `{"name":"y"}` + "\n"), "line 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			if err := Append(ctx, s, sampleEntries()); err != nil {
				t.Fatal(err)
			}
			key := SegmentPrefix + "29990101T000000.000000000Z-deadbeef.jsonl.gz"
			if _, err := storage.PutBytes(ctx, s, key, tc.content, storage.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			_, err := Open(ctx, s, filepath.Join(t.TempDir(), "cache.db"))
			if !errors.Is(err, ErrCorruptSegment) {
				t.Fatalf("err = %v, want ErrCorruptSegment", err)
			}
			if !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), tc.wantLine) {
				t.Errorf("error %q does not name %s %s", err, key, tc.wantLine)
			}
		})
	}
}

// Two processes syncing one cache at once ingest every segment once.
func TestConcurrentSync(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for i := range 6 {
		var seg []Entry
		for j := range 20 {
			seg = append(seg, Entry{Batch: "b", DocID: fmt.Sprintf("d%02d-%02d", i, j), Text: "văn bản số " + fmt.Sprint(i*20+j), Updated: t0})
		}
		if err := Append(ctx, s, seg); err != nil {
			t.Fatal(err)
		}
	}
	cache := filepath.Join(t.TempDir(), "cache.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	idxs := make([]*Index, 4)
	for i := range idxs {
		wg.Go(func() {
			idxs[i], errs[i] = Open(ctx, s, cache)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		defer idxs[i].Close()
	}
	for i, ix := range idxs {
		if n, err := ix.Count(ctx); err != nil || n != 120 {
			t.Errorf("index %d: Count = %d, %v; want 120", i, n, err)
		}
		var segs int
		if err := ix.db.QueryRow("SELECT count(*) FROM segments").Scan(&segs); err != nil || segs != 6 {
			t.Errorf("index %d: %d segments ingested (%v), want 6", i, segs, err)
		}
	}
	if got := ids(t, idxs[0], Query{Words: "van ban so 57"}); !slices.Equal(got, []string{"d02-17"}) {
		t.Errorf("words search: %v", got)
	}
}

func TestCompact(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	entries := sampleEntries()
	changed := entries[2]
	changed.Status, changed.Updated = "approved", t0.Add(time.Hour)
	for _, seg := range [][]Entry{entries[:3], entries[3:], {changed}, {{Batch: "b1", DocID: "d2", Deleted: true, Updated: t0.Add(time.Hour)}}} {
		if err := Append(ctx, s, seg); err != nil {
			t.Fatal(err)
		}
	}
	ix := openIndex(t, s, filepath.Join(t.TempDir(), "cache.db"))
	before := ids(t, ix, Query{Words: "cong chuc"})
	if err := ix.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if keys := segmentKeys(t, s); len(keys) != 1 || !isBaseKey(keys[0]) {
		t.Fatalf("segments after compact: %v", keys)
	}
	fresh := openIndex(t, s, filepath.Join(t.TempDir(), "fresh.db"))
	for name, ix := range map[string]*Index{"same cache": ix, "fresh cache": fresh} {
		t.Run(name, func(t *testing.T) {
			if got := ids(t, ix, Query{}); !slices.Equal(got, []string{"d1", "d5", "d3", "d4"}) {
				t.Errorf("all: %v", got)
			}
			if got := ids(t, ix, Query{Words: "cong chuc"}); !slices.Equal(got, before) {
				t.Errorf("words: %v, before compact %v", got, before)
			}
			got, err := ix.Get(ctx, "b2", "d3")
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != "approved" || got.Text != changed.Text || !got.Updated.Equal(changed.Updated) {
				t.Errorf("d3 = %+v, want %+v", got, changed)
			}
		})
	}
}
