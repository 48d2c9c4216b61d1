package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sohoa/sohoa/storage"
)

// Record is what the store knows of one document of a batch (record.json).
type Record struct {
	DocID  string `json:"docId"`
	Batch  string `json:"batch"`
	Name   string `json:"name"`
	Status string `json:"status"`
	// Error is the reason a failed document failed, naming the file.
	Error   string      `json:"error,omitempty"`
	Inputs  []InputFile `json:"inputs"`
	Objects []Object    `json:"objects"`
	Pages   int         `json:"pages"`
	// PDFA is the flavour of the digitized PDF: 2u or 3u.
	PDFA          string   `json:"pdfa,omitempty"`
	NeedsReview   bool     `json:"needsReview"`
	ReviewReasons []string `json:"reviewReasons,omitempty"`
	Events        []Event  `json:"events"`
}

// InputFile is one input file of a document as it was read.
type InputFile struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Object is one stored object of a document.
type Object struct {
	Role   string `json:"role"` // original, pdf, metadata
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Event is one step in a document's history, for auditors.
type Event struct {
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Tool   string    `json:"tool"`
	Detail string    `json:"detail,omitempty"`
	// Approval is the key of the approval record a sign event acted on,
	// so a verifier finds it without reading Detail (which says the same
	// for people, and is all that older records carry).
	Approval string `json:"approval,omitempty"`
}

// Manifest summarises a batch (batch.json). It is rewritten at the start and
// end of every run from the records, which stay the source of truth.
type Manifest struct {
	Batch     string          `json:"batch"`
	Created   time.Time       `json:"created"`
	Updated   time.Time       `json:"updated"`
	Tool      string          `json:"tool"`
	Counts    map[string]int  `json:"counts"`
	Documents []ManifestEntry `json:"documents"`
}

// ManifestEntry is one document in a manifest.
type ManifestEntry struct {
	DocID   string   `json:"docId"`
	Name    string   `json:"name"`
	Status  string   `json:"status"`
	Error   string   `json:"error,omitempty"`
	Objects []Object `json:"objects"`
}

// LoadRecord reads a document's record.
func LoadRecord(ctx context.Context, s storage.Store, batch, docID string) (*Record, error) {
	var r Record
	if err := loadJSON(ctx, s, RecordKey(batch, docID), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Records returns every document record of a batch, sorted by name.
func Records(ctx context.Context, s storage.Store, batch string) ([]*Record, error) {
	var keys []string
	err := s.List(ctx, batchesPrefix+batch+"/docs/", func(o storage.ObjectInfo) error {
		if strings.HasSuffix(o.Key, "/"+recordName) {
			keys = append(keys, o.Key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("batch %s: %w", batch, err)
	}
	recs := make([]*Record, 0, len(keys))
	for _, k := range keys {
		var r Record
		if err := loadJSON(ctx, s, k, &r); err != nil {
			return nil, fmt.Errorf("batch %s: %w", batch, err)
		}
		recs = append(recs, &r)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].Name < recs[j].Name })
	return recs, nil
}

// LoadManifest reads a batch manifest; ErrNotExist if the batch is unknown.
func LoadManifest(ctx context.Context, s storage.Store, batch string) (*Manifest, error) {
	var m Manifest
	if err := loadJSON(ctx, s, ManifestKey(batch), &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// Batches lists the manifests of every batch in the store, by name.
func Batches(ctx context.Context, s storage.Store) ([]*Manifest, error) {
	var keys []string
	err := s.List(ctx, batchesPrefix, func(o storage.ObjectInfo) error {
		rest := strings.TrimPrefix(o.Key, batchesPrefix)
		if strings.Count(rest, "/") == 1 && strings.HasSuffix(rest, "/batch.json") {
			keys = append(keys, o.Key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list batches: %w", err)
	}
	out := make([]*Manifest, 0, len(keys))
	for _, k := range keys {
		var m Manifest
		if err := loadJSON(ctx, s, k, &m); err != nil {
			return nil, fmt.Errorf("list batches: %w", err)
		}
		out = append(out, &m)
	}
	return out, nil
}

// writeManifest rebuilds a batch manifest from its records.
func writeManifest(ctx context.Context, s storage.Store, batch, tool string, now time.Time) (*Manifest, error) {
	recs, err := Records(ctx, s, batch)
	if err != nil {
		return nil, err
	}
	m := &Manifest{Batch: batch, Created: now, Updated: now, Tool: tool, Counts: map[string]int{}}
	if old, err := LoadManifest(ctx, s, batch); err == nil {
		m.Created = old.Created
	} else if !errors.Is(err, storage.ErrNotExist) {
		return nil, err
	}
	for _, r := range recs {
		m.Counts[r.Status]++
		m.Documents = append(m.Documents, ManifestEntry{DocID: r.DocID, Name: r.Name, Status: r.Status, Error: r.Error, Objects: r.Objects})
	}
	if err := putJSON(ctx, s, ManifestKey(batch), m); err != nil {
		return nil, err
	}
	return m, nil
}

func loadJSON(ctx context.Context, s storage.Store, key string, v any) error {
	b, err := storage.GetBytes(ctx, s, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

func putJSON(ctx context.Context, s storage.Store, key string, v any) error {
	b, err := jsonIndent(v)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	_, err = storage.PutBytes(ctx, s, key, b, storage.PutOptions{ContentType: "application/json"})
	return err
}

// jsonIndent is how sohoa writes JSON objects: indented, newline-terminated.
func jsonIndent(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
