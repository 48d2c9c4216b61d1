package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// prepared is an upload's content made re-readable, with its size and
// SHA-256 known before the request starts.
type prepared struct {
	at     io.ReaderAt
	size   int64
	sha256 string
	// done, if set, moves the caller's reader past the content once the
	// upload succeeded, as if it had been read.
	done    func()
	cleanup func()
}

func (p *prepared) reader() io.Reader { return io.NewSectionReader(p.at, 0, p.size) }

func (p *prepared) consumed() {
	if p.done != nil {
		p.done()
	}
}

func (p *prepared) close() {
	if p.cleanup != nil {
		p.cleanup()
	}
}

// prepare hashes r. A reader that can seek and read at offsets (a file, a
// bytes.Reader) with a declared size is read in place; anything else is
// copied to memory, and past s.cfg.SpoolMemory bytes to a temporary file.
// A reader holding more or fewer bytes than a declared size is an error.
func (s *S3) prepare(ctx context.Context, r io.Reader, size int64) (*prepared, error) {
	if ra, ok := r.(io.ReaderAt); ok && size >= 0 {
		if sk, ok := r.(io.Seeker); ok {
			if off, err := sk.Seek(0, io.SeekCurrent); err == nil {
				return prepareInPlace(ctx, ra, sk, off, size)
			}
		}
	}
	return s.spool(ctx, r, size)
}

func prepareInPlace(ctx context.Context, ra io.ReaderAt, sk io.Seeker, off, size int64) (*prepared, error) {
	h := sha256.New()
	n, err := io.Copy(h, ctxReader{ctx, io.NewSectionReader(ra, off, size)})
	if err != nil {
		return nil, err
	}
	if n != size {
		return nil, fmt.Errorf("read %d bytes, expected %d", n, size)
	}
	var one [1]byte
	if m, _ := ra.ReadAt(one[:], off+size); m > 0 {
		return nil, fmt.Errorf("reader holds more than the %d bytes declared", size)
	}
	return &prepared{
		at:     io.NewSectionReader(ra, off, size),
		size:   size,
		sha256: hex.EncodeToString(h.Sum(nil)),
		done:   func() { sk.Seek(off+size, io.SeekStart) },
	}, nil
}

func (s *S3) spool(ctx context.Context, r io.Reader, size int64) (*prepared, error) {
	h := sha256.New()
	src := io.TeeReader(ctxReader{ctx, r}, h)
	limit := s.cfg.SpoolMemory
	if size >= 0 && size < limit {
		limit = size + 1 // one more byte reveals a reader longer than declared
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(src, limit))
	if err != nil {
		return nil, err
	}
	p := &prepared{}
	if n < limit || (size >= 0 && n == size+1) { // all of it fits in memory
		p.at, p.size = bytes.NewReader(buf.Bytes()), n
	} else {
		f, err := os.CreateTemp(s.cfg.SpoolDir, "sohoa-s3-spool-*")
		if err != nil {
			return nil, fmt.Errorf("spool: %w", err)
		}
		p.cleanup = func() { f.Close(); os.Remove(f.Name()) }
		if _, err := f.Write(buf.Bytes()); err != nil {
			p.close()
			return nil, fmt.Errorf("spool: %w", err)
		}
		buf = bytes.Buffer{}
		m, err := io.Copy(f, src)
		if err != nil {
			p.close()
			return nil, err
		}
		p.at, p.size = f, n+m
	}
	if size >= 0 && p.size != size {
		p.close()
		return nil, fmt.Errorf("read %d bytes, expected %d", p.size, size)
	}
	p.sha256 = hex.EncodeToString(h.Sum(nil))
	return p, nil
}
