package signer

import (
	"context"
	"fmt"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// dssRevision appends an update that adds the validation material to the
// catalog's Document Security Store (PAdES B-LT): every certificate, OCSP
// response and CRL as a stream, kept alongside what an earlier DSS held.
func dssRevision(ctx context.Context, doc *chunks, ri *revocationInfo) ([]byte, error) {
	d, err := readDocument(ctx, doc, doc.size())
	if err != nil {
		return nil, err
	}
	u := newUpdate(d)
	old := types.Dict{}
	if o, err := d.xref.DereferenceDict(d.catalog["DSS"]); err == nil && o != nil {
		old = o
	}
	list := func(key string, items [][]byte) string {
		var refs []string
		if arr, err := d.xref.DereferenceArray(old[key]); err == nil {
			for _, r := range arr {
				refs = append(refs, objectString(r))
			}
		}
		for _, it := range items {
			ref := u.alloc()
			u.stream(ref, "", it)
			refs = append(refs, ref.PDFString())
		}
		return "[" + strings.Join(refs, " ") + "]"
	}
	certs := make([][]byte, len(ri.certs))
	for i, c := range ri.certs {
		certs[i] = c.Raw
	}
	dss := fmt.Sprintf("<</Type /DSS /Certs %s /OCSPs %s /CRLs %s>>",
		list("Certs", certs), list("OCSPs", ri.ocsps), list("CRLs", ri.crls))
	dssRef := u.alloc()
	u.object(dssRef, dss)
	catalog := d.catalog.Clone().(types.Dict)
	catalog["DSS"] = dssRef
	u.object(d.root, catalog.PDFString())
	u.finish(newFileID([]byte(d.id0), []byte("DSS"), fmt.Append(nil, d.size)))
	return u.buf.Bytes(), nil
}
