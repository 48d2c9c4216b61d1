package ocr

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/otiai10/gosseract/v2"
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
}

// Tesseract is the production Engine, on Tesseract via gosseract. It also
// detects page orientation (OrientationDetector) and takes page hints
// (OptionsRecognizer).
//
// A Tesseract is not safe for concurrent use: give each worker its own.
// Each one holds its models in memory (about 100 MB for vie+osd). For
// speed, run the process with OMP_THREAD_LIMIT=1 (see
// ReexecWithThreadLimit) and one engine per core.
type Tesseract struct {
	client *gosseract.Client
	opts   TesseractOptions
	osd    *osdEngine // created on first DetectOrientation
	format imageFormat
}

// imageFormat is how page pixels travel to Leptonica.
type imageFormat int

const (
	// formatBMP is the default: uncompressed, carries the DPI, and
	// Leptonica decodes it straight from memory (measured on an A4 grey
	// page: 0.98 CPU s per recognised page against 1.10 for PNG and 1.11
	// for PNM, whose Leptonica reader fetches each byte through stdio).
	formatBMP imageFormat = iota
	formatPNM
	formatPNG // what one would do naively; kept to measure against
)

// initMu serialises engine initialisation: gosseract's Init points the
// process-wide C stderr at a buffer while Tesseract loads its models, and
// two engines doing that at once would clobber each other.
var initMu sync.Mutex

// NewTesseract starts a Tesseract engine and loads its models, so a missing
// language fails here rather than on the first page.
func NewTesseract(opts TesseractOptions) (*Tesseract, error) {
	if len(opts.Languages) == 0 {
		opts.Languages = []string{"vie"}
	}
	client := gosseract.NewClient()
	client.Languages = append([]string(nil), opts.Languages...)
	if opts.TessdataPrefix != "" {
		if err := client.SetTessdataPrefix(opts.TessdataPrefix); err != nil {
			client.Close()
			return nil, fmt.Errorf("tesseract: %w", err)
		}
	}
	t := &Tesseract{client: client, opts: opts}
	settings := []struct {
		name  gosseract.SettableVariable
		value string
	}{
		// Tesseract's diagnostics ("Estimating resolution as …") go
		// nowhere: stages never print.
		{gosseract.DEBUG_FILE, "/dev/null"},
		// Keep inter-word spaces out of the words; the caller joins.
		{"preserve_interword_spaces", "0"},
	}
	for _, s := range settings {
		if err := client.SetVariable(s.name, s.value); err != nil {
			client.Close()
			return nil, fmt.Errorf("tesseract: set %s: %w", s.name, err)
		}
	}
	if err := client.SetPageSegMode(gosseract.PSM_AUTO); err != nil {
		client.Close()
		return nil, fmt.Errorf("tesseract: %w", err)
	}
	// gosseract loads the models lazily, on the first page; do it now on
	// a blank page so that errors surface here.
	blank := pixels{data: make([]byte, 16*16), width: 16, height: 16, channels: 1}
	for i := range blank.data {
		blank.data[i] = 0xff
	}
	initMu.Lock()
	err := client.SetImageFromBytes(blank.pnm())
	if err == nil {
		_, err = client.GetBoundingBoxes(gosseract.RIL_WORD)
	}
	initMu.Unlock()
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("tesseract: load %s: %w", strings.Join(opts.Languages, "+"), err)
	}
	return t, nil
}

// Recognize reads the words of an upright page image.
func (t *Tesseract) Recognize(ctx context.Context, img image.Image) (*Result, error) {
	return t.RecognizeWithOptions(ctx, img, RecognizeOptions{})
}

// RecognizeWithOptions reads the words of an upright page image, using the
// page's resolution when known. It cannot interrupt Tesseract once a page
// has started (gosseract gives no cancel hook), so ctx is checked before
// and after.
func (t *Tesseract) RecognizeWithOptions(ctx context.Context, img image.Image, opts RecognizeOptions) (*Result, error) {
	if t.client == nil {
		return nil, errors.New("tesseract: engine is closed")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := img.Bounds()
	if b.Empty() {
		return nil, fmt.Errorf("tesseract: empty image %v", b)
	}
	data, err := encodeFor(img, t.format, opts.DPI)
	if err != nil {
		return nil, fmt.Errorf("tesseract: %w", err)
	}
	if err := t.client.SetImageFromBytes(data); err != nil {
		return nil, fmt.Errorf("tesseract: set image: %w", err)
	}
	// 0 means "unknown": Tesseract then estimates from the text height.
	if err := t.client.SetVariable("user_defined_dpi", strconv.Itoa(max(opts.DPI, 0))); err != nil {
		return nil, fmt.Errorf("tesseract: set dpi: %w", err)
	}
	boxes, err := t.client.GetBoundingBoxesVerbose()
	if err != nil {
		return nil, fmt.Errorf("tesseract: recognise: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return buildResult(boxes, b), nil
}

// buildResult turns Tesseract's word boxes (in reading order, numbered per
// block, paragraph and line) into a Result whose Text is exactly its words
// joined: spaces within a line, '\n' between lines.
func buildResult(boxes []gosseract.BoundingBox, bounds image.Rectangle) *Result {
	res := &Result{Width: bounds.Dx(), Height: bounds.Dy(), Words: make([]Word, 0, len(boxes))}
	type lineKey struct{ block, par, line int }
	var (
		text    strings.Builder
		current lineKey
		line    = -1
		sum     float64
	)
	for _, bb := range boxes {
		word := cleanWord(bb.Word)
		if word == "" {
			continue
		}
		key := lineKey{bb.BlockNum, bb.ParNum, bb.LineNum}
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
		conf := min(max(bb.Confidence/100, 0), 1)
		sum += conf
		if conf < LowConfidence {
			res.LowConfidenceWords++
		}
		res.Words = append(res.Words, Word{
			Text:       word,
			Box:        bb.Box.Add(bounds.Min).Intersect(bounds),
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
	if t.client == nil {
		return nil
	}
	err := t.client.Close()
	t.client = nil
	if err != nil {
		return fmt.Errorf("tesseract: close: %w", err)
	}
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
func (t *Tesseract) Version() string { return t.client.Version() }
