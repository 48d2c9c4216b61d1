// Package storagetest is the conformance suite every storage.Store backend
// runs: one call, Run(t, newStore), in the backend's tests.
package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/sohoa/sohoa/storage"
)

// Run runs the conformance suite against fresh, empty stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	ctx := context.Background()
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

	t.Run("PutGetRoundTrip", func(t *testing.T) {
		s := newStore(t)
		for _, size := range []int{0, 1, 1000, 3 << 20} {
			data := bytes.Repeat([]byte{byte(size % 251)}, size)
			key := fmt.Sprintf("a/b/obj-%d.bin", size)
			info, err := storage.PutBytes(ctx, s, key, data, storage.PutOptions{})
			if err != nil {
				t.Fatalf("put %d bytes: %v", size, err)
			}
			if info.Size != int64(size) || info.SHA256 != sum(data) {
				t.Fatalf("put info = %+v, want size %d sha %s", info, size, sum(data))
			}
			got, err := storage.GetBytes(ctx, s, key)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("get %s: %d bytes, err %v; want %d bytes", key, len(got), err, size)
			}
			st, err := s.Stat(ctx, key)
			if err != nil || st.SHA256 != sum(data) || st.Size != int64(size) {
				t.Fatalf("stat %s = %+v, %v", key, st, err)
			}
		}
	})

	t.Run("Overwrite", func(t *testing.T) {
		s := newStore(t)
		for _, v := range []string{"first version", "second"} {
			if _, err := storage.PutBytes(ctx, s, "k", []byte(v), storage.PutOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := storage.GetBytes(ctx, s, "k")
		if err != nil || string(got) != "second" {
			t.Fatalf("got %q, %v", got, err)
		}
	})

	t.Run("NotExist", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Stat(ctx, "missing/key"); !errors.Is(err, storage.ErrNotExist) {
			t.Fatalf("stat missing: %v, want ErrNotExist", err)
		}
		if _, _, err := s.Get(ctx, "missing/key"); !errors.Is(err, storage.ErrNotExist) {
			t.Fatalf("get missing: %v, want ErrNotExist", err)
		}
		if err := s.Delete(ctx, "missing/key"); err != nil {
			t.Fatalf("delete missing: %v", err)
		}
	})

	t.Run("IfNotExists", func(t *testing.T) {
		s := newStore(t)
		opts := storage.PutOptions{IfNotExists: true}
		if _, err := storage.PutBytes(ctx, s, "signed/x.pdf", []byte("one"), opts); err != nil {
			t.Fatal(err)
		}
		_, err := storage.PutBytes(ctx, s, "signed/x.pdf", []byte("two"), opts)
		if !errors.Is(err, storage.ErrExists) {
			t.Fatalf("second write-once put: %v, want ErrExists", err)
		}
		got, _ := storage.GetBytes(ctx, s, "signed/x.pdf")
		if string(got) != "one" {
			t.Fatalf("write-once object changed to %q", got)
		}
	})

	t.Run("ConcurrentIfNotExistsHasOneWinner", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, err := storage.PutBytes(ctx, s, "race", []byte(fmt.Sprint(i)), storage.PutOptions{IfNotExists: true})
				if err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				} else if !errors.Is(err, storage.ErrExists) {
					t.Errorf("writer %d: %v", i, err)
				}
			}(i)
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d writers won, want exactly 1", wins)
		}
	})

	t.Run("ExpectedChecksum", func(t *testing.T) {
		s := newStore(t)
		data := []byte("payload")
		if _, err := storage.PutBytes(ctx, s, "ok", data, storage.PutOptions{SHA256: sum(data)}); err != nil {
			t.Fatalf("matching checksum refused: %v", err)
		}
		_, err := storage.PutBytes(ctx, s, "bad", data, storage.PutOptions{SHA256: sum([]byte("other"))})
		if !errors.Is(err, storage.ErrChecksum) {
			t.Fatalf("wrong checksum: %v, want ErrChecksum", err)
		}
		if _, err := s.Stat(ctx, "bad"); !errors.Is(err, storage.ErrNotExist) {
			t.Fatalf("object with wrong checksum is visible: %v", err)
		}
	})

	t.Run("ShortReaderLeavesNothing", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Put(ctx, "short", strings.NewReader("abc"), 10, storage.PutOptions{})
		if err == nil {
			t.Fatal("put with fewer bytes than declared succeeded")
		}
		if _, err := s.Stat(ctx, "short"); !errors.Is(err, storage.ErrNotExist) {
			t.Fatalf("partial object visible: %v", err)
		}
	})

	t.Run("FailingReaderLeavesNothing", func(t *testing.T) {
		s := newStore(t)
		r := io.MultiReader(strings.NewReader("partial"), errReader{})
		if _, err := s.Put(ctx, "broken", r, -1, storage.PutOptions{}); err == nil {
			t.Fatal("put from failing reader succeeded")
		}
		if _, err := s.Stat(ctx, "broken"); !errors.Is(err, storage.ErrNotExist) {
			t.Fatalf("partial object visible: %v", err)
		}
	})

	t.Run("ListPrefixOrdered", func(t *testing.T) {
		s := newStore(t)
		keys := []string{"b/2", "a/x/1", "a/y", "a-z", "b/10", "a/x/0"}
		for _, k := range keys {
			if _, err := storage.PutBytes(ctx, s, k, []byte(k), storage.PutOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		list := func(prefix string) []string {
			var got []string
			if err := s.List(ctx, prefix, func(o storage.ObjectInfo) error {
				if o.SHA256 != sum([]byte(o.Key)) {
					t.Errorf("list %s: sha %s", o.Key, o.SHA256)
				}
				got = append(got, o.Key)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return got
		}
		for _, tc := range []struct{ prefix, want string }{
			{"", "a-z a/x/0 a/x/1 a/y b/10 b/2"},
			{"a/", "a/x/0 a/x/1 a/y"},
			{"a/x/", "a/x/0 a/x/1"},
			{"a", "a-z a/x/0 a/x/1 a/y"},
			{"b/1", "b/10"},
			{"c/", ""},
		} {
			if got := strings.Join(list(tc.prefix), " "); got != tc.want {
				t.Errorf("list %q = %q, want %q", tc.prefix, got, tc.want)
			}
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		storage.PutBytes(ctx, s, "d/k", []byte("x"), storage.PutOptions{})
		if err := s.Delete(ctx, "d/k"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stat(ctx, "d/k"); !errors.Is(err, storage.ErrNotExist) {
			t.Fatalf("deleted object still there: %v", err)
		}
	})

	t.Run("UnsafeKeysRefused", func(t *testing.T) {
		s := newStore(t)
		for _, k := range []string{"", "../escape", "a/../../b", "/abs", "a//b", "a/./b", "sp ace", "a\\b", "x/"} {
			if _, err := storage.PutBytes(ctx, s, k, []byte("x"), storage.PutOptions{}); !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("put %q: %v, want ErrInvalidKey", k, err)
			}
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }
