package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/index"
)

// indexCachePath is where the local search cache of a store lives: one per
// store location, under the user's cache folder.
func indexCachePath(st storage.Store) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder for the search index (set XDG_CACHE_HOME or use --cache): %w", err)
	}
	sum := sha256.Sum256([]byte(st.Location()))
	return filepath.Join(dir, "sohoa", "index-"+hex.EncodeToString(sum[:8])+".db"), nil
}

func runSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("search", "sohoa search [--number N] [--notation X] [--organ O] [--type T] [--from DATE] [--to DATE] [--signer S] [--status S] [--batch B] [--json] [WORDS...]", stdout)
	store := fs.String("store", defaultStore(), "store `URL` (default ./sohoa-data)")
	cache := fs.String("cache", "", "local search cache `FILE` (default: in the user's cache folder, one per store)")
	var q index.Query
	fs.StringVar(&q.CodeNumber, "number", "", "số: the document number, exactly (\"1595\")")
	fs.StringVar(&q.CodeNotation, "notation", "", "ký hiệu, e.g. QĐ-UBND (case and diacritics ignored)")
	fs.StringVar(&q.OrganName, "organ", "", "issuing body, any part of its name")
	fs.StringVar(&q.TypeName, "type", "", "tên loại, e.g. \"Quyết định\"")
	fs.StringVar(&q.IssuedFrom, "from", "", "issued on or after `DATE` (YYYY, YYYY-MM or YYYY-MM-DD)")
	fs.StringVar(&q.IssuedTo, "to", "", "issued on or before `DATE` (YYYY, YYYY-MM or YYYY-MM-DD)")
	fs.StringVar(&q.Signer, "signer", "", "signer's name, any part")
	fs.StringVar(&q.Status, "status", "", "digitized, needs_review, signed or failed")
	fs.StringVar(&q.Batch, "batch", "", "only this batch")
	fs.BoolVar(&q.NeedsReview, "needs-review", false, "only documents flagged for review")
	fs.IntVar(&q.Limit, "limit", 50, "at most this many results")
	fs.IntVar(&q.Offset, "offset", 0, "skip this many results first")
	asJSON := fs.Bool("json", false, "print JSON")
	words, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	q.Words = strings.Join(words, " ")
	st, err := storage.Open(ctx, *store)
	if err != nil {
		return err
	}
	path := *cache
	if path == "" {
		if path, err = indexCachePath(st); err != nil {
			return err
		}
	}
	idx, err := index.Open(ctx, st, path)
	if err != nil {
		return fmt.Errorf("open the search index: %w (if the store's index is damaged, run 'sohoa index rebuild')", err)
	}
	defer idx.Close()
	hits, err := idx.Search(ctx, q)
	if err != nil {
		return usagef("%v", err)
	}
	if *asJSON {
		if hits == nil {
			hits = []index.Hit{}
		}
		return writeJSON(stdout, hits)
	}
	if len(hits) == 0 {
		fmt.Fprintln(stdout, "No documents match.")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ISSUED\tNUMBER\tTYPE\tORGAN\tSTATUS\tBATCH\tDOCID")
	for _, h := range hits {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", orDash(h.IssuedDate), orDash(joinNumber(h.CodeNumber, h.CodeNotation)),
			orDash(h.TypeName), orDash(h.OrganName), h.Status, h.Batch, h.DocID)
		if h.Snippet != "" {
			fmt.Fprintf(tw, "\t%s\n", h.Snippet)
		}
	}
	return tw.Flush()
}

func joinNumber(number, notation string) string {
	if number == "" && notation == "" {
		return ""
	}
	return number + "/" + notation
}

func runIndex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rebuild" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(stdout, "Usage: sohoa index rebuild [--store URL]")
			return nil
		}
		return usagef("the only subcommand is: rebuild")
	}
	fs := newFlagSet("index rebuild", "sohoa index rebuild [--store URL]", stdout)
	store := fs.String("store", defaultStore(), "store `URL` (default ./sohoa-data)")
	rest, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected argument %q", rest[0])
	}
	st, err := storage.Open(ctx, *store)
	if err != nil {
		return err
	}
	n, err := pipeline.RebuildIndex(ctx, st)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Index rebuilt from the objects of %s: %d document(s).\n", st.Location(), n)
	return nil
}
