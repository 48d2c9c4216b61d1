package pipeline

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sohoa/sohoa/internal/fsutil"

	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/pipeline/eark"
	"github.com/sohoa/sohoa/storage"
)

// ExportedPackage is one archive package written by ExportEARK.
type ExportedPackage struct {
	Dossier   string `json:"dossier"`
	Path      string `json:"path"`
	Documents int    `json:"documents"`
}

// ExportEARK writes the batch as E-ARK CSIP packages into dir, one zip per
// dossier (documents grouped by fileCode; those without one form a dossier
// named after the batch). Failed documents are not exported; they are
// returned as skipped. Every file is checked against the SHA-256 its record
// holds while it is copied.
func ExportEARK(ctx context.Context, s storage.Store, batch, dir string, now time.Time) ([]ExportedPackage, []string, error) {
	recs, err := Records(ctx, s, batch)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	dossiers := map[string][]eark.Document{}
	var skipped []string
	for _, r := range recs {
		if r.Status == metadata.StatusFailed {
			skipped = append(skipped, fmt.Sprintf("%s: failed (%s)", r.Name, r.Error))
			continue
		}
		md, err := loadMetadata(ctx, s, r)
		if err != nil {
			return nil, nil, err
		}
		doc := eark.Document{Metadata: *md}
		for _, o := range r.Objects {
			f := eark.File{Name: earkFileName(o, r), SHA256: o.SHA256, Open: opener(ctx, s, o.Key)}
			switch o.Role {
			case "original":
				f.Role, f.MIMEType = eark.RoleOriginal, mimeOf(o.Key)
			case "pdf":
				f.Role, f.MIMEType, f.FormatName, f.FormatVersion = eark.RoleDigitized, "application/pdf", "PDF/A", "2"
			default:
				continue
			}
			doc.Files = append(doc.Files, f)
		}
		for _, e := range r.Events {
			doc.Events = append(doc.Events, eark.Event{Type: premisEventType(e.Action), Time: e.Time, Actor: e.Actor, Tool: e.Tool, Detail: e.Detail})
		}
		key := md.FileCode
		if key == "" {
			key = batch
		}
		dossiers[key] = append(dossiers[key], doc)
	}
	names := make([]string, 0, len(dossiers))
	for k := range dossiers {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []ExportedPackage
	for _, name := range names {
		id := storage.SafeSegment(name)
		path := filepath.Join(dir, id+".zip")
		pkg := eark.Package{ID: id, FileCode: name, Title: name, Created: now, SoftwareVersion: Version, Documents: dossiers[name]}
		if err := fsutil.WriteFileAtomic(path, func(w io.Writer) error { return eark.Write(w, pkg) }); err != nil {
			return out, skipped, fmt.Errorf("dossier %s: %w", name, err)
		}
		out = append(out, ExportedPackage{Dossier: name, Path: path, Documents: len(pkg.Documents)})
	}
	return out, skipped, nil
}

func earkFileName(o Object, r *Record) string {
	if o.Role == "pdf" {
		return r.DocID + ".pdf"
	}
	return o.Key[strings.LastIndex(o.Key, "/")+1:]
}

func opener(ctx context.Context, s storage.Store, key string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		rc, _, err := s.Get(ctx, key)
		return rc, err
	}
}

func mimeOf(key string) string {
	switch strings.ToLower(filepath.Ext(key)) {
	case ".pdf":
		return "application/pdf"
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".tif", ".tiff":
		return "image/tiff"
	}
	return "application/octet-stream"
}

func premisEventType(action string) string {
	switch action {
	case "store-originals":
		return "ingestion"
	case "digitize":
		return "digitization"
	case "review":
		return "metadata modification"
	case "sign":
		return "digital signature generation"
	}
	return action
}
