package signer

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// What an incremental update after a signature may change without
// touching what was signed: validation data (the DSS), new signature
// fields with their widgets and appearances (further signatures, document
// time-stamps), and the catalog, AcroForm and page /Annots entries that
// link them in. Everything else is a modification after signing.

// change is one object an incremental update defines.
type change struct {
	allowed bool
	what    string
}

// modificationsAfter lists the changes of the revisions after rev and
// reports the disallowed ones on s.
func (v *verifier) modificationsAfter(rev int, s *SignatureReport) []string {
	var out, bad []string
	for j := rev + 1; j < len(v.changes); j++ {
		for _, c := range v.changes[j] {
			line := fmt.Sprintf("revision %d: %s", j+1, c.what)
			if c.allowed {
				line = "allowed: " + line
			} else {
				bad = append(bad, line)
			}
			if !slices.Contains(out, line) {
				out = append(out, line)
			}
		}
	}
	if len(bad) > 0 {
		if len(bad) > 8 {
			bad = append(bad[:8], fmt.Sprintf("and %d more", len(bad)-8))
		}
		s.add(ReasonModifiedAfterSigning, "%s", strings.Join(bad, "; "))
	}
	return out
}

// revisionChanges classifies the objects revision j defines.
func (f *pdfFile) revisionChanges(j int) []change {
	prev := j - 1
	cat, oldCat := f.catalog(j), f.catalog(prev)
	rootRef, _ := f.trailerValue("Root", j).(pdfRef)
	oldRootRef, _ := f.trailerValue("Root", prev).(pdfRef)
	var out []change
	if rootRef != oldRootRef {
		out = append(out, change{what: "the document catalog was replaced"})
	}

	// Objects a new version may bring in: the DSS and new signature
	// fields, each with whatever only they reference.
	oldFields := f.fieldRefs(prev)
	newFields := f.fieldRefs(j)
	sigWidgets := map[int]string{} // new signature field or widget → field name
	allowedNew := map[int]string{}
	f.reach(cat["DSS"], j, allowedNew, "validation data (DSS)")
	for num, d := range newFields {
		if _, old := oldFields[num]; old || d["FT"] != pdfName("Sig") && !f.isSigWidget(d, j) {
			continue
		}
		name := text(d["T"])
		sigWidgets[num] = name
		for _, k := range f.array(d["Kids"], j) {
			if r, ok := k.(pdfRef); ok {
				sigWidgets[r.num] = name
			}
		}
		f.reach(pdfRef{num, 0}, j, allowedNew, "signature field "+name)
	}
	oldDSS := map[int]string{}
	f.reach(oldCat["DSS"], prev, oldDSS, "")
	pages := f.pageNumbers(prev)

	nums := make([]int, 0, len(f.revisions[j].entries))
	for n := range f.revisions[j].entries {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, num := range nums {
		e := f.revisions[j].entries[num]
		if num == f.revisions[j].xrefStream || num == 0 {
			continue
		}
		newObj := f.object(num, j)
		oldObj := f.object(num, prev)
		if e.free || newObj == nil {
			if oldObj != nil {
				out = append(out, change{what: fmt.Sprintf("object %d (%s) deleted", num, describe1(oldObj.value, num, pages))})
			}
			continue
		}
		if s, ok := newObj.value.(*pdfStream); ok && (s.dict["Type"] == pdfName("ObjStm") || s.dict["Type"] == pdfName("XRef")) {
			continue // containers, judged by the objects they hold
		}
		if oldObj == nil {
			if why, ok := allowedNew[num]; ok {
				out = append(out, change{allowed: true, what: why + " added"})
			} else {
				out = append(out, change{what: fmt.Sprintf("%s added", describe1(newObj.value, num, pages))})
			}
			continue
		}
		if f.equal(oldObj.value, newObj.value) {
			continue
		}
		out = append(out, f.judgeChanged(num, oldObj.value, newObj.value, j, rootRef, cat, oldCat, oldDSS, sigWidgets, oldFields, pages))
	}
	return out
}

// judgeChanged classifies a new version of an existing object.
func (f *pdfFile) judgeChanged(num int, old, cur any, j int, rootRef pdfRef, cat, oldCat pdfDict,
	oldDSS map[int]string, sigWidgets map[int]string, oldFields map[int]pdfDict, pages map[int]int) change {
	what := describe1(old, num, pages)
	oldD, _ := old.(pdfDict)
	newD, _ := cur.(pdfDict)
	if _, ok := oldDSS[num]; ok {
		return change{allowed: true, what: "validation data (DSS) updated"}
	}
	// Signing tools refresh the metadata (modification date, producer);
	// it is not content, and it stays listed for the auditor.
	if r, ok := oldCat["Metadata"].(pdfRef); ok && r.num == num {
		return change{allowed: true, what: "document metadata (XMP) updated"}
	}
	if r, ok := f.trailerValue("Info", j-1).(pdfRef); ok && r.num == num {
		return change{allowed: true, what: "document information (/Info) updated"}
	}
	if num == rootRef.num && oldD != nil && newD != nil {
		keys := changedKeys(f, oldD, newD)
		var bad []string
		for _, k := range keys {
			switch k {
			case "DSS", "Extensions":
			case "AcroForm":
				if _, isRef := newD[k].(pdfRef); !isRef {
					if c := f.judgeForm(f.dict(oldD[k], j-1), f.dict(newD[k], j), sigWidgets); !c.allowed {
						bad = append(bad, c.what)
					}
				}
			default:
				bad = append(bad, "/"+string(k))
			}
		}
		if len(bad) > 0 {
			return change{what: "catalog entries changed: " + strings.Join(bad, ", ")}
		}
		return change{allowed: true, what: "catalog: " + keyList(keys) + " updated"}
	}
	if formRef, ok := cat["AcroForm"].(pdfRef); ok && formRef.num == num && oldD != nil && newD != nil {
		return f.judgeForm(oldD, newD, sigWidgets)
	}
	if oldD != nil && newD != nil && oldD["Type"] == pdfName("Page") {
		keys := changedKeys(f, oldD, newD)
		if slices.Equal(keys, []pdfName{"Annots"}) && f.onlyAdds(f.array(oldD["Annots"], j-1), f.array(newD["Annots"], j), sigWidgets) {
			return change{allowed: true, what: what + ": signature widget added"}
		}
		return change{what: what + " changed: " + keyList(keys)}
	}
	// An /Annots or /Fields array kept in an object of its own.
	if oldA, ok := old.(pdfArray); ok {
		if newA, ok := cur.(pdfArray); ok && f.onlyAdds(oldA, newA, sigWidgets) {
			return change{allowed: true, what: "array " + fmt.Sprint(num) + ": signature field added"}
		}
	}
	// An empty signature field being signed.
	if _, isField := oldFields[num]; isField && oldD != nil && newD != nil && (oldD["FT"] == pdfName("Sig") || f.isSigWidget(oldD, j-1)) {
		keys := changedKeys(f, oldD, newD)
		if !slices.ContainsFunc(keys, func(k pdfName) bool { return k != "V" && k != "AP" }) {
			return change{allowed: true, what: "signature field " + text(newD["T"]) + " signed"}
		}
	}
	if oldD != nil && newD != nil {
		return change{what: what + " changed: " + keyList(changedKeys(f, oldD, newD))}
	}
	return change{what: what + " changed"}
}

// judgeForm allows an AcroForm change that adds signature fields and sets
// /SigFlags (and drops NeedAppearances, which PDF/A forbids).
func (f *pdfFile) judgeForm(oldD, newD pdfDict, sigWidgets map[int]string) change {
	var bad []string
	for _, k := range changedKeys(f, oldD, newD) {
		switch k {
		case "SigFlags":
		case "NeedAppearances":
			if _, still := newD[k]; still {
				bad = append(bad, "/NeedAppearances")
			}
		case "Fields":
			if !f.onlyAdds(f.array(oldD[k], len(f.revisions)), f.array(newD[k], len(f.revisions)), sigWidgets) {
				bad = append(bad, "/Fields")
			}
		default:
			bad = append(bad, "/"+string(k))
		}
	}
	if len(bad) > 0 {
		return change{what: "form (AcroForm) changed: " + strings.Join(bad, ", ")}
	}
	return change{allowed: true, what: "form (AcroForm): signature field added"}
}

// onlyAdds tells whether cur is old with signature fields or widgets
// appended.
func (f *pdfFile) onlyAdds(old, cur pdfArray, sigWidgets map[int]string) bool {
	if len(cur) < len(old) {
		return false
	}
	for i := range old {
		if !f.equal(old[i], cur[i]) {
			return false
		}
	}
	for _, x := range cur[len(old):] {
		r, ok := x.(pdfRef)
		if !ok {
			return false
		}
		if _, ok := sigWidgets[r.num]; !ok {
			return false
		}
	}
	return true
}

func (f *pdfFile) isSigWidget(d pdfDict, rev int) bool {
	if d["Subtype"] != pdfName("Widget") {
		return false
	}
	if d["FT"] == pdfName("Sig") {
		return true
	}
	p := f.dict(d["Parent"], rev)
	return p != nil && p["FT"] == pdfName("Sig")
}

// fieldRefs maps every field object (as of rev) to its dictionary.
func (f *pdfFile) fieldRefs(rev int) map[int]pdfDict {
	out := map[int]pdfDict{}
	form := f.dict(f.catalog(rev)["AcroForm"], rev)
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		r, ok := v.(pdfRef)
		if !ok || depth > 32 {
			return
		}
		if _, seen := out[r.num]; seen {
			return
		}
		d := f.dict(r, rev)
		if d == nil {
			return
		}
		out[r.num] = d
		for _, k := range f.array(d["Kids"], rev) {
			walk(k, depth+1)
		}
	}
	for _, x := range f.array(form["Fields"], rev) {
		walk(x, 0)
	}
	return out
}

// reach adds to set every object reachable from v (as of rev), not
// following links back into the document (/P, /Parent).
func (f *pdfFile) reach(v any, rev int, set map[int]string, why string) {
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 64 {
			return
		}
		switch x := v.(type) {
		case pdfRef:
			if _, seen := set[x.num]; seen {
				return
			}
			o := f.object(x.num, rev)
			if o == nil {
				return
			}
			set[x.num] = why
			walk(o.value, depth+1)
		case pdfDict:
			for k, e := range x {
				if k != "P" && k != "Parent" {
					walk(e, depth+1)
				}
			}
		case pdfArray:
			for _, e := range x {
				walk(e, depth+1)
			}
		case *pdfStream:
			walk(x.dict, depth+1)
		}
	}
	walk(v, 0)
}

// pageNumbers maps page objects (as of rev) to their 1-based numbers, and
// their content streams to minus those numbers.
func (f *pdfFile) pageNumbers(rev int) map[int]int {
	out := map[int]int{}
	n := 0
	seen := map[int]bool{}
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		r, ok := v.(pdfRef)
		if !ok || seen[r.num] || depth > 64 {
			return
		}
		seen[r.num] = true
		d := f.dict(r, rev)
		if d == nil {
			return
		}
		if d["Type"] == pdfName("Page") {
			n++
			out[r.num] = n
			// Its content streams count as the page: negative numbers.
			contents := pdfArray{d["Contents"]}
			if a := f.array(d["Contents"], rev); a != nil {
				contents = a
			}
			for _, c := range contents {
				if cr, ok := c.(pdfRef); ok {
					out[cr.num] = -n
				}
			}
			return
		}
		for _, k := range f.array(d["Kids"], rev) {
			walk(k, depth+1)
		}
	}
	walk(f.catalog(rev)["Pages"], 0)
	return out
}

// describe1 names an object for people: "page 2", "annotation /Text
// (object 31)", "object 12".
func describe1(v any, num int, pages map[int]int) string {
	d, _ := v.(pdfDict)
	if s, ok := v.(*pdfStream); ok {
		d = s.dict
	}
	if p, ok := pages[num]; ok && p > 0 {
		return fmt.Sprintf("page %d", p)
	} else if ok {
		return fmt.Sprintf("content of page %d", -p)
	}
	switch t, _ := d["Type"].(pdfName); {
	case t == "Page":
		return fmt.Sprintf("page (object %d)", num)
	case t == "Pages":
		return fmt.Sprintf("page tree (object %d)", num)
	case t == "Annot" || d["Subtype"] == pdfName("Widget") || d["Subtype"] == pdfName("Text") || d["Subtype"] == pdfName("FreeText"):
		return fmt.Sprintf("annotation /%s (object %d)", d["Subtype"], num)
	case t == "Catalog":
		return "catalog"
	case t != "":
		return fmt.Sprintf("/%s object %d", t, num)
	}
	if _, ok := v.(*pdfStream); ok {
		return fmt.Sprintf("stream object %d", num)
	}
	return fmt.Sprintf("object %d", num)
}

// changedKeys lists the keys whose values differ, sorted.
func changedKeys(f *pdfFile, a, b pdfDict) []pdfName {
	var keys []pdfName
	for k, av := range a {
		if bv, ok := b[k]; !ok || !f.equal(av, bv) {
			keys = append(keys, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func keyList(keys []pdfName) string {
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = "/" + string(k)
	}
	return strings.Join(s, ", ")
}

// equal compares two parsed objects; references by number, stream data
// byte by byte.
func (f *pdfFile) equal(a, b any) bool {
	switch x := a.(type) {
	case pdfDict:
		y, ok := b.(pdfDict)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !f.equal(v, w) {
				return false
			}
		}
		return true
	case pdfArray:
		y, ok := b.(pdfArray)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !f.equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case pdfString:
		y, ok := b.(pdfString)
		return ok && bytes.Equal(x, y)
	case *pdfStream:
		y, ok := b.(*pdfStream)
		if !ok {
			return false
		}
		xd, yd := pdfDict{}, pdfDict{}
		for k, v := range x.dict {
			if k != "Length" {
				xd[k] = v
			}
		}
		for k, v := range y.dict {
			if k != "Length" {
				yd[k] = v
			}
		}
		return f.equal(xd, yd) && bytes.Equal(f.data[x.start:x.end], f.data[y.start:y.end])
	}
	return a == b
}
