package ocr

/*
#cgo LDFLAGS: -lgomp
extern int omp_get_thread_limit(void);
*/
import "C"

import (
	"fmt"
	"os"
	"syscall"
)

// ThreadLimitEnv is the environment variable that caps the OpenMP threads
// Tesseract starts. One thread per engine, one engine per core, is about
// four times faster than letting each engine spread over all cores.
const ThreadLimitEnv = "OMP_THREAD_LIMIT"

// OpenMPThreadLimit returns the thread limit the OpenMP runtime linked into
// Tesseract actually uses (math.MaxInt32 when unlimited).
//
// The runtime (libgomp) reads OMP_THREAD_LIMIT once, in a shared-library
// constructor that runs before Go's main, so os.Setenv has no effect on it:
// the variable must be in the environment the process was started with.
// See ReexecWithThreadLimit.
func OpenMPThreadLimit() int {
	return int(C.omp_get_thread_limit())
}

// ReexecWithThreadLimit makes sure Tesseract runs single-threaded. When the
// OpenMP thread limit is already 1 it returns nil at once. Otherwise it
// replaces the running process with a fresh copy of the same executable
// (/proc/self/exe, same arguments) whose environment has
// OMP_THREAD_LIMIT=1; on success it does not return.
//
// Call it first thing in main (and in TestMain), before any work starts:
// the exec discards everything the process did so far. If the variable is
// set to something other than 1, the caller's choice is respected and
// nothing happens. Scripts and service units can set the variable
// themselves instead.
func ReexecWithThreadLimit() error {
	if OpenMPThreadLimit() == 1 {
		return nil
	}
	if _, set := os.LookupEnv(ThreadLimitEnv); set {
		return nil
	}
	env := append(os.Environ(), ThreadLimitEnv+"=1")
	if err := syscall.Exec("/proc/self/exe", os.Args, env); err != nil {
		return fmt.Errorf("re-exec with %s=1: %w", ThreadLimitEnv, err)
	}
	return nil // unreachable: Exec only returns on error
}
