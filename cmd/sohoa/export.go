package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/sohoa/sohoa/pipeline"
)

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", "sohoa export BATCH --format eark DIR [--store URL] [--json]", stdout)
	store := fs.String("store", defaultStore(), "store `URL` (default ./sohoa-data)")
	format := fs.String("format", "eark", "package format: eark (E-ARK CSIP zip per dossier, Thông tư 05/2025/TT-BNV)")
	asJSON := fs.Bool("json", false, "print the packages written as JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 2 {
		return usagef("name a BATCH and an output DIR")
	}
	if *format != "eark" {
		return usagef("--format %q: only eark is supported", *format)
	}
	batch, dir := rest[0], rest[1]
	st, err := openBatch(ctx, *store, batch)
	if err != nil {
		return err
	}
	pkgs, skipped, err := pipeline.ExportEARK(ctx, st, batch, dir, time.Now())
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, map[string]any{"packages": pkgs, "skipped": skipped})
	}
	for _, p := range pkgs {
		fmt.Fprintf(stdout, "%s  (dossier %s, %d document(s))\n", p.Path, p.Dossier, p.Documents)
	}
	for _, s := range skipped {
		fmt.Fprintf(stdout, "not exported: %s\n", s)
	}
	return nil
}
