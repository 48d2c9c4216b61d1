package storage_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/sohoa/sohoa/storage"
)

// Open an S3 bucket: the endpoint and credentials come from
// SOHOA_S3_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; a wrong
// secret, a missing bucket or a stopped server is reported here, once.
func ExampleOpen_s3() {
	ctx := context.Background()
	s, err := storage.Open(ctx, "s3://archive/hcm-district-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	// Signed copies are write-once: a second write fails with ErrExists.
	_, err = s.Put(ctx, "signed/HS-0001.pdf", strings.NewReader("%PDF-1.7 ..."), -1,
		storage.PutOptions{IfNotExists: true, ContentType: "application/pdf"})
	fmt.Println(err)
}
