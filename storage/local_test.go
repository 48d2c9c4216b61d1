package storage_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

func TestLocalConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		s, err := storage.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestLocalDetectsBitRot(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, _ := storage.NewLocal(dir)
	if _, err := storage.PutBytes(ctx, s, "doc/a.pdf", []byte("original bytes"), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "doc", "a.pdf")
	st, _ := os.Stat(p)
	// Same size, same modification time, other bytes: what a failing disk does.
	if err := os.WriteFile(p, []byte("origina1 bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(p, st.ModTime(), st.ModTime())
	rc, _, err := s.Get(ctx, "doc/a.pdf")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadAll(rc); !errors.Is(err, storage.ErrChecksum) {
		t.Fatalf("reading a corrupted object: %v, want ErrChecksum", err)
	}
}

func TestLocalStaleMetaIsRecomputed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, _ := storage.NewLocal(dir)
	storage.PutBytes(ctx, s, "k", []byte("old"), storage.PutOptions{})
	// A crash between renaming the content and its meta leaves new content
	// beside old meta; the store must trust the content.
	if err := os.WriteFile(filepath.Join(dir, "k"), []byte("newer content"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := storage.GetBytes(ctx, s, "k")
	if err != nil || string(got) != "newer content" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestSafeSegment(t *testing.T) {
	for in, want := range map[string]string{
		"Quyết định 15.pdf":       "Quyet-dinh-15.pdf",
		"ĐƠN đề nghị (bản 2).tif": "DON-de-nghi-ban-2-.tif",
		"../../etc/passwd":        "etc-passwd",
		"":                        "file",
		"...":                     "file",
		"scan_001.jpg":            "scan_001.jpg",
	} {
		got := storage.SafeSegment(in)
		if got != want {
			t.Errorf("SafeSegment(%q) = %q, want %q", in, got, want)
		}
		if err := storage.CheckKey(got); err != nil {
			t.Errorf("SafeSegment(%q) = %q is not a valid key: %v", in, got, err)
		}
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, loc := range []string{dir, "file://" + dir} {
		s, err := storage.Open(ctx, loc)
		if err != nil {
			t.Fatalf("open %q: %v", loc, err)
		}
		if s.Location() != dir {
			t.Errorf("open %q: location %q", loc, s.Location())
		}
	}
	if _, err := storage.Open(ctx, "ftp://host/x"); err == nil {
		t.Error("unsupported scheme accepted")
	}
}
