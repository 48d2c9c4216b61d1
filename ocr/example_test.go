package ocr_test

import (
	"context"
	"fmt"
	"image"
	"log"

	"github.com/sohoa/sohoa/ocr"
)

func ExampleNormalize() {
	// Tesseract's vie model reads Đ as the look-alike eth, Ð.
	fmt.Println(ocr.Normalize("\u00D0à Nẵng"))
	// Output: Đà Nẵng
}

// A worker reads pages with its own engine: orientation first, then
// skew, then the words.
func ExampleTesseract() {
	// In main, before anything else: run Tesseract single-threaded.
	if err := ocr.ReexecWithThreadLimit(); err != nil {
		log.Fatal(err)
	}
	engine, err := ocr.NewTesseract(ocr.TesseractOptions{}) // Vietnamese
	if err != nil {
		log.Fatal(err)
	}
	defer engine.Close()

	ctx := context.Background()
	var page image.Image = image.NewGray(image.Rect(0, 0, 2480, 3508)) // a scan at 300 dpi
	upright, rotation, err := ocr.Prepare(ctx, engine, page)
	if err != nil {
		log.Fatal(err)
	}
	skew := ocr.MeasureSkew(upright)
	upright = ocr.Deskew(upright, skew) // this is the page to archive
	// RecognizePage reads a cleaned copy (no seal, no specks, grey paper
	// made white) and gives boxes on upright itself.
	res, err := ocr.RecognizePage(ctx, engine, upright, ocr.RecognizeOptions{DPI: 300})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rotation, skew, len(res.Words), res.Text)
}
