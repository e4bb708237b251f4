package group

import (
	"encoding/binary"
	"fmt"

	"github.com/gtank/ristretto255"
)

// Writer appends fixed-layout big-endian fields to a byte slice. It never
// fails; the layout of every structure is given in docs/election-record.md.
type Writer struct{ Buf []byte }

// Uint8 appends one byte.
func (w *Writer) Uint8(v uint8) { w.Buf = append(w.Buf, v) }

// Uint16 appends v big-endian.
func (w *Writer) Uint16(v uint16) { w.Buf = binary.BigEndian.AppendUint16(w.Buf, v) }

// Uint32 appends v big-endian.
func (w *Writer) Uint32(v uint32) { w.Buf = binary.BigEndian.AppendUint32(w.Buf, v) }

// Uint64 appends v big-endian.
func (w *Writer) Uint64(v uint64) { w.Buf = binary.BigEndian.AppendUint64(w.Buf, v) }

// Fixed appends b as is (its length is implied by the layout).
func (w *Writer) Fixed(b []byte) { w.Buf = append(w.Buf, b...) }

// Bytes appends a u32 length and b.
func (w *Writer) Bytes(b []byte) { w.Uint32(uint32(len(b))); w.Buf = append(w.Buf, b...) }

// String appends a u32 length and s.
func (w *Writer) String(s string) { w.Bytes([]byte(s)) }

// Element appends the canonical 32-byte encoding of e.
func (w *Writer) Element(e *ristretto255.Element) { w.Buf = e.Encode(w.Buf) }

// Scalar appends the canonical 32-byte encoding of s.
func (w *Writer) Scalar(s *ristretto255.Scalar) { w.Buf = s.Encode(w.Buf) }

// Reader consumes fields written by Writer. The first error sticks: later
// calls return zero values, and Err reports it with the name of the field
// that failed, so decoders can read a whole structure and check once.
type Reader struct {
	b   []byte
	off int
	err error
}

// NewReader reads from b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err returns the first error, if any.
func (r *Reader) Err() error { return r.err }

// Offset is the number of bytes consumed.
func (r *Reader) Offset() int { return r.off }

// Remaining is the number of bytes left.
func (r *Reader) Remaining() int { return len(r.b) - r.off }

// Fail records err for field unless an error is already recorded.
func (r *Reader) Fail(field string, err error) {
	if r.err == nil {
		r.err = fmt.Errorf("%s at byte %d: %w", field, r.off, err)
	}
}

// Finish fails with ErrTrailing if bytes remain, and returns Err.
func (r *Reader) Finish() error {
	if r.err == nil && r.off != len(r.b) {
		r.Fail("end", ErrTrailing)
	}
	return r.err
}

// Fixed returns the next n bytes (aliasing the input).
func (r *Reader) Fixed(field string, n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b)-r.off < n {
		r.Fail(field, ErrTruncated)
		return nil
	}
	out := r.b[r.off : r.off+n]
	r.off += n
	return out
}

// Uint8 reads one byte.
func (r *Reader) Uint8(field string) uint8 {
	b := r.Fixed(field, 1)
	if b == nil {
		return 0
	}
	return b[0]
}

// Uint16 reads a big-endian u16.
func (r *Reader) Uint16(field string) uint16 {
	b := r.Fixed(field, 2)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

// Uint32 reads a big-endian u32.
func (r *Reader) Uint32(field string) uint32 {
	b := r.Fixed(field, 4)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

// Uint64 reads a big-endian u64.
func (r *Reader) Uint64(field string) uint64 {
	b := r.Fixed(field, 8)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// Bytes reads a u32 length and that many bytes; lengths above max fail.
func (r *Reader) Bytes(field string, max int) []byte {
	n := r.Uint32(field)
	if r.err != nil {
		return nil
	}
	if int64(n) > int64(max) {
		r.Fail(field, fmt.Errorf("length %d exceeds limit %d", n, max))
		return nil
	}
	return r.Fixed(field, int(n))
}

// String reads a length-prefixed UTF-8 string of at most max bytes.
func (r *Reader) String(field string, max int) string { return string(r.Bytes(field, max)) }

// Element reads a canonical element (identity allowed).
func (r *Reader) Element(field string) *ristretto255.Element {
	b := r.Fixed(field, ElementSize)
	if b == nil {
		return nil
	}
	e, err := DecodeElement(b)
	if err != nil {
		r.Fail(field, err)
		return nil
	}
	return e
}

// PublicKey reads a canonical, non-identity element.
func (r *Reader) PublicKey(field string) *ristretto255.Element {
	b := r.Fixed(field, ElementSize)
	if b == nil {
		return nil
	}
	e, err := DecodePublicKey(b)
	if err != nil {
		r.Fail(field, err)
		return nil
	}
	return e
}

// Scalar reads a canonical scalar.
func (r *Reader) Scalar(field string) *ristretto255.Scalar {
	b := r.Fixed(field, ScalarSize)
	if b == nil {
		return nil
	}
	s, err := DecodeScalar(b)
	if err != nil {
		r.Fail(field, err)
		return nil
	}
	return s
}
