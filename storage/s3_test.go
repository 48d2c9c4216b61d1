package storage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/sohoa/sohoa/internal/miniotest"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// s3Server is the MinIO the S3 tests use: the one SOHOA_S3_TEST_ENDPOINT
// names (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), else
// one started on first use from .cache/minio/bin/minio (scripts/minio.sh
// builds it) and stopped by TestMain.
type s3Server struct {
	once     sync.Once
	endpoint string
	access   string
	secret   string
	started  *miniotest.Server
	dir      string
	reason   string // why there is none
}

var testS3 s3Server

func TestMain(m *testing.M) {
	code := m.Run()
	if testS3.started != nil {
		testS3.started.Stop()
		os.RemoveAll(testS3.dir)
	}
	os.Exit(code)
}

// needS3 returns the test server, skipping the test when there is none,
// except under CI=true, where a missing server is a failure.
func needS3(t testing.TB) *s3Server {
	t.Helper()
	testS3.once.Do(func() {
		if ep := os.Getenv("SOHOA_S3_TEST_ENDPOINT"); ep != "" {
			testS3.endpoint, testS3.access, testS3.secret = ep, os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
			return
		}
		bin := miniotest.Binary()
		if bin == "" {
			testS3.reason = "no S3 server: set SOHOA_S3_TEST_ENDPOINT or build MinIO with scripts/minio.sh"
			return
		}
		dir, err := os.MkdirTemp("", "sohoa-minio-test-")
		if err != nil {
			testS3.reason = err.Error()
			return
		}
		srv, err := miniotest.Start(context.Background(), bin, dir)
		if err != nil {
			os.RemoveAll(dir)
			testS3.reason = "start MinIO: " + err.Error()
			return
		}
		testS3.started, testS3.dir = srv, dir
		testS3.endpoint, testS3.access, testS3.secret = srv.Endpoint, miniotest.RootUser, miniotest.RootPassword
	})
	if testS3.endpoint == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and %s", testS3.reason)
		}
		t.Skip(testS3.reason)
	}
	return &testS3
}

func adminClient(t testing.TB, endpoint, access, secret string) *minio.Client {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(access, secret, ""), Secure: u.Scheme == "https"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newBucket makes a fresh bucket, emptied and removed when the test ends.
func newBucket(t testing.TB, srv *s3Server, objectLock bool) (*minio.Client, string) {
	t.Helper()
	ctx := context.Background()
	admin := adminClient(t, srv.endpoint, srv.access, srv.secret)
	var rnd [6]byte
	rand.Read(rnd[:])
	bucket := "sohoa-test-" + hex.EncodeToString(rnd[:])
	if err := admin.MakeBucket(ctx, bucket, minio.MakeBucketOptions{ObjectLocking: objectLock}); err != nil {
		t.Fatalf("make bucket: %v", err)
	}
	t.Cleanup(func() { removeBucket(t, admin, bucket) })
	return admin, bucket
}

func removeBucket(t testing.TB, admin *minio.Client, bucket string) {
	ctx := context.Background()
	for o := range admin.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			break
		}
		admin.PutObjectLegalHold(ctx, bucket, o.Key, minio.PutObjectLegalHoldOptions{VersionID: o.VersionID, Status: ptr(minio.LegalHoldDisabled)})
		admin.RemoveObject(ctx, bucket, o.Key, minio.RemoveObjectOptions{VersionID: o.VersionID, GovernanceBypass: true})
	}
	for u := range admin.ListIncompleteUploads(ctx, bucket, "", true) {
		if u.Err == nil {
			admin.RemoveIncompleteUpload(ctx, bucket, u.Key)
		}
	}
	if err := admin.RemoveBucket(ctx, bucket); err != nil {
		t.Logf("remove bucket %s: %v", bucket, err)
	}
}

func ptr[T any](v T) *T { return &v }

func s3Config(srv *s3Server, bucket, prefix string) storage.S3Config {
	return storage.S3Config{Endpoint: srv.endpoint, Bucket: bucket, Prefix: prefix,
		AccessKeyID: srv.access, SecretAccessKey: srv.secret}
}

func newS3Store(t testing.TB, cfg storage.S3Config) *storage.S3 {
	t.Helper()
	s, err := storage.NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	return s
}

func hexSHA(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestS3Conformance(t *testing.T) {
	srv := needS3(t)
	for _, prefix := range []string{"", "tenant/batch-1"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			storagetest.Run(t, func(t *testing.T) storage.Store {
				_, bucket := newBucket(t, srv, false)
				return newS3Store(t, s3Config(srv, bucket, prefix))
			})
		})
	}
}

func TestS3ObjectsCarryChecksumAndMetadata(t *testing.T) {
	srv := needS3(t)
	ctx := context.Background()
	admin, bucket := newBucket(t, srv, false)
	cfg := s3Config(srv, bucket, "pre")
	cfg.MultipartThreshold, cfg.PartSize = 5<<20, 5<<20
	s := newS3Store(t, cfg)
	for _, tc := range []struct {
		name string
		size int
		// wholeObjectChecksum: a single PUT carries the S3 checksum of the
		// whole object; a multipart one a checksum of part checksums.
		wholeObjectChecksum bool
	}{
		{"single PUT", 1 << 20, true},
		{"multipart", 11 << 20, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := make([]byte, tc.size)
			rand.Read(data)
			key := "k/" + strings.ReplaceAll(tc.name, " ", "-")
			if _, err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), storage.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			oi, err := admin.StatObject(ctx, bucket, "pre/"+key, minio.StatObjectOptions{Checksum: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := oi.Metadata.Get("X-Amz-Meta-Sha256"); got != hexSHA(data) {
				t.Errorf("x-amz-meta-sha256 = %q, want %s", got, hexSHA(data))
			}
			sum := sha256.Sum256(data)
			whole := base64.StdEncoding.EncodeToString(sum[:])
			if tc.wholeObjectChecksum && oi.ChecksumSHA256 != whole {
				t.Errorf("S3 checksum = %q, want %s", oi.ChecksumSHA256, whole)
			}
			if !tc.wholeObjectChecksum && oi.ChecksumSHA256 == "" {
				t.Errorf("multipart object has no S3 SHA-256 checksum")
			}
			got, err := storage.GetBytes(ctx, s, key)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("get: %d bytes, %v", len(got), err)
			}
		})
	}
}

func TestS3ServerRefusesWrongChecksum(t *testing.T) {
	srv := needS3(t)
	ctx := context.Background()
	_, bucket := newBucket(t, srv, false)
	s := newS3Store(t, s3Config(srv, bucket, ""))
	data := []byte("bytes that changed in transit")
	err := s.PutClaimingSHA256(ctx, "doc.pdf", data, hexSHA([]byte("the bytes that were meant")))
	if !errors.Is(err, storage.ErrChecksum) {
		t.Fatalf("upload with a wrong x-amz-checksum-sha256: %v, want ErrChecksum from the server", err)
	}
	if _, err := s.Stat(ctx, "doc.pdf"); !errors.Is(err, storage.ErrNotExist) {
		t.Fatalf("refused object is visible: %v", err)
	}
	// The same path with the right digest is accepted: the refusal was the digest.
	if err := s.PutClaimingSHA256(ctx, "doc.pdf", data, hexSHA(data)); err != nil {
		t.Fatalf("upload with the right digest: %v", err)
	}
}

func TestS3GetDetectsAlteredContent(t *testing.T) {
	srv := needS3(t)
	ctx := context.Background()
	admin, bucket := newBucket(t, srv, false)
	s := newS3Store(t, s3Config(srv, bucket, ""))
	if _, err := storage.PutBytes(ctx, s, "a.pdf", []byte("original"), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	// Another tool rewrites the bytes but keeps the recorded digest.
	altered := []byte("altered!")
	if _, err := admin.PutObject(ctx, bucket, "a.pdf", bytes.NewReader(altered), int64(len(altered)),
		minio.PutObjectOptions{UserMetadata: map[string]string{"Sha256": hexSHA([]byte("original"))}}); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.GetBytes(ctx, s, "a.pdf"); !errors.Is(err, storage.ErrChecksum) {
		t.Fatalf("reading altered content: %v, want ErrChecksum", err)
	}
}

func TestS3ForeignObjectsGetDigest(t *testing.T) {
	srv := needS3(t)
	ctx := context.Background()
	admin, bucket := newBucket(t, srv, false)
	s := newS3Store(t, s3Config(srv, bucket, ""))
	data := []byte("uploaded by another tool, without metadata")
	if _, err := admin.PutObject(ctx, bucket, "x/foreign", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	var got []storage.ObjectInfo
	if err := s.List(ctx, "x/", func(o storage.ObjectInfo) error { got = append(got, o); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].SHA256 != hexSHA(data) {
		t.Fatalf("list = %+v, want x/foreign with sha %s", got, hexSHA(data))
	}
	if b, err := storage.GetBytes(ctx, s, "x/foreign"); err != nil || !bytes.Equal(b, data) {
		t.Fatalf("get foreign: %q, %v", b, err)
	}
}

func TestS3MultipartAndUnknownSize(t *testing.T) {
	srv := needS3(t)
	ctx := context.Background()
	admin, bucket := newBucket(t, srv, false)
	cfg := s3Config(srv, bucket, "")
	cfg.MultipartThreshold, cfg.PartSize, cfg.SpoolMemory = 5<<20, 5<<20, 1<<20
	cfg.SpoolDir = t.TempDir()
	s := newS3Store(t, cfg)
	data := make([]byte, 12<<20)
	rand.Read(data)
	for _, tc := range []struct {
		name string
		r    io.Reader
		size int64
	}{
		{"seekable", bytes.NewReader(data), int64(len(data))},
		{"stream-known-size", io.MultiReader(bytes.NewReader(data)), int64(len(data))},
		{"stream-unknown-size", io.MultiReader(bytes.NewReader(data)), -1},
		{"small-stream-unknown-size", io.MultiReader(bytes.NewReader(data[:1000])), -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := data
			if tc.name == "small-stream-unknown-size" {
				want = data[:1000]
			}
			info, err := s.Put(ctx, tc.name, tc.r, tc.size, storage.PutOptions{IfNotExists: true})
			if err != nil {
				t.Fatal(err)
			}
			if info.SHA256 != hexSHA(want) || info.Size != int64(len(want)) {
				t.Fatalf("info %+v", info)
			}
			got, err := storage.GetBytes(ctx, s, tc.name)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("get: %d bytes, %v", len(got), err)
			}
			// Write-once holds for multipart uploads too.
			_, err = s.Put(ctx, tc.name, bytes.NewReader(want), int64(len(want)), storage.PutOptions{IfNotExists: true})
			if !errors.Is(err, storage.ErrExists) {
				t.Fatalf("second write-once put: %v, want ErrExists", err)
			}
		})
	}
	if spooled, _ := os.ReadDir(cfg.SpoolDir); len(spooled) != 0 {
		t.Errorf("spool files left behind: %d", len(spooled))
	}
	for u := range admin.ListIncompleteUploads(ctx, bucket, "", true) {
		t.Errorf("incomplete upload left: %+v", u)
	}
}

func TestS3RetentionAndLegalHold(t *testing.T) {
	srv := needS3(t)
	ctx := context.Background()
	admin, bucket := newBucket(t, srv, true)
	s := newS3Store(t, s3Config(srv, bucket, "signed"))
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	for _, tc := range []struct {
		key       string
		opts      storage.PutOptions
		mode      minio.RetentionMode
		legalHold minio.LegalHoldStatus
	}{
		{"governed.pdf", storage.PutOptions{IfNotExists: true, RetainUntil: until}, minio.Governance, minio.LegalHoldDisabled},
		{"held.pdf", storage.PutOptions{IfNotExists: true, LegalHold: true}, "", minio.LegalHoldEnabled},
		{"both.pdf", storage.PutOptions{IfNotExists: true, RetainUntil: until, RetentionMode: storage.RetentionGovernance, LegalHold: true}, minio.Governance, minio.LegalHoldEnabled},
	} {
		t.Run(tc.key, func(t *testing.T) {
			if _, err := storage.PutBytes(ctx, s, tc.key, []byte("signed copy "+tc.key), tc.opts); err != nil {
				t.Fatal(err)
			}
			name := s.ObjectName(tc.key)
			mode, date, err := admin.GetObjectRetention(ctx, bucket, name, "")
			switch {
			case tc.mode == "" && err == nil && mode != nil && *mode != "":
				t.Errorf("unexpected retention %v", *mode)
			case tc.mode != "" && (err != nil || mode == nil || *mode != tc.mode || date == nil || !date.Equal(until)):
				t.Errorf("retention = %v %v, %v; want %s until %s", deref(mode), deref(date), err, tc.mode, until)
			}
			hold, err := admin.GetObjectLegalHold(ctx, bucket, name, minio.GetObjectLegalHoldOptions{})
			gotHold := minio.LegalHoldDisabled
			if err == nil && hold != nil {
				gotHold = *hold
			}
			if gotHold != tc.legalHold {
				t.Errorf("legal hold = %v (%v), want %v", gotHold, err, tc.legalHold)
			}
			// The locked version cannot be removed, and write-once refuses to overwrite.
			oi, err := admin.StatObject(ctx, bucket, name, minio.StatObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := admin.RemoveObject(ctx, bucket, name, minio.RemoveObjectOptions{VersionID: oi.VersionID}); err == nil {
				t.Errorf("locked version removed")
			}
			if _, err := storage.PutBytes(ctx, s, tc.key, []byte("forgery"), storage.PutOptions{IfNotExists: true}); !errors.Is(err, storage.ErrExists) {
				t.Errorf("overwrite of write-once object: %v, want ErrExists", err)
			}
			if got, err := storage.GetBytes(ctx, s, tc.key); err != nil || string(got) != "signed copy "+tc.key {
				t.Errorf("after refused overwrite: %q, %v", got, err)
			}
		})
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestS3OpenFailsClearly(t *testing.T) {
	srv := needS3(t)
	_, bucket := newBucket(t, srv, false)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := closed.Addr().String()
	closed.Close()
	for _, tc := range []struct {
		name   string
		mutate func(*storage.S3Config)
		want   error
		words  string
	}{
		{"wrong secret", func(c *storage.S3Config) { c.SecretAccessKey = "not-the-secret" }, storage.ErrBadCredentials, "AWS_SECRET_ACCESS_KEY"},
		{"unknown access key", func(c *storage.S3Config) { c.AccessKeyID = "nobody" }, storage.ErrBadCredentials, "AWS_ACCESS_KEY_ID"},
		{"no credentials", func(c *storage.S3Config) { c.AccessKeyID, c.SecretAccessKey = "", "" }, storage.ErrBadCredentials, "AWS_ACCESS_KEY_ID"},
		{"missing bucket", func(c *storage.S3Config) { c.Bucket = "no-such-bucket-here" }, storage.ErrNoBucket, "no-such-bucket-here"},
		{"unreachable endpoint", func(c *storage.S3Config) { c.Endpoint = "http://" + deadAddr }, storage.ErrUnreachable, deadAddr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := s3Config(srv, bucket, "p")
			cfg.MaxRetries = 3
			tc.mutate(&cfg)
			start := time.Now()
			_, err := storage.NewS3(context.Background(), cfg)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.words) {
				t.Fatalf("err = %v, want %v naming %q", err, tc.want, tc.words)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s to fail", d)
			}
			t.Logf("%s", err)
		})
	}
	t.Run("Open from environment", func(t *testing.T) {
		t.Setenv("SOHOA_S3_ENDPOINT", srv.endpoint)
		t.Setenv("AWS_ACCESS_KEY_ID", srv.access)
		t.Setenv("AWS_SECRET_ACCESS_KEY", srv.secret)
		t.Setenv("AWS_SESSION_TOKEN", "")
		t.Setenv("AWS_REGION", "")
		s, err := storage.Open(context.Background(), "s3://"+bucket+"/some/prefix")
		if err != nil {
			t.Fatal(err)
		}
		if s.Location() != "s3://"+bucket+"/some/prefix" {
			t.Errorf("location %q", s.Location())
		}
		t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
		if _, err := storage.Open(context.Background(), "s3://"+bucket+"/p"); !errors.Is(err, storage.ErrBadCredentials) {
			t.Errorf("open with a wrong secret: %v", err)
		}
	})
}

// TestS3ServerStopsAndComesBack stops its own MinIO under a live store:
// requests fail quickly with a clear error, and work again after a restart.
func TestS3ServerStopsAndComesBack(t *testing.T) {
	bin := miniotest.Binary()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true and no MinIO binary: run scripts/minio.sh")
		}
		t.Skip("no MinIO binary: run scripts/minio.sh")
	}
	ctx := context.Background()
	own, err := miniotest.Start(ctx, bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer own.Stop()
	srv := &s3Server{endpoint: own.Endpoint, access: miniotest.RootUser, secret: miniotest.RootPassword}
	admin := adminClient(t, srv.endpoint, srv.access, srv.secret)
	if err := admin.MakeBucket(ctx, "bkt", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := s3Config(srv, "bkt", "")
	cfg.MaxRetries = 3
	s := newS3Store(t, cfg)
	if _, err := storage.PutBytes(ctx, s, "before", []byte("x"), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := own.Stop(); err != nil {
		t.Fatal(err)
	}
	for name, op := range map[string]func() error{
		"put": func() error {
			_, err := storage.PutBytes(ctx, s, "during", []byte("y"), storage.PutOptions{})
			return err
		},
		"get":  func() error { _, err := storage.GetBytes(ctx, s, "before"); return err },
		"list": func() error { return s.List(ctx, "", func(storage.ObjectInfo) error { return nil }) },
	} {
		start := time.Now()
		err := op()
		if !errors.Is(err, storage.ErrUnreachable) {
			t.Errorf("%s with the server stopped: %v, want ErrUnreachable", name, err)
		}
		d := time.Since(start)
		if d > 10*time.Second {
			t.Errorf("%s took %s to fail", name, d)
		}
		t.Logf("%s after %s: %v", name, d.Round(time.Millisecond), err)
	}
	// A hung server (accepts connections, never answers) is bounded by
	// ResponseTimeout per attempt and MaxRetries attempts.
	if err := own.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	hungCfg := cfg
	hungCfg.ResponseTimeout, hungCfg.MaxRetries = 500*time.Millisecond, 2
	hung := newS3Store(t, hungCfg)
	if err := own.Pause(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = storage.PutBytes(ctx, hung, "hung", []byte("h"), storage.PutOptions{})
	d := time.Since(start)
	own.Resume()
	if !errors.Is(err, storage.ErrUnreachable) || d > 5*time.Second {
		t.Errorf("put to a hung server: %v after %s, want ErrUnreachable within 5 s", err, d)
	}
	t.Logf("hung server: put after %s: %v", d.Round(time.Millisecond), err)
	if err := own.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.PutBytes(ctx, s, "after", []byte("z"), storage.PutOptions{}); err != nil {
		t.Fatalf("put after restart: %v", err)
	}
	if got, err := storage.GetBytes(ctx, s, "before"); err != nil || string(got) != "x" {
		t.Fatalf("object written before the stop: %q, %v", got, err)
	}
}

func TestS3AbortIncompleteUploads(t *testing.T) {
	srv := needS3(t)
	ctx := context.Background()
	admin, bucket := newBucket(t, srv, false)
	s := newS3Store(t, s3Config(srv, bucket, "mine"))
	core := minio.Core{Client: admin}
	// Uploads a killed process left: two under the store's prefix, one outside.
	for _, name := range []string{"mine/a/dead.pdf", "mine/b", "other/keep"} {
		id, err := core.NewMultipartUpload(ctx, bucket, name, minio.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		part := bytes.Repeat([]byte("p"), 1000)
		if _, err := core.PutObjectPart(ctx, bucket, name, id, 1, bytes.NewReader(part), int64(len(part)), minio.PutObjectPartOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.AbortIncompleteUploads(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("recent uploads aborted: %d, %v", n, err)
	}
	n, err := s.AbortIncompleteUploads(ctx, 0)
	if err != nil || n != 2 {
		t.Fatalf("aborted %d, %v; want 2", n, err)
	}
	var left []string
	for u := range admin.ListIncompleteUploads(ctx, bucket, "", true) {
		if u.Err != nil {
			t.Fatal(u.Err)
		}
		left = append(left, u.Key)
	}
	if fmt.Sprint(left) != "[other/keep]" {
		t.Fatalf("uploads left: %v, want only other/keep", left)
	}
}

// flakyFile serves its bytes for the first full read (hashing) and fails on
// the second one past failAt, as a disk going bad mid-upload would.
type flakyFile struct {
	*bytes.Reader
	failAt int64
	mu     sync.Mutex
	passes map[int64]int
}

func (f *flakyFile) ReadAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	f.passes[off]++
	second := f.passes[off] > 1
	f.mu.Unlock()
	if second && off+int64(len(p)) > f.failAt {
		return 0, errors.New("read error: bad sector")
	}
	return f.Reader.ReadAt(p, off)
}

func TestS3FailedMultipartUploadLeavesNothing(t *testing.T) {
	srv := needS3(t)
	ctx := context.Background()
	admin, bucket := newBucket(t, srv, false)
	cfg := s3Config(srv, bucket, "")
	cfg.MultipartThreshold, cfg.PartSize = 5<<20, 5<<20
	s := newS3Store(t, cfg)
	data := make([]byte, 16<<20)
	rand.Read(data)
	r := &flakyFile{Reader: bytes.NewReader(data), failAt: 11 << 20, passes: map[int64]int{}}
	_, err := s.Put(ctx, "big.tif", r, int64(len(data)), storage.PutOptions{})
	if err == nil || !strings.Contains(err.Error(), "bad sector") {
		t.Fatalf("upload from a reader failing mid-upload: %v, want the read error", err)
	}
	if r.passes[0] < 2 {
		t.Fatalf("the reader failed before the upload started (first part read %d times)", r.passes[0])
	}
	if _, err := s.Stat(ctx, "big.tif"); !errors.Is(err, storage.ErrNotExist) {
		t.Fatalf("object of a failed upload is visible: %v", err)
	}
	for u := range admin.ListIncompleteUploads(ctx, bucket, "", true) {
		t.Errorf("failed upload not aborted: %+v", u)
	}
}

// TestS3WriteOnceCheckedAtCompletion: a write-once multipart upload that
// started before another writer created the object must not replace it.
func TestS3WriteOnceCheckedAtCompletion(t *testing.T) {
	srv := needS3(t)
	ctx := context.Background()
	admin, bucket := newBucket(t, srv, false)
	s := newS3Store(t, s3Config(srv, bucket, ""))
	core := minio.Core{Client: admin}
	var opts minio.PutObjectOptions
	opts.SetMatchETagExcept("*")
	id, err := core.NewMultipartUpload(ctx, bucket, "signed.pdf", opts)
	if err != nil {
		t.Fatal(err)
	}
	part := bytes.Repeat([]byte("late"), 1000)
	p, err := core.PutObjectPart(ctx, bucket, "signed.pdf", id, 1, bytes.NewReader(part), int64(len(part)), minio.PutObjectPartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storage.PutBytes(ctx, s, "signed.pdf", []byte("first"), storage.PutOptions{IfNotExists: true}); err != nil {
		t.Fatal(err)
	}
	_, err = core.CompleteMultipartUpload(ctx, bucket, "signed.pdf", id, []minio.CompletePart{{PartNumber: 1, ETag: p.ETag}}, opts)
	if err == nil {
		t.Fatal("write-once multipart upload replaced an object created after it started")
	}
	if got, err := storage.GetBytes(ctx, s, "signed.pdf"); err != nil || string(got) != "first" {
		t.Fatalf("object now %q, %v", got, err)
	}
}
