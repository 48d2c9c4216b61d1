// Package intake finds the documents in the user's input paths and decodes
// their pages.
//
// # Discovery (Discover)
//
//   - An input that is a file is one document, whatever its type.
//   - An input that is a folder is a batch folder. Each file directly in it
//     is one document. Each subfolder that holds only page images (PNG,
//     JPEG or single-page TIFF; no subfolders) is one document whose pages
//     are its images in natural order: page-2 before page-10, letters
//     compared case-insensitively, digit runs compared as numbers. Any
//     other subfolder is walked as a batch folder again.
//   - Hidden files and folders (name starting with ".") are ignored.
//     Sidecar files (.csv .json .txt .md .xml) are skipped silently, also
//     when deciding whether a folder holds only page images. Any other file
//     becomes a document, so one of an unknown type fails visibly with
//     "unsupported file type" instead of vanishing.
//   - A file with an image extension whose content cannot be recognised
//     (empty, damaged) still counts as a page image, so a page folder with
//     one bad page fails as one document rather than splitting up.
//   - Order is deterministic (natural order at every level); symlinks are
//     followed, but a symlink back to a folder being walked is skipped.
//   - Document.Name is the path relative to the input's parent, with
//     forward slashes ("batch-2024/hs-001/page-1.png" style), stable across
//     runs: messages and the stored original use it.
//
// # Decoding (Document.Pages)
//
// Types are detected by content, not extension: PNG, JPEG, TIFF (including
// multi-page TIFF; thumbnails are skipped) and scanned PDF (the largest image
// of each page, through Form XObjects; a text layer or signature is
// ignored). Pages are decoded one at a time. Declared sizes are checked
// against Limits before any pixel is decoded. Every failure is an *Error
// naming the file and page, in one of the categories ErrUnsupported,
// ErrCorrupt, ErrEmpty, ErrTooLarge, ErrEncrypted, ErrNotFound; a decoder
// panic on hostile data becomes ErrCorrupt.
package intake

import "image"

// Document is one input document: the files it was read from, in page order.
type Document struct {
	// Name is a human name for the document: its path relative to the
	// parent of the input it was found in, with forward slashes
	// ("batch/hs-001", "batch/scan.pdf"). It is stable across runs and is
	// used in messages and as the stored original's name.
	Name string
	// Path is the file or folder the user gave or that discovery found.
	Path string
	// Files are the files holding its pages, in page order (one for a file
	// document).
	Files []string
}

// Page is one decoded page of a document.
type Page struct {
	// Index is the page number in the document, from 0.
	Index int
	// File is the source file the page came from.
	File string
	// Image holds the pixels.
	Image image.Image
	// Encoded and Format, when set, hold the page exactly as stored in the
	// source (a whole "jpeg" or "png" file) so a writer can pass it through
	// untouched.
	Encoded []byte
	Format  string
	// DPI is the resolution the source declared, 0 when unknown.
	DPI float64
	// ICCProfile is the ICC colour profile the source declares for the
	// page's pixels, nil if none: a TIFF page's InterColorProfile tag
	// (34675, read per page) or the stream of a scanned PDF image's
	// ICCBased colour space (of the base space, for an Indexed one). It
	// is given as found, only bounded in size (icc.MaxSourceProfile);
	// whether it is usable for the pixels is the writer's call. A PNG's or JPEG's own
	// profile stays inside Encoded and is not copied here. An unreadable
	// profile is left out; it never fails the page.
	ICCProfile []byte
}
