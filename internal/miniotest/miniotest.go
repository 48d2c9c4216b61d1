// Package miniotest runs a real MinIO server on a loopback port for tests
// and benchmarks of the S3 store and of the CLI on S3. The binary is built by scripts/minio.sh
// into .cache/minio/bin of the repository.
package miniotest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Credentials of the servers this package starts.
const (
	RootUser     = "sohoa-test"
	RootPassword = "sohoa-test-secret"
)

// Binary returns the MinIO binary to use: $SOHOA_MINIO_BIN, else
// .cache/minio/bin/minio in the enclosing module's root; "" if neither exists.
func Binary() string {
	if b := os.Getenv("SOHOA_MINIO_BIN"); b != "" {
		return b
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			b := filepath.Join(dir, ".cache", "minio", "bin", "minio")
			if st, err := os.Stat(b); err == nil && st.Mode().IsRegular() {
				return b
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Server is a MinIO process serving one data folder.
type Server struct {
	// Endpoint is http://127.0.0.1:PORT.
	Endpoint string
	bin, dir string
	port     int
	console  int
	cmd      *exec.Cmd
	exited   chan struct{}
	logPath  string
}

// Start runs bin serving dir on free loopback ports and waits until it is
// ready (its cluster health endpoint answers), at most 60 s.
func Start(ctx context.Context, bin, dir string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	console, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, dir: dir, port: port, console: console,
		Endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		logPath:  filepath.Join(dir, ".minio.log")}
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) start(ctx context.Context) error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return err
	}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(s.bin, "server", s.dir,
		"--address", "127.0.0.1:"+strconv.Itoa(s.port),
		"--console-address", "127.0.0.1:"+strconv.Itoa(s.console), "--quiet")
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+RootUser, "MINIO_ROOT_PASSWORD="+RootPassword,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	cmd.Stdout, cmd.Stderr = logf, logf
	// Die with the test process, whatever way it ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start minio: %w", err)
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	go func() { cmd.Wait(); close(s.exited) }()
	return s.waitReady(ctx, 60*time.Second)
}

func (s *Server) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: time.Second}
	for {
		// Not /minio/health/live: after a restart on existing data it says
		// 200 while S3 requests still get XMinioServerNotInitialized. The
		// cluster check waits for the object layer, bucket metadata and IAM.
		resp, err := client.Get(s.Endpoint + "/minio/health/cluster")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			log, _ := os.ReadFile(s.logPath)
			return fmt.Errorf("minio exited before it was ready: %s", tail(log, 2000))
		case <-ctx.Done():
			s.Stop()
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("minio not ready after %s", limit)
		}
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// Stop kills the server (as a crash or a power cut would) and waits for it.
func (s *Server) Stop() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	select {
	case <-s.exited:
		return nil
	default:
	}
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop minio: %w", err)
	}
	<-s.exited
	return nil
}

// Pause freezes the server (SIGSTOP): connections are accepted by the
// kernel but never answered, as with a hung server.
func (s *Server) Pause() error { return s.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume undoes Pause.
func (s *Server) Resume() error { return s.cmd.Process.Signal(syscall.SIGCONT) }

// Restart starts the server again on the same folder and port.
func (s *Server) Restart(ctx context.Context) error {
	if err := s.Stop(); err != nil {
		return err
	}
	return s.start(ctx)
}

// Require starts a server for the test in a temporary folder and stops it
// when the test ends. Without a binary it skips the test, except under
// CI=true, where a missing server is a failure.
func Require(tb testing.TB) *Server {
	tb.Helper()
	bin := Binary()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("CI=true and no MinIO binary: run scripts/minio.sh or set SOHOA_MINIO_BIN")
		}
		tb.Skip("no MinIO binary: run scripts/minio.sh or set SOHOA_MINIO_BIN")
	}
	s, err := Start(context.Background(), bin, tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Stop() })
	return s
}

// Client returns a minio-go client with the root credentials.
func (s *Server) Client() (*minio.Client, error) {
	u, err := url.Parse(s.Endpoint)
	if err != nil {
		return nil, err
	}
	return minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(RootUser, RootPassword, ""), Secure: u.Scheme == "https"})
}

// MakeBucket creates bucket, with object lock if asked (it can only be
// enabled at creation).
func (s *Server) MakeBucket(ctx context.Context, bucket string, objectLock bool) error {
	c, err := s.Client()
	if err != nil {
		return err
	}
	if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{ObjectLocking: objectLock}); err != nil {
		return fmt.Errorf("make bucket %s: %w", bucket, err)
	}
	return nil
}

// Env is the environment that points sohoa's s3:// stores at the server
// with the root credentials (KEY=VALUE pairs, for exec.Cmd.Env).
func (s *Server) Env() []string {
	return []string{"SOHOA_S3_ENDPOINT=" + s.Endpoint, "AWS_ACCESS_KEY_ID=" + RootUser,
		"AWS_SECRET_ACCESS_KEY=" + RootPassword, "AWS_REGION=", "AWS_DEFAULT_REGION=", "AWS_SESSION_TOKEN="}
}
