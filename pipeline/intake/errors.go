package intake

import (
	"errors"
	"fmt"
)

// Categories of intake failures, checked with errors.Is on any error that
// Discover or Document.Pages returns.
var (
	// ErrUnsupported: a file type, compression or colour space this package
	// cannot read.
	ErrUnsupported = errors.New("unsupported input")
	// ErrCorrupt: the file is damaged or truncated.
	ErrCorrupt = errors.New("corrupt input")
	// ErrEmpty: a 0-byte file.
	ErrEmpty = errors.New("empty input")
	// ErrTooLarge: the file declares more pixels or pages than Limits allow.
	ErrTooLarge = errors.New("input too large")
	// ErrEncrypted: a PDF that needs a password to open.
	ErrEncrypted = errors.New("encrypted input")
	// ErrNotFound: an input path that does not exist or cannot be read.
	ErrNotFound = errors.New("input not found")
)

// Error reports why a file or one of its pages could not be read.
type Error struct {
	// File is the document-relative name of the file (Document.Name for a
	// file document, the page image's name for a folder document).
	File string
	// Page is the 1-based page number in the document, 0 for the whole file.
	Page int
	// Reason says what went wrong in words a user understands.
	Reason string
	// Err is the underlying cause, if any (often a decoder error).
	Err error
	// Kind is one of the Err* categories above.
	Kind error
}

func (e *Error) Error() string {
	s := e.File
	if e.Page > 0 {
		s += fmt.Sprintf(": page %d", e.Page)
	}
	s += ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrCorrupt) and friends work without the category
// being part of the message.
func (e *Error) Is(target error) bool { return e.Kind != nil && target == e.Kind }

// failure builds an *Error; file and page are filled in by the caller that
// knows them (see withPlace), so decoders only say what went wrong.
func failure(kind error, cause error, format string, args ...any) *Error {
	return &Error{Reason: fmt.Sprintf(format, args...), Err: cause, Kind: kind}
}

// withPlace names the file and page on err, turning any plain error into an
// ErrCorrupt *Error: an error we did not classify came from a decoder that
// choked on the data.
func withPlace(err error, file string, page int) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		if e.File == "" {
			e.File = file
		}
		if e.Page == 0 {
			e.Page = page
		}
		return e
	}
	return &Error{File: file, Page: page, Reason: "cannot decode", Err: err, Kind: ErrCorrupt}
}
