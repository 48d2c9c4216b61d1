package index

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"regexp"
	"strings"
	"time"

	"github.com/sohoa/sohoa/storage"
)

// Segments live under this prefix. A segment's key starts with the UTC time
// it was written, fixed-width, so key order is write order:
//
//	index/segments/20260102T150405.123456789Z-1a2b3c4d.jsonl.gz       appended
//	index/segments/20260102T150405.123456789Z-1a2b3c4d.base.jsonl.gz  written by Rebuild
//
// A base segment holds every current document: it supersedes every segment
// whose key sorts before it, whether or not those are deleted yet.
const SegmentPrefix = "index/segments/"

const (
	segmentTimeFormat = "20060102T150405.000000000Z"
	segmentExt        = ".jsonl.gz"
	baseExt           = ".base" + segmentExt
)

var (
	// ErrCorruptSegment reports a segment that cannot be read back: bad gzip,
	// bad JSON or an entry without its identity. The error names the key.
	ErrCorruptSegment = errors.New("corrupt index segment")
	// ErrInvalidEntry reports an entry Append or Rebuild refuses to write.
	ErrInvalidEntry = errors.New("invalid index entry")
)

var isoDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// isSegmentKey reports whether key names a segment (other objects under the
// prefix, e.g. a stray upload, are ignored).
func isSegmentKey(key string) bool {
	return strings.HasPrefix(key, SegmentPrefix) && strings.HasSuffix(key, segmentExt) &&
		!strings.Contains(strings.TrimPrefix(key, SegmentPrefix), "/")
}

func isBaseKey(key string) bool { return strings.HasSuffix(key, baseExt) }

func newSegmentKey(now time.Time, base bool) (string, error) {
	var rnd [4]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", fmt.Errorf("index segment name: %w", err)
	}
	ext := segmentExt
	if base {
		ext = baseExt
	}
	return SegmentPrefix + now.UTC().Format(segmentTimeFormat) + "-" + hex.EncodeToString(rnd[:]) + ext, nil
}

// checkEntry validates what the cache relies on and fills Updated.
func checkEntry(e *Entry, now time.Time) error {
	if e.DocID == "" || e.Batch == "" {
		return fmt.Errorf("%w: batch %q doc %q: batch and docId are required", ErrInvalidEntry, e.Batch, e.DocID)
	}
	if e.IssuedDate != "" && !isoDate.MatchString(e.IssuedDate) {
		return fmt.Errorf("%w: batch %s doc %s: issuedDate %q is not YYYY-MM-DD", ErrInvalidEntry, e.Batch, e.DocID, e.IssuedDate)
	}
	if e.Updated.IsZero() {
		e.Updated = now
	}
	return nil
}

// Append writes entries as one new segment. Callers write one segment per
// unit of work (a digitization run, a review import, a signing) rather than
// one per document, so a sync reads few objects. An entry whose Updated is
// zero gets the current time. An empty slice writes nothing.
func Append(ctx context.Context, store storage.Store, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	now := time.Now().UTC()
	key, err := newSegmentKey(now, false)
	if err != nil {
		return err
	}
	return writeSegment(ctx, store, key, func(yield func(Entry, error) bool) {
		for _, e := range entries {
			if !yield(e, nil) {
				return
			}
		}
	}, now)
}

// Rebuild replaces the index with entries, which must be every current
// document (the caller derives them from the store's records, so the index
// is rebuildable from the objects alone). It writes one base segment, then
// deletes the segments that existed when it started. Entries marked Deleted
// are dropped: nothing older survives a base.
//
// A crash between the write and the deletes leaves older segments behind;
// readers ignore every segment older than the newest base, so the index is
// already correct and a later Rebuild removes them. Run Rebuild while no
// other process appends: an append that lands between Rebuild's listing and
// its write is superseded by the base.
func Rebuild(ctx context.Context, store storage.Store, entries iter.Seq2[Entry, error]) error {
	now := time.Now().UTC()
	old, err := listSegments(ctx, store)
	if err != nil {
		return err
	}
	key, err := newSegmentKey(now, true)
	if err != nil {
		return err
	}
	live := func(yield func(Entry, error) bool) {
		for e, err := range entries {
			if err == nil && e.Deleted {
				continue
			}
			if !yield(e, err) {
				return
			}
		}
	}
	if err := writeSegment(ctx, store, key, live, now); err != nil {
		return err
	}
	for _, k := range old {
		if err := store.Delete(ctx, k); err != nil {
			return fmt.Errorf("index rebuild: wrote %s but could not remove older segment (harmless, readers ignore it): %w", key, err)
		}
	}
	return nil
}

// writeSegment streams entries as gzip'd JSON lines into a write-once
// object, so a full rebuild never holds the whole index in memory.
func writeSegment(ctx context.Context, store storage.Store, key string, entries iter.Seq2[Entry, error], now time.Time) error {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(encodeSegment(pw, entries, now))
	}()
	_, err := store.Put(ctx, key, pr, -1, storage.PutOptions{IfNotExists: true, ContentType: "application/gzip"})
	// Unblock the encoder if Put stopped reading early.
	pr.CloseWithError(errors.New("segment write abandoned"))
	if err != nil {
		return fmt.Errorf("index: write segment %s: %w", key, err)
	}
	return nil
}

func encodeSegment(w io.Writer, entries iter.Seq2[Entry, error], now time.Time) error {
	zw := gzip.NewWriter(w)
	bw := bufio.NewWriterSize(zw, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for e, err := range entries {
		if err != nil {
			return fmt.Errorf("index entries: %w", err)
		}
		if err := checkEntry(&e, now); err != nil {
			return err
		}
		if err := enc.Encode(&e); err != nil { // Encode ends each value with '\n'
			return fmt.Errorf("batch %s doc %s: %w", e.Batch, e.DocID, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// listSegments returns every segment key in key (= write) order.
func listSegments(ctx context.Context, store storage.Store) ([]string, error) {
	var keys []string
	err := store.List(ctx, SegmentPrefix, func(o storage.ObjectInfo) error {
		if isSegmentKey(o.Key) {
			keys = append(keys, o.Key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("index: list segments: %w", err)
	}
	return keys, nil
}

// effectiveSegments drops the segments a newer base supersedes.
func effectiveSegments(keys []string) []string {
	for i := len(keys) - 1; i >= 0; i-- {
		if isBaseKey(keys[i]) {
			return keys[i:]
		}
	}
	return keys
}

// readSegment calls fn for every entry of a segment, in order, with its
// line number (from 1). Errors of the content wrap ErrCorruptSegment and
// name the key; errors of fn are returned as they are.
func readSegment(ctx context.Context, store storage.Store, key string, fn func(line int, e *Entry) error) error {
	rc, _, err := store.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("index: read segment %s: %w", key, err)
	}
	defer rc.Close()
	corrupt := func(line int, err error) error {
		if line > 0 {
			return fmt.Errorf("%w %s: line %d: %v", ErrCorruptSegment, key, line, err)
		}
		return fmt.Errorf("%w %s: %v", ErrCorruptSegment, key, err)
	}
	zr, err := gzip.NewReader(rc)
	if err != nil {
		return corrupt(0, err)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(zr, 64<<10))
	for line := 1; ; line++ {
		var e Entry
		if err := dec.Decode(&e); err == io.EOF {
			break
		} else if err != nil {
			if errors.Is(err, storage.ErrChecksum) || ctx.Err() != nil {
				return fmt.Errorf("index: read segment %s: %w", key, err)
			}
			return corrupt(line, err)
		}
		if e.DocID == "" || e.Batch == "" {
			return corrupt(line, errors.New("entry without batch or docId"))
		}
		if err := fn(line, &e); err != nil {
			return err
		}
	}
	// Read to the end so the store verifies the object's SHA-256.
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return fmt.Errorf("index: read segment %s: %w", key, err)
	}
	return nil
}
