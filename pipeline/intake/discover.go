package intake

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// maxFolderDepth bounds how deep discovery walks, so that a pathological
// tree (or a loop that defeats the identity check) cannot run forever.
const maxFolderDepth = 64

// Discover finds the documents in the user's inputs, following the rules in
// the package comment. It returns every document it found, in a
// deterministic order, and every problem it met on the way; a problem with
// one input does not stop the others.
func Discover(inputs []string) ([]Document, []error) {
	return DiscoverWith(inputs, Options{})
}

// Options tune discovery.
type Options struct {
	// FolderIsDocument makes every INPUT folder one document whose pages
	// are the page images in it (natural order), instead of a batch folder.
	// A folder that holds anything else is reported as an error.
	FolderIsDocument bool
}

// DiscoverWith is Discover with options.
func DiscoverWith(inputs []string, opts Options) ([]Document, []error) {
	w := walker{opts: opts}
	for _, input := range inputs {
		w.input(input)
	}
	return w.unique(), w.errs
}

// unique drops documents whose name was already taken (the same input given
// twice, or two inputs with the same folder name): names must identify the
// stored originals.
func (w *walker) unique() []Document {
	seen := map[string]string{}
	var out []Document
	for _, d := range w.docs {
		if first, dup := seen[d.Name]; dup {
			if first != d.Path {
				w.fail(d.Name, ErrUnsupported, nil, fmt.Sprintf("same name as %s: rename one of them", first))
			}
			continue
		}
		seen[d.Name] = d.Path
		out = append(out, d)
	}
	return out
}

type walker struct {
	opts Options
	docs []Document
	errs []error
}

func (w *walker) fail(name string, kind, cause error, reason string) {
	w.errs = append(w.errs, &Error{File: name, Reason: reason, Err: cause, Kind: kind})
}

func (w *walker) input(input string) {
	info, err := os.Stat(input) // follows a symlink given as input
	if err != nil {
		w.fail(input, ErrNotFound, err, "cannot read input")
		return
	}
	abs, err := filepath.Abs(input)
	if err != nil {
		w.fail(input, ErrNotFound, err, "cannot resolve input path")
		return
	}
	// Names are relative to the input's parent, so a batch folder's name
	// stays part of every document name.
	name := filepath.Base(abs)
	switch {
	case info.Mode().IsRegular():
		w.docs = append(w.docs, Document{Name: name, Path: input, Files: []string{input}})
	case info.IsDir() && w.opts.FolderIsDocument:
		files, ok := pageImageFolder(input)
		if !ok {
			w.fail(name, ErrUnsupported, nil, "not a folder of page images (PNG, JPEG or single-page TIFF only)")
			return
		}
		w.docs = append(w.docs, Document{Name: name, Path: input, Files: files})
	case info.IsDir():
		before := len(w.docs)
		w.batch(input, name, []os.FileInfo{info})
		if len(w.docs) == before {
			w.fail(name, ErrNotFound, nil, "no documents found")
		}
	default:
		w.fail(name, ErrUnsupported, nil, "not a regular file or folder")
	}
}

// entry is one visible directory entry with symlinks resolved.
type entry struct {
	name string
	path string
	info os.FileInfo
}

// list reads dir's visible entries in natural order, resolving symlinks.
func (w *walker) list(dir, name string) []entry {
	des, err := os.ReadDir(dir)
	if err != nil {
		w.fail(name, ErrNotFound, err, "cannot read folder")
		return nil
	}
	var out []entry
	for _, de := range des {
		if isHidden(de.Name()) {
			continue
		}
		p := filepath.Join(dir, de.Name())
		info, err := os.Stat(p)
		if err != nil {
			// A dangling symlink or a file that vanished.
			w.fail(path.Join(name, de.Name()), ErrNotFound, err, "cannot read")
			continue
		}
		out = append(out, entry{name: de.Name(), path: p, info: info})
	}
	slices.SortFunc(out, func(a, b entry) int {
		if c := naturalCompare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	return out
}

// batch walks a batch folder. ancestors are the folders on the way down, to
// recognise a symlink that leads back up (a loop).
func (w *walker) batch(dir, name string, ancestors []os.FileInfo) {
	if len(ancestors) > maxFolderDepth {
		w.fail(name, ErrUnsupported, nil, "folders nested too deep")
		return
	}
	for _, e := range w.list(dir, name) {
		childName := path.Join(name, e.name)
		switch {
		case e.info.IsDir():
			if slices.ContainsFunc(ancestors, func(a os.FileInfo) bool { return os.SameFile(a, e.info) }) {
				continue // symlink loop: this folder is already being walked
			}
			if files, ok := pageImageFolder(e.path); ok {
				w.docs = append(w.docs, Document{Name: childName, Path: e.path, Files: files})
				continue
			}
			w.batch(e.path, childName, append(slices.Clip(ancestors), e.info))
		case !e.info.Mode().IsRegular():
			// Opening a FIFO or device could block forever.
			w.fail(childName, ErrUnsupported, nil, "not a regular file")
		case isSidecar(e.name):
			// Registers and scanner logs travel with scans; not documents.
		default:
			// Unknown types become documents too, so the user sees them
			// fail with "unsupported file type" instead of vanishing.
			w.docs = append(w.docs, Document{Name: childName, Path: e.path, Files: []string{e.path}})
		}
	}
}

// imageExts name page images whose content could not be recognised (empty
// or damaged): they still count as pages so the folder stays one document
// and fails as a whole, rather than splitting into one document per page.
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".tif": true, ".tiff": true}

// pageImageFolder reports whether dir holds only page images (ignoring
// hidden and sidecar files) and returns them in natural order.
func pageImageFolder(dir string) ([]string, bool) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, false
	}
	var files []string
	for _, de := range des {
		if isHidden(de.Name()) {
			continue
		}
		p := filepath.Join(dir, de.Name())
		info, err := os.Stat(p)
		if err != nil || info.IsDir() || !info.Mode().IsRegular() {
			return nil, false
		}
		if isSidecar(de.Name()) {
			continue
		}
		if !isPageImage(p) {
			return nil, false
		}
		files = append(files, p)
	}
	slices.SortFunc(files, func(a, b string) int {
		if c := naturalCompare(filepath.Base(a), filepath.Base(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return files, len(files) > 0
}

// isPageImage: PNG, JPEG or single-page TIFF by content; an unreadable file
// with an image extension also counts (see imageExts).
func isPageImage(p string) bool {
	format, err := sniffFile(p)
	if err != nil || format == FormatUnknown {
		return imageExts[strings.ToLower(filepath.Ext(p))] && !errors.Is(err, fs.ErrPermission)
	}
	switch format {
	case FormatPNG, FormatJPEG:
		return true
	case FormatTIFF:
		n, err := countTIFFPages(p, 2)
		return err != nil || n == 1
	}
	return false
}
