package storage

import (
	"errors"
	"net/http"
	"testing"

	"github.com/minio/minio-go/v7"
)

// A server that answers "not ready" (MinIO loading its drives after a
// restart, a gateway shedding load) must read as unreachable-for-now, not
// as a refusal that would make an operator change credentials or buckets.
func TestNotReadyServerIsUnreachable(t *testing.T) {
	s := &S3{endpoint: "http://127.0.0.1:9", cfg: S3Config{Bucket: "bkt"}}
	for _, er := range []minio.ErrorResponse{
		{Code: "XMinioServerNotInitialized", Message: "Server not initialized yet, please try again.", StatusCode: http.StatusServiceUnavailable},
		{Code: "SlowDown", Message: "Please reduce your request rate", StatusCode: http.StatusServiceUnavailable},
		{Code: "ServiceUnavailable", StatusCode: http.StatusServiceUnavailable},
	} {
		if err := classifyOpenError("bkt", er); !errors.Is(err, ErrUnreachable) {
			t.Errorf("open, %s: %v, want ErrUnreachable", er.Code, err)
		}
		if err := s.mapError(er, false); !errors.Is(err, ErrUnreachable) {
			t.Errorf("request, %s: %v, want ErrUnreachable", er.Code, err)
		}
	}
	refused := minio.ErrorResponse{Code: "AccessDenied", Message: "Access Denied.", StatusCode: http.StatusForbidden}
	if err := s.mapError(refused, false); errors.Is(err, ErrUnreachable) {
		t.Errorf("AccessDenied classed as unreachable: %v", err)
	}
}
