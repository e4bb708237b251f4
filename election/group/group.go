// Package group holds the prime-order group every pnyx election proof lives
// in: ristretto255 (RFC 9496), through github.com/gtank/ristretto255.
//
// It gives the rest of the election packages four things and nothing more:
//
//   - strict decoders: DecodeElement, DecodePublicKey and DecodeScalar accept
//     only canonical encodings, so a ballot or record has exactly one byte
//     representation and cannot be malleated;
//   - a Fiat-Shamir Transcript with domain separation and length-prefixed
//     inputs, so no two different input sequences hash alike;
//   - a Writer/Reader pair for the fixed-layout binary codecs of ballots and
//     records (docs/election-record.md);
//   - an MSM accumulator for batch verification: many "this should be the
//     identity" equations are folded with random weights into one
//     variable-time multi-scalar multiplication.
//
// Secret-dependent operations (encryption, proving) use the constant-time
// ScalarBaseMult and ScalarMult; only verifiers, which handle public data,
// use variable-time arithmetic.
package group

import (
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
)

// Sizes of canonical encodings.
const (
	ElementSize = 32
	ScalarSize  = 32
)

// Errors returned by the decoders. They are wrapped with the field name, so
// test with errors.Is.
var (
	// ErrInvalidElement: not the canonical encoding of a ristretto255 element.
	ErrInvalidElement = errors.New("invalid or non-canonical group element")
	// ErrIdentity: the identity element where a public key is required.
	ErrIdentity = errors.New("identity element used as a public key")
	// ErrInvalidScalar: not a canonical scalar (must be < the group order).
	ErrInvalidScalar = errors.New("invalid or non-canonical scalar")
	// ErrTruncated: the input ended before the expected field.
	ErrTruncated = errors.New("truncated encoding")
	// ErrTrailing: bytes left after the last field.
	ErrTrailing = errors.New("trailing bytes after encoding")
)

var (
	identity  = ristretto255.NewIdentityElement()
	generator = ristretto255.NewGeneratorElement()
)

// Generator returns a fresh copy of the standard ristretto255 generator g.
func Generator() *ristretto255.Element { return ristretto255.NewGeneratorElement() }

// Identity returns a fresh identity element.
func Identity() *ristretto255.Element { return ristretto255.NewIdentityElement() }

// IsIdentity reports whether e is the identity element.
func IsIdentity(e *ristretto255.Element) bool { return e.Equal(identity) == 1 }

// DecodeElement decodes a canonical 32-byte element. The identity is allowed
// (an aggregate of zero ballots is the identity); use DecodePublicKey where it
// must not be.
func DecodeElement(b []byte) (*ristretto255.Element, error) {
	if len(b) != ElementSize {
		return nil, ErrInvalidElement
	}
	e, err := ristretto255.NewElement().SetCanonicalBytes(b)
	if err != nil {
		return nil, ErrInvalidElement
	}
	return e, nil
}

// DecodePublicKey decodes a canonical element and rejects the identity, whose
// discrete log (zero) everybody knows.
func DecodePublicKey(b []byte) (*ristretto255.Element, error) {
	e, err := DecodeElement(b)
	if err != nil {
		return nil, err
	}
	if IsIdentity(e) {
		return nil, ErrIdentity
	}
	return e, nil
}

// DecodeScalar decodes a canonical 32-byte little-endian scalar.
func DecodeScalar(b []byte) (*ristretto255.Scalar, error) {
	if len(b) != ScalarSize {
		return nil, ErrInvalidScalar
	}
	s, err := ristretto255.NewScalar().SetCanonicalBytes(b)
	if err != nil {
		return nil, ErrInvalidScalar
	}
	return s, nil
}

// RandomScalar draws a uniform scalar from 64 bytes of rand (wide reduction,
// so the bias is 2^-256).
func RandomScalar(rand io.Reader) (*ristretto255.Scalar, error) {
	var buf [64]byte
	if _, err := io.ReadFull(rand, buf[:]); err != nil {
		return nil, fmt.Errorf("group: reading randomness: %w", err)
	}
	return ristretto255.NewScalar().FromUniformBytes(buf[:]), nil
}

// MustRandomScalar is RandomScalar for callers whose reader cannot fail
// (crypto/rand); it panics on a read error.
func MustRandomScalar(rand io.Reader) *ristretto255.Scalar {
	s, err := RandomScalar(rand)
	if err != nil {
		panic(err)
	}
	return s
}

// ScalarFromUint64 returns n as a scalar.
func ScalarFromUint64(n uint64) *ristretto255.Scalar {
	var buf [64]byte
	binary.LittleEndian.PutUint64(buf[:8], n)
	return ristretto255.NewScalar().FromUniformBytes(buf[:])
}

// ScalarFromInt64 returns n (possibly negative) as a scalar mod the order.
func ScalarFromInt64(n int64) *ristretto255.Scalar {
	if n >= 0 {
		return ScalarFromUint64(uint64(n))
	}
	return ristretto255.NewScalar().Negate(ScalarFromUint64(uint64(-n)))
}

// BaseMult returns g^s in constant time.
func BaseMult(s *ristretto255.Scalar) *ristretto255.Element {
	return ristretto255.NewElement().ScalarBaseMult(s)
}

// Mult returns p^s in constant time.
func Mult(s *ristretto255.Scalar, p *ristretto255.Element) *ristretto255.Element {
	return ristretto255.NewElement().ScalarMult(s, p)
}

// Add returns p+q (written multiplicatively in the docs: p·q).
func Add(p, q *ristretto255.Element) *ristretto255.Element {
	return ristretto255.NewElement().Add(p, q)
}

// Sub returns p-q.
func Sub(p, q *ristretto255.Element) *ristretto255.Element {
	return ristretto255.NewElement().Subtract(p, q)
}

// Transcript is a Fiat-Shamir transcript: SHA-512 over a domain string and a
// sequence of (label, value) pairs, each length-prefixed so the encoding of the
// sequence is injective. Challenge derives a scalar by wide reduction of the
// digest; the transcript can keep absorbing afterwards.
type Transcript struct {
	buf []byte
}

// NewTranscript starts a transcript for one protocol, named by domain (for
// example "pnyx/election/ballot/v1").
func NewTranscript(domain string) *Transcript {
	t := &Transcript{}
	t.AppendBytes("domain", []byte(domain))
	return t
}

// AppendBytes absorbs a labelled byte string.
func (t *Transcript) AppendBytes(label string, b []byte) {
	t.buf = binary.BigEndian.AppendUint32(t.buf, uint32(len(label)))
	t.buf = append(t.buf, label...)
	t.buf = binary.BigEndian.AppendUint64(t.buf, uint64(len(b)))
	t.buf = append(t.buf, b...)
}

// AppendElement absorbs the canonical encoding of e.
func (t *Transcript) AppendElement(label string, e *ristretto255.Element) {
	var b [ElementSize]byte
	t.AppendBytes(label, e.Encode(b[:0]))
}

// AppendScalar absorbs the canonical encoding of s.
func (t *Transcript) AppendScalar(label string, s *ristretto255.Scalar) {
	var b [ScalarSize]byte
	t.AppendBytes(label, s.Encode(b[:0]))
}

// AppendUint64 absorbs n as 8 big-endian bytes.
func (t *Transcript) AppendUint64(label string, n uint64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	t.AppendBytes(label, b[:])
}

// Digest returns SHA-512 of everything absorbed so far.
func (t *Transcript) Digest() [64]byte { return sha512.Sum512(t.buf) }

// Challenge returns the scalar SHA-512(transcript ‖ label) reduced mod the
// group order, and absorbs it so later challenges differ.
func (t *Transcript) Challenge(label string) *ristretto255.Scalar {
	t.AppendBytes("challenge", []byte(label))
	d := sha512.Sum512(t.buf)
	c := ristretto255.NewScalar().FromUniformBytes(d[:])
	t.AppendScalar("challenge-value", c)
	return c
}

// Clone returns an independent copy, so a common prefix (election, manifest,
// key, ciphertexts) can be hashed once and branched per proof.
func (t *Transcript) Clone() *Transcript {
	return &Transcript{buf: append([]byte(nil), t.buf...)}
}
