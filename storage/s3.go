package storage

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Errors Open and NewS3 report when an S3 store cannot be used at all; they
// are checked before any work starts so a batch never fails half-way for a
// configuration mistake.
var (
	// ErrBadCredentials reports an unknown access key, a wrong secret or an
	// expired session token.
	ErrBadCredentials = errors.New("wrong credentials")
	// ErrNoBucket reports that the bucket does not exist.
	ErrNoBucket = errors.New("bucket does not exist")
	// ErrUnreachable reports that the endpoint did not answer.
	ErrUnreachable = errors.New("endpoint unreachable")
	// ErrAccessDenied reports credentials that work but may not list the bucket.
	ErrAccessDenied = errors.New("access denied")
)

// Defaults of S3Config's tuning fields.
const (
	DefaultMultipartThreshold = 64 << 20
	DefaultPartSize           = 16 << 20
	DefaultSpoolMemory        = 16 << 20
	DefaultS3MaxRetries       = 5
)

// S3Config says where an S3 store lives and how to talk to it.
type S3Config struct {
	// Endpoint is host:port or an http(s) URL. A bare host:port means https,
	// except on a loopback address (a local MinIO), where it means http.
	Endpoint string
	Bucket   string
	// Prefix is prepended (with a '/') to every key; "" stores at the root.
	Prefix string

	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Region is the bucket's region; "" asks the server.
	Region string

	// MultipartThreshold is the size above which an object is uploaded in
	// parts of PartSize bytes; smaller objects go in one PUT.
	MultipartThreshold int64
	PartSize           uint64
	// SpoolMemory bounds how much of a reader that cannot seek is held in
	// memory to hash it before the upload; the rest spills to a file in
	// SpoolDir (os.TempDir() if "").
	SpoolMemory int64
	SpoolDir    string

	// MaxRetries bounds the attempts of one request on transient errors
	// (with exponential backoff, capped at 1 s between attempts).
	MaxRetries int
	// DialTimeout bounds connecting; ResponseTimeout bounds waiting for a
	// response's headers once a request is sent (a hung server).
	DialTimeout     time.Duration
	ResponseTimeout time.Duration
}

// S3ConfigFromEnv builds the configuration for bucket and prefix from the
// environment: SOHOA_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN and AWS_REGION (or AWS_DEFAULT_REGION).
func S3ConfigFromEnv(bucket, prefix string) S3Config {
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = os.Getenv("AWS_DEFAULT_REGION")
	}
	return S3Config{
		Endpoint:        os.Getenv("SOHOA_S3_ENDPOINT"),
		Bucket:          bucket,
		Prefix:          prefix,
		AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
		Region:          region,
	}
}

// S3 is a Store in a bucket of an S3-compatible object store (MinIO, AWS).
//
// Every object carries its SHA-256 twice: as the S3 checksum
// (x-amz-checksum-sha256), which the server verifies before it accepts the
// upload, and as user metadata (x-amz-meta-sha256), which Stat and List
// return and Get verifies again while reading. The digest is computed before
// the request starts, because metadata travels in the request's headers: a
// seekable reader (a file, a bytes.Reader) is read twice, anything else is
// spooled to memory or a temporary file, which also lets failed requests be
// retried.
//
// Objects up to MultipartThreshold go in one PUT; larger ones in parts, each
// verified by its own SHA-256. S3 makes an object visible only once its
// upload completes, so a failed or interrupted upload leaves nothing behind
// but an incomplete multipart upload, which AbortIncompleteUploads removes.
type S3 struct {
	client   *minio.Client
	cfg      S3Config
	endpoint string // normalized, for messages
	prefix   string // "" or ends in "/"
}

// NewS3 connects to the store cfg names and checks that the endpoint
// answers, the credentials work and the bucket exists; the error says which
// of these failed (ErrUnreachable, ErrBadCredentials, ErrNoBucket,
// ErrAccessDenied).
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	s, err := newS3Client(cfg)
	if err != nil {
		return nil, err
	}
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func newS3Client(cfg S3Config) (*S3, error) {
	loc := "s3://" + cfg.Bucket + "/" + strings.Trim(cfg.Prefix, "/")
	if cfg.Bucket == "" {
		return nil, fmt.Errorf("s3 store %s: no bucket named (use s3://bucket/prefix)", loc)
	}
	if cfg.MultipartThreshold <= 0 {
		cfg.MultipartThreshold = DefaultMultipartThreshold
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	if cfg.SpoolMemory <= 0 {
		cfg.SpoolMemory = DefaultSpoolMemory
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = DefaultS3MaxRetries
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if cfg.ResponseTimeout <= 0 {
		cfg.ResponseTimeout = 60 * time.Second
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if prefix != "" {
		if err := CheckKey(prefix); err != nil {
			return nil, fmt.Errorf("s3 store %s: prefix: %w", loc, err)
		}
		prefix += "/"
	}
	host, secure, err := parseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("s3 store %s: %w", loc, err)
	}
	if cfg.AccessKeyID == "" || cfg.SecretAccessKey == "" {
		return nil, fmt.Errorf("s3 store %s: %w: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", loc, ErrBadCredentials)
	}
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("s3 store %s: %w", loc, err)
	}
	// Bounded waits: a stopped or hung server must surface as an error.
	tr.DialContext = (&net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = cfg.ResponseTimeout
	client, err := minio.New(host, &minio.Options{
		Creds:           credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken),
		Secure:          secure,
		Region:          cfg.Region,
		Transport:       tr,
		TrailingHeaders: true, // needed for minio-go's per-part SHA-256 checksums
		MaxRetries:      cfg.MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 store %s: %w", loc, err)
	}
	scheme := "https://"
	if !secure {
		scheme = "http://"
	}
	return &S3{client: client, cfg: cfg, endpoint: scheme + host, prefix: prefix}, nil
}

// parseEndpoint turns host:port or an http(s) URL into minio-go's host and
// TLS flag. An empty endpoint means AWS.
func parseEndpoint(ep string) (host string, secure bool, err error) {
	if ep == "" {
		return "s3.amazonaws.com", true, nil
	}
	if strings.Contains(ep, "://") {
		u, err := url.Parse(ep)
		if err != nil {
			return "", false, fmt.Errorf("endpoint %q: %w", ep, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return "", false, fmt.Errorf("endpoint %q: scheme must be http or https", ep)
		}
		if u.Host == "" || (u.Path != "" && u.Path != "/") {
			return "", false, fmt.Errorf("endpoint %q: want scheme://host[:port] without a path", ep)
		}
		return u.Host, u.Scheme == "https", nil
	}
	h := ep
	if hh, _, err := net.SplitHostPort(ep); err == nil {
		h = hh
	}
	ip := net.ParseIP(h)
	loopback := h == "localhost" || (ip != nil && ip.IsLoopback())
	return ep, !loopback, nil
}

// Location implements Store.
func (s *S3) Location() string {
	return "s3://" + s.cfg.Bucket + "/" + strings.TrimSuffix(s.prefix, "/")
}

// Client returns the underlying minio-go client, for maintenance and tests.
func (s *S3) Client() *minio.Client { return s.client }

// Bucket returns the bucket name.
func (s *S3) Bucket() string { return s.cfg.Bucket }

// ObjectName returns the S3 object name of key (the prefix plus the key).
func (s *S3) ObjectName(key string) string { return s.prefix + key }

// check makes one request that needs a reachable endpoint, working
// credentials, the bucket and the right to list it.
func (s *S3) check(ctx context.Context) error {
	limit := 2 * s.cfg.ResponseTimeout
	if limit > 20*time.Second {
		limit = 20 * time.Second // a hung server must not hold up the start for long
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var err error
	for obj := range s.client.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: s.prefix, MaxKeys: 1, Recursive: true}) {
		err = obj.Err
		break
	}
	if err == nil {
		return nil
	}
	return fmt.Errorf("s3 store %s at %s: %w", s.Location(), s.endpoint, classifyOpenError(s.cfg.Bucket, err))
}

// classifyOpenError names the one thing that is wrong, with a hint.
func classifyOpenError(bucket string, err error) error {
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		switch er.Code {
		case "InvalidAccessKeyId":
			return fmt.Errorf("%w: the server does not know access key AWS_ACCESS_KEY_ID (%s)", ErrBadCredentials, er.Message)
		case "SignatureDoesNotMatch":
			return fmt.Errorf("%w: AWS_SECRET_ACCESS_KEY does not match the access key (%s)", ErrBadCredentials, er.Message)
		case "ExpiredToken", "InvalidToken", "InvalidTokenId":
			return fmt.Errorf("%w: AWS_SESSION_TOKEN is expired or invalid (%s)", ErrBadCredentials, er.Message)
		case "NoSuchBucket":
			return fmt.Errorf("%w: %q (create it first; enable object lock for write-once copies)", ErrNoBucket, bucket)
		case "AccessDenied":
			return fmt.Errorf("%w: the credentials may not list bucket %q", ErrAccessDenied, bucket)
		}
		if notReady(er) {
			return fmt.Errorf("%w: the server is starting or overloaded, try again (%s: %s)", ErrUnreachable, er.Code, er.Message)
		}
		return fmt.Errorf("server refused: %s: %s", er.Code, er.Message)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: no answer in time: %v", ErrUnreachable, err)
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) {
		return fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	return err
}

// Put implements Store.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (ObjectInfo, error) {
	if err := CheckKey(key); err != nil {
		return ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, err
	}
	src, err := s.prepare(ctx, r, size)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	defer src.close()
	if opts.SHA256 != "" && !strings.EqualFold(opts.SHA256, src.sha256) {
		return ObjectInfo{}, fmt.Errorf("put %s: content has sha256 %s, expected %s: %w", key, src.sha256, opts.SHA256, ErrChecksum)
	}
	info, err := s.upload(ctx, key, src, src.sha256, opts)
	if err != nil {
		return ObjectInfo{}, err
	}
	src.consumed()
	return info, nil
}

// upload sends src as key, claiming claimedSHA256 (hex) as its digest, both
// to the server's checksum verification and in metadata.
func (s *S3) upload(ctx context.Context, key string, src *prepared, claimedSHA256 string, opts PutOptions) (ObjectInfo, error) {
	digest, err := hex.DecodeString(claimedSHA256)
	if err != nil || len(digest) != sha256.Size {
		return ObjectInfo{}, fmt.Errorf("put %s: bad sha256 %q", key, claimedSHA256)
	}
	po := minio.PutObjectOptions{
		ContentType:  opts.ContentType,
		UserMetadata: map[string]string{s3MetaSHA256: strings.ToLower(claimedSHA256)},
		PartSize:     s.cfg.PartSize,
	}
	if src.size <= s.cfg.MultipartThreshold {
		// One PUT whose whole-object SHA-256 the server checks. The payload
		// itself need not be signed: the signed checksum header binds it.
		po.DisableMultipart = true
		po.DisableContentSha256 = true
		po.UserMetadata["x-amz-checksum-sha256"] = base64.StdEncoding.EncodeToString(digest)
	} else {
		// S3 has no whole-object SHA-256 for multipart uploads: every part is
		// checked against its own SHA-256 instead.
		po.Checksum = minio.ChecksumSHA256
	}
	if opts.IfNotExists {
		po.SetMatchETagExcept("*") // If-None-Match: *, checked by the server atomically
	}
	if !opts.RetainUntil.IsZero() {
		po.RetainUntilDate = opts.RetainUntil
		po.Mode = minio.Governance
		if opts.RetentionMode == RetentionCompliance {
			po.Mode = minio.Compliance
		}
	}
	if opts.LegalHold {
		po.LegalHold = minio.LegalHoldEnabled
	}
	up, err := s.client.PutObject(ctx, s.cfg.Bucket, s.prefix+key, src.reader(), src.size, po)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("put %s: %w", key, s.mapError(err, opts.IfNotExists))
	}
	mod := up.LastModified
	if mod.IsZero() {
		mod = time.Now()
	}
	return ObjectInfo{Key: key, Size: src.size, SHA256: strings.ToLower(claimedSHA256), ModTime: mod}, nil
}

// s3MetaSHA256 is the user metadata key (sent as X-Amz-Meta-Sha256).
const s3MetaSHA256 = "Sha256"

// mapError turns S3 error codes into the package's sentinels.
func (s *S3) mapError(err error, ifNotExists bool) error {
	var er minio.ErrorResponse
	if !errors.As(err, &er) {
		var ne net.Error
		var ue *url.Error
		if errors.As(err, &ne) || errors.As(err, &ue) {
			return fmt.Errorf("%w: %s: %v", ErrUnreachable, s.endpoint, err)
		}
		return err
	}
	switch {
	case er.Code == "NoSuchKey" || er.Code == "NotFound" && er.StatusCode == http.StatusNotFound && er.BucketName != "" && er.Key != "":
		return fmt.Errorf("%w (%s)", ErrNotExist, er.Code)
	case ifNotExists && (er.Code == "PreconditionFailed" || er.StatusCode == http.StatusPreconditionFailed):
		return ErrExists
	case er.Code == "BadDigest" || er.Code == "XAmzContentChecksumMismatch" || er.Code == "InvalidDigest" || er.Code == "XAmzContentSHA256Mismatch":
		return fmt.Errorf("%w: server refused the upload: %s: %s", ErrChecksum, er.Code, er.Message)
	case er.Code == "NoSuchBucket":
		return fmt.Errorf("%w: %q", ErrNoBucket, s.cfg.Bucket)
	case er.Code == "InvalidAccessKeyId" || er.Code == "SignatureDoesNotMatch" || er.Code == "ExpiredToken":
		return fmt.Errorf("%w: %s: %s", ErrBadCredentials, er.Code, er.Message)
	case notReady(er):
		return fmt.Errorf("%w: %s is starting or overloaded, try again (%s: %s)", ErrUnreachable, s.endpoint, er.Code, er.Message)
	}
	return fmt.Errorf("%s: %s", er.Code, er.Message)
}

// notReady tells a server that answers but cannot serve yet (a MinIO still
// loading its drives after a restart, a gateway shedding load) from one
// that refused the request: the first is worth retrying later, so callers
// see it as ErrUnreachable, not as a fault in the request.
func notReady(er minio.ErrorResponse) bool {
	return er.StatusCode == http.StatusServiceUnavailable ||
		er.Code == "XMinioServerNotInitialized" || er.Code == "ServiceUnavailable" || er.Code == "SlowDown"
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	if err := CheckKey(key); err != nil {
		return ObjectInfo{}, err
	}
	oi, err := s.client.StatObject(ctx, s.cfg.Bucket, s.prefix+key, minio.StatObjectOptions{})
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("stat %s: %w", key, s.mapError(err, false))
	}
	return s.info(ctx, key, oi)
}

// info converts minio-go's description; an object written by another tool
// has no recorded digest, so it is computed from the content.
func (s *S3) info(ctx context.Context, key string, oi minio.ObjectInfo) (ObjectInfo, error) {
	sum := metaSHA256(oi)
	if sum == "" {
		var err error
		if sum, err = s.hashObject(ctx, key); err != nil {
			return ObjectInfo{}, err
		}
	}
	return ObjectInfo{Key: key, Size: oi.Size, SHA256: sum, ModTime: oi.LastModified}, nil
}

func metaSHA256(oi minio.ObjectInfo) string {
	for _, m := range []map[string]string{oi.UserMetadata, oi.UserMetadataStripped} {
		for k, v := range m {
			if strings.EqualFold(k, s3MetaSHA256) || strings.EqualFold(k, "X-Amz-Meta-"+s3MetaSHA256) {
				return strings.ToLower(v)
			}
		}
	}
	return ""
}

func (s *S3) hashObject(ctx context.Context, key string) (string, error) {
	obj, err := s.client.GetObject(ctx, s.cfg.Bucket, s.prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", key, s.mapError(err, false))
	}
	defer obj.Close()
	h := sha256.New()
	if _, err := io.Copy(h, obj); err != nil {
		return "", fmt.Errorf("hash %s: %w", key, s.mapError(err, false))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Get implements Store.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error) {
	if err := CheckKey(key); err != nil {
		return nil, ObjectInfo{}, err
	}
	obj, err := s.client.GetObject(ctx, s.cfg.Bucket, s.prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("get %s: %w", key, s.mapError(err, false))
	}
	// Stat sends the GET: the description and the bytes come from one response.
	oi, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, ObjectInfo{}, fmt.Errorf("get %s: %w", key, s.mapError(err, false))
	}
	info, err := s.info(ctx, key, oi)
	if err != nil {
		obj.Close()
		return nil, ObjectInfo{}, fmt.Errorf("get %s: %w", key, err)
	}
	return &verifyingReader{r: obj, c: obj, h: sha256.New(), want: info.SHA256, key: key}, info, nil
}

// List implements Store. S3 lists in byte order of the names, which is key
// order; digests come from the listing's metadata (a MinIO extension) and,
// where a server does not return it, from one Stat per object.
func (s *S3) List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops minio-go's listing goroutine when fn fails
	for oi := range s.client.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: s.prefix + prefix, Recursive: true, WithMetadata: true}) {
		if oi.Err != nil {
			return fmt.Errorf("list %q: %w", prefix, s.mapError(oi.Err, false))
		}
		key := strings.TrimPrefix(oi.Key, s.prefix)
		if CheckKey(key) != nil {
			continue // not an object of ours (a folder marker, a foreign name)
		}
		info := ObjectInfo{Key: key, Size: oi.Size, SHA256: metaSHA256(oi), ModTime: oi.LastModified}
		if info.SHA256 == "" {
			var err error
			if info, err = s.Stat(ctx, key); errors.Is(err, ErrNotExist) {
				continue // removed while listing
			} else if err != nil {
				return fmt.Errorf("list %q: %w", prefix, err)
			}
		}
		if err := fn(info); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.cfg.Bucket, s.prefix+key, minio.RemoveObjectOptions{}); err != nil {
		if err := s.mapError(err, false); !errors.Is(err, ErrNotExist) {
			return fmt.Errorf("delete %s: %w", key, err)
		}
	}
	return nil
}

// AbortIncompleteUploads removes multipart uploads under the store's prefix
// that were started more than olderThan ago and never completed (a process
// killed mid-upload); they are invisible but hold space. It returns how many
// it removed.
func (s *S3) AbortIncompleteUploads(ctx context.Context, olderThan time.Duration) (int, error) {
	core := minio.Core{Client: s.client}
	n := 0
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// MinIO filters uploads only by an exact object name, not by a prefix:
	// list the bucket's uploads and keep ours.
	for u := range s.client.ListIncompleteUploads(ctx, s.cfg.Bucket, "", true) {
		if u.Err != nil {
			return n, fmt.Errorf("abort incomplete uploads in %s: %w", s.Location(), s.mapError(u.Err, false))
		}
		if !strings.HasPrefix(u.Key, s.prefix) || time.Since(u.Initiated) < olderThan {
			continue
		}
		if err := core.AbortMultipartUpload(ctx, s.cfg.Bucket, u.Key, u.UploadID); err != nil {
			if errors.Is(s.mapError(err, false), ErrNotExist) {
				continue
			}
			var er minio.ErrorResponse
			if errors.As(err, &er) && er.Code == "NoSuchUpload" {
				continue // completed or aborted meanwhile
			}
			return n, fmt.Errorf("abort upload of %s: %w", u.Key, s.mapError(err, false))
		}
		n++
	}
	return n, nil
}
