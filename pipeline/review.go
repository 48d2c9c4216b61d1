package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/pipeline/pdfa"
	"github.com/sohoa/sohoa/storage"
)

// ReviewKey is where one import of a review sheet records its changes to a
// document: who changed which field from what to what, and when.
func ReviewKey(batch, docID string, at time.Time) string {
	return DocPrefix(batch, docID) + "review/" + keyTime(at) + ".json"
}

// ReviewRecord is one review import's changes to one document.
type ReviewRecord struct {
	DocID   string            `json:"docId"`
	Batch   string            `json:"batch"`
	Who     string            `json:"who"`
	When    time.Time         `json:"when"`
	Sheet   string            `json:"sheet,omitempty"`
	Changes []metadata.Change `json:"changes"`
}

// loadMetadata reads a document's metadata.json through its record.
func loadMetadata(ctx context.Context, s storage.Store, rec *Record) (*metadata.Document, error) {
	var md metadata.Document
	if err := loadJSON(ctx, s, MetadataKey(rec.Batch, rec.DocID), &md); err != nil {
		return nil, fmt.Errorf("%s: %w", rec.Name, err)
	}
	return &md, nil
}

// ExportReview writes the review sheet of a batch: every digitized document
// with its fields and review reasons, flagged ones first.
func ExportReview(ctx context.Context, s storage.Store, batch string, w io.Writer) (int, error) {
	recs, err := Records(ctx, s, batch)
	if err != nil {
		return 0, err
	}
	var flagged, others []metadata.ReviewRow
	for _, r := range recs {
		if r.Status == metadata.StatusFailed {
			continue
		}
		md, err := loadMetadata(ctx, s, r)
		if err != nil {
			return 0, err
		}
		row := metadata.ReviewRow{Name: r.Name, Document: *md}
		if md.NeedsReview {
			flagged = append(flagged, row)
		} else {
			others = append(others, row)
		}
	}
	rows := append(flagged, others...)
	if err := metadata.WriteReviewCSV(w, rows); err != nil {
		return 0, err
	}
	return len(rows), nil
}

// ReviewOutcome is what a review import did to one document.
type ReviewOutcome struct {
	DocID       string `json:"docId"`
	Name        string `json:"name"`
	Changes     int    `json:"changes"`
	Status      string `json:"status,omitempty"`
	NeedsReview bool   `json:"needsReview"`
	Error       string `json:"error,omitempty"`
}

// ImportReview applies a staff-edited review sheet. Each document is
// updated on its own: a row that cannot be applied (stale, invalid, signed)
// is reported and the others go on. Every change is recorded with who and
// when, in the document's review log and its record's events.
func ImportReview(ctx context.Context, s storage.Store, batch string, sheet io.Reader, sheetName, who string, now time.Time) ([]ReviewOutcome, error) {
	edits, err := metadata.ReadReviewCSV(sheet)
	if err != nil {
		return nil, fmt.Errorf("review sheet %s: %w", sheetName, err)
	}
	var out []ReviewOutcome
	for _, e := range edits {
		o := ReviewOutcome{DocID: e.DocID, Name: e.Name}
		if err := applyReview(ctx, s, batch, e, sheetName, who, now, &o); err != nil {
			o.Error = fmt.Sprintf("line %d (%s): %v", e.Line, e.Name, err)
		}
		out = append(out, o)
	}
	if err := FinishBatch(ctx, s, batch, now); err != nil {
		return out, fmt.Errorf("changes are stored, but: %w", err)
	}
	return out, nil
}

func applyReview(ctx context.Context, s storage.Store, batch string, e metadata.ReviewEdit, sheetName, who string, now time.Time, o *ReviewOutcome) error {
	rec, err := LoadRecord(ctx, s, batch, e.DocID)
	if errors.Is(err, storage.ErrNotExist) {
		return fmt.Errorf("no document %s in batch %s", e.DocID, batch)
	}
	if err != nil {
		return err
	}
	md, err := loadMetadata(ctx, s, rec)
	if err != nil {
		return err
	}
	changes, err := metadata.ApplyEdits(md, e, who, now)
	if err != nil {
		return err
	}
	o.Status, o.NeedsReview, o.Changes = md.Status, md.NeedsReview, len(changes)
	if len(changes) == 0 {
		return nil
	}
	b, err := jsonIndent(md)
	if err != nil {
		return err
	}
	// The log first: a crash after it but before the metadata leaves a
	// logged change the next import re-applies, never an unlogged one.
	if err := putJSON(ctx, s, ReviewKey(batch, rec.DocID, now), ReviewRecord{
		DocID: rec.DocID, Batch: batch, Who: who, When: now.UTC(), Sheet: sheetName, Changes: changes,
	}); err != nil {
		return err
	}
	// The PDF carries the metadata too: bring its XMP up to date with an
	// incremental update (the earlier revision stays inside, byte for byte).
	pdfObj, err := updatePDFMetadata(ctx, s, rec, md, bytes.TrimSpace(b), now)
	if err != nil {
		return fmt.Errorf("update the PDF's metadata: %w", err)
	}
	info, err := storage.PutBytes(ctx, s, MetadataKey(batch, rec.DocID), b, storage.PutOptions{ContentType: "application/json"})
	if err != nil {
		return err
	}
	for i := range rec.Objects {
		switch rec.Objects[i].Role {
		case "metadata":
			rec.Objects[i].SHA256, rec.Objects[i].Size = info.SHA256, info.Size
		case "pdf":
			rec.Objects[i] = pdfObj
		}
	}
	rec.Status, rec.NeedsReview, rec.ReviewReasons = md.Status, md.NeedsReview, md.ReviewReasons
	rec.Events = append(rec.Events, Event{Time: now.UTC(), Actor: who, Action: "review", Tool: ToolName(),
		Detail: fmt.Sprintf("%d change(s) from %s; status %s", len(changes), sheetName, md.Status)})
	return putJSON(ctx, s, RecordKey(batch, rec.DocID), rec)
}

// updatePDFMetadata rewrites the XMP of a document's unsigned PDF/A to match
// md and stores the result in place of the PDF.
func updatePDFMetadata(ctx context.Context, s storage.Store, rec *Record, md *metadata.Document, mdJSON []byte, now time.Time) (Object, error) {
	pdfObj, ok := rec.object("pdf")
	if !ok {
		return Object{}, errors.New("document has no PDF")
	}
	in, err := storage.GetBytes(ctx, s, pdfObj.Key)
	if err != nil {
		return Object{}, err
	}
	info, err := pdfInfo(md, mdJSON)
	if err != nil {
		return Object{}, err
	}
	info.Modified = now
	var attach *pdfa.Attachment
	if rec.PDFA == string(pdfa.PDFA3U) {
		a := metadataAttachment(mdJSON)
		attach = &a
	}
	var out bytes.Buffer
	if err := pdfa.UpdateMetadata(bytes.NewReader(in), int64(len(in)), &out, info, attach); err != nil {
		return Object{}, err
	}
	stored, err := storage.PutBytes(ctx, s, pdfObj.Key, out.Bytes(), storage.PutOptions{ContentType: "application/pdf"})
	if err != nil {
		return Object{}, err
	}
	return Object{Role: "pdf", Key: stored.Key, SHA256: stored.SHA256, Size: stored.Size}, nil
}
