package intake

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestDiscover(t *testing.T) {
	root := t.TempDir()
	batch := filepath.Join(root, "batch")
	png := func(w int) []byte { return pngWithDPI(t, grayPattern(w, 4), 300) }
	img := grayPattern(4, 4)

	writeFile(t, filepath.Join(batch, "b-10.png"), png(1))
	writeFile(t, filepath.Join(batch, "B-2.png"), png(1))
	writeFile(t, filepath.Join(batch, "register.csv"), []byte("so,ngay\n"))
	writeFile(t, filepath.Join(batch, ".DS_Store"), []byte("junk"))
	// A page folder: page-1 … page-10 in natural order, with a sidecar and
	// a hidden file that do not count.
	for i := 10; i >= 1; i-- {
		writeFile(t, filepath.Join(batch, "hs-001", fmt.Sprintf("page-%d.png", i)), png(i))
	}
	writeFile(t, filepath.Join(batch, "hs-001", "scanner-log.TXT"), []byte("ok"))
	writeFile(t, filepath.Join(batch, "hs-001", ".thumbs"), []byte("x"))
	// A multi-page TIFF makes a folder a batch folder.
	writeFile(t, filepath.Join(batch, "hs-002", "scan.tif"), buildTIFF([]tiffPage{{img: img}, {img: img}}))
	writeFile(t, filepath.Join(batch, "hs-002", "cover.png"), png(1))
	// A single-page TIFF and JPEGs are page images; a subfolder makes a batch.
	writeFile(t, filepath.Join(batch, "nested", "sub", "p1.tif"), buildTIFF([]tiffPage{{img: img}}))
	writeFile(t, filepath.Join(batch, "nested", "sub", "p2.jpg"), jpegWithJFIF(t, img, 1, 300))
	writeFile(t, filepath.Join(batch, "nested", "report.docx"), []byte("PK\x03\x04"))
	// A damaged page keeps its folder one document.
	writeFile(t, filepath.Join(batch, "broken", "page-1.png"), png(1))
	writeFile(t, filepath.Join(batch, "broken", "page-2.png"), nil)
	writeFile(t, filepath.Join(batch, ".hidden", "page.png"), png(1))
	if err := os.MkdirAll(filepath.Join(batch, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(batch, filepath.Join(batch, "nested", "loop")); err != nil {
		t.Fatal(err)
	}
	single := writeFile(t, filepath.Join(root, "elsewhere", "one.tif"), buildTIFF([]tiffPage{{img: img}}))
	emptyInput := filepath.Join(root, "nothing-here")
	if err := os.MkdirAll(emptyInput, 0o755); err != nil {
		t.Fatal(err)
	}

	docs, errs := Discover([]string{batch, single, filepath.Join(root, "missing"), emptyInput})

	var names []string
	for _, d := range docs {
		names = append(names, d.Name)
	}
	want := []string{
		"batch/B-2.png",
		"batch/b-10.png",
		"batch/broken",
		"batch/hs-001",
		"batch/hs-002/cover.png",
		"batch/hs-002/scan.tif",
		"batch/nested/report.docx",
		"batch/nested/sub",
		"one.tif",
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("documents:\n got %q\nwant %q", names, want)
	}

	if len(errs) != 2 {
		t.Fatalf("errors %v, want 2 (missing input, empty input)", errs)
	}
	if !errors.Is(errs[0], ErrNotFound) || !strings.Contains(errs[0].Error(), "missing") {
		t.Errorf("first error %v, want ErrNotFound naming the missing input", errs[0])
	}
	if !strings.Contains(errs[1].Error(), "nothing-here: no documents found") {
		t.Errorf("second error %v, want no documents found in nothing-here", errs[1])
	}

	byName := map[string]Document{}
	for _, d := range docs {
		byName[d.Name] = d
	}
	t.Run("page folder in natural order", func(t *testing.T) {
		d := byName["batch/hs-001"]
		if len(d.Files) != 10 {
			t.Fatalf("hs-001 has %d files, want 10: %v", len(d.Files), d.Files)
		}
		var widths []int
		err := d.Pages(context.Background(), Limits{}, func(p Page) error {
			widths = append(widths, p.Image.Bounds().Dx())
			return nil
		})
		if err != nil || !slices.Equal(widths, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
			t.Errorf("page widths %v, err %v; want 1…10 in order", widths, err)
		}
	})
	t.Run("mixed TIFF and JPEG page folder", func(t *testing.T) {
		d := byName["batch/nested/sub"]
		if got := []string{filepath.Base(d.Files[0]), filepath.Base(d.Files[1])}; len(d.Files) != 2 || got[0] != "p1.tif" || got[1] != "p2.jpg" {
			t.Errorf("files %v, want p1.tif p2.jpg", d.Files)
		}
	})
	t.Run("damaged page fails its folder document", func(t *testing.T) {
		err := byName["batch/broken"].Pages(context.Background(), Limits{}, func(Page) error { return nil })
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrEmpty) || e.File != "batch/broken/page-2.png" || e.Page != 2 {
			t.Errorf("error %v, want ErrEmpty on batch/broken/page-2.png page 2", err)
		}
	})
	t.Run("unknown file fails as unsupported", func(t *testing.T) {
		err := byName["batch/nested/report.docx"].Pages(context.Background(), Limits{}, func(Page) error { return nil })
		if !errors.Is(err, ErrUnsupported) || err.Error() != "batch/nested/report.docx: unsupported file type" {
			t.Errorf("error %v, want batch/nested/report.docx: unsupported file type", err)
		}
	})
	t.Run("deterministic", func(t *testing.T) {
		again, _ := Discover([]string{batch, single})
		if !reflect.DeepEqual(again, docs[:len(again)]) {
			t.Error("a second discovery differs from the first")
		}
	})
}

func TestNaturalLess(t *testing.T) {
	sorted := []string{
		"Page-1.png", "page-2.png", "PAGE-10.png", "page-10a.png", "page-010b.png", "page-11.png",
		"scan", "scan1", "scan01", "scan2", "scan99999999999999999999", "scan100000000000000000000", "scanA",
	}
	shuffled := slices.Clone(sorted)
	slices.Reverse(shuffled)
	slices.SortFunc(shuffled, func(a, b string) int {
		if naturalLess(a, b) {
			return -1
		}
		if naturalLess(b, a) {
			return 1
		}
		return 0
	})
	if !slices.Equal(shuffled, sorted) {
		t.Errorf("natural order:\n got %q\nwant %q", shuffled, sorted)
	}
}

func TestPlacedSizes(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    map[string][2]float64
	}{
		{"plain", "q 595 0 0 842 0 0 cm /Im0 Do Q", map[string][2]float64{"Im0": {595, 842}}},
		{"nested cm", "q 2 0 0 2 0 0 cm q 100 0 0 50 10 10 cm /A Do Q /B Do Q", map[string][2]float64{"A": {200, 100}, "B": {2, 2}}},
		{"rotated 90", "q 0 100 -50 0 50 0 cm /R Do Q", map[string][2]float64{"R": {100, 50}}},
		{"Q restores", "q 10 0 0 10 0 0 cm Q /X Do", map[string][2]float64{"X": {1, 1}}},
		{"strings and inline images skipped", "BT (a /Fake Do \\) ) Tj ET BI /W 1 /H 1 ID \x00Do EI q 3 0 0 4 0 0 cm /Y Do Q",
			map[string][2]float64{"Y": {3, 4}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := placedSizes([]byte(tc.content)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("placedSizes = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDiscoverDuplicateNames(t *testing.T) {
	root := t.TempDir()
	a := writeFile(t, filepath.Join(root, "a", "scan.png"), pngWithDPI(t, grayPattern(2, 2), 0))
	b := writeFile(t, filepath.Join(root, "b", "scan.png"), pngWithDPI(t, grayPattern(2, 2), 0))
	docs, errs := Discover([]string{a, a, b})
	if len(docs) != 1 || docs[0].Path != a {
		t.Errorf("documents %v, want only %s", docs, a)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "scan.png: same name as "+a) {
		t.Errorf("errors %v, want one naming the clash with %s", errs, a)
	}
}

func TestFolderIsDocument(t *testing.T) {
	dir := t.TempDir()
	pages := filepath.Join(dir, "hs-001")
	for _, n := range []string{"page-10.png", "page-2.png", "page-1.png"} {
		writeFile(t, filepath.Join(pages, n), pngWithDPI(t, grayPattern(8, 8), 300))
	}
	mixed := filepath.Join(dir, "mixed")
	writeFile(t, filepath.Join(mixed, "a.png"), pngWithDPI(t, grayPattern(8, 8), 300))
	os.MkdirAll(filepath.Join(mixed, "sub"), 0o755)

	docs, errs := DiscoverWith([]string{pages, mixed}, Options{FolderIsDocument: true})
	if len(docs) != 1 || docs[0].Name != "hs-001" {
		t.Fatalf("docs = %+v, want the one page folder", docs)
	}
	var names []string
	for _, f := range docs[0].Files {
		names = append(names, filepath.Base(f))
	}
	if got := strings.Join(names, " "); got != "page-1.png page-2.png page-10.png" {
		t.Errorf("pages in order %q", got)
	}
	if len(errs) != 1 || !errors.Is(errs[0], ErrUnsupported) || !strings.Contains(errs[0].Error(), "mixed") {
		t.Errorf("errs = %v, want one naming the mixed folder", errs)
	}
	// Without the option the page folder is a batch of three documents.
	if docs, _ := Discover([]string{pages}); len(docs) != 3 {
		t.Errorf("batch folder: %d documents, want 3", len(docs))
	}
}
