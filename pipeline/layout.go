package pipeline

import (
	"fmt"
	"path"
	"time"

	"github.com/sohoa/sohoa/storage"
)

// Store layout. It is part of the product (README "Store layout"): change it
// only with a migration.
//
//	batches/<batch>/batch.json                      batch manifest
//	batches/<batch>/docs/<docId>/original/<NNN>-<name>  original files, untouched
//	batches/<batch>/docs/<docId>/digitized.pdf      searchable PDF (image + text layer)
//	batches/<batch>/docs/<docId>/metadata.json      metadata (schema/document.schema.json)
//	batches/<batch>/docs/<docId>/text.txt           OCR text, pages separated by form feeds
//	batches/<batch>/docs/<docId>/record.json        document record, written last
//
// record.json is the commit point of a document: it exists only once every
// object it names is stored, so a re-run after a crash redoes exactly the
// documents without one.
const (
	batchesPrefix = "batches/"
	recordName    = "record.json"
)

// ManifestKey is the key of a batch's manifest.
func ManifestKey(batch string) string { return batchesPrefix + batch + "/batch.json" }

// DocPrefix is the key prefix of every object of one document.
func DocPrefix(batch, docID string) string {
	return batchesPrefix + batch + "/docs/" + docID + "/"
}

// RecordKey is the key of a document's record.
func RecordKey(batch, docID string) string { return DocPrefix(batch, docID) + recordName }

// PDFKey is the key of a document's searchable PDF.
func PDFKey(batch, docID string) string { return DocPrefix(batch, docID) + "digitized.pdf" }

// MetadataKey is the key of a document's metadata.json.
func MetadataKey(batch, docID string) string { return DocPrefix(batch, docID) + "metadata.json" }

// TextKey is the key of a document's OCR text.
func TextKey(batch, docID string) string { return DocPrefix(batch, docID) + "text.txt" }

// OriginalKey is the key of the i-th original file (from 0) of a document.
func OriginalKey(batch, docID string, i int, name string) string {
	return fmt.Sprintf("%soriginal/%03d-%s", DocPrefix(batch, docID), i+1, storage.SafeSegment(path.Base(name)))
}

// keyTime names a time-stamped object (approvals, review logs): UTC to the
// nanosecond, so that keys sort in time order and never collide in a run.
func keyTime(at time.Time) string { return at.UTC().Format("20060102T150405.000000000Z") }

// CheckBatchName reports whether name can name a batch.
func CheckBatchName(name string) error {
	if err := storage.CheckKey(name); err != nil || len(name) > 100 || path.Base(name) != name {
		return fmt.Errorf("invalid batch name %q: use letters, digits, '.', '_' and '-' (at most 100)", name)
	}
	return nil
}
