package pdfa

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"
)

// UpdateMetadata brings the metadata of a PDF/A file that the Writer wrote
// up to date, as after staff have corrected a document's fields in review,
// without re-encoding its pages. It writes to out the size bytes of in
// unchanged, followed by an incremental update (ISO 32000-1 7.5.6) holding
// a new XMP metadata stream, a new Info dictionary, a new version of the
// catalog that points at them, for attach a new embedded file, and a classic
// xref section whose trailer links back to the previous one (/Prev) and
// keeps the first /ID element. The result is PDF/A of the same flavour, and
// it can be updated again.
//
// Earlier revisions are preserved: every byte of in stays in the output,
// so the metadata as digitized can still be recovered by cutting the file at
// the end of its first revision, and a signature added later covers every
// revision. That is also why metadata must be corrected before signing: a
// later update would be a change after the signature. A signed file (its
// catalog then has /AcroForm) is refused, as is any file the Writer did not
// write or that another tool has changed; such errors wrap ErrForeignPDF.
//
// info is the complete new metadata, as it would be given to the Writer:
// Title, Author, Subject, Keywords, Date, Language and Fields replace the
// file's (an empty one is left out). Modified is required; it becomes the
// modification and metadata date. Created, Producer and Flavour may be
// left zero to keep the file's; when given, Created and Flavour must equal
// the file's, since an update cannot change them.
//
// attach, when not nil, is embedded as an associated file (PDF/A-3u files
// only), replacing an attached file of the same name, such as the
// metadata.json of the digitized document; its Modified defaults to
// info.Modified. Other attached files stay. With a nil attach every
// attached file stays as it is.
//
// out must not be the file in reads from: write to a new file and rename it.
func UpdateMetadata(in io.ReaderAt, size int64, out io.Writer, info Info, attach *Attachment) error {
	rv, err := readRevision(in, size)
	if err != nil {
		return fmt.Errorf("pdfa: update metadata: %w", err)
	}
	if info, err = rv.completeInfo(info); err != nil {
		return fmt.Errorf("pdfa: update metadata: %w", err)
	}
	if attach != nil {
		if err := attach.check(); err != nil {
			return fmt.Errorf("pdfa: update metadata: %w", err)
		}
		if rv.flavour != PDFA3U {
			return fmt.Errorf("pdfa: update metadata: attachment %s needs PDF/A-3 (flavour %s), the file is %s", attach.Name, PDFA3U, rv.flavour)
		}
	}
	if err := rv.appendUpdate(in, out, info, attach); err != nil {
		return fmt.Errorf("pdfa: update metadata: %w", err)
	}
	return nil
}

// completeInfo checks the new metadata against the file and fills in what
// the update keeps from it.
func (rv *revision) completeInfo(info Info) (Info, error) {
	if info.Modified.IsZero() {
		return info, errors.New("Info.Modified is required: the time of the update")
	}
	if info.Flavour != "" && info.Flavour != rv.flavour {
		return info, fmt.Errorf("the file is PDF/A-%s; an update cannot make it %s", rv.flavour, info.Flavour)
	}
	info.Flavour = rv.flavour
	// The file holds the creation date to the second.
	if !info.Created.IsZero() && !info.Created.Truncate(time.Second).Equal(rv.created) {
		return info, fmt.Errorf("Info.Created %s differs from the file's creation date %s (leave it zero to keep it)",
			xmpDate(info.Created), xmpDate(rv.created))
	}
	info.Created = rv.created
	if !rv.created.IsZero() && info.Modified.Truncate(time.Second).Before(rv.created) {
		return info, fmt.Errorf("Info.Modified %s is before the file's creation date %s",
			xmpDate(info.Modified), xmpDate(rv.created))
	}
	if info.Producer == "" {
		info.Producer = rv.producer
	}
	if info.Producer == "" {
		info.Producer = "sohoa"
	}
	if err := info.check(); err != nil {
		return info, err
	}
	info.Fields = slices.Clone(info.Fields)
	return info, nil
}

// appendUpdate copies the file to out and appends the update.
func (rv *revision) appendUpdate(in io.ReaderAt, out io.Writer, info Info, attach *Attachment) error {
	// What the new revision no longer uses is freed in it, so that readers
	// and validators looking at every object of the newest revision see
	// no stray metadata or file specification (PDF/A-3 wants every embedded
	// file associated). The bytes stay, in the earlier revision.
	freed := []int64{rv.metaNum, rv.infoNum}
	if attach != nil {
		replaced, err := rv.attachmentObjects(in, textBytes(nfc(attach.Name)))
		if err != nil {
			return err
		}
		freed = append(freed, replaced...)
	}

	cw := newCountingWriter(out) // also digests the whole file for the new /ID
	if _, err := io.Copy(cw, io.NewSectionReader(in, 0, rv.fileSize)); err != nil {
		return fmt.Errorf("copy the file: %w", err)
	}
	// Existing numbers stay free of offsets until rewritten (the catalog);
	// new objects are numbered from the old /Size on.
	o := &objectWriter{out: cw, offsets: slices.Repeat([]int64{-1}, int(rv.objSize))}

	norm := info.normalized()
	metadataNum := o.reserve()
	if err := o.stream(metadataNum, (&dict{}).set("Type", "/Metadata").set("Subtype", "/XML"), buildXMP(norm)); err != nil {
		return fmt.Errorf("write XMP metadata: %w", err)
	}

	c := rv.catalog
	pages, _ := c.get("Pages")
	intents, _ := c.get("OutputIntents")
	namesV, hasNames := c.get("Names")
	afV, _ := c.get("AF")
	var names, af string
	if hasNames {
		names, af = namesV.raw, afV.raw
	}
	if attach != nil {
		entry, err := writeAttachment(o, *attach, info.Modified)
		if err != nil {
			return err
		}
		var entries []nameEntry
		if hasNames {
			if entries, err = embeddedFiles(namesV); err != nil {
				return err
			}
		}
		specs := make([]string, len(afV.items))
		for i, it := range afV.items {
			specs[i] = it.raw
		}
		if i := slices.IndexFunc(entries, func(e nameEntry) bool { return bytes.Equal(e.key, entry.key) }); i >= 0 {
			if j := slices.Index(specs, entries[i].spec); j >= 0 {
				specs[j] = entry.spec
			} else {
				specs = append(specs, entry.spec)
			}
			entries[i] = entry
		} else {
			entries = append(entries, entry)
			specs = append(specs, entry.spec)
		}
		names, af = embeddedFilesNames(entries), array(specs...)
	}

	// The catalog in the Writer's form, under its old number: the newest
	// version of an object is the one the newest xref section points at.
	catalog := (&dict{}).set("Type", "/Catalog").set("Pages", pages.raw).
		set("Metadata", ref(metadataNum)).set("OutputIntents", intents.raw)
	if norm.Language != "" {
		catalog.set("Lang", textString(norm.Language))
	}
	if names != "" {
		catalog.set("Names", names).set("AF", af)
	}
	if err := o.object(int(rv.rootNum), catalog.String()); err != nil {
		return fmt.Errorf("write catalog: %w", err)
	}
	infoNum := o.reserve()
	if err := o.object(infoNum, infoDict(norm).String()); err != nil {
		return fmt.Errorf("write Info dictionary: %w", err)
	}

	xrefAt, err := o.updateXref(int(rv.objSize), freed, rv.freeHead)
	if err != nil {
		return err
	}
	// The first /ID element names the document and must stay; the second
	// names this version of it.
	id := fmt.Sprintf("<%x>", cw.sum.Sum(nil))
	trailer := (&dict{}).set("Size", strconv.Itoa(len(o.offsets))).
		set("Root", ref(int(rv.rootNum))).set("Info", ref(infoNum)).
		set("ID", array(rv.id0, id)).
		set("Prev", strconv.FormatInt(rv.startxref, 10))
	_, err = fmt.Fprintf(cw, "trailer\n%s\nstartxref\n%d\n%%%%EOF\n", trailer, xrefAt)
	return err
}

// attachmentObjects returns the file specification of the attached file
// whose name has the text string bytes key, and its embedded file streams;
// none when no file has that name.
func (rv *revision) attachmentObjects(in io.ReaderAt, key []byte) ([]int64, error) {
	names, _ := rv.catalog.get("Names")
	ef, _ := names.get("EmbeddedFiles")
	tree, _ := ef.get("Names")
	for i := 0; i+1 < len(tree.items); i += 2 {
		if tree.items[i].text != string(key) {
			continue
		}
		specNum := tree.items[i+1].num
		spec, err := rv.object(in, specNum)
		if err != nil {
			return nil, fmt.Errorf("file specification: %w", err)
		}
		typ, _ := spec.value.get("Type")
		files, _ := spec.value.get("EF")
		if spec.stream || typ.text != "Filespec" || files.kind != kindDict {
			return nil, foreign("object %d is not a file specification with /EF", specNum)
		}
		objs := []int64{specNum}
		for _, f := range files.vals {
			if f.kind != kindRef {
				return nil, foreign("file specification %d: /EF holds %s", specNum, f.raw)
			}
			if !slices.Contains(objs, f.num) {
				objs = append(objs, f.num)
			}
		}
		return objs, nil
	}
	return nil, nil
}

// updateXref writes the xref section of an incremental update and returns
// its offset: entries for the old numbers rewritten (the catalog), the new
// ones from firstNew on, and the freed ones, which join the front of the
// free list whose head was freeHead. Old free entries stay as they are.
func (o *objectWriter) updateXref(firstNew int, freed []int64, freeHead int64) (int64, error) {
	entries := map[int]string{}
	for num := 1; num < len(o.offsets); num++ {
		switch off := o.offsets[num]; {
		case off >= 0:
			entries[num] = fmt.Sprintf("%010d 00000 n \n", off)
		case num >= firstNew:
			return 0, fmt.Errorf("pdf object %d reserved but never written", num)
		}
	}
	if len(freed) > 0 {
		freed = slices.Clone(freed)
		slices.Sort(freed)
		freed = slices.Compact(freed)
		// 0 → freed[0] → … → freed[n-1] → the old list. A freed object's
		// generation goes from 0 to 1, the one a reuse would take.
		entries[0] = fmt.Sprintf("%010d 65535 f \n", freed[0])
		for i, num := range freed {
			if _, rewritten := entries[int(num)]; rewritten || num <= 0 || int(num) >= firstNew {
				return 0, fmt.Errorf("cannot free pdf object %d", num)
			}
			next := freeHead
			if i+1 < len(freed) {
				next = freed[i+1]
			}
			entries[int(num)] = fmt.Sprintf("%010d 00001 f \n", next)
		}
	}
	nums := slices.Sorted(maps.Keys(entries))
	start := o.out.n
	var b bytes.Buffer
	b.WriteString("xref\n")
	for i := 0; i < len(nums); {
		end := i + 1 // one subsection per run of consecutive numbers
		for end < len(nums) && nums[end] == nums[end-1]+1 {
			end++
		}
		fmt.Fprintf(&b, "%d %d\n", nums[i], end-i)
		for _, num := range nums[i:end] {
			b.WriteString(entries[num])
		}
		i = end
	}
	_, err := o.out.Write(b.Bytes())
	return start, err
}
