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

// ArenaLimitEnv caps glibc's malloc arenas. Tesseract allocates from every
// worker thread, and with glibc's default (8 arenas per core) freed memory
// stays spread over many arenas: peak RSS grew from 520 MB on 40 pages to
// 700 MB on 400. Two arenas, with free pages returned to the kernel after
// each recognition (releaseCMemory), keep the C heap of two engines at
// 110-130 MB on average (peaks 155-190 MB) on 60 as on 404 pages
// (BENCHMARKS.md).
const ArenaLimitEnv = "MALLOC_ARENA_MAX"

// ReexecWithThreadLimit makes sure Tesseract runs single-threaded and that
// the C allocator keeps few arenas. Both are read once when the process
// starts (libgomp in a shared-library constructor before Go's main, glibc
// at its first allocation), so os.Setenv has no effect: when either
// OMP_THREAD_LIMIT=1 or MALLOC_ARENA_MAX is missing from the environment,
// it replaces the running process with a fresh copy of the same executable
// (/proc/self/exe, same arguments) with them added; on success it does not
// return.
//
// Call it first thing in main (and in TestMain), before any work starts:
// the exec discards everything the process did so far. A value the caller
// set for either variable is respected. Scripts and service units can set
// the variables themselves instead.
func ReexecWithThreadLimit() error {
	var add []string
	if _, set := os.LookupEnv(ThreadLimitEnv); !set && OpenMPThreadLimit() != 1 {
		add = append(add, ThreadLimitEnv+"=1")
	}
	if _, set := os.LookupEnv(ArenaLimitEnv); !set {
		add = append(add, ArenaLimitEnv+"=2")
	}
	if len(add) == 0 {
		return nil
	}
	env := append(os.Environ(), add...)
	if err := syscall.Exec("/proc/self/exe", os.Args, env); err != nil {
		return fmt.Errorf("re-exec with %v: %w", add, err)
	}
	return nil // unreachable: Exec only returns on error
}
