package ocr

/*
#cgo LDFLAGS: -ltesseract -lleptonica
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

// sohoa_word is one recognised word as Tesseract's result iterator gives
// it. text is owned by Tesseract and freed with TessDeleteText.
typedef struct {
	char *text;
	int left, top, right, bottom;
	float confidence;
	int block, para, line;
} sohoa_word;

// sohoa_init loads the models with the process's standard error sent to
// /dev/null, since Tesseract prints its loading errors there and stages
// never print; the caller reports the failure. Callers hold initMu.
static int sohoa_init(TessBaseAPI *api, const char *datapath, const char *lang) {
	fflush(stderr);
	int saved = dup(2);
	int devnull = open("/dev/null", O_WRONLY);
	if (saved >= 0 && devnull >= 0) {
		dup2(devnull, 2);
	}
	int rc = TessBaseAPIInit3(api, datapath, lang);
	fflush(stderr);
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
	if (devnull >= 0) {
		close(devnull);
	}
	return rc;
}

// sohoa_set_resolution tells Tesseract the page's resolution. An unknown
// one is declared as 70 dpi, Tesseract's lowest credible value (as
// gosseract did): left at 0, Tesseract estimates it from the text and then
// also finds and reads text lines turned by 90°, which would fool
// orientationByReading.
static void sohoa_set_resolution(TessBaseAPI *api, int dpi) {
	TessBaseAPISetSourceResolution(api, dpi >= 70 ? dpi : 70);
}

// sohoa_set_raw gives Tesseract a page as raw pixels (copied by
// Tesseract) and its resolution when known.
static void sohoa_set_raw(TessBaseAPI *api, const unsigned char *data, int width, int height,
                          int bytes_per_pixel, int dpi) {
	TessBaseAPISetImage(api, data, width, height, bytes_per_pixel, width * bytes_per_pixel);
	sohoa_set_resolution(api, dpi);
}

// sohoa_set_encoded gives Tesseract a page as an encoded file in memory
// (BMP, PNM, PNG) decoded by Leptonica. It returns 0 when Leptonica cannot
// decode it.
static int sohoa_set_encoded(TessBaseAPI *api, const unsigned char *data, size_t size, int dpi) {
	PIX *pix = pixReadMem(data, size);
	if (pix == NULL) {
		return 0;
	}
	TessBaseAPISetImage2(api, pix); // Tesseract keeps its own reference
	pixDestroy(&pix);
	sohoa_set_resolution(api, dpi);
	return 1;
}

// sohoa_recognize recognises the page set last and returns its words in
// reading order in a malloc'ed array (*count entries; NULL when there are
// none), numbering blocks, paragraphs and lines from 1 as they begin. It
// returns non-zero when recognition failed. Every iterator and string
// Tesseract hands out is freed here or by sohoa_free_words, so nothing
// accumulates from page to page.
static int sohoa_recognize(TessBaseAPI *api, sohoa_word **words, int *count) {
	*words = NULL;
	*count = 0;
	if (TessBaseAPIRecognize(api, NULL) != 0) {
		return 1;
	}
	TessResultIterator *it = TessBaseAPIGetIterator(api);
	if (it == NULL) {
		return 0; // nothing on the page
	}
	const TessPageIterator *page = TessResultIteratorGetPageIteratorConst(it);
	int capacity = 0, block = 0, para = 0, line = 0;
	sohoa_word *out = NULL;
	do {
		// Count beginnings on every element, empty or not, so that a line
		// whose first element is empty still starts a new line.
		if (TessPageIteratorIsAtBeginningOf(page, RIL_BLOCK)) {
			block++;
		}
		if (TessPageIteratorIsAtBeginningOf(page, RIL_PARA)) {
			para++;
		}
		if (TessPageIteratorIsAtBeginningOf(page, RIL_TEXTLINE)) {
			line++;
		}
		char *text = TessResultIteratorGetUTF8Text(it, RIL_WORD);
		if (text == NULL) {
			continue; // empty element
		}
		if (*count == capacity) {
			capacity = capacity ? 2 * capacity : 512;
			sohoa_word *grown = realloc(out, capacity * sizeof(sohoa_word));
			if (grown == NULL) {
				TessDeleteText(text);
				break;
			}
			out = grown;
		}
		sohoa_word *w = &out[*count];
		w->text = text;
		TessPageIteratorBoundingBox(page, RIL_WORD, &w->left, &w->top, &w->right, &w->bottom);
		w->confidence = TessResultIteratorConfidence(it, RIL_WORD);
		w->block = block;
		w->para = para;
		w->line = line;
		(*count)++;
	} while (TessResultIteratorNext(it, RIL_WORD));
	TessResultIteratorDelete(it);
	*words = out;
	return 0;
}

static void sohoa_free_words(sohoa_word *words, int count) {
	for (int i = 0; i < count; i++) {
		TessDeleteText(words[i].text);
	}
	free(words);
}

static sohoa_word *sohoa_word_at(sohoa_word *words, int i) { return &words[i]; }
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"strings"
	"unsafe"
)

// tessAPI is a Tesseract instance driven through Tesseract's C API. It
// replaces gosseract for recognition because gosseract's word-box call
// never frees the result iterator nor the words' strings (measured: the
// resident set grew by about 20 KiB a page, without bound).
type tessAPI struct {
	api *C.TessBaseAPI
}

// tessWord is one word as Tesseract reads it, before cleaning.
type tessWord struct {
	text                   string
	box                    image.Rectangle
	confidence             float64 // 0..100
	block, paragraph, line int     // numbered from 1 as they begin
}

// newTessAPI loads the models of languages and applies variables.
func newTessAPI(languages []string, tessdataPrefix string, variables map[string]string) (*tessAPI, error) {
	api := C.TessBaseAPICreate()
	if api == nil {
		return nil, errors.New("cannot create Tesseract instance")
	}
	var datapath *C.char
	if tessdataPrefix != "" {
		datapath = C.CString(tessdataPrefix)
		defer C.free(unsafe.Pointer(datapath))
	}
	lang := C.CString(strings.Join(languages, "+"))
	defer C.free(unsafe.Pointer(lang))
	initMu.Lock()
	rc := C.sohoa_init(api, datapath, lang)
	initMu.Unlock()
	if rc != 0 {
		C.TessBaseAPIDelete(api)
		return nil, fmt.Errorf("load %s: Tesseract cannot load these models (is each *.traineddata installed, e.g. Debian's tesseract-ocr-vie?)", strings.Join(languages, "+"))
	}
	t := &tessAPI{api: api}
	for name, value := range variables {
		if err := t.setVariable(name, value); err != nil {
			t.close()
			return nil, err
		}
	}
	return t, nil
}

func (t *tessAPI) setVariable(name, value string) error {
	n, v := C.CString(name), C.CString(value)
	defer C.free(unsafe.Pointer(n))
	defer C.free(unsafe.Pointer(v))
	if C.TessBaseAPISetVariable(t.api, n, v) == 0 {
		return fmt.Errorf("set %s=%s: unknown variable or bad value", name, value)
	}
	return nil
}

// availableLanguages lists the models in the tessdata folder this instance
// was loaded from.
func (t *tessAPI) availableLanguages() []string {
	arr := C.TessBaseAPIGetAvailableLanguagesAsVector(t.api)
	if arr == nil {
		return nil
	}
	defer C.TessDeleteTextArray(arr)
	var langs []string
	for _, p := range unsafe.Slice(arr, 1<<16) {
		if p == nil {
			break
		}
		langs = append(langs, C.GoString(p))
	}
	return langs
}

func (t *tessAPI) setPageSegMode(mode C.TessPageSegMode) {
	C.TessBaseAPISetPageSegMode(t.api, mode)
}

// setPixels hands Tesseract a page as raw pixels; Tesseract copies them.
func (t *tessAPI) setPixels(p pixels, dpi int) {
	C.sohoa_set_raw(t.api, (*C.uchar)(unsafe.Pointer(&p.data[0])), C.int(p.width), C.int(p.height),
		C.int(p.channels), C.int(dpi))
}

// setEncoded hands Tesseract a page encoded as BMP, PNM or PNG.
func (t *tessAPI) setEncoded(data []byte, dpi int) error {
	if len(data) == 0 {
		return errors.New("no image data")
	}
	if C.sohoa_set_encoded(t.api, (*C.uchar)(unsafe.Pointer(&data[0])), C.size_t(len(data)), C.int(dpi)) == 0 {
		return errors.New("leptonica cannot decode the image")
	}
	return nil
}

// recognize reads the page set last and returns its words in reading
// order. Tesseract's copy of the page is released afterwards, and the
// freed C memory returned to the kernel.
func (t *tessAPI) recognize() ([]tessWord, error) {
	var words *C.sohoa_word
	var count C.int
	rc := C.sohoa_recognize(t.api, &words, &count)
	// Deferred calls run last first: the page is cleared, then the C
	// memory it used goes back to the kernel.
	defer releaseCMemory()
	defer C.TessBaseAPIClear(t.api)
	if rc != 0 {
		return nil, errors.New("recognition failed")
	}
	defer C.sohoa_free_words(words, count)
	out := make([]tessWord, int(count))
	for i := range out {
		w := C.sohoa_word_at(words, C.int(i))
		out[i] = tessWord{
			text:       C.GoString(w.text),
			box:        image.Rect(int(w.left), int(w.top), int(w.right), int(w.bottom)),
			confidence: float64(w.confidence),
			block:      int(w.block),
			paragraph:  int(w.para),
			line:       int(w.line),
		}
	}
	return out, nil
}

func (t *tessAPI) close() {
	C.TessBaseAPIEnd(t.api)
	C.TessBaseAPIDelete(t.api)
}

// tesseractVersion is the version of the linked Tesseract library.
func tesseractVersion() string { return C.GoString(C.TessVersion()) }
