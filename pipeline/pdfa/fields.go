package pdfa

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// XMPNamespace is the namespace of the document fields (Info.Fields) in the
// XMP metadata, and XMPPrefix its prefix. The URI only names the vocabulary
// of metadata.json schema version 1 and never needs to resolve; it must not
// change while that vocabulary stays the same, since archives search XMP by
// namespace. A PDF/A extension schema in every file declares it.
const (
	XMPNamespace = "https://github.com/sohoa/sohoa/ns/document/1/"
	XMPPrefix    = "sohoa"
)

// FieldType is the XMP value type of a document field.
type FieldType int

// The value types a field may have; the names in the comments are the XMP
// value types declared for them in the PDF/A extension schema.
const (
	Text    FieldType = iota // Text: any string
	Integer                  // Integer: decimal digits, optionally signed
	Real                     // Real: a decimal number
	Boolean                  // Boolean: True or False
	Date                     // Date: ISO 8601, e.g. 2019-05-31
	TextBag                  // bag Text: an unordered list of strings (Field.Items)
)

// xmpType is the valueType of the extension schema's property entry.
func (t FieldType) xmpType() string {
	switch t {
	case Integer:
		return "Integer"
	case Real:
		return "Real"
	case Boolean:
		return "Boolean"
	case Date:
		return "Date"
	case TextBag:
		return "bag Text"
	default:
		return "Text"
	}
}

// String returns the XMP value type name.
func (t FieldType) String() string { return t.xmpType() }

// Field is one document property written into the XMP metadata under
// XMPNamespace, in the order given. A Date field with an empty Value is
// declared in the extension schema but left out of the metadata (the date is
// unknown); every other field is always written, empty or not.
type Field struct {
	// Name is the XMP property name: an ASCII letter or '_' followed by
	// letters, digits, '_', '-' or '.' ("docId", "issuedDate").
	Name string
	Type FieldType
	// Value is the lexical form of a scalar value: "3", "True",
	// "2019-05-31". TextBag fields use Items instead.
	Value string
	Items []string
	// Description goes into the extension schema; when empty the name is
	// described as a field of metadata.json.
	Description string
}

// TextField returns a Text field.
func TextField(name, value string) Field { return Field{Name: name, Type: Text, Value: value} }

// IntegerField returns an Integer field.
func IntegerField(name string, value int64) Field {
	return Field{Name: name, Type: Integer, Value: strconv.FormatInt(value, 10)}
}

// RealField returns a Real field.
func RealField(name string, value float64) Field {
	return Field{Name: name, Type: Real, Value: strconv.FormatFloat(value, 'f', -1, 64)}
}

// BooleanField returns a Boolean field.
func BooleanField(name string, value bool) Field {
	v := "False"
	if value {
		v = "True"
	}
	return Field{Name: name, Type: Boolean, Value: v}
}

// DateField returns a Date field; value is an ISO 8601 date ("2019-05-31")
// or "" for an unknown date.
func DateField(name, value string) Field { return Field{Name: name, Type: Date, Value: value} }

// TextBagField returns a bag Text field.
func TextBagField(name string, items ...string) Field {
	return Field{Name: name, Type: TextBag, Items: items}
}

var (
	fieldNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)
	integerRE   = regexp.MustCompile(`^[+-]?[0-9]+$`)
	realRE      = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$`)
	// xmpDateRE is the XMP Date form: YYYY, YYYY-MM, YYYY-MM-DD, or a
	// date-time with minutes, optional seconds and fraction, and a zone.
	xmpDateRE = regexp.MustCompile(`^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])` +
		`(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?)?)?$`)
)

// validDate reports whether s is an XMP Date.
func validDate(s string) bool { return xmpDateRE.MatchString(s) }

// check reports what is wrong with the field, if anything.
func (f Field) check() error {
	if !fieldNameRE.MatchString(f.Name) || strings.HasPrefix(strings.ToLower(f.Name), "xml") {
		return fmt.Errorf("field name %q is not a valid XMP property name", f.Name)
	}
	bad := false
	switch f.Type {
	case Text, TextBag:
	case Integer:
		bad = !integerRE.MatchString(f.Value)
	case Real:
		bad = !realRE.MatchString(f.Value)
	case Boolean:
		bad = f.Value != "True" && f.Value != "False"
	case Date:
		bad = f.Value != "" && !validDate(f.Value)
	default:
		return fmt.Errorf("field %s: unknown type %d", f.Name, int(f.Type))
	}
	if bad {
		return fmt.Errorf("field %s: %q is not a valid %s", f.Name, f.Value, f.Type)
	}
	if f.Type != TextBag && len(f.Items) > 0 {
		return fmt.Errorf("field %s: items given for a %s", f.Name, f.Type)
	}
	return nil
}

// FieldsFromJSON turns the members of a JSON object (such as metadata.json)
// into fields, in the object's order: strings become Text (or Date when
// their name is among dateFields), integers Integer, other numbers Real,
// booleans Boolean, arrays of strings TextBag, and objects and other arrays
// Text holding their compact JSON. Null members are left out.
func FieldsFromJSON(object []byte, dateFields ...string) ([]Field, error) {
	dec := json.NewDecoder(bytes.NewReader(object))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("pdfa: fields from JSON: not a JSON object")
	}
	var fields []Field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("pdfa: fields from JSON: %w", err)
		}
		key := tok.(string) // object keys are always strings
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("pdfa: fields from JSON: member %s: %w", key, err)
		}
		f, ok, err := fieldFromJSON(key, raw, slices.Contains(dateFields, key))
		if err != nil {
			return nil, fmt.Errorf("pdfa: fields from JSON: %w", err)
		}
		if ok {
			fields = append(fields, f)
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, errors.New("pdfa: fields from JSON: object not closed")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("pdfa: fields from JSON: data after the object")
	}
	return fields, nil
}

// fieldFromJSON converts one member; ok is false for null.
func fieldFromJSON(key string, raw json.RawMessage, isDate bool) (f Field, ok bool, err error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return Field{}, false, fmt.Errorf("member %s: %w", key, err)
	}
	switch v := v.(type) {
	case nil:
		return Field{}, false, nil
	case string:
		if isDate {
			f = DateField(key, v)
		} else {
			f = TextField(key, v)
		}
	case bool:
		f = BooleanField(key, v)
	case json.Number:
		if n, err := v.Int64(); err == nil {
			f = IntegerField(key, n)
		} else if x, err := v.Float64(); err == nil {
			f = RealField(key, x)
		} else {
			return Field{}, false, fmt.Errorf("member %s: number %s out of range", key, v)
		}
	case []any:
		items, allStrings := []string(nil), true
		for _, it := range v {
			s, isString := it.(string)
			allStrings = allStrings && isString
			items = append(items, s)
		}
		if allStrings {
			f = TextBagField(key, items...)
		} else {
			f = TextField(key, compactJSON(raw))
		}
	default: // object
		f = TextField(key, compactJSON(raw))
	}
	return f, true, f.check()
}

func compactJSON(raw []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw) // raw was just decoded, so this does not happen
	}
	return b.String()
}
