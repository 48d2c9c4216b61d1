package ocr

/*
#cgo LDFLAGS: -ltesseract
#include <stdlib.h>
#include <tesseract/capi.h>

// sohoa_osd runs Tesseract's orientation detection on raw pixels. The
// pixels are copied by TessBaseAPISetImage, so the caller's buffer is only
// borrowed for the duration of the call. It returns 0 when OSD found too
// little text to decide.
static int sohoa_osd(TessBaseAPI *api, const unsigned char *data, int width, int height,
                     int bytes_per_pixel, int dpi, int *orient_deg, float *orient_conf) {
	const char *script = NULL;
	float script_conf = 0;
	TessBaseAPISetImage(api, data, width, height, bytes_per_pixel, width * bytes_per_pixel);
	if (dpi > 0) {
		TessBaseAPISetSourceResolution(api, dpi);
	}
	int ok = TessBaseAPIDetectOrientationScript(api, orient_deg, orient_conf, &script, &script_conf);
	TessBaseAPIClear(api);
	return ok;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// osdEngine is a Tesseract instance loaded with the "osd" model only, used
// through Tesseract's C API because gosseract has no OSD call.
type osdEngine struct {
	api *C.TessBaseAPI
}

func newOSDEngine(tessdataPrefix string) (*osdEngine, error) {
	api := C.TessBaseAPICreate()
	if api == nil {
		return nil, errors.New("osd: cannot create Tesseract instance")
	}
	var datapath *C.char
	if tessdataPrefix != "" {
		datapath = C.CString(tessdataPrefix)
		defer C.free(unsafe.Pointer(datapath))
	}
	lang := C.CString("osd")
	defer C.free(unsafe.Pointer(lang))
	initMu.Lock()
	rc := C.TessBaseAPIInit3(api, datapath, lang)
	initMu.Unlock()
	if rc != 0 {
		C.TessBaseAPIDelete(api)
		return nil, fmt.Errorf("osd: load model \"osd\" (Debian package tesseract-ocr-osd): code %d", int(rc))
	}
	name, value := C.CString("debug_file"), C.CString("/dev/null")
	defer C.free(unsafe.Pointer(name))
	defer C.free(unsafe.Pointer(value))
	C.TessBaseAPISetVariable(api, name, value)
	C.TessBaseAPISetPageSegMode(api, C.PSM_OSD_ONLY)
	return &osdEngine{api: api}, nil
}

// errTooLittleText means OSD found too few characters to judge.
var errTooLittleText = errors.New("osd: too little text")

// detect returns Tesseract's page orientation: the angle by which the
// content is turned clockwise from upright (0, 90, 180, 270; measured: a
// page turned 90° clockwise gives 90) and its confidence on Tesseract's own
// scale (a margin, about 12 for six lines of clean print; higher is surer).
func (o *osdEngine) detect(p pixels, dpi int) (orientDeg int, conf float64, err error) {
	var deg C.int
	var oc C.float
	ok := C.sohoa_osd(o.api, (*C.uchar)(unsafe.Pointer(&p.data[0])), C.int(p.width), C.int(p.height),
		C.int(p.channels), C.int(dpi), &deg, &oc)
	if ok == 0 {
		return 0, 0, errTooLittleText
	}
	return int(deg), float64(oc), nil
}

func (o *osdEngine) close() {
	C.TessBaseAPIEnd(o.api)
	C.TessBaseAPIDelete(o.api)
}
