// Package storage keeps sohoa's objects: original scans, PDFs, metadata and
// records. One small interface, Store, is implemented by every backend (a
// local folder now, S3-compatible object storage later), and every backend
// passes the same conformance suite (storagetest).
//
// Keys are slash-separated paths of safe segments (see CheckKey): input file
// names never become path traversal. Every object's SHA-256 is recorded when
// it is written and checked again when it is read.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

var (
	// ErrNotExist reports that no object has the key.
	ErrNotExist = errors.New("object does not exist")
	// ErrExists reports that a write-once object already exists.
	ErrExists = errors.New("object already exists")
	// ErrChecksum reports that an object's bytes do not match its recorded SHA-256.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrInvalidKey reports a key that is not safe to store under.
	ErrInvalidKey = errors.New("invalid key")
)

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key     string    `json:"key"`
	Size    int64     `json:"size"`
	SHA256  string    `json:"sha256"`
	ModTime time.Time `json:"modTime"`
}

// PutOptions tunes a write.
type PutOptions struct {
	// IfNotExists makes the write fail with ErrExists when the key exists
	// (write-once objects such as signed copies).
	IfNotExists bool
	// SHA256, when set, is the expected hex digest of the content; the write
	// fails with ErrChecksum and leaves nothing behind if it does not match.
	SHA256 string
	// ContentType is a MIME type hint for backends that keep one.
	ContentType string
	// RetainUntil, when set, asks a backend with object lock (S3) to keep
	// the object from being overwritten or deleted until then, in
	// RetentionMode. The bucket must have object lock enabled. Backends
	// without object lock (Local) ignore it.
	RetainUntil   time.Time
	RetentionMode RetentionMode
	// LegalHold asks a backend with object lock to hold the object until
	// the hold is lifted; Local ignores it.
	LegalHold bool
}

// RetentionMode is an object-lock retention mode.
type RetentionMode string

const (
	// RetentionGovernance (the default) can be lifted by users with a
	// special permission.
	RetentionGovernance RetentionMode = "GOVERNANCE"
	// RetentionCompliance cannot be lifted by anyone until it expires.
	RetentionCompliance RetentionMode = "COMPLIANCE"
)

// Store is an object store. Writes are atomic: an object is either absent or
// complete, never half-written, even if the process dies mid-write.
type Store interface {
	// Put writes the object at key from r, which holds size bytes (-1 if unknown).
	Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (ObjectInfo, error)
	// Get opens the object at key. The reader fails with ErrChecksum at EOF
	// if the content does not match the recorded SHA-256.
	Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error)
	// Stat describes the object at key.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// List calls fn for every object whose key starts with prefix, in key order.
	List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error
	// Delete removes the object at key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Location names the store for people (a path or URL).
	Location() string
}

var safeSegment = regexp.MustCompile(`^[A-Za-z0-9._\-]+$`)

// CheckKey reports whether key is safe for every backend: non-empty
// segments of letters, digits, '.', '_' and '-', not "." or "..", at most
// 1024 bytes in all.
func CheckKey(key string) error {
	if key == "" || len(key) > 1024 {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." || !safeSegment.MatchString(seg) {
			return fmt.Errorf("%w: %q", ErrInvalidKey, key)
		}
	}
	return nil
}
