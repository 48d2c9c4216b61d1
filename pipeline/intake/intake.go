// Package intake finds the documents in the user's input paths and decodes
// their pages.
//
// A file is one document (PNG, JPEG, TIFF including multi-page TIFF, or a
// scanned PDF); a folder that holds only page images is one document whose
// pages are the images in natural order (page2 before page10).
package intake

import "image"

// Document is one input document: the files it was read from, in page order.
type Document struct {
	// Name is a human name for the document: the file or folder name.
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
	// source ("jpeg" only for now) so a writer can pass it through untouched.
	Encoded []byte
	Format  string
	// DPI is the resolution the source declared, 0 when unknown.
	DPI float64
}
