package intake_test

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"

	"github.com/sohoa/sohoa/pipeline/intake"
)

func Example() {
	// A batch folder with one scanned page folder and one stray file.
	root, _ := os.MkdirTemp("", "intake-example")
	defer os.RemoveAll(root)
	batch := filepath.Join(root, "batch")
	_ = os.MkdirAll(filepath.Join(batch, "hs-001"), 0o755)
	for _, name := range []string{"page-10.png", "page-2.png"} {
		f, _ := os.Create(filepath.Join(batch, "hs-001", name))
		_ = png.Encode(f, image.NewGray(image.Rect(0, 0, 20, 10)))
		f.Close()
	}
	_ = os.WriteFile(filepath.Join(batch, "notes.odt"), []byte("not a scan"), 0o644)

	docs, errs := intake.Discover([]string{batch})
	fmt.Println("problems:", len(errs))
	for _, doc := range docs {
		err := doc.Pages(context.Background(), intake.Limits{}, func(p intake.Page) error {
			fmt.Printf("%s page %d: %s, %v\n", doc.Name, p.Index+1, filepath.Base(p.File), p.Image.Bounds().Size())
			return nil
		})
		if err != nil {
			fmt.Println("failed:", err)
		}
	}
	// Output:
	// problems: 0
	// batch/hs-001 page 1: page-2.png, (20,10)
	// batch/hs-001 page 2: page-10.png, (20,10)
	// failed: batch/notes.odt: unsupported file type
}
