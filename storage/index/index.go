// Package index finds the documents of a store by number, organ, type, date
// range, signer, status and words of their text.
//
// The index lives in the store, like everything else, as append-only
// segments (see SegmentPrefix): gzip'd JSON lines of Entry, written once and
// never changed. Append adds one segment per unit of work; Rebuild writes
// one base segment with every current document and removes the older ones.
// For one document (Batch, DocID) the newest entry wins: the latest Updated,
// then the latest segment, then the latest line; an entry marked Deleted
// hides the document.
//
// Searching reads a local SQLite cache (an FTS5 table for the words, indexed
// columns for the filters) that Open brings up to date with the segments:
// it ingests segments it has not seen, one transaction each, and starts over
// when a segment it ingested is gone or superseded by a base. The cache is
// disposable: delete it and the next Open rebuilds it from the store. Two
// processes may share one cache file; SQLite's locks serialise their writes
// and every ingestion checks, under the write lock, that it is still needed.
//
//	ix, err := index.Open(ctx, store, cachePath)
//	hits, err := ix.Search(ctx, index.Query{OrganName: "ủy ban", Words: "quyet dinh"})
package index

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/sohoa/sohoa/storage"

	_ "modernc.org/sqlite" // pure-Go SQLite with FTS5
)

// Object is one stored object of a document, with its SHA-256 for fixity
// checks.
type Object struct {
	Role   string `json:"role"` // original, pdf, metadata, signed, ...
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Entry is what the index knows of one document.
type Entry struct {
	DocID          string `json:"docId"`
	Batch          string `json:"batch"`
	Name           string `json:"name,omitempty"`
	Status         string `json:"status,omitempty"`
	TypeName       string `json:"typeName,omitempty"`
	CodeNumber     string `json:"codeNumber,omitempty"`
	CodeNotation   string `json:"codeNotation,omitempty"`
	IssuedDate     string `json:"issuedDate,omitempty"` // YYYY-MM-DD
	OrganName      string `json:"organName,omitempty"`
	SignerFullName string `json:"signerFullName,omitempty"`
	Subject        string `json:"subject,omitempty"`
	// Text is the document's OCR text, searched by Query.Words.
	Text        string    `json:"text,omitempty"`
	NeedsReview bool      `json:"needsReview,omitempty"`
	Objects     []Object  `json:"objects,omitempty"`
	Updated     time.Time `json:"updated"`
	// Deleted hides the document (a tombstone).
	Deleted bool `json:"deleted,omitempty"`
}

// Query selects documents. Empty fields do not filter; all others must
// match.
type Query struct {
	CodeNumber   string // exact, e.g. "125"
	CodeNotation string // whole notation, case and diacritics ignored: "qd-ubnd" matches "QĐ-UBND"
	OrganName    string // part of the organ's name, case and diacritics ignored
	TypeName     string // whole type name, case and diacritics ignored
	// IssuedFrom and IssuedTo bound the issue date, inclusive: YYYY,
	// YYYY-MM or YYYY-MM-DD ("2024" to "2024" is the whole year).
	IssuedFrom, IssuedTo string
	Signer               string // part of the signer's name, case and diacritics ignored
	Status               string // exact, e.g. "needs_review"
	Batch                string // exact
	NeedsReview          bool   // only documents flagged for review
	// Words must all occur in the subject or text, case and diacritics
	// ignored ("quyet dinh" finds "Quyết định"); "double quotes" make a
	// phrase, a trailing * a prefix.
	Words string
	// Limit caps the hits (default 50, at most 1000); Offset skips some, for
	// paging.
	Limit, Offset int
}

// Hit is one document found: its entry without Text, plus, for a Words
// query, a short excerpt with the matched words between SnippetOpen and
// SnippetClose.
type Hit struct {
	Entry
	Snippet string `json:"snippet,omitempty"`
}

// ErrNotFound reports that the index has no (live) entry for a document.
var ErrNotFound = errors.New("document not in index")

const (
	defaultLimit = 50
	maxLimit     = 1000
	// schemaVersion changes whenever the cache's tables do; an older cache
	// is dropped and rebuilt from the store.
	schemaVersion = 2
	// busyTimeout bounds how long a process waits for another one holding
	// the cache's write lock (ingesting a large base segment takes a while).
	busyTimeout = 10 * time.Minute
	// searchCacheKiB is each connection's page cache: the order and filter
	// indexes of 100,000 documents stay mostly cached, RSS stays small.
	searchCacheKiB = 16 << 10
)

// Index is a searchable view of a store's index segments.
type Index struct {
	db    *sql.DB
	store storage.Store
	path  string
}

// Open opens (creating it if needed) the cache at cachePath and syncs it
// with the store's segments. Errors name the cache file or the segment at
// fault; a corrupt segment wraps ErrCorruptSegment.
func Open(ctx context.Context, store storage.Store, cachePath string) (*Index, error) {
	if strings.Contains(cachePath, "?") {
		return nil, fmt.Errorf("index cache %s: path must not contain '?'", cachePath)
	}
	if err := os.MkdirAll(filepath.Dir(cachePath), 0o755); err != nil {
		return nil, fmt.Errorf("index cache %s: %w", cachePath, err)
	}
	dsn := fmt.Sprintf("%s?_busy_timeout=%d&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate&_pragma=cache_size(-%d)",
		cachePath, busyTimeout.Milliseconds(), searchCacheKiB)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("index cache %s: %w", cachePath, err)
	}
	// Few connections: each has its own page cache, and writes are serial anyway.
	db.SetMaxOpenConns(2)
	ix := &Index{db: db, store: store, path: cachePath}
	if err := ix.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := ix.Sync(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return ix, nil
}

// Close releases the cache.
func (ix *Index) Close() error {
	if err := ix.db.Close(); err != nil {
		return fmt.Errorf("index cache %s: %w", ix.path, err)
	}
	return nil
}

const schema = `
CREATE TABLE segments(
	name TEXT PRIMARY KEY,
	base INTEGER NOT NULL,
	entries INTEGER NOT NULL,
	ingested TEXT NOT NULL
);
CREATE TABLE docs(
	id INTEGER PRIMARY KEY,
	batch TEXT NOT NULL,
	doc_id TEXT NOT NULL,
	deleted INTEGER NOT NULL,
	updated_ns INTEGER NOT NULL,
	seg TEXT NOT NULL,
	line INTEGER NOT NULL,
	name TEXT NOT NULL,
	status TEXT NOT NULL,
	type_name TEXT NOT NULL,
	type_fold TEXT NOT NULL,
	code_number TEXT NOT NULL,
	code_notation TEXT NOT NULL,
	notation_fold TEXT NOT NULL,
	issued_date TEXT NOT NULL,
	organ_name TEXT NOT NULL,
	organ_fold TEXT NOT NULL,
	signer TEXT NOT NULL,
	signer_fold TEXT NOT NULL,
	subject TEXT NOT NULL,
	needs_review INTEGER NOT NULL,
	objects TEXT NOT NULL,
	UNIQUE(batch, doc_id)
);
-- Each filter's index ends with the result order, so an equality filter
-- reads its first page of hits in order instead of sorting every match.
CREATE INDEX docs_order ON docs(issued_date DESC, doc_id, batch);
CREATE INDEX docs_number ON docs(code_number, issued_date DESC, doc_id, batch);
CREATE INDEX docs_notation ON docs(notation_fold, issued_date DESC, doc_id, batch);
CREATE INDEX docs_organ ON docs(organ_fold, issued_date DESC, doc_id, batch);
CREATE INDEX docs_signer ON docs(signer_fold, issued_date DESC, doc_id, batch);
CREATE INDEX docs_type ON docs(type_fold, issued_date DESC, doc_id, batch);
CREATE INDEX docs_status ON docs(status, issued_date DESC, doc_id, batch);
CREATE INDEX docs_batch ON docs(batch, issued_date DESC, doc_id);
CREATE INDEX docs_review ON docs(needs_review, issued_date DESC, doc_id, batch);
-- Distinct folded organ and signer names: a substring search scans these
-- few rows, then uses the docs index, instead of scanning every document.
CREATE TABLE names(kind TEXT NOT NULL, fold TEXT NOT NULL, PRIMARY KEY(kind, fold)) WITHOUT ROWID;
-- The original text, for Get and snippets; docs_fts only holds the index.
CREATE TABLE doc_text(id INTEGER PRIMARY KEY, text TEXT NOT NULL);
CREATE VIRTUAL TABLE docs_fts USING fts5(subject, text, content='', contentless_delete=1,
	tokenize='unicode61 remove_diacritics 2');
`

var cacheTables = []string{"segments", "docs", "names", "doc_text", "docs_fts"}

// migrate creates the cache's tables, or recreates them if they are of
// another schema version.
func (ix *Index) migrate(ctx context.Context) error {
	return ix.inTx(ctx, func(tx *sql.Tx) error {
		var v int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			return err
		}
		if v == schemaVersion {
			return nil
		}
		for _, t := range cacheTables {
			if _, err := tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+t); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, schema); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion))
		return err
	})
}

// inTx runs fn in a write transaction (BEGIN IMMEDIATE: the write lock is
// taken first, so what fn reads stays true until it commits).
func (ix *Index) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index cache %s: %w", ix.path, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		if errors.Is(err, ErrCorruptSegment) || errors.Is(err, storage.ErrNotExist) || errors.Is(err, storage.ErrChecksum) || ctx.Err() != nil {
			return err
		}
		return fmt.Errorf("index cache %s: %w", ix.path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index cache %s: %w", ix.path, err)
	}
	return nil
}

func clearCache(ctx context.Context, tx *sql.Tx) error {
	for _, q := range []string{
		"DELETE FROM segments", "DELETE FROM docs", "DELETE FROM names", "DELETE FROM doc_text",
		"INSERT INTO docs_fts(docs_fts) VALUES('delete-all')",
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// Sync brings the cache up to date with the store's segments. Open calls
// it; long-running processes may call it again.
func (ix *Index) Sync(ctx context.Context) error {
	var todo []string
	// Decide under the write lock whether the cache still matches the
	// store: another process may be ingesting right now, and only a listing
	// taken after its commit tells "gone" from "not listed yet".
	err := ix.inTx(ctx, func(tx *sql.Tx) error {
		keys, err := listSegments(ctx, ix.store)
		if err != nil {
			return err
		}
		live := effectiveSegments(keys)
		want := make(map[string]bool, len(live))
		for _, k := range live {
			want[k] = true
		}
		have, err := ingestedSegments(ctx, tx)
		if err != nil {
			return err
		}
		for name := range have {
			if !want[name] { // removed or superseded by a base: start over
				if err := clearCache(ctx, tx); err != nil {
					return err
				}
				have = nil
				break
			}
		}
		for _, k := range live {
			if !have[k] {
				todo = append(todo, k)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, key := range todo {
		if err := ix.ingest(ctx, key); err != nil {
			return err
		}
	}
	if len(todo) > 0 {
		// Refresh the planner's statistics after bulk changes.
		if _, err := ix.db.ExecContext(ctx, "PRAGMA optimize"); err != nil {
			return fmt.Errorf("index cache %s: %w", ix.path, err)
		}
	}
	return nil
}

func ingestedSegments(ctx context.Context, tx *sql.Tx) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, "SELECT name FROM segments")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		have[n] = true
	}
	return have, rows.Err()
}

// ingest adds one segment to the cache in one transaction, unless another
// process already did or a newer base supersedes it.
func (ix *Index) ingest(ctx context.Context, key string) error {
	return ix.inTx(ctx, func(tx *sql.Tx) error {
		var skip bool
		err := tx.QueryRowContext(ctx,
			"SELECT EXISTS(SELECT 1 FROM segments WHERE name = ? OR (base = 1 AND name > ?))", key, key).Scan(&skip)
		if err != nil || skip {
			return err
		}
		base := isBaseKey(key)
		if base {
			if err := clearCache(ctx, tx); err != nil {
				return err
			}
		}
		up, err := newUpserter(ctx, tx)
		if err != nil {
			return err
		}
		defer up.close()
		n := 0
		err = readSegment(ctx, ix.store, key, func(line int, e *Entry) error {
			n++
			if err := up.upsert(ctx, key, line, e); err != nil {
				return fmt.Errorf("segment %s line %d (batch %s doc %s): %w", key, line, e.Batch, e.DocID, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO segments(name, base, entries, ingested) VALUES(?, ?, ?, ?)",
			key, base, n, time.Now().UTC().Format(time.RFC3339))
		return err
	})
}

// upserter applies entries with the newest-wins rule, on prepared statements.
type upserter struct {
	sel, del, delText, delFTS, ins, insText, insFTS, insName *sql.Stmt
}

func newUpserter(ctx context.Context, tx *sql.Tx) (*upserter, error) {
	u := &upserter{}
	for _, s := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&u.sel, "SELECT id, updated_ns, seg, line, deleted FROM docs WHERE batch = ? AND doc_id = ?"},
		{&u.del, "DELETE FROM docs WHERE id = ?"},
		{&u.delText, "DELETE FROM doc_text WHERE id = ?"},
		{&u.delFTS, "DELETE FROM docs_fts WHERE rowid = ?"},
		{&u.ins, `INSERT INTO docs(batch, doc_id, deleted, updated_ns, seg, line, name, status,
			type_name, type_fold, code_number, code_notation, notation_fold, issued_date,
			organ_name, organ_fold, signer, signer_fold, subject, needs_review, objects)
			VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`},
		{&u.insText, "INSERT INTO doc_text(id, text) VALUES(?, ?)"},
		{&u.insFTS, "INSERT INTO docs_fts(rowid, subject, text) VALUES(?, ?, ?)"},
		{&u.insName, "INSERT OR IGNORE INTO names(kind, fold) VALUES(?, ?)"},
	} {
		st, err := tx.PrepareContext(ctx, s.sql)
		if err != nil {
			u.close()
			return nil, err
		}
		*s.dst = st
	}
	return u, nil
}

func (u *upserter) close() {
	for _, s := range []*sql.Stmt{u.sel, u.del, u.delText, u.delFTS, u.ins, u.insText, u.insFTS, u.insName} {
		if s != nil {
			s.Close()
		}
	}
}

func (u *upserter) upsert(ctx context.Context, seg string, line int, e *Entry) error {
	ns := e.Updated.UnixNano()
	var (
		id, oldNS, oldLine int64
		oldSeg             string
		oldDeleted         bool
	)
	err := u.sel.QueryRowContext(ctx, e.Batch, e.DocID).Scan(&id, &oldNS, &oldSeg, &oldLine, &oldDeleted)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return err
	default:
		// Newest wins: Updated, then segment (key order is write order), then line.
		if ns < oldNS || ns == oldNS && (seg < oldSeg || seg == oldSeg && int64(line) <= oldLine) {
			return nil
		}
		if !oldDeleted {
			if _, err := u.delFTS.ExecContext(ctx, id); err != nil {
				return err
			}
			if _, err := u.delText.ExecContext(ctx, id); err != nil {
				return err
			}
		}
		if _, err := u.del.ExecContext(ctx, id); err != nil {
			return err
		}
	}
	objects, err := json.Marshal(e.Objects)
	if err != nil {
		return err
	}
	organ, signer := fold(e.OrganName), fold(e.SignerFullName)
	// A tombstone keeps only its identity and order, so that it still beats
	// older entries ingested later.
	if e.Deleted {
		*e = Entry{Batch: e.Batch, DocID: e.DocID, Updated: e.Updated, Deleted: true}
		organ, signer, objects = "", "", []byte("null")
	}
	res, err := u.ins.ExecContext(ctx, e.Batch, e.DocID, e.Deleted, ns, seg, line, e.Name, e.Status,
		e.TypeName, fold(e.TypeName), e.CodeNumber, e.CodeNotation, fold(e.CodeNotation), e.IssuedDate,
		e.OrganName, organ, e.SignerFullName, signer, e.Subject, e.NeedsReview, string(objects))
	if err != nil {
		return err
	}
	if e.Deleted {
		return nil
	}
	if id, err = res.LastInsertId(); err != nil {
		return err
	}
	if _, err := u.insText.ExecContext(ctx, id, e.Text); err != nil {
		return err
	}
	if _, err := u.insFTS.ExecContext(ctx, id, ftsText(e.Subject), ftsText(e.Text)); err != nil {
		return err
	}
	for _, n := range [][2]string{{"organ", organ}, {"signer", signer}} {
		if n[1] != "" {
			if _, err := u.insName.ExecContext(ctx, n[0], n[1]); err != nil {
				return err
			}
		}
	}
	return nil
}

var queryDate = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)

const hitColumns = `d.id, d.batch, d.doc_id, d.name, d.status, d.type_name, d.code_number, d.code_notation,
	d.issued_date, d.organ_name, d.signer, d.subject, d.needs_review, d.objects, d.updated_ns`

// Search returns the documents matching q, newest issue date first, then by
// document id (documents without a date last).
func (ix *Index) Search(ctx context.Context, q Query) ([]Hit, error) {
	where := []string{"d.deleted = 0"}
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if v := strings.TrimSpace(q.CodeNumber); v != "" {
		add("d.code_number = ?", v)
	}
	if v := fold(q.CodeNotation); v != "" {
		add("d.notation_fold = ?", v)
	}
	if v := fold(q.TypeName); v != "" {
		add("d.type_fold = ?", v)
	}
	if v := fold(q.OrganName); v != "" {
		add("d.organ_fold IN (SELECT fold FROM names WHERE kind = 'organ' AND instr(fold, ?) > 0)", v)
	}
	if v := fold(q.Signer); v != "" {
		add("d.signer_fold IN (SELECT fold FROM names WHERE kind = 'signer' AND instr(fold, ?) > 0)", v)
	}
	if q.IssuedFrom != "" {
		if !queryDate.MatchString(q.IssuedFrom) {
			return nil, fmt.Errorf("%w: issued from %q: use YYYY, YYYY-MM or YYYY-MM-DD", ErrQuery, q.IssuedFrom)
		}
		add("d.issued_date >= ?", q.IssuedFrom)
	}
	if q.IssuedTo != "" {
		if !queryDate.MatchString(q.IssuedTo) {
			return nil, fmt.Errorf("%w: issued to %q: use YYYY, YYYY-MM or YYYY-MM-DD", ErrQuery, q.IssuedTo)
		}
		// "2024" → "2024-99-99" bounds every day of 2024.
		add("d.issued_date <= ? AND d.issued_date <> ''", q.IssuedTo+"-99-99"[:10-len(q.IssuedTo)])
	}
	if q.Status != "" {
		add("d.status = ?", q.Status)
	}
	if q.Batch != "" {
		add("d.batch = ?", q.Batch)
	}
	if q.NeedsReview {
		add("d.needs_review = 1")
	}
	var terms []term
	if strings.TrimSpace(q.Words) != "" {
		terms = parseWords(q.Words)
		if len(terms) == 0 {
			return nil, fmt.Errorf("%w: words %q: no letters or digits to search", ErrQuery, q.Words)
		}
		// The matches become a set probed while walking an index in result
		// order ('+' keeps SQLite from looking up every match and sorting
		// them all instead: 70 ms instead of 25 ms for a word found in all of
		// 100,000 documents, and about as fast for rare words).
		add("+d.id IN (SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?)", ftsQuery(terms))
	}
	limit := q.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	args = append(args, limit, max(q.Offset, 0))
	stmt := "SELECT " + hitColumns + " FROM docs d WHERE " + strings.Join(where, " AND ") +
		" ORDER BY d.issued_date DESC, d.doc_id, d.batch LIMIT ? OFFSET ?"
	rows, err := ix.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("index search: %w", err)
	}
	defer rows.Close()
	var hits []Hit
	var ids []int64
	for rows.Next() {
		var h Hit
		id, err := scanEntry(rows, &h.Entry)
		if err != nil {
			return nil, fmt.Errorf("index search: %w", err)
		}
		hits = append(hits, h)
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index search: %w", err)
	}
	rows.Close()
	if len(terms) > 0 {
		// Snippets only for the page of hits, not for every match.
		for i := range hits {
			var text string
			if err := ix.db.QueryRowContext(ctx, "SELECT text FROM doc_text WHERE id = ?", ids[i]).Scan(&text); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, fmt.Errorf("index search: %w", err)
			}
			hits[i].Snippet = snippet(text, terms, 24)
			if hits[i].Snippet == "" {
				hits[i].Snippet = snippet(hits[i].Subject, terms, 24)
			}
		}
	}
	return hits, nil
}

type scanner interface{ Scan(...any) error }

func scanEntry(r scanner, e *Entry) (int64, error) {
	var (
		id      int64
		objects string
		ns      int64
	)
	err := r.Scan(&id, &e.Batch, &e.DocID, &e.Name, &e.Status, &e.TypeName, &e.CodeNumber, &e.CodeNotation,
		&e.IssuedDate, &e.OrganName, &e.SignerFullName, &e.Subject, &e.NeedsReview, &objects, &ns)
	if err != nil {
		return 0, err
	}
	e.Updated = time.Unix(0, ns).UTC()
	if err := json.Unmarshal([]byte(objects), &e.Objects); err != nil {
		return 0, fmt.Errorf("batch %s doc %s: objects: %w", e.Batch, e.DocID, err)
	}
	return id, nil
}

// Get returns the current entry of a document, Text included, or
// ErrNotFound.
func (ix *Index) Get(ctx context.Context, batch, docID string) (Entry, error) {
	var e Entry
	var text sql.NullString
	row := ix.db.QueryRowContext(ctx, "SELECT "+hitColumns+", t.text FROM docs d LEFT JOIN doc_text t ON t.id = d.id WHERE d.batch = ? AND d.doc_id = ? AND d.deleted = 0", batch, docID)
	_, err := scanEntry(scanAlso{row, &text}, &e)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, fmt.Errorf("index: batch %s doc %s: %w", batch, docID, ErrNotFound)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("index: batch %s doc %s: %w", batch, docID, err)
	}
	e.Text = text.String
	return e, nil
}

// scanAlso scans one more column after those scanEntry asks for.
type scanAlso struct {
	r     scanner
	extra any
}

func (s scanAlso) Scan(dst ...any) error { return s.r.Scan(append(dst, s.extra)...) }

// Count returns the number of documents in the index (tombstones excluded).
func (ix *Index) Count(ctx context.Context) (int, error) {
	var n int
	if err := ix.db.QueryRowContext(ctx, "SELECT count(*) FROM docs WHERE deleted = 0").Scan(&n); err != nil {
		return 0, fmt.Errorf("index cache %s: %w", ix.path, err)
	}
	return n, nil
}

// Compact rewrites the index as one base segment of the current documents,
// read from this cache after a sync: superseded entries and tombstones go,
// and later syncs read one object instead of many. Like Rebuild, run it
// while no other process appends.
func (ix *Index) Compact(ctx context.Context) error {
	if err := ix.Sync(ctx); err != nil {
		return err
	}
	if err := Rebuild(ctx, ix.store, ix.all(ctx)); err != nil {
		return err
	}
	return ix.Sync(ctx)
}

// all yields every current entry of the cache, Text included.
func (ix *Index) all(ctx context.Context) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		rows, err := ix.db.QueryContext(ctx, "SELECT "+hitColumns+", t.text FROM docs d LEFT JOIN doc_text t ON t.id = d.id WHERE d.deleted = 0 ORDER BY d.id")
		if err != nil {
			yield(Entry{}, fmt.Errorf("index cache %s: %w", ix.path, err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var e Entry
			var text sql.NullString
			if _, err := scanEntry(scanAlso{rows, &text}, &e); err != nil {
				yield(Entry{}, fmt.Errorf("index cache %s: %w", ix.path, err))
				return
			}
			e.Text = text.String
			if !yield(e, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(Entry{}, fmt.Errorf("index cache %s: %w", ix.path, err))
		}
	}
}
