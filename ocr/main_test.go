package ocr

import (
	"fmt"
	"os"
	"testing"
)

// TestMain runs the tests with Tesseract single-threaded, as production
// does, so that timings in benchmarks mean something.
func TestMain(m *testing.M) {
	if err := ReexecWithThreadLimit(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
