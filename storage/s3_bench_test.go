package storage_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/sohoa/sohoa/storage"
)

// BenchmarkS3Upload compares the S3 store's Put (SHA-256 computed, sent as
// the server-verified checksum and as metadata) with a plain minio-go
// PutObject loop, for the same files at the same concurrency.
//
//	go test ./storage -run '^$' -bench S3Upload -benchtime 200x
func BenchmarkS3Upload(b *testing.B) {
	srv := needS3(b)
	ctx := context.Background()
	for _, size := range []int{256 << 10, 4 << 20} {
		files := make([]string, 16)
		dir := b.TempDir()
		buf := make([]byte, size)
		for i := range files {
			rand.Read(buf)
			files[i] = filepath.Join(dir, fmt.Sprintf("scan-%02d.tif", i))
			if err := os.WriteFile(files[i], buf, 0o644); err != nil {
				b.Fatal(err)
			}
		}
		const workers = 4
		admin, bucket := newBucket(b, srv, false)
		store := newS3Store(b, s3Config(srv, bucket, "store"))
		uploaders := map[string]func(key string, f *os.File) error{
			"store": func(key string, f *os.File) error {
				_, err := store.Put(ctx, key, f, int64(size), storage.PutOptions{})
				return err
			},
			"minio-go": func(key string, f *os.File) error {
				_, err := admin.PutObject(ctx, bucket, "plain/"+key, f, int64(size), minio.PutObjectOptions{})
				return err
			},
			// The cheapest upload minio-go offers: no payload signature, no checksum.
			"minio-go-unsigned": func(key string, f *os.File) error {
				_, err := admin.PutObject(ctx, bucket, "unsigned/"+key, f, int64(size), minio.PutObjectOptions{DisableContentSha256: true})
				return err
			},
		}
		for _, name := range []string{"minio-go", "minio-go-unsigned", "store"} {
			upload := uploaders[name]
			b.Run(fmt.Sprintf("%s/size=%dKiB/workers=%d", name, size>>10, workers), func(b *testing.B) {
				b.SetBytes(int64(size))
				var next atomic.Int64
				var wg sync.WaitGroup
				errs := make(chan error, workers)
				b.ResetTimer()
				for w := 0; w < workers; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := next.Add(1) - 1
							if i >= int64(b.N) {
								return
							}
							f, err := os.Open(files[i%int64(len(files))])
							if err == nil {
								err = upload(fmt.Sprintf("obj-%d", i), f)
								f.Close()
							}
							if err != nil {
								errs <- err
								return
							}
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				close(errs)
				for err := range errs {
					b.Fatal(err)
				}
			})
		}
	}
}

// BenchmarkS3List compares listing with digests from the listing's metadata
// (what List does on MinIO) with listing names and one Stat per object.
func BenchmarkS3List(b *testing.B) {
	srv := needS3(b)
	ctx := context.Background()
	admin, bucket := newBucket(b, srv, false)
	store := newS3Store(b, s3Config(srv, bucket, ""))
	const objects = 200
	for i := 0; i < objects; i++ {
		if _, err := storage.PutBytes(ctx, store, fmt.Sprintf("doc/%04d", i), []byte(fmt.Sprint(i)), storage.PutOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("List-with-metadata", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			n := 0
			if err := store.List(ctx, "doc/", func(o storage.ObjectInfo) error { n++; return nil }); err != nil || n != objects {
				b.Fatalf("%d objects, %v", n, err)
			}
		}
	})
	b.Run("list-then-stat-each", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			n := 0
			for o := range admin.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: "doc/", Recursive: true}) {
				if o.Err != nil {
					b.Fatal(o.Err)
				}
				if _, err := store.Stat(ctx, o.Key); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != objects {
				b.Fatalf("%d objects", n)
			}
		}
	})
}
