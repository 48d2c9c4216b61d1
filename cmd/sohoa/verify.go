package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sohoa/sohoa/internal/fsutil"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/pipeline/audit"
	"github.com/sohoa/sohoa/signer"
	"github.com/sohoa/sohoa/storage"
)

const verifySynopsis = "sohoa verify [--store URL] [--trust roots.pem] [--online] [--strict] [--lang vi|en] [--json] [--html FILE] [--verapdf PATH] [--level B-B|B-T|B-LT|B-LTA] (PDF|KEY... | --batch NAME)"

// runVerify checks signatures, fixity and PDF/A claims for auditors.
//
// An argument that is an existing local file is verified as a file (its
// signatures and PDF/A claim); any other is a key of the store, and a key
// under a document (batches/<batch>/docs/<docId>/…) also gets the document's
// fixity checked against its record, the batch manifest, the approval and
// the search index. --batch verifies every document of a batch: its signed
// copy when it has one; a document without one is reported "not signed", a
// warning that fails only with --strict (its stored objects are still
// checked, and any damage there is a failure).
//
// Exit status: 0 when every document verifies (warnings allowed unless
// --strict), 1 when some do not, 2 for a usage error, 3 when the store or
// the trust file cannot be used.
func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("verify", verifySynopsis, stdout)
	store := fs.String("store", defaultStore(), "store `URL` (default ./sohoa-data)")
	trust := fs.String("trust", os.Getenv("SOHOA_TRUST"), "PEM `FILE` of trusted root certificates (default $SOHOA_TRUST)")
	online := fs.Bool("online", false, "ask OCSP responders and CRL servers when a document does not embed revocation data")
	strict := fs.Bool("strict", false, "count warnings (status not checkable, claimed time, not signed) as failures")
	lang := fs.String("lang", "vi", "language of the report: vi or en")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	htmlPath := fs.String("html", "", "also write the report as one HTML page to `FILE`")
	verapdf := fs.String("verapdf", os.Getenv("SOHOA_VERAPDF"), "veraPDF launcher `PATH` to validate PDF/A claims (default $SOHOA_VERAPDF)")
	levelFlag := fs.String("level", "", "PAdES level every signature must reach (default: for stored copies, the level approved)")
	batch := fs.String("batch", "", "verify every document of batch `NAME`")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if (len(rest) == 0) == (*batch == "") {
		return usagef("name PDF files or store keys, or --batch NAME (not both)")
	}
	if *lang != "vi" && *lang != "en" {
		return usagef("--lang %q: use vi or en", *lang)
	}
	opts := audit.Options{Online: *online, Strict: *strict, Lang: *lang, VeraPDF: *verapdf}
	if *levelFlag != "" {
		if opts.Level, err = signer.ParseLevel(*levelFlag); err != nil {
			return usagef("--level: %v", err)
		}
	}
	if *trust != "" {
		certs, err := readCertificates(*trust)
		if err != nil {
			return fmt.Errorf("--trust: %w", err)
		}
		opts.Roots = x509.NewCertPool()
		for _, c := range certs {
			opts.Roots.AddCert(c)
		}
	} else {
		fmt.Fprintln(stderr, "sohoa verify: warning: no trust anchors (--trust roots.pem): no signature can be shown valid")
	}

	var targets []audit.Target
	needStore := *batch != ""
	for _, arg := range rest {
		if audit.LooksLikeKey(arg) {
			targets = append(targets, audit.KeyTarget(arg))
			needStore = true
		} else {
			targets = append(targets, audit.FileTarget(arg))
		}
	}
	var st storage.Store
	switch {
	case *batch != "":
		if st, err = openBatch(ctx, *store, *batch); err != nil {
			return err
		}
	case needStore:
		if st, err = openExistingStore(ctx, *store); err != nil {
			return err
		}
	}
	v := audit.New(st, opts)
	defer v.Close()
	if *batch != "" {
		if targets, err = v.BatchTargets(ctx, *batch); err != nil {
			return err
		}
	}
	rep, err := v.Run(ctx, targets)
	if err != nil {
		if ctx.Err() != nil {
			return pipeline.ErrInterrupted
		}
		return err
	}
	rep.Batch = *batch
	if *asJSON {
		err = writeJSON(stdout, rep)
	} else {
		err = audit.WriteText(stdout, rep)
	}
	if err != nil {
		return err
	}
	if *htmlPath != "" {
		if err := fsutil.WriteFileAtomic(*htmlPath, func(w io.Writer) error { return audit.WriteHTML(w, rep) }); err != nil {
			return fmt.Errorf("write %s: %w", *htmlPath, err)
		}
	}
	if !rep.OK {
		return errFailures
	}
	return nil
}

// openExistingStore opens a store without creating a local one: verifying
// keys of a folder that does not exist is a mistake, not an empty store.
func openExistingStore(ctx context.Context, location string) (storage.Store, error) {
	local := location
	if local == "" {
		local = storage.DefaultLocation
	}
	if p, ok := strings.CutPrefix(local, "file://"); ok {
		local = p
	}
	if !strings.Contains(local, "://") {
		if _, err := os.Stat(local); err != nil {
			return nil, fmt.Errorf("no store at %s (arguments that are not local files are read as keys of the store): %w", local, err)
		}
	}
	return storage.Open(ctx, location)
}
