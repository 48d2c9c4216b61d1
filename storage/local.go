package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Local is a Store in a folder of the local file system. Objects are plain
// files under the root, so people can browse them; bookkeeping lives in two
// hidden folders: .meta (one small JSON per object: its SHA-256 and the size
// and modification time it was computed for) and .tmp (writes in progress).
//
// A write goes to .tmp, is synced, then renamed into place, so an object is
// never half-visible. If the process dies between the rename of the content
// and that of its meta file, the meta is stale (size or time differ) and the
// digest is recomputed from the content on the next read.
type Local struct {
	root string
}

const (
	localMetaDir = ".meta"
	localTmpDir  = ".tmp"
)

type localMeta struct {
	SHA256  string `json:"sha256"`
	Size    int64  `json:"size"`
	ModTime int64  `json:"modTimeNs"`
}

// NewLocal opens (creating if needed) a local store rooted at dir.
func NewLocal(dir string) (*Local, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("local store %s: %w", dir, err)
	}
	for _, d := range []string{abs, filepath.Join(abs, localMetaDir), filepath.Join(abs, localTmpDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("local store %s: %w", abs, err)
		}
	}
	// Leftovers of writes interrupted by a crash are never visible; clear them.
	if entries, err := os.ReadDir(filepath.Join(abs, localTmpDir)); err == nil {
		for _, e := range entries {
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > time.Hour {
				os.Remove(filepath.Join(abs, localTmpDir, e.Name()))
			}
		}
	}
	return &Local{root: abs}, nil
}

// Location implements Store.
func (l *Local) Location() string { return l.root }

func (l *Local) path(key string) string { return filepath.Join(l.root, filepath.FromSlash(key)) }
func (l *Local) metaPath(key string) string {
	return filepath.Join(l.root, localMetaDir, filepath.FromSlash(key)+".json")
}

// Put implements Store.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (ObjectInfo, error) {
	if err := CheckKey(key); err != nil {
		return ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, err
	}
	final := l.path(key)
	if opts.IfNotExists {
		if _, err := os.Lstat(final); err == nil {
			return ObjectInfo{}, fmt.Errorf("put %s: %w", key, ErrExists)
		}
	}
	tmp, err := os.CreateTemp(filepath.Join(l.root, localTmpDir), "put-*")
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // no-op once renamed
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, r})
	if err == nil && size >= 0 && n != size {
		err = fmt.Errorf("read %d bytes, expected %d", n, size)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if opts.SHA256 != "" && !strings.EqualFold(opts.SHA256, sum) {
		return ObjectInfo{}, fmt.Errorf("put %s: content has sha256 %s, expected %s: %w", key, sum, opts.SHA256, ErrChecksum)
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	if opts.IfNotExists {
		// A hard link fails if the target exists: an atomic create-if-absent.
		if err := os.Link(tmpName, final); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return ObjectInfo{}, fmt.Errorf("put %s: %w", key, ErrExists)
			}
			return ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
		}
	} else if err := os.Rename(tmpName, final); err != nil {
		return ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	syncDir(filepath.Dir(final))
	st, err := os.Stat(final)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	if err := l.writeMeta(key, localMeta{SHA256: sum, Size: st.Size(), ModTime: st.ModTime().UnixNano()}); err != nil {
		return ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	return ObjectInfo{Key: key, Size: st.Size(), SHA256: sum, ModTime: st.ModTime()}, nil
}

func (l *Local) writeMeta(key string, m localMeta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	mp := l.metaPath(key)
	if err := os.MkdirAll(filepath.Dir(mp), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Join(l.root, localTmpDir), "meta-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), mp)
}

// Stat implements Store.
func (l *Local) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	if err := CheckKey(key); err != nil {
		return ObjectInfo{}, err
	}
	st, err := os.Stat(l.path(key))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return ObjectInfo{}, fmt.Errorf("stat %s: %w", key, ErrNotExist)
		}
		return ObjectInfo{}, fmt.Errorf("stat %s: %w", key, err)
	}
	if !st.Mode().IsRegular() {
		return ObjectInfo{}, fmt.Errorf("stat %s: %w", key, ErrNotExist)
	}
	sum, err := l.digest(key, st)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("stat %s: %w", key, err)
	}
	return ObjectInfo{Key: key, Size: st.Size(), SHA256: sum, ModTime: st.ModTime()}, nil
}

// digest returns the recorded SHA-256 of key, recomputing (and recording) it
// when the meta file is missing or stale.
func (l *Local) digest(key string, st fs.FileInfo) (string, error) {
	if b, err := os.ReadFile(l.metaPath(key)); err == nil {
		var m localMeta
		if json.Unmarshal(b, &m) == nil && m.Size == st.Size() && m.ModTime == st.ModTime().UnixNano() {
			return m.SHA256, nil
		}
	}
	f, err := os.Open(l.path(key))
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	_ = l.writeMeta(key, localMeta{SHA256: sum, Size: st.Size(), ModTime: st.ModTime().UnixNano()})
	return sum, nil
}

// Get implements Store.
func (l *Local) Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error) {
	info, err := l.Stat(ctx, key)
	if err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("get: %w", err)
	}
	f, err := os.Open(l.path(key))
	if err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("get %s: %w", key, err)
	}
	return &verifyingReader{r: f, c: f, h: sha256.New(), want: info.SHA256, key: key}, info, nil
}

// List implements Store.
func (l *Local) List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error {
	// Walk only the folder the prefix names, then filter by the full prefix.
	start := l.root
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		start = l.path(prefix[:i])
	}
	var keys []string
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(l.root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == localMetaDir || rel == localTmpDir {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && strings.HasPrefix(rel, prefix) && CheckKey(rel) == nil {
			keys = append(keys, rel)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list %q: %w", prefix, err)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		info, err := l.Stat(ctx, k)
		if errors.Is(err, ErrNotExist) {
			continue // removed while listing
		}
		if err != nil {
			return fmt.Errorf("list %q: %w", prefix, err)
		}
		if err := fn(info); err != nil {
			return err
		}
	}
	return nil
}

// Delete implements Store.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if err := os.Remove(l.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	os.Remove(l.metaPath(key))
	return nil
}

// verifyingReader hashes what is read and fails at EOF on a mismatch, so
// corruption is reported to whoever consumes the object.
type verifyingReader struct {
	r    io.Reader
	c    io.Closer
	h    hash.Hash
	want string
	key  string
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF {
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want {
			return n, fmt.Errorf("read %s: sha256 %s, recorded %s: %w", v.key, got, v.want, ErrChecksum)
		}
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.c.Close() }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
