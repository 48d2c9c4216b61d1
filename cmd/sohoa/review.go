package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/sohoa/sohoa/internal/fsutil"

	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/storage"
)

func runReview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("review", "sohoa review BATCH (--export FILE.csv | --import FILE.csv [--user NAME]) [--store URL] [--json]", stdout)
	store := fs.String("store", defaultStore(), "store `URL` (default ./sohoa-data)")
	exportPath := fs.String("export", "", "write the batch's review sheet to `FILE.csv` (flagged documents first)")
	importPath := fs.String("import", "", "apply the corrections and acceptances in `FILE.csv`")
	user := fs.String("user", "", "who made the corrections, recorded with every change (default: the OS user)")
	asJSON := fs.Bool("json", false, "print the import outcome as JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("name exactly one BATCH")
	}
	if (*exportPath == "") == (*importPath == "") {
		return usagef("give exactly one of --export FILE or --import FILE")
	}
	batch := rest[0]
	st, err := openBatch(ctx, *store, batch)
	if err != nil {
		return err
	}
	if *exportPath != "" {
		var n int
		err := fsutil.WriteFileAtomic(*exportPath, func(w io.Writer) error {
			var err error
			n, err = pipeline.ExportReview(ctx, st, batch, w)
			return err
		})
		if err != nil {
			return fmt.Errorf("export review sheet: %w", err)
		}
		fmt.Fprintf(stdout, "Wrote %d document(s) to %s. Correct fields or write yes in 'accept', then:\n  sohoa review %s --import %s\n", n, *exportPath, batch, *exportPath)
		return nil
	}
	f, err := os.Open(*importPath)
	if err != nil {
		return usagef("%v", err)
	}
	defer f.Close()
	who := *user
	if who == "" {
		who = pipeline.CurrentUser()
	}
	outcomes, err := pipeline.ImportReview(ctx, st, batch, f, filepath.Base(*importPath), who, time.Now())
	if err != nil {
		return err
	}
	failed := 0
	for _, o := range outcomes {
		if o.Error != "" {
			failed++
		}
	}
	if *asJSON {
		if err := writeJSON(stdout, outcomes); err != nil {
			return err
		}
	} else {
		for _, o := range outcomes {
			if o.Error != "" {
				fmt.Fprintf(stdout, "REFUSED %s\n", o.Error)
				continue
			}
			fmt.Fprintf(stdout, "%s  %s: %d change(s), status %s\n", o.DocID, o.Name, o.Changes, o.Status)
		}
		fmt.Fprintf(stdout, "%d document(s) updated by %s, %d refused.\n", len(outcomes)-failed, who, failed)
	}
	if failed > 0 {
		return errFailures
	}
	return nil
}

// openBatch opens the store at location and checks that it holds batch.
func openBatch(ctx context.Context, location, batch string) (storage.Store, error) {
	if err := pipeline.CheckBatchName(batch); err != nil {
		return nil, usagef("%v", err)
	}
	st, err := storage.Open(ctx, location)
	if err != nil {
		return nil, err
	}
	if _, err := pipeline.LoadManifest(ctx, st, batch); errors.Is(err, storage.ErrNotExist) {
		return nil, fmt.Errorf("no batch %q in %s (see 'sohoa batch list')", batch, st.Location())
	} else if err != nil {
		return nil, fmt.Errorf("batch %s: %w", batch, err)
	}
	return st, nil
}
