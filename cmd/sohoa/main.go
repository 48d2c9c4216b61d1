// Command sohoa digitizes paper results of Vietnamese administrative
// procedures into searchable, archivable electronic copies.
//
// This file only dispatches to one file per command; logic lives in the
// packages. Only main turns errors into exit codes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pipeline"
)

// Exit codes (listed by `sohoa --help`).
const (
	exitOK       = 0
	exitFailures = 1 // the run finished but some documents failed
	exitUsage    = 2 // wrong flags or arguments
	exitFatal    = 3 // nothing could be done: store unusable, OCR missing, …
	exitSignal   = 130
)

const usage = `sohoa turns scanned paper documents into searchable PDF/A copies, signs them
(PAdES) and verifies them years later.

Usage:
  sohoa digitize [--batch NAME] [--store URL] [--workers N] [--pdfa 2u|3u] [--register FILE.csv]
                 [--folder-is-document] [--json] INPUT...
  sohoa batch list [--store URL] [--json]
  sohoa batch show NAME [--store URL] [--json]
  sohoa review BATCH --export FILE.csv | --import FILE.csv [--user NAME]
  sohoa export BATCH --format eark DIR
  sohoa sign BATCH (--p12 FILE | --pkcs11-module PATH --token-label L --key-label K)
             [--level B-B|B-T|B-LT|B-LTA] [--tsa URL] [--stamp "SAO Y"] [--approve]
  sohoa search [--number N] [--notation X] [--organ O] [--type T] [--from D] [--to D]
               [--signer S] [--status S] [--batch B] [--json] [WORDS...]
  sohoa index rebuild [--store URL]
  sohoa get [--store URL] KEY -o FILE
  sohoa verify [--store URL] [--trust roots.pem] [--online] [--strict] [--lang vi|en] [--json] [--html FILE] (PDF|KEY... | --batch NAME)
  sohoa version

Stores: a folder path, file:///abs/path (default ./sohoa-data, or $SOHOA_STORE), or
s3://bucket/prefix (endpoint SOHOA_S3_ENDPOINT, credentials AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY).

Exit status:
  0  everything succeeded
  1  the run finished, but some documents failed (each is named with its reason);
     for verify: a document did not verify (or, with --strict, had warnings)
  2  usage error
  3  nothing could be done (store unusable, OCR engine missing, key refused, …)
  130 interrupted; run the same command again to finish the batch

Run 'sohoa COMMAND --help' for a command's flags.
`

// usageError marks errors in the user's command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// errFailures reports that a command completed with failed items, which it
// has already described.
var errFailures = errors.New("some documents failed")

type command func(ctx context.Context, args []string, stdout, stderr io.Writer) error

var commands = map[string]command{
	"digitize": runDigitize,
	"batch":    runBatch,
	"get":      runGet,
	"review":   runReview,
	"export":   runExport,
	"sign":     runSign,
	"search":   runSearch,
	"index":    runIndex,
	"verify":   runVerify,
	"version": func(_ context.Context, _ []string, stdout, _ io.Writer) error {
		fmt.Fprintln(stdout, pipeline.ToolName())
		return nil
	},
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "digitize" {
		// OpenMP reads its thread limit once, when the process starts:
		// one single-threaded Tesseract per worker is several times faster
		// than Tesseract's own threading, so restart with the limit set.
		if err := ocr.ReexecWithThreadLimit(); err != nil {
			fmt.Fprintf(os.Stderr, "sohoa: warning: could not limit OCR threads (set OMP_THREAD_LIMIT=1 MALLOC_ARENA_MAX=2): %v\n", err)
		}
		// Page images are large, pointer-free and short-lived: collecting
		// at 25 % heap growth costs about 1 % CPU (the Go runtime's own
		// count) and keeps down the Go heap, the larger part of peak
		// memory (BENCHMARKS.md).
		if _, set := os.LookupEnv("GOGC"); !set {
			debug.SetGCPercent(25)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "sohoa: unknown command %q\nRun 'sohoa --help' for usage.\n", args[0])
		return exitUsage
	}
	err := cmd(ctx, args[1:], stdout, stderr)
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "sohoa %s: %v\nRun 'sohoa %s --help' for usage.\n", args[0], err, args[0])
		return exitUsage
	case errors.Is(err, errFailures):
		return exitFailures
	case errors.Is(err, pipeline.ErrInterrupted):
		fmt.Fprintf(stderr, "sohoa %s: %v\n", args[0], err)
		return exitSignal
	default:
		fmt.Fprintf(stderr, "sohoa %s: %v\n", args[0], err)
		return exitFatal
	}
}

// newFlagSet makes a flag set whose errors come back as usage errors and
// whose --help prints to stdout.
func newFlagSet(name, synopsis string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: %s\n\nFlags:\n", synopsis)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// (`sohoa digitize scans/ --json`), and maps errors to usage errors.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.Usage()
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func defaultStore() string { return os.Getenv("SOHOA_STORE") }
