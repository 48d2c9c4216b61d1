package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/sohoa/sohoa/internal/miniotest"
	"github.com/sohoa/sohoa/internal/oracles"
	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/signer/signertest"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/index"
)

// The S3 end-to-end tests run the real binary against a real MinIO on
// loopback (internal/miniotest; scripts/minio.sh builds it): SIGKILLed
// runs, a server that stops mid-batch, bad credentials, a missing bucket
// and object-lock retention of signed copies.

// s3Bench is one MinIO, one bucket and the environment that points sohoa
// at it.
type s3Bench struct {
	srv    *miniotest.Server
	admin  *minio.Client
	bucket string
	env    []string
}

func newS3Bench(t *testing.T, objectLock bool) *s3Bench {
	t.Helper()
	srv := miniotest.Require(t)
	admin, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	b := &s3Bench{srv: srv, admin: admin, bucket: "sohoa-e2e", env: srv.Env()}
	if err := srv.MakeBucket(context.Background(), b.bucket, objectLock); err != nil {
		t.Fatal(err)
	}
	return b
}

// store is the --store URL of prefix in the bench's bucket.
func (b *s3Bench) store(prefix string) string { return "s3://" + b.bucket + "/" + prefix }

// sohoaWith runs sohoa with env added to the test's environment.
func sohoaWith(t *testing.T, env []string, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(sohoaBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return runResult{ee.ExitCode(), out.String(), errb.String()}
	case err != nil:
		t.Fatalf("run sohoa %v: %v", args, err)
	}
	return runResult{0, out.String(), errb.String()}
}

// killAt starts sohoa and SIGKILLs it after delay; it reports whether the
// kill landed (false: the run had finished by itself).
func killAt(t *testing.T, env []string, delay time.Duration, args ...string) bool {
	t.Helper()
	cmd := exec.Command(sohoaBin, args...)
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return false
	case <-time.After(delay):
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		return true
	}
}

// killSeed is SOHOA_KILL_SEED when set (to replay a failure), else the clock.
func killSeed(t *testing.T) uint64 {
	if s := os.Getenv("SOHOA_KILL_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SOHOA_KILL_SEED: %v", err)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

// cleanPairs is a small batch of clean single-page documents.
func cleanPairs(n int) [][2]string {
	forms := []string{"jpeg", "png", "tiff"}
	var pairs [][2]string
	for i := 0; i < n; i++ {
		pairs = append(pairs, [2]string{"clean", forms[i%len(forms)]})
	}
	return pairs
}

// signKit is a PKCS#12 signer of the test PKI (TSA and OCSP on loopback)
// and the sign arguments that use it.
type signKit struct {
	args []string // after "sign BATCH --store URL"
	env  []string
}

func newSignKit(t *testing.T, dir string) signKit {
	t.Helper()
	pki := signertest.Start(t)
	key := pki.MustSigner(t, signertest.RSA2048)
	p12, err := key.PKCS12("pin-e2e")
	if err != nil {
		t.Fatal(err)
	}
	p12Path, rootPath := filepath.Join(dir, "signer.p12"), filepath.Join(dir, "root.pem")
	if err := os.WriteFile(p12Path, p12, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rootPath, pki.RootPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	return signKit{
		args: []string{"--p12", p12Path, "--tsa", pki.URL + "/tsa", "--roots", rootPath, "--stamp", "SAO Y", "--approve", "--include-flagged", "--json"},
		env:  []string{"SOHOA_PIN=pin-e2e"},
	}
}

// TestS3KilledRunsResume SIGKILLs `sohoa digitize` and `sohoa sign` on an S3
// store at random moments of their runs, re-runs each to completion after
// every series of kills and checks the store: every document once, every
// object's digest right in metadata and content, nothing stray, no upload
// left incomplete, every signed copy signed once, the manifest in step with
// the records.
func TestS3KilledRunsResume(t *testing.T) {
	if _, err := exec.LookPath("pdfsig"); err != nil {
		t.Fatal("pdfsig (poppler-utils) is required: run make test-deps")
	}
	const (
		digitizeKills    = 6
		signKills        = 4
		killsPerDigitize = 3 // per series, before the run to completion
		killsPerSign     = 2
	)
	b := newS3Bench(t, false)
	dir := t.TempDir()
	docs := makeBatch(t, dir, 7000, cleanPairs(4))
	scans := filepath.Join(dir, "scans")
	kit := newSignKit(t, dir)
	env := append(append([]string{}, b.env...), kit.env...)
	seed := killSeed(t)
	rng := rand.New(rand.NewPCG(seed, 11))
	t.Logf("kill seed %d (replay with SOHOA_KILL_SEED=%d)", seed, seed)

	digitizeArgs := func(prefix string) []string {
		return []string{"digitize", "--store", b.store(prefix), "--workers", "2", scans}
	}
	signArgs := func(prefix string) []string {
		return append([]string{"sign", "scans", "--store", b.store(prefix)}, kit.args...)
	}

	// The length of an undisturbed run sets the range of the kill moments.
	start := time.Now()
	if r := sohoaWith(t, env, digitizeArgs("measure")...); r.code != 0 {
		t.Fatalf("digitize: exit %d\n%s", r.code, r.stderr)
	}
	digitizeTime := time.Since(start)
	checkS3Batch(t, b, "measure", docs, false)
	// Signing needs a digitized batch each time: server-side copies of
	// this one (keys are relative to the store's prefix) cost far less
	// than digitizing again.
	signCopy := 0
	freshSignPrefix := func() string {
		signCopy++
		prefix := fmt.Sprintf("sign-%d", signCopy)
		copyPrefix(t, b, "measure", prefix, "")
		return prefix
	}
	var signTime time.Duration
	const signMeasures = 2 // the first run of a process tree is slower
	for i := 0; i < signMeasures; i++ {
		prefix := freshSignPrefix()
		start = time.Now()
		if r := sohoaWith(t, env, signArgs(prefix)...); r.code != 0 {
			t.Fatalf("sign: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		signTime += time.Since(start) / signMeasures
		checkS3Batch(t, b, prefix, docs, true)
	}
	t.Logf("undisturbed runs: digitize %v, sign %v (%d documents)", digitizeTime.Round(time.Millisecond), signTime.Round(time.Millisecond), len(docs))

	// moment draws a kill moment in the first 90 % of a run of length d.
	moment := func(d time.Duration) time.Duration {
		return time.Duration(float64(d) * (0.02 + 0.88*rng.Float64()))
	}
	// killSeries kills runs of args at random moments until one finishes
	// by itself or perSeries kills landed, then runs it to completion.
	landed := map[string]int{}
	killSeries := func(what, prefix string, args []string, length time.Duration, perSeries int) {
		for k := 0; k < perSeries; k++ {
			delay := moment(length)
			if !killAt(t, env, delay, args...) {
				t.Logf("%s: %s finished before the kill at %v", prefix, what, delay.Round(time.Millisecond))
				break
			}
			landed[what]++
			t.Logf("%s: %s killed at %v", prefix, what, delay.Round(time.Millisecond))
		}
		if r := sohoaWith(t, env, args...); r.code != 0 {
			t.Fatalf("%s: %s to completion: exit %d\n%s%s", prefix, what, r.code, r.stdout, r.stderr)
		}
	}

	for series := 0; landed["digitize"] < digitizeKills; series++ {
		if series >= 2*digitizeKills {
			t.Fatalf("only %d of %d digitize kills landed", landed["digitize"], digitizeKills)
		}
		prefix := fmt.Sprintf("digitize-%d", series)
		killSeries("digitize", prefix, digitizeArgs(prefix), digitizeTime, min(killsPerDigitize, digitizeKills-landed["digitize"]))
		checkS3Batch(t, b, prefix, docs, false)
	}
	for series := 0; landed["sign"] < signKills; series++ {
		if series >= 3*signKills {
			t.Fatalf("only %d of %d sign kills landed", landed["sign"], signKills)
		}
		prefix := freshSignPrefix()
		killSeries("sign", prefix, signArgs(prefix), signTime, min(killsPerSign, signKills-landed["sign"]))
		checkS3Batch(t, b, prefix, docs, true)
	}

	// The one moment random kills rarely hit: after the last record is
	// committed, before the manifest and the index are brought up to date.
	// That state is the digitized batch overlaid with the signed one's
	// documents and approvals; the next run must bring the manifest and the
	// index up to date although it has nothing left to sign.
	t.Run("killed before the manifest and the index", func(t *testing.T) {
		signedPrefix := freshSignPrefix()
		if r := sohoaWith(t, env, signArgs(signedPrefix)...); r.code != 0 {
			t.Fatalf("sign: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		prefix := freshSignPrefix()
		copyPrefix(t, b, signedPrefix, prefix, "batches/scans/docs/")
		copyPrefix(t, b, signedPrefix, prefix, "batches/scans/approvals/")
		if r := sohoaWith(t, env, signArgs(prefix)...); r.code != 0 || !strings.Contains(r.stderr, "Nothing to sign") {
			t.Fatalf("sign again: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		checkS3Batch(t, b, prefix, docs, true)
	})
}

// copyPrefix copies every object under from/under to to/under in the
// bucket, on the server, metadata included.
func copyPrefix(t *testing.T, b *s3Bench, from, to, under string) {
	t.Helper()
	ctx := context.Background()
	for oi := range b.admin.ListObjects(ctx, b.bucket, minio.ListObjectsOptions{Prefix: from + "/" + under, Recursive: true}) {
		if oi.Err != nil {
			t.Fatal(oi.Err)
		}
		dst := minio.CopyDestOptions{Bucket: b.bucket, Object: to + "/" + strings.TrimPrefix(oi.Key, from+"/")}
		if _, err := b.admin.CopyObject(ctx, dst, minio.CopySrcOptions{Bucket: b.bucket, Object: oi.Key}); err != nil {
			t.Fatalf("copy %s: %v", oi.Key, err)
		}
	}
}

// checkS3Batch checks the batch "scans" under prefix against docs, by the
// CLI's view and by the bucket itself.
func checkS3Batch(t *testing.T, b *s3Bench, prefix string, docs []generated, signed bool) {
	t.Helper()
	ctx := context.Background()
	r := sohoaWith(t, b.env, "batch", "show", "scans", "--store", b.store(prefix), "--json")
	if r.code != 0 {
		t.Fatalf("%s: batch show: exit %d\n%s", prefix, r.code, r.stderr)
	}
	var show batchView
	if err := json.Unmarshal([]byte(r.stdout), &show); err != nil {
		t.Fatalf("%s: batch show: %v", prefix, err)
	}

	// Every document exactly once, with the state the run should leave.
	seen := map[string]int{}
	for _, d := range show.Documents {
		seen[d.Name]++
	}
	for _, d := range docs {
		if seen[d.name] != 1 {
			t.Errorf("%s: %s recorded %d times, want once", prefix, d.name, seen[d.name])
		}
	}
	if len(show.Documents) != len(docs) {
		t.Errorf("%s: %d documents recorded, want %d", prefix, len(show.Documents), len(docs))
	}

	// allowed maps every key a record or manifest names to its digest.
	allowed := map[string]string{pipeline.ManifestKey("scans"): "", indexStateKey: ""}
	approvalsNamed := map[string]bool{}
	for _, d := range show.Documents {
		allowed[pipeline.RecordKey("scans", d.DocID)] = ""
		switch {
		case signed && d.Status != metadata.StatusSigned:
			t.Errorf("%s: %s: status %s after signing (%s)", prefix, d.Name, d.Status, d.Error)
		case !signed && d.Status != metadata.StatusDigitized && d.Status != metadata.StatusNeedsReview:
			t.Errorf("%s: %s: status %s (%s)", prefix, d.Name, d.Status, d.Error)
		}
		roles := map[string]int{}
		for _, o := range d.Objects {
			roles[o.Role]++
			if old, dup := allowed[o.Key]; dup && old != o.SHA256 {
				t.Errorf("%s: %s named twice with different digests", prefix, o.Key)
			}
			allowed[o.Key] = o.SHA256
		}
		if roles["pdf"] != 1 || roles["metadata"] != 1 || roles["original"] != 1 {
			t.Errorf("%s: %s: objects by role %v, want one original, pdf and metadata", prefix, d.Name, roles)
		}
		signs := 0
		for _, e := range d.Events {
			if e.Action == "sign" {
				signs++
				if i := strings.LastIndex(e.Detail, "approval "); i >= 0 {
					approvalsNamed[e.Detail[i+len("approval "):]] = true
				}
			}
		}
		want := 0
		if signed {
			want = 1
		}
		if roles["signed"] != want || signs != want {
			t.Errorf("%s: %s: %d signed copies and %d sign events, want %d", prefix, d.Name, roles["signed"], signs, want)
		}
	}

	// The bucket: every object named (approvals and review logs aside),
	// its metadata digest and a fresh download both matching the record.
	objPrefix := prefix + "/"
	listed := map[string]bool{}
	for oi := range b.admin.ListObjects(ctx, b.bucket, minio.ListObjectsOptions{Prefix: objPrefix, Recursive: true}) {
		if oi.Err != nil {
			t.Fatalf("%s: list bucket: %v", prefix, oi.Err)
		}
		key := strings.TrimPrefix(oi.Key, objPrefix)
		listed[key] = true
		want, named := allowed[key]
		switch {
		case strings.HasPrefix(key, "batches/scans/approvals/"):
			if !approvalsNamed[strings.TrimPrefix(key, "batches/scans/approvals/")] {
				// An approval recorded by a run killed before it signed
				// anything: legitimate history, but it must be whole.
				t.Logf("%s: approval %s names no signature (a killed run's)", prefix, key)
			}
		case strings.Contains(key, "/review/"), strings.HasPrefix(key, index.SegmentPrefix):
		case !named:
			t.Errorf("%s: stray object %s, named by no record or manifest", prefix, key)
			continue
		}
		content, metaSum := fetchObject(t, b, oi.Key)
		sum := sha256.Sum256(content)
		got := hex.EncodeToString(sum[:])
		if metaSum != got {
			t.Errorf("%s: %s: content sha256 %s, user metadata says %q", prefix, key, got, metaSum)
		}
		if want != "" && got != want {
			t.Errorf("%s: %s: sha256 %s, record says %s", prefix, key, got, want)
		}
		if strings.HasSuffix(key, "/signed.pdf") {
			checkSignedOnce(t, prefix+": "+key, content)
		}
		if strings.HasPrefix(key, "batches/scans/approvals/") {
			var a pipeline.Approval
			if err := json.Unmarshal(content, &a); err != nil || a.Batch != "scans" || len(a.Documents) == 0 {
				t.Errorf("%s: approval %s unreadable or empty: %v", prefix, key, err)
			}
		}
	}
	for key := range allowed {
		if !listed[key] {
			t.Errorf("%s: %s is named but not in the bucket", prefix, key)
		}
	}
	for name := range approvalsNamed {
		if !listed["batches/scans/approvals/"+name] {
			t.Errorf("%s: sign event names approval %s, which is not in the bucket", prefix, name)
		}
	}

	// No multipart upload left behind.
	for u := range b.admin.ListIncompleteUploads(ctx, b.bucket, objPrefix, true) {
		if u.Err != nil {
			t.Fatalf("%s: list incomplete uploads: %v", prefix, u.Err)
		}
		t.Errorf("%s: incomplete multipart upload of %s left behind", prefix, u.Key)
	}

	// The manifest agrees with the records.
	raw, _ := fetchObject(t, b, objPrefix+pipeline.ManifestKey("scans"))
	var m pipeline.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: manifest: %v", prefix, err)
	}
	if len(m.Documents) != len(show.Documents) {
		t.Errorf("%s: manifest lists %d documents, records %d", prefix, len(m.Documents), len(show.Documents))
	}
	byID := map[string]documentView{}
	for _, d := range show.Documents {
		byID[d.DocID] = d
	}
	counts := map[string]int{}
	for _, e := range m.Documents {
		d, ok := byID[e.DocID]
		counts[e.Status]++
		if !ok {
			t.Errorf("%s: manifest lists %s (%s), which has no record", prefix, e.DocID, e.Name)
			continue
		}
		if e.Name != d.Name || e.Status != d.Status || !sameObjects(e.Objects, d.Objects) {
			t.Errorf("%s: manifest entry of %s disagrees with its record:\n%+v\nvs %s %v", prefix, d.Name, e, d.Status, d.Objects)
		}
	}
	for s, n := range show.Counts {
		if m.Counts[s] != n || counts[s] != n {
			t.Errorf("%s: manifest counts %v, records %v", prefix, m.Counts, show.Counts)
			break
		}
	}
	checkS3Index(t, b, prefix, show)
}

// indexStateKey is where the pipeline notes which record versions of the
// batch the search index holds.
const indexStateKey = "batches/scans/index-state.json"

// checkS3Index checks that the search index agrees with the records: it
// holds every document once, with the record's status and objects, and its
// state names the current version of every record.
func checkS3Index(t *testing.T, b *s3Bench, prefix string, show batchView) {
	t.Helper()
	ctx := context.Background()
	st, err := storage.NewS3(ctx, storage.S3Config{Endpoint: b.srv.Endpoint, Bucket: b.bucket, Prefix: prefix,
		AccessKeyID: miniotest.RootUser, SecretAccessKey: miniotest.RootPassword})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(ctx, st, filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatalf("%s: open index: %v", prefix, err)
	}
	defer ix.Close()
	if n, err := ix.Count(ctx); err != nil || n != len(show.Documents) {
		t.Errorf("%s: index holds %d documents (%v), records %d", prefix, n, err, len(show.Documents))
	}
	raw, _ := fetchObject(t, b, prefix+"/"+indexStateKey)
	var state struct {
		Records map[string]string `json:"records"`
	}
	if err := json.Unmarshal(raw, &state); err != nil {
		t.Fatalf("%s: %s: %v", prefix, indexStateKey, err)
	}
	for _, d := range show.Documents {
		e, err := ix.Get(ctx, "scans", d.DocID)
		if err != nil {
			t.Errorf("%s: %s not in the index: %v", prefix, d.Name, err)
			continue
		}
		same := e.Status == d.Status && len(e.Objects) == len(d.Objects)
		for i := 0; same && i < len(e.Objects); i++ {
			o := d.Objects[i]
			same = e.Objects[i] == index.Object{Role: o.Role, Key: o.Key, SHA256: o.SHA256, Size: o.Size}
		}
		if !same {
			t.Errorf("%s: index entry of %s disagrees with its record: %s %v vs %s %v", prefix, d.Name, e.Status, e.Objects, d.Status, d.Objects)
		}
		_, recordSum := fetchObject(t, b, prefix+"/"+pipeline.RecordKey("scans", d.DocID))
		if state.Records[d.DocID] != recordSum {
			t.Errorf("%s: index state has record %s of %s at %q, the store %q", prefix, d.DocID, d.Name, state.Records[d.DocID], recordSum)
		}
	}
}

func sameObjects(a, b []pipeline.Object) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// fetchObject downloads an object (by its full name in the bucket) and
// returns it with the SHA-256 in its user metadata.
func fetchObject(t *testing.T, b *s3Bench, name string) ([]byte, string) {
	t.Helper()
	ctx := context.Background()
	obj, err := b.admin.GetObject(ctx, b.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		t.Fatalf("get %s: %v", name, err)
	}
	defer obj.Close()
	content, err := io.ReadAll(obj)
	if err != nil {
		t.Fatalf("get %s: %v", name, err)
	}
	st, err := b.admin.StatObject(ctx, b.bucket, name, minio.StatObjectOptions{})
	if err != nil {
		t.Fatalf("stat %s: %v", name, err)
	}
	return content, st.UserMetadata["Sha256"]
}

// checkSignedOnce checks that a PDF carries exactly one signature, valid in
// poppler's judgement.
func checkSignedOnce(t *testing.T, what string, pdf []byte) {
	t.Helper()
	if n := bytes.Count(pdf, []byte("/ByteRange")); n != 1 {
		t.Errorf("%s: %d /ByteRange entries, want exactly one signature", what, n)
	}
	f := filepath.Join(t.TempDir(), "signed.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	report, err := oracles.PDFSig(f)
	if err != nil {
		t.Errorf("%s: pdfsig: %v\n%s", what, err, report)
		return
	}
	if n := strings.Count(report, "Signature #"); n != 1 || !strings.Contains(report, "Signature is Valid") {
		t.Errorf("%s: pdfsig finds %d signatures, want one valid:\n%s", what, n, report)
	}
}

// TestS3ServerFaults: a store that is unusable at the start is refused
// with one message before any work; a server that stops mid-batch fails
// the remaining documents, each by name, within a bounded time, and a
// re-run after the restart completes the batch.
func TestS3ServerFaults(t *testing.T) {
	b := newS3Bench(t, false)
	dir := t.TempDir()
	docs := makeBatch(t, dir, 8000, cleanPairs(6))
	scans := filepath.Join(dir, "scans")
	ctx := context.Background()

	// oneMessage checks a refusal at the start: exit 3, one line naming
	// the problem, nothing stored.
	oneMessage := func(t *testing.T, r runResult, prefix string, words ...string) {
		t.Helper()
		if r.code != exitFatal {
			t.Errorf("exit %d, want %d\n%s", r.code, exitFatal, r.stderr)
		}
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if len(lines) != 1 || !mentionsAll(lines[0], words) {
			t.Errorf("want one line saying %q, got:\n%s", words, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("a refused run printed a summary:\n%s", r.stdout)
		}
		if n := countObjects(t, b, prefix); n != 0 {
			t.Errorf("%d objects stored by a refused run", n)
		}
	}
	t.Run("wrong credentials", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			env  []string
			say  []string
		}{
			{"secret", []string{"AWS_SECRET_ACCESS_KEY=not-the-secret"}, []string{"wrong credentials", "AWS_SECRET_ACCESS_KEY"}},
			{"access key", []string{"AWS_ACCESS_KEY_ID=nobody"}, []string{"wrong credentials", "AWS_ACCESS_KEY_ID"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				start := time.Now()
				r := sohoaWith(t, append(append([]string{}, b.env...), tc.env...), "digitize", "--store", b.store("creds"), scans)
				oneMessage(t, r, "creds", tc.say...)
				t.Logf("refused in %v", time.Since(start).Round(time.Millisecond))
			})
		}
	})
	t.Run("missing bucket", func(t *testing.T) {
		r := sohoaWith(t, b.env, "digitize", "--store", "s3://no-such-bucket/p", scans)
		oneMessage(t, r, "p", "bucket does not exist", "no-such-bucket")
	})

	t.Run("stopped mid-batch", func(t *testing.T) {
		store := b.store("fault")
		cmd := exec.Command(sohoaBin, "digitize", "--store", store, "--workers", "1", "--json", scans)
		cmd.Env = append(os.Environ(), b.env...)
		var out bytes.Buffer
		var errb lockedBuffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// Stop the server once sohoa reports the first document done (a
		// record seen in the bucket may not yet be acknowledged to sohoa).
		deadline := time.Now().Add(90 * time.Second)
		for !strings.Contains(errb.String(), ": digitized") && !strings.Contains(errb.String(), ": needs_review") {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatal("no document committed in 90 s")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err := b.srv.Stop(); err != nil {
			t.Fatal(err)
		}
		stopped := time.Now()
		var runErr error
		select {
		case runErr = <-done:
		case <-time.After(3 * time.Minute):
			cmd.Process.Kill()
			t.Fatalf("digitize still running 3 minutes after the server stopped\n%s", errb.String())
		}
		tail := time.Since(stopped)
		t.Logf("digitize ended %v after the server stopped", tail.Round(time.Millisecond))
		var ee *exec.ExitError
		code := 0
		if errors.As(runErr, &ee) {
			code = ee.ExitCode()
		}
		var sum pipeline.Summary
		if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
			t.Errorf("no JSON summary (%v): exit %d\nstdout:\n%s\nstderr:\n%s", err, code, out.String(), errb.String())
		}
		if code != exitFailures {
			t.Errorf("exit %d, want %d (some documents failed)\nstderr:\n%s", code, exitFailures, errb.String())
		}
		if sum.Digitized+sum.NeedsReview == 0 || sum.Failed == 0 {
			t.Errorf("summary: %d done, %d failed; want some of each", sum.Digitized+sum.NeedsReview, sum.Failed)
		}
		for _, res := range sum.Results {
			if res.Outcome != metadata.StatusFailed {
				continue
			}
			if !strings.Contains(res.Error, strings.TrimPrefix(res.Name, "scans/")) || !strings.Contains(res.Error, "unreachable") {
				t.Errorf("error %q should name the document and say the store is unreachable", res.Error)
			}
			if !strings.Contains(errb.String(), res.Name) {
				t.Errorf("%s: failure not reported on stderr", res.Name)
			}
		}
		// Each failed document costs a few requests' bounded retries
		// (about 6 s each on this machine), not more.
		if limit := 15 * time.Second * time.Duration(sum.Failed+1); tail > limit {
			t.Errorf("took %v after the server stopped for %d failed documents (limit %v): retries are not bounded", tail, sum.Failed, limit)
		}

		if err := b.srv.Restart(ctx); err != nil {
			t.Fatal(err)
		}
		// Nothing half-visible: every object there is whole.
		checkWholeObjects(t, b, "fault")
		if r := sohoaWith(t, b.env, "digitize", "--store", store, scans); r.code != 0 {
			t.Fatalf("re-run after the restart: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		checkS3Batch(t, b, "fault", docs, false)

		// A server that is down at the start: one message, before any work.
		if err := b.srv.Stop(); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		r := sohoaWith(t, b.env, "digitize", "--store", b.store("down"), scans)
		t.Logf("unreachable store refused in %v", time.Since(start).Round(time.Millisecond))
		if r.code != exitFatal || !strings.Contains(r.stderr, "unreachable") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("server down at the start: exit %d, want %d and one line saying unreachable:\n%s", r.code, exitFatal, r.stderr)
		}
		if err := b.srv.Restart(ctx); err != nil {
			t.Fatal(err)
		}
		if n := countObjects(t, b, "down"); n != 0 {
			t.Errorf("%d objects stored by a refused run", n)
		}
	})
}

func mentionsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(strings.ToLower(s), strings.ToLower(w)) {
			return false
		}
	}
	return true
}

// countKeys counts the objects under prefix whose names end in suffix.
func countKeys(t *testing.T, b *s3Bench, prefix, suffix string) int {
	t.Helper()
	n := 0
	for oi := range b.admin.ListObjects(context.Background(), b.bucket, minio.ListObjectsOptions{Prefix: prefix + "/", Recursive: true}) {
		if oi.Err != nil {
			return 0 // the server is starting or stopping: try again
		}
		if strings.HasSuffix(oi.Key, suffix) {
			n++
		}
	}
	return n
}

func countObjects(t *testing.T, b *s3Bench, prefix string) int { return countKeys(t, b, prefix, "") }

// checkWholeObjects checks that every object under prefix is complete: its
// content hashes to the digest in its metadata.
func checkWholeObjects(t *testing.T, b *s3Bench, prefix string) {
	t.Helper()
	n := 0
	for oi := range b.admin.ListObjects(context.Background(), b.bucket, minio.ListObjectsOptions{Prefix: prefix + "/", Recursive: true}) {
		if oi.Err != nil {
			t.Fatal(oi.Err)
		}
		content, meta := fetchObject(t, b, oi.Key)
		sum := sha256.Sum256(content)
		if got := hex.EncodeToString(sum[:]); got != meta {
			t.Errorf("%s: content sha256 %s, metadata %q: a partial object is visible", oi.Key, got, meta)
		}
		n++
	}
	if n == 0 {
		t.Errorf("no object under %s: the run stored nothing before the server stopped", prefix)
	}
}

// TestS3SignedCopyRetention signs into a bucket with object lock: the signed
// copy carries the requested retention, and overwriting it is refused.
func TestS3SignedCopyRetention(t *testing.T) {
	b := newS3Bench(t, true)
	dir := t.TempDir()
	docs := makeBatch(t, dir, 9000, cleanPairs(1))
	kit := newSignKit(t, dir)
	env := append(append([]string{}, b.env...), kit.env...)
	store := b.store("locked")
	if r := sohoaWith(t, env, "digitize", "--store", store, filepath.Join(dir, "scans")); r.code != 0 {
		t.Fatalf("digitize: exit %d\n%s", r.code, r.stderr)
	}
	signedAt := time.Now()
	r := sohoaWith(t, env, append([]string{"sign", "scans", "--store", store, "--retention", "1d"}, kit.args...)...)
	if r.code != 0 {
		t.Fatalf("sign: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var sum pipeline.SignSummary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil || sum.Signed != len(docs) {
		t.Fatalf("sign summary: %v, %+v", err, sum)
	}
	ctx := context.Background()
	key := sum.Results[0].SignedKey
	name := "locked/" + key
	mode, until, err := b.admin.GetObjectRetention(ctx, b.bucket, name, "")
	if err != nil {
		t.Fatalf("retention of %s: %v", name, err)
	}
	want := signedAt.Add(24 * time.Hour)
	if mode == nil || *mode != minio.Governance || until == nil || until.Before(want.Add(-time.Minute)) || until.After(want.Add(5*time.Minute)) {
		t.Errorf("retention %v until %v, want GOVERNANCE until about %v", mode, until, want)
	}
	before, _ := fetchObject(t, b, name)

	// Through the library, as any other writer would.
	for _, kv := range b.env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	st, err := storage.Open(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	_, err = storage.PutBytes(ctx, st, key, []byte("%PDF-1.7 forged"), storage.PutOptions{IfNotExists: true, ContentType: "application/pdf"})
	if !errors.Is(err, storage.ErrExists) {
		t.Errorf("overwrite of a signed copy: %v, want ErrExists", err)
	}
	after, _ := fetchObject(t, b, name)
	if !bytes.Equal(before, after) {
		t.Error("the signed copy changed")
	}
	checkSignedOnce(t, key, after)
	// Signing again signs nothing.
	r = sohoaWith(t, env, append([]string{"sign", "scans", "--store", store, "--retention", "1d"}, kit.args...)...)
	if r.code != 0 || !strings.Contains(r.stderr, "Nothing to sign") {
		t.Errorf("second sign: exit %d\n%s", r.code, r.stderr)
	}
}

// lockedBuffer collects a subprocess's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
