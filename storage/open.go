package storage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// DefaultLocation is the store used when none is given.
const DefaultLocation = "./sohoa-data"

// Open returns the store a location names: a plain path or file:///abs/path
// selects a local folder; "" selects DefaultLocation; s3://bucket/prefix
// selects an S3-compatible bucket configured from the environment (see
// S3ConfigFromEnv), checked before Open returns: unreachable endpoint, wrong
// credentials and missing bucket are reported here, not mid-batch. Opening
// an S3 store also aborts multipart uploads abandoned more than a day ago.
func Open(ctx context.Context, location string) (Store, error) {
	if location == "" {
		location = DefaultLocation
	}
	if !strings.Contains(location, "://") {
		return NewLocal(location)
	}
	u, err := url.Parse(location)
	if err != nil {
		return nil, fmt.Errorf("store %q: %w", location, err)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("store %q: file URLs must name a local absolute path (file:///path)", location)
		}
		return NewLocal(u.Path)
	case "s3":
		s, err := NewS3(ctx, S3ConfigFromEnv(u.Host, u.Path))
		if err != nil {
			return nil, err
		}
		// Best effort: a store whose uploads cannot be listed still works.
		_, _ = s.AbortIncompleteUploads(ctx, 24*time.Hour)
		return s, nil
	default:
		return nil, fmt.Errorf("store %q: unsupported scheme %q (supported: a path, file:///path, s3://bucket/prefix)", location, u.Scheme)
	}
}

// PutBytes stores b at key.
func PutBytes(ctx context.Context, s Store, key string, b []byte, opts PutOptions) (ObjectInfo, error) {
	return s.Put(ctx, key, bytes.NewReader(b), int64(len(b)), opts)
}

// GetBytes reads the whole object at key, verifying its checksum.
func GetBytes(ctx context.Context, s Store, key string) ([]byte, error) {
	rc, _, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// SafeSegment turns a free-form name (a scan's file name, often Vietnamese)
// into a key segment CheckKey accepts: diacritics dropped (đ → d), other
// characters outside [A-Za-z0-9._-] replaced by '-', at most 80 bytes. The
// original name is kept in metadata, not in the key.
func SafeSegment(name string) string {
	var b strings.Builder
	lastDash := false
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ':
			r = 'd'
		case r == 'Đ':
			r = 'D'
		}
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' || r == '-') {
			b.WriteRune(r)
			lastDash = r == '-'
		} else if !lastDash {
			b.WriteByte('-')
			lastDash = true
		}
	}
	s := strings.Trim(b.String(), "-.")
	if len(s) > 80 {
		s = strings.Trim(s[len(s)-80:], "-.")
	}
	if s == "" {
		s = "file"
	}
	return s
}
