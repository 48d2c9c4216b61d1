package main

import (
	"context"
	"fmt"
	"io"

	"github.com/sohoa/sohoa/internal/fsutil"

	"github.com/sohoa/sohoa/storage"
)

func runGet(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("get", "sohoa get [--store URL] KEY -o FILE", stdout)
	store := fs.String("store", defaultStore(), "store `URL` (default ./sohoa-data)")
	outPath := fs.String("o", "", "write the object to `FILE` ('-' for stdout)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("name exactly one KEY (see 'sohoa batch show')")
	}
	if *outPath == "" {
		return usagef("-o FILE is required ('-' writes to stdout)")
	}
	key := rest[0]
	if err := storage.CheckKey(key); err != nil {
		return usagef("%v", err)
	}
	st, err := storage.Open(ctx, *store)
	if err != nil {
		return err
	}
	rc, _, err := st.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("%w (in %s)", err, st.Location())
	}
	defer rc.Close()
	if *outPath == "-" {
		_, err := io.Copy(stdout, rc)
		return err
	}
	// Written beside the target and renamed, so FILE is never half-written
	// and a checksum failure leaves no file behind.
	return fsutil.WriteFileAtomic(*outPath, func(w io.Writer) error {
		if _, err := io.Copy(w, rc); err != nil {
			return fmt.Errorf("get %s: %w", key, err)
		}
		return nil
	})
}
