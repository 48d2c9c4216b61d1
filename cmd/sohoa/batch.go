package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/storage"
)

func runBatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("name a subcommand: list or show")
	}
	switch args[0] {
	case "list":
		return runBatchList(ctx, args[1:], stdout)
	case "show":
		return runBatchShow(ctx, args[1:], stdout)
	case "-h", "--help":
		fmt.Fprint(stdout, "Usage:\n  sohoa batch list [--store URL] [--json]\n  sohoa batch show NAME [--store URL] [--json]\n")
		return nil
	}
	return usagef("unknown subcommand %q: use list or show", args[0])
}

// batchSummary is one line of `sohoa batch list --json`.
type batchSummary struct {
	Batch     string         `json:"batch"`
	Created   string         `json:"created"`
	Updated   string         `json:"updated"`
	Documents int            `json:"documents"`
	Counts    map[string]int `json:"counts"`
}

func runBatchList(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("batch list", "sohoa batch list [--store URL] [--json]", stdout)
	store := fs.String("store", defaultStore(), "store `URL` (default ./sohoa-data)")
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parseFlags(fs, args)
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
	ms, err := pipeline.Batches(ctx, st)
	if err != nil {
		return err
	}
	out := make([]batchSummary, 0, len(ms))
	for _, m := range ms {
		out = append(out, batchSummary{Batch: m.Batch, Created: m.Created.UTC().Format("2006-01-02T15:04:05Z"),
			Updated: m.Updated.UTC().Format("2006-01-02T15:04:05Z"), Documents: len(m.Documents), Counts: m.Counts})
	}
	if *asJSON {
		return writeJSON(stdout, out)
	}
	if len(out) == 0 {
		fmt.Fprintf(stdout, "No batches in %s.\n", st.Location())
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BATCH\tDOCUMENTS\tSTATUS\tUPDATED")
	for _, b := range out {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", b.Batch, b.Documents, formatCounts(b.Counts), b.Updated)
	}
	return tw.Flush()
}

// documentView is one document of `sohoa batch show --json`.
type documentView struct {
	DocID         string               `json:"docId"`
	Name          string               `json:"name"`
	Status        string               `json:"status"`
	Error         string               `json:"error,omitempty"`
	Pages         int                  `json:"pages"`
	NeedsReview   bool                 `json:"needsReview"`
	ReviewReasons []string             `json:"reviewReasons,omitempty"`
	Inputs        []pipeline.InputFile `json:"inputs"`
	Objects       []pipeline.Object    `json:"objects"`
	Metadata      *metadata.Document   `json:"metadata,omitempty"`
	Events        []pipeline.Event     `json:"events"`
}

// batchView is the output of `sohoa batch show --json`.
type batchView struct {
	Batch     string         `json:"batch"`
	Store     string         `json:"store"`
	Counts    map[string]int `json:"counts"`
	Documents []documentView `json:"documents"`
}

func runBatchShow(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("batch show", "sohoa batch show NAME [--store URL] [--json]", stdout)
	store := fs.String("store", defaultStore(), "store `URL` (default ./sohoa-data)")
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("name exactly one batch (see 'sohoa batch list')")
	}
	name := rest[0]
	st, err := openBatch(ctx, *store, name)
	if err != nil {
		return err
	}
	recs, err := pipeline.Records(ctx, st, name)
	if err != nil {
		return err
	}
	view := batchView{Batch: name, Store: st.Location(), Counts: map[string]int{}, Documents: []documentView{}}
	for _, r := range recs {
		dv := documentView{DocID: r.DocID, Name: r.Name, Status: r.Status, Error: r.Error, Pages: r.Pages,
			NeedsReview: r.NeedsReview, ReviewReasons: r.ReviewReasons, Inputs: r.Inputs, Objects: r.Objects, Events: r.Events}
		for _, o := range r.Objects {
			if o.Role != "metadata" {
				continue
			}
			var md metadata.Document
			b, err := storage.GetBytes(ctx, st, o.Key)
			if err != nil {
				return fmt.Errorf("document %s: %w", r.Name, err)
			}
			if err := json.Unmarshal(b, &md); err != nil {
				return fmt.Errorf("document %s: %s: %w", r.Name, o.Key, err)
			}
			dv.Metadata = &md
		}
		view.Counts[r.Status]++
		view.Documents = append(view.Documents, dv)
	}
	if *asJSON {
		return writeJSON(stdout, view)
	}
	fmt.Fprintf(stdout, "Batch %s in %s: %d document(s) (%s)\n\n", name, st.Location(), len(recs), formatCounts(view.Counts))
	for _, d := range view.Documents {
		fmt.Fprintf(stdout, "%s  %s  [%s]\n", d.DocID, d.Name, d.Status)
		if d.Error != "" {
			fmt.Fprintf(stdout, "    error: %s\n", d.Error)
		}
		if md := d.Metadata; md != nil {
			fmt.Fprintf(stdout, "    %s số %s/%s, ngày %s — %s\n", orDash(md.TypeName), orDash(md.CodeNumber), orDash(md.CodeNotation), orDash(md.IssuedDate), orDash(md.OrganName))
		}
		for _, reason := range d.ReviewReasons {
			fmt.Fprintf(stdout, "    review: %s\n", reason)
		}
		for _, o := range d.Objects {
			fmt.Fprintf(stdout, "    %-8s %s\n", o.Role, o.Key)
		}
	}
	return nil
}

func formatCounts(c map[string]int) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, c[k]))
	}
	if len(parts) == 0 {
		return "empty"
	}
	return strings.Join(parts, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
