package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sohoa/sohoa/fixtures"
)

// Item is one document of a benchmark set: a file every tool can read
// (a PNG page, or a multi-page TIFF) and its ground truth.
type Item struct {
	// Name is unique in the set: "<variant>-<doc id>".
	Name    string
	Variant fixtures.Variant
	// Path is the document's file.
	Path  string
	Pages int
	// Truth is the text of each page, as printed (handwritten numbers and
	// days included, as a careful reader transcribes them).
	Truth []string
}

// TruthText is the whole document's ground truth.
func (it Item) TruthText() string { return strings.Join(it.Truth, "\n") }

// SetOptions say what GenerateSet makes.
type SetOptions struct {
	// Dir receives the documents, one flat folder of files named after
	// their Item.Name.
	Dir  string
	Seed uint64
	// DocsPerVariant documents of every fixtures variant (default 3).
	DocsPerVariant int
	// MinPages: clean documents are added until the set has this many
	// pages.
	MinPages int
	// Variants to cover (default fixtures.AllVariants).
	Variants []fixtures.Variant
}

// GenerateSet writes a deterministic benchmark set: DocsPerVariant
// documents of each variant alone (single pages as PNG, multipage documents
// as multi-page TIFF, lossless forms every tool accepts), then clean pages
// up to MinPages.
func GenerateSet(ctx context.Context, opts SetOptions) ([]Item, error) {
	if opts.DocsPerVariant <= 0 {
		opts.DocsPerVariant = 3
	}
	variants := opts.Variants
	if len(variants) == 0 {
		variants = fixtures.AllVariants
	}
	var items []Item
	pages := 0
	add := func(v fixtures.Variant, n int, seed uint64, folder string) error {
		form := fixtures.FormPNG
		if v == fixtures.VariantMultiPage {
			form = fixtures.FormMultiTIFF
		}
		docs, err := fixtures.Generate(ctx, fixtures.Options{
			N: n, Seed: seed, OutDir: filepath.Join(opts.Dir, "generated", folder),
			Variants: []fixtures.Variant{v}, Forms: []fixtures.Form{form},
		})
		if err != nil {
			return fmt.Errorf("generate %s: %w", folder, err)
		}
		for _, d := range docs {
			// One flat folder of uniquely named files: tools that name
			// outputs (and sohoa's batch) by file name never see two
			// doc-0001.png.
			it := Item{Name: folder + "-" + d.ID, Variant: v, Pages: len(d.Pages)}
			it.Path = filepath.Join(opts.Dir, it.Name+filepath.Ext(d.AbsPath()))
			if err := os.Rename(d.AbsPath(), it.Path); err != nil {
				return fmt.Errorf("generate %s: %w", folder, err)
			}
			for _, p := range d.Pages {
				it.Truth = append(it.Truth, p.Text())
			}
			items = append(items, it)
			pages += it.Pages
		}
		return nil
	}
	for i, v := range variants {
		if err := add(v, opts.DocsPerVariant, opts.Seed+uint64(i), string(v)); err != nil {
			return nil, err
		}
	}
	if missing := opts.MinPages - pages; missing > 0 {
		if err := add(fixtures.VariantClean, missing, opts.Seed+1000, "extra"); err != nil {
			return nil, err
		}
	}
	return items, nil
}

// Pages counts the pages of items.
func Pages(items []Item) int {
	n := 0
	for _, it := range items {
		n += it.Pages
	}
	return n
}
