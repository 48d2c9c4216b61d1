package ocr

// #include <tesseract/capi.h>
import "C"

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// TesseractOptions configure NewTesseract. The zero value reads Vietnamese
// with the tessdata that Tesseract was installed with.
type TesseractOptions struct {
	// Languages are Tesseract model names, tried together ("vie+eng").
	// Default: ["vie"].
	Languages []string
	// TessdataPrefix is the directory holding *.traineddata; empty means
	// Tesseract's built-in default (or $TESSDATA_PREFIX).
	TessdataPrefix string
	// AutoLayout makes Tesseract analyse the page layout (PSM_AUTO):
	// columns become blocks, so the two header columns of an ND 30 page
	// come out one after the other instead of sharing lines. It reads the
	// fixtures better (word error 0.71 % against 1.0 % with RecognizePage)
	// but changes the line structure metadata extraction sees. The default
	// reads the page as one block of text (PSM_SINGLE_BLOCK).
	AutoLayout bool
}

// Tesseract is the production Engine, on Tesseract's C API. It also
// detects page orientation (OrientationDetector) and takes page hints
// (OptionsRecognizer).
//
// A Tesseract is not safe for concurrent use: give each worker its own.
// Each one holds its models in memory (about 100 MB for vie+osd). For
// speed, run the process with OMP_THREAD_LIMIT=1 (see
// ReexecWithThreadLimit) and one engine per core.
type Tesseract struct {
	tess   *tessAPI
	opts   TesseractOptions
	osd    *osdEngine // created on first DetectOrientation
	digits *tessAPI   // created on first ReadDigits (handwriting.go)
	// digitsErr is why the digit model could not be loaded, if it could not.
	digitsErr error
	format    imageFormat
}

// imageFormat is how page pixels travel to Tesseract.
type imageFormat int

const (
	// formatRaw is the default: the pixels themselves, copied once by
	// Tesseract, with the DPI set beside them.
	formatRaw imageFormat = iota
	// formatBMP is uncompressed and carries the DPI; Leptonica decodes it
	// straight from memory (measured on an A4 grey page: 0.98 CPU s per
	// recognised page against 1.10 for PNG and 1.11 for PNM, whose
	// Leptonica reader fetches each byte through stdio).
	formatBMP
	formatPNM
	formatPNG // what one would do naively; kept to measure against
)

// initMu serialises engine initialisation: Tesseract's model loading
// reports through process-wide state, and two engines loading at once
// would interleave.
var initMu sync.Mutex

// NewTesseract starts a Tesseract engine and loads its models, so a missing
// language fails here rather than on the first page.
func NewTesseract(opts TesseractOptions) (*Tesseract, error) {
	if len(opts.Languages) == 0 {
		opts.Languages = []string{"vie"}
	}
	opts.Languages = append([]string(nil), opts.Languages...)
	tess, err := newTessAPI(opts.Languages, opts.TessdataPrefix, map[string]string{
		// Tesseract's diagnostics ("Estimating resolution as …") go
		// nowhere: stages never print.
		"debug_file": "/dev/null",
		// Keep inter-word spaces out of the words; the caller joins.
		"preserve_interword_spaces": "0",
	})
	if err != nil {
		return nil, fmt.Errorf("tesseract: %w", err)
	}
	t := &Tesseract{tess: tess, opts: opts}
	t.setLayout(opts.AutoLayout)
	return t, nil
}

// Recognize reads the words of an upright page image.
func (t *Tesseract) Recognize(ctx context.Context, img image.Image) (*Result, error) {
	return t.RecognizeWithOptions(ctx, img, RecognizeOptions{})
}

// RecognizeWithOptions reads the words of an upright page image, using the
// page's resolution when known. It cannot interrupt Tesseract once a page
// has started, so ctx is checked before and after.
func (t *Tesseract) RecognizeWithOptions(ctx context.Context, img image.Image, opts RecognizeOptions) (*Result, error) {
	if t.tess == nil {
		return nil, errors.New("tesseract: engine is closed")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := img.Bounds()
	if b.Empty() {
		return nil, fmt.Errorf("tesseract: empty image %v", b)
	}
	dpi := max(opts.DPI, 0)
	if t.format == formatRaw {
		t.tess.setPixels(flatten(img), dpi)
	} else {
		data, err := encodeFor(img, t.format, dpi)
		if err != nil {
			return nil, fmt.Errorf("tesseract: %w", err)
		}
		if err := t.tess.setEncoded(data, dpi); err != nil {
			return nil, fmt.Errorf("tesseract: set image: %w", err)
		}
	}
	// 0 means "unknown": Tesseract then estimates from the text height.
	if err := t.tess.setVariable("user_defined_dpi", strconv.Itoa(dpi)); err != nil {
		return nil, fmt.Errorf("tesseract: %w", err)
	}
	words, err := t.tess.recognize()
	if err != nil {
		return nil, fmt.Errorf("tesseract: recognise: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return buildResult(words, b), nil
}

// buildResult turns Tesseract's word boxes (in reading order, numbered per
// block, paragraph and line) into a Result whose Text is exactly its words
// joined: spaces within a line, '\n' between lines.
func buildResult(boxes []tessWord, bounds image.Rectangle) *Result {
	res := &Result{Width: bounds.Dx(), Height: bounds.Dy(), Words: make([]Word, 0, len(boxes))}
	type lineKey struct{ block, par, line int }
	var (
		text    strings.Builder
		current lineKey
		line    = -1
		sum     float64
	)
	for _, bb := range boxes {
		word := cleanWord(bb.text)
		if word == "" {
			continue
		}
		key := lineKey{bb.block, bb.paragraph, bb.line}
		switch {
		case line < 0:
			line = 0
		case key != current:
			line++
			text.WriteByte('\n')
		default:
			text.WriteByte(' ')
		}
		current = key
		text.WriteString(word)
		conf := min(max(bb.confidence/100, 0), 1)
		sum += conf
		if conf < LowConfidence {
			res.LowConfidenceWords++
		}
		res.Words = append(res.Words, Word{
			Text:       word,
			Box:        bb.box.Add(bounds.Min).Intersect(bounds),
			Confidence: conf,
			Line:       line,
		})
	}
	res.Text = text.String()
	if len(res.Words) > 0 {
		res.MeanConfidence = sum / float64(len(res.Words))
	}
	return res
}

// cleanWord normalises one recognised word and drops any white space
// inside it, so that splitting Result.Text on spaces gives back the words.
func cleanWord(s string) string {
	s = Normalize(s)
	if strings.IndexFunc(s, unicode.IsSpace) < 0 {
		return s
	}
	return strings.Join(strings.Fields(s), "")
}

// Close frees the engine's models and buffers. It is safe to call twice.
func (t *Tesseract) Close() error {
	if t.osd != nil {
		t.osd.close()
		t.osd = nil
	}
	if t.digits != nil {
		t.digits.close()
		t.digits = nil
	}
	if t.tess == nil {
		return nil
	}
	t.tess.close()
	t.tess = nil
	return nil
}

var (
	_ Engine              = (*Tesseract)(nil)
	_ OrientationDetector = (*Tesseract)(nil)
	_ OptionsRecognizer   = (*Tesseract)(nil)
)

// Name names the engine in metadata.json (ocr.engine).
func (t *Tesseract) Name() string { return "tesseract" }

// Version is Tesseract's library version (ocr.engineVersion).
func (t *Tesseract) Version() string { return tesseractVersion() }

// setLayout selects how Tesseract segments pages. One uniform block of
// text (PSM_SINGLE_BLOCK) is what the engine has always run with:
// gosseract's PSM_AUTO was set before its lazy Init, which reset it to the
// API's default. Metadata extraction is tuned on its line structure, and
// it never reads a sideways page as if it were upright, which
// orientationByReading relies on. auto selects PSM_AUTO.
func (t *Tesseract) setLayout(auto bool) {
	if auto {
		t.tess.setPageSegMode(C.PSM_AUTO)
	} else {
		t.tess.setPageSegMode(C.PSM_SINGLE_BLOCK)
	}
}
