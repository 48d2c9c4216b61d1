package pipeline

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/index"
)

// indexStateKey records which version (SHA-256) of each record of a batch
// the search index has, so that a run indexes exactly what changed since
// the last successful indexing — including work of a run that crashed
// before it could index.
func indexStateKey(batch string) string { return batchesPrefix + batch + "/index-state.json" }

type indexState struct {
	Records map[string]string `json:"records"` // docId → record.json SHA-256
}

// IndexBatch brings the search index up to date with a batch's records:
// documents whose record changed since the last indexing are appended as one
// segment. Idempotent; every command that changes records calls it last.
func IndexBatch(ctx context.Context, s storage.Store, batch string) (int, error) {
	var state indexState
	if err := loadJSON(ctx, s, indexStateKey(batch), &state); err != nil && !errors.Is(err, storage.ErrNotExist) {
		return 0, err
	}
	current := map[string]string{}
	var changed []string
	err := s.List(ctx, batchesPrefix+batch+"/docs/", func(o storage.ObjectInfo) error {
		if !strings.HasSuffix(o.Key, "/"+recordName) {
			return nil
		}
		docID := strings.TrimSuffix(strings.TrimPrefix(o.Key, batchesPrefix+batch+"/docs/"), "/"+recordName)
		current[docID] = o.SHA256
		if state.Records[docID] != o.SHA256 {
			changed = append(changed, docID)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("index batch %s: %w", batch, err)
	}
	var entries []index.Entry
	for _, id := range changed {
		rec, err := LoadRecord(ctx, s, batch, id)
		if errors.Is(err, storage.ErrNotExist) {
			continue // removed since listing
		}
		if err != nil {
			return 0, fmt.Errorf("index batch %s: %w", batch, err)
		}
		e, err := indexEntry(ctx, s, rec)
		if err != nil {
			return 0, fmt.Errorf("index batch %s: %w", batch, err)
		}
		entries = append(entries, e)
	}
	// Documents gone from the batch (a superseded failure) leave the index.
	for id := range state.Records {
		if _, ok := current[id]; !ok {
			entries = append(entries, index.Entry{DocID: id, Batch: batch, Deleted: true})
		}
	}
	if len(entries) == 0 {
		return 0, nil
	}
	if err := index.Append(ctx, s, entries); err != nil {
		return 0, fmt.Errorf("index batch %s: %w", batch, err)
	}
	if err := putJSON(ctx, s, indexStateKey(batch), indexState{Records: current}); err != nil {
		return 0, fmt.Errorf("index batch %s: %w", batch, err)
	}
	return len(entries), nil
}

// RebuildIndex recreates the search index from the records, metadata and
// texts alone, for every batch in the store.
func RebuildIndex(ctx context.Context, s storage.Store) (int, error) {
	manifests, err := Batches(ctx, s)
	if err != nil {
		return 0, err
	}
	n := 0
	entries := func(yield func(index.Entry, error) bool) {
		for _, m := range manifests {
			recs, err := Records(ctx, s, m.Batch)
			if err != nil {
				yield(index.Entry{}, err)
				return
			}
			for _, r := range recs {
				e, err := indexEntry(ctx, s, r)
				if !yield(e, err) || err != nil {
					return
				}
				n++
			}
		}
	}
	if err := index.Rebuild(ctx, s, iter.Seq2[index.Entry, error](entries)); err != nil {
		return 0, fmt.Errorf("rebuild index: %w", err)
	}
	// The per-batch states now describe what the rebuilt index holds.
	for _, m := range manifests {
		state := indexState{Records: map[string]string{}}
		err := s.List(ctx, batchesPrefix+m.Batch+"/docs/", func(o storage.ObjectInfo) error {
			if strings.HasSuffix(o.Key, "/"+recordName) {
				docID := strings.TrimSuffix(strings.TrimPrefix(o.Key, batchesPrefix+m.Batch+"/docs/"), "/"+recordName)
				state.Records[docID] = o.SHA256
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		if err := putJSON(ctx, s, indexStateKey(m.Batch), state); err != nil {
			return n, err
		}
	}
	return n, nil
}

// indexEntry describes one document for the index: its record's status and
// objects, its metadata's fields and its OCR text.
func indexEntry(ctx context.Context, s storage.Store, r *Record) (index.Entry, error) {
	e := index.Entry{DocID: r.DocID, Batch: r.Batch, Name: r.Name, Status: r.Status, NeedsReview: r.NeedsReview}
	if len(r.Events) > 0 {
		e.Updated = r.Events[len(r.Events)-1].Time
	}
	for _, o := range r.Objects {
		e.Objects = append(e.Objects, index.Object{Role: o.Role, Key: o.Key, SHA256: o.SHA256, Size: o.Size})
		switch o.Role {
		case "metadata":
			var md metadata.Document
			if err := loadJSON(ctx, s, o.Key, &md); err != nil {
				return e, fmt.Errorf("%s: %w", r.Name, err)
			}
			e.TypeName, e.CodeNumber, e.CodeNotation, e.IssuedDate = md.TypeName, md.CodeNumber, md.CodeNotation, md.IssuedDate
			e.OrganName, e.SignerFullName, e.Subject = md.OrganName, md.SignerFullName, md.Subject
		case "text":
			b, err := storage.GetBytes(ctx, s, o.Key)
			if err != nil {
				return e, fmt.Errorf("%s: %w", r.Name, err)
			}
			e.Text = string(b)
		}
	}
	return e, nil
}
