package metadata

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// SchemaJSON is document.schema.json, the contract for metadata.json.
//
//go:embed document.schema.json
var SchemaJSON []byte

// schemaURL is where the embedded schema is registered in the compiler; it
// is never fetched.
const schemaURL = "mem:///sohoa/document.schema.json"

// compiledSchema compiles the embedded schema once, on first use. A
// sync.OnceValues is safe for concurrent callers and keeps no mutable state.
var compiledSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SchemaJSON))
	if err != nil {
		return nil, fmt.Errorf("parse document.schema.json: %w", err)
	}
	c := jsonschema.NewCompiler()
	// Without this, "format": "date" is only an annotation in draft 2020-12.
	c.AssertFormat()
	c.RegisterFormat(&jsonschema.Format{Name: "date", Validate: validateIssuedDate})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("add document.schema.json: %w", err)
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("compile document.schema.json: %w", err)
	}
	return sch, nil
})

// validateIssuedDate is the "date" format of the schema: a full-date
// (YYYY-MM-DD, a real calendar day) or the empty string. The empty string
// is what a document carries when its date could not be read (handwritten
// day, unreadable scan): the field is required, and the rule of this
// package is to leave an uncertain value empty and flag it for review
// rather than invent one. Such a document always has needsReview set.
func validateIssuedDate(v any) error {
	s, ok := v.(string)
	if !ok || s == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return fmt.Errorf("not a YYYY-MM-DD calendar date: %w", err)
	}
	return nil
}

// ErrInvalid is wrapped by the error Validate returns when a document does
// not satisfy the schema (as opposed to not being JSON at all).
var ErrInvalid = errors.New("metadata does not match document.schema.json")

// Validate checks a metadata.json document against document.schema.json.
// The error names every failing field by its JSON path, for example
// "codeNumber: length must be <= 11, but got 12" or
// "source.files.0.sha256: '...' does not match pattern ...".
func Validate(doc []byte) error {
	sch, err := compiledSchema()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("metadata: not JSON: %w", err)
	}
	err = sch.Validate(inst)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return fmt.Errorf("metadata: validate: %w", err)
	}
	problems := leafProblems(verr, message.NewPrinter(language.English))
	sort.Strings(problems)
	return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(problems, "; "))
}

// leafProblems flattens a validation error tree into "field: message"
// strings. Only leaves carry the useful message; inner nodes just say
// "validation failed" or point to a $ref.
func leafProblems(e *jsonschema.ValidationError, p *message.Printer) []string {
	if len(e.Causes) > 0 {
		var out []string
		for _, c := range e.Causes {
			out = append(out, leafProblems(c, p)...)
		}
		return out
	}
	field := strings.Join(e.InstanceLocation, ".")
	if req, ok := e.ErrorKind.(*kind.Required); ok {
		out := make([]string, 0, len(req.Missing))
		for _, m := range req.Missing {
			name := m
			if field != "" {
				name = field + "." + m
			}
			out = append(out, name+": required but missing")
		}
		return out
	}
	if field == "" {
		field = "(document)"
	}
	return []string{field + ": " + e.ErrorKind.LocalizedString(p)}
}
