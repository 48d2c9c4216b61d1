package intake

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/filter"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"golang.org/x/image/ccitt"

	"github.com/sohoa/sohoa/internal/icc"
)

// maxFormDepth bounds the walk through nested Form XObjects.
const maxFormDepth = 8

// pdfDoc is an opened PDF. pdfcpu keeps the file's objects in memory (still
// encoded); pages are decoded one at a time.
type pdfDoc struct {
	xref  *model.XRefTable
	pages int
}

// openPDF reads the PDF at path. An empty user password is tried, as every
// viewer does; a PDF that needs a real one is an ErrEncrypted failure.
func openPDF(ctx context.Context, path string, lim Limits) (*pdfDoc, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, failure(ErrNotFound, err, "cannot open")
	}
	defer f.Close()
	// A hand-built configuration: model.NewDefaultConfiguration would
	// create pdfcpu's config folder in the user's home as a side effect.
	conf := &model.Configuration{
		Reader15:       true,
		ValidationMode: model.ValidationRelaxed,
		Limits:         model.DefaultResourceLimits(),
		Cmd:            model.EXTRACTIMAGES,
	}
	var pc *model.Context
	err = safely(func() error {
		var err error
		pc, err = pdfcpu.ReadWithContext(ctx, f, conf)
		if err != nil {
			return err
		}
		return pc.EnsurePageCount()
	})
	if err != nil {
		return nil, pdfOpenError(ctx, err)
	}
	if pc.PageCount <= 0 {
		return nil, failure(ErrCorrupt, nil, "invalid PDF: no pages")
	}
	if pc.PageCount > lim.MaxPages {
		return nil, failure(ErrTooLarge, nil, "too many pages: %d exceeds the limit of %d", pc.PageCount, lim.MaxPages)
	}
	return &pdfDoc{xref: pc.XRefTable, pages: pc.PageCount}, nil
}

func pdfOpenError(ctx context.Context, err error) error {
	var e *Error
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &e):
		return e
	case errors.Is(err, pdfcpu.ErrWrongPassword):
		return failure(ErrEncrypted, nil, "password-protected PDF: a user password is needed to open it")
	case strings.Contains(strings.ToLower(err.Error()), "encrypt"):
		return failure(ErrEncrypted, err, "unsupported PDF encryption")
	}
	return failure(ErrCorrupt, err, "invalid PDF")
}

func countPDFPages(ctx context.Context, path string, lim Limits) (int, error) {
	d, err := openPDF(ctx, path, lim)
	if err != nil {
		return 0, err
	}
	return d.pages, nil
}

func decodePDF(ctx context.Context, path string, lim Limits, emit func(Page) error) error {
	d, err := openPDF(ctx, path, lim)
	if err != nil {
		return err
	}
	for nr := 1; nr <= d.pages; nr++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var p Page
		err := safely(func() error {
			var err error
			p, err = d.page(nr, lim)
			return err
		})
		if err != nil {
			return withPlace(pdfPageError(err), "", nr)
		}
		p.Index = nr - 1
		if err := emit(p); err != nil {
			return err
		}
	}
	return nil
}

func pdfPageError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return failure(ErrCorrupt, err, "invalid PDF page")
}

// pdfImage is an image XObject found on a page.
type pdfImage struct {
	name   string // resource name, to find where the content stream places it
	sd     *types.StreamDict
	w, h   int
	inForm bool // reached through a Form XObject: its placement is not tracked
}

// page decodes the scanned image of page nr: the largest image XObject.
func (d *pdfDoc) page(nr int, lim Limits) (Page, error) {
	pageDict, _, inherited, err := d.xref.PageDict(nr, false)
	if err != nil {
		return Page{}, failure(ErrCorrupt, err, "invalid PDF page")
	}
	var images []pdfImage
	if inherited != nil && inherited.Resources != nil {
		d.collectImages(inherited.Resources, 0, map[int]bool{}, false, &images)
	}
	if len(images) == 0 {
		return Page{}, failure(ErrUnsupported, nil, "no scanned image on the page")
	}
	best := images[0]
	for _, im := range images[1:] {
		if int64(im.w)*int64(im.h) > int64(best.w)*int64(best.h) {
			best = im
		}
	}
	if err := checkPixels(int64(best.w), int64(best.h), lim); err != nil {
		return Page{}, err
	}
	img, encoded, err := d.decodeImage(best, lim)
	if err != nil {
		return Page{}, err
	}
	p := Page{Image: img, DPI: d.imageDPI(pageDict, nr, inherited, best), ICCProfile: d.iccProfile(best.sd)}
	if encoded != nil {
		p.Encoded, p.Format = encoded, "jpeg"
	}
	return p, nil
}

// collectImages gathers the image XObjects of a resource dictionary and of
// the Form XObjects it holds.
func (d *pdfDoc) collectImages(res types.Dict, depth int, seen map[int]bool, inForm bool, out *[]pdfImage) {
	obj, ok := res.Find("XObject")
	if !ok {
		return
	}
	xobjects, err := d.xref.DereferenceDict(obj)
	if err != nil || xobjects == nil {
		return
	}
	for name, ref := range xobjects {
		if ir, ok := ref.(types.IndirectRef); ok {
			nr := ir.ObjectNumber.Value()
			if seen[nr] {
				continue
			}
			seen[nr] = true
		}
		sd, _, err := d.xref.DereferenceStreamDict(ref)
		if err != nil || sd == nil {
			continue
		}
		switch subtype := sd.NameEntry("Subtype"); {
		case subtype != nil && *subtype == "Image":
			w, _ := d.intEntry(sd.Dict, "Width")
			h, _ := d.intEntry(sd.Dict, "Height")
			*out = append(*out, pdfImage{name: name, sd: sd, w: w, h: h, inForm: inForm})
		case subtype != nil && *subtype == "Form" && depth < maxFormDepth:
			if o, ok := sd.Find("Resources"); ok {
				if formRes, err := d.xref.DereferenceDict(o); err == nil && formRes != nil {
					d.collectImages(formRes, depth+1, seen, true, out)
				}
			}
		}
	}
}

// iccProfile returns the decoded ICC profile of an image whose colour space
// is ICCBased, or Indexed over an ICCBased base (the palette's colours are
// in it), and nil for any other image or a profile stream that cannot be
// read within icc.MaxSourceProfile: a bad profile costs the profile, not the page.
func (d *pdfDoc) iccProfile(sd *types.StreamDict) []byte {
	o, ok := sd.Find("ColorSpace")
	if !ok || d.boolEntry(sd.Dict, "ImageMask") {
		return nil
	}
	var profile []byte
	err := safely(func() error {
		for range 2 { // the image's space, then an Indexed space's base
			space, err := d.xref.Dereference(o)
			if err != nil {
				return err
			}
			arr, _ := space.(types.Array)
			if len(arr) < 2 {
				return nil
			}
			switch name, _ := arr[0].(types.Name); name {
			case "Indexed", "I":
				o = arr[1]
				continue
			case "ICCBased":
				ps, _, err := d.xref.DereferenceStreamDict(arr[1])
				if err != nil || ps == nil {
					return err
				}
				profile, err = applyFilters(ps.Raw, ps.FilterPipeline, icc.MaxSourceProfile)
				return err
			}
			return nil
		}
		return nil
	})
	if err != nil || len(profile) < icc.HeaderSize || len(profile) > icc.MaxSourceProfile {
		return nil
	}
	return profile
}

func (d *pdfDoc) intEntry(dict types.Dict, key string) (int, bool) {
	o, ok := dict.Find(key)
	if !ok {
		return 0, false
	}
	i, err := d.xref.DereferenceInteger(o)
	if err != nil || i == nil {
		return 0, false
	}
	return i.Value(), true
}

func (d *pdfDoc) boolEntry(dict types.Dict, key string) bool {
	o, ok := dict.Find(key)
	if !ok {
		return false
	}
	o, err := d.xref.Dereference(o)
	if err != nil {
		return false
	}
	b, ok := o.(types.Boolean)
	return ok && b.Value()
}

// imageDPI is the image's pixels per inch of the page: from where the
// content stream places it (its CTM) when that is known, else from the
// MediaBox, which a scanned page fills.
func (d *pdfDoc) imageDPI(pageDict types.Dict, nr int, inherited *model.InheritedPageAttrs, im pdfImage) float64 {
	if !im.inForm {
		if content, err := d.xref.PageContent(pageDict, nr); err == nil {
			if size, ok := placedSizes(content)[im.name]; ok && size[0] > 0 {
				return roundDPI(float64(im.w) / (size[0] / 72))
			}
		}
	}
	if inherited == nil || inherited.MediaBox == nil {
		return 0
	}
	mw, mh := inherited.MediaBox.Width(), inherited.MediaBox.Height()
	if (im.w > im.h) != (mw > mh) {
		mw = mh // the image lies across the page: its width spans the height
	}
	if mw <= 0 {
		return 0
	}
	return roundDPI(float64(im.w) / (mw / 72))
}

// decodeImage decodes an image XObject. It returns the JPEG bytes too when
// the stream is a plain DCTDecode JPEG a writer can pass through.
func (d *pdfDoc) decodeImage(im pdfImage, lim Limits) (image.Image, []byte, error) {
	sd := im.sd
	filters := sd.FilterPipeline
	for _, f := range filters {
		if f.Name == filter.JBIG2 || f.Name == filter.JPX {
			return nil, nil, failure(ErrUnsupported, nil, "unsupported image compression %s", f.Name)
		}
	}
	var last string
	if len(filters) > 0 {
		last = filters[len(filters)-1].Name
	}
	imageFilter := last == filter.DCT || last == filter.CCITTFax
	transport := filters
	if imageFilter {
		transport = filters[:len(filters)-1]
	}
	for _, f := range transport {
		if f.Name == filter.DCT || f.Name == filter.CCITTFax {
			return nil, nil, failure(ErrUnsupported, nil, "unsupported filter chain: %s before other filters", f.Name)
		}
	}
	// Bound what the transport filters may inflate to: the declared image
	// at its widest sample layout, so a Flate bomb stops early.
	maxBytes := int64(im.w)*int64(im.h)*8 + 1<<20
	data, err := applyFilters(sd.Raw, transport, maxBytes)
	if err != nil {
		return nil, nil, err
	}
	switch last {
	case filter.DCT:
		return decodePDFJPEG(data, len(filters) == 1, lim)
	case filter.CCITTFax:
		img, err := d.decodeCCITT(im, data, filters[len(filters)-1].DecodeParms, lim)
		return img, nil, err
	}
	img, err := d.decodeSamples(im, data)
	return img, nil, err
}

func applyFilters(data []byte, filters []types.PDFFilter, maxBytes int64) ([]byte, error) {
	for _, f := range filters {
		fi, err := filter.NewFilter(f.Name, filterParms(f.DecodeParms), maxBytes)
		if err != nil {
			if errors.Is(err, filter.ErrUnsupportedFilter) {
				return nil, failure(ErrUnsupported, nil, "unsupported image compression %s", f.Name)
			}
			return nil, failure(ErrCorrupt, err, "invalid image filter %s", f.Name)
		}
		r, err := fi.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, failure(ErrCorrupt, err, "cannot decode %s image data", f.Name)
		}
		if bb, ok := r.(*bytes.Buffer); ok {
			data = bb.Bytes() // pdfcpu's filters decode whole; avoid a copy
			continue
		}
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(r); err != nil {
			return nil, failure(ErrCorrupt, err, "cannot decode %s image data", f.Name)
		}
		data = buf.Bytes()
	}
	return data, nil
}

// filterParms turns DecodeParms into the integer map pdfcpu's filters take
// (booleans as 0/1).
func filterParms(d types.Dict) map[string]int {
	parms := map[string]int{}
	for k, v := range d {
		switch v := v.(type) {
		case types.Integer:
			parms[k] = v.Value()
		case types.Boolean:
			if v.Value() {
				parms[k] = 1
			} else {
				parms[k] = 0
			}
		}
	}
	return parms
}

func decodePDFJPEG(data []byte, plain bool, lim Limits) (image.Image, []byte, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, nil, imageError(FormatJPEG, err)
	}
	if err := checkPixels(int64(cfg.Width), int64(cfg.Height), lim); err != nil {
		return nil, nil, err
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, nil, imageError(FormatJPEG, err)
	}
	if _, cmyk := img.(*image.CMYK); cmyk || !plain {
		return img, nil, nil
	}
	return img, data, nil
}

// decodeCCITT decodes a CCITTFaxDecode image into gray pixels (0 black).
func (d *pdfDoc) decodeCCITT(im pdfImage, data []byte, parms types.Dict, lim Limits) (image.Image, error) {
	p := filterParms(parms)
	k := p["K"]
	if k > 0 {
		return nil, failure(ErrUnsupported, nil, "unsupported image compression CCITTFaxDecode with mixed 1-D/2-D coding (K=%d)", k)
	}
	cols, ok := p["Columns"]
	if !ok {
		cols = 1728
	}
	rows := p["Rows"]
	if rows <= 0 {
		rows = im.h
	}
	if err := checkPixels(int64(cols), int64(rows), lim); err != nil {
		return nil, err
	}
	sub := ccitt.Group3
	if k < 0 {
		sub = ccitt.Group4
	}
	img := image.NewGray(image.Rect(0, 0, cols, rows))
	opts := &ccitt.Options{Invert: p["BlackIs1"] == 1, Align: p["EncodedByteAlign"] == 1}
	if err := ccitt.DecodeIntoGray(img, bytes.NewReader(data), ccitt.MSB, sub, opts); err != nil {
		return nil, failure(ErrCorrupt, err, "invalid CCITT image data")
	}
	if dec := d.decodeArray(im.sd.Dict); len(dec) >= 2 && dec[0] > dec[1] {
		for i := range img.Pix {
			img.Pix[i] = 255 - img.Pix[i]
		}
	}
	return img, nil
}

func (d *pdfDoc) decodeArray(dict types.Dict) []float64 {
	o, ok := dict.Find("Decode")
	if !ok {
		return nil
	}
	arr, err := d.xref.DereferenceArray(o)
	if err != nil {
		return nil
	}
	out := make([]float64, 0, len(arr))
	for _, v := range arr {
		f, err := d.xref.DereferenceNumber(v)
		if err != nil {
			return nil
		}
		out = append(out, f)
	}
	return out
}
