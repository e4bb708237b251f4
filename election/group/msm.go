package group

import (
	"io"

	"github.com/gtank/ristretto255"
)

// MSM accumulates terms s_i·P_i of a sum that should be the identity. Batch
// verifiers multiply each verification equation by a random 128-bit weight
// and add it here; one VarTimeMultiScalarMult then checks them all. If any
// equation is false the sum is the identity with probability at most 2^-128.
//
// Terms on the generator are summed into one scalar, so they cost a scalar
// addition rather than a point.
type MSM struct {
	base    *ristretto255.Scalar
	scalars []*ristretto255.Scalar
	points  []*ristretto255.Element
}

// NewMSM returns an empty accumulator with room for n points.
func NewMSM(n int) *MSM {
	return &MSM{
		base:    ristretto255.NewScalar(),
		scalars: make([]*ristretto255.Scalar, 0, n+1),
		points:  make([]*ristretto255.Element, 0, n+1),
	}
}

// AddBase adds s·g.
func (m *MSM) AddBase(s *ristretto255.Scalar) { m.base.Add(m.base, s) }

// Add adds s·p. Both are retained, not copied: do not modify them afterwards.
func (m *MSM) Add(s *ristretto255.Scalar, p *ristretto255.Element) {
	m.scalars = append(m.scalars, s)
	m.points = append(m.points, p)
}

// Len is the number of non-generator points.
func (m *MSM) Len() int { return len(m.points) }

// IsIdentity evaluates the sum in variable time and reports whether it is
// the identity. Large sums use the bucket method (pippenger.go), small ones
// Straus (VarTimeMultiScalarMult).
func (m *MSM) IsIdentity() bool {
	sc := append(m.scalars, m.base)
	pt := append(m.points, generator)
	var r *ristretto255.Element
	if len(pt) > 64 {
		r = pippenger(sc, pt)
	} else {
		r = ristretto255.NewElement().VarTimeMultiScalarMult(sc, pt)
	}
	return IsIdentity(r)
}

// Weights draws 128-bit batch weights. A weight of 2^128 possible values is
// enough: a false equation survives a random linear combination with
// probability 2^-128, and half-length scalars halve the additions the MSM
// spends on the points they multiply.
type Weights struct {
	r   io.Reader
	buf [16 * 64]byte
	off int
}

// NewWeights draws weights from r (crypto/rand in verifiers).
func NewWeights(r io.Reader) *Weights { return &Weights{r: r, off: len((&Weights{}).buf)} }

// Next returns a fresh non-zero 128-bit weight.
func (w *Weights) Next() *ristretto255.Scalar {
	for {
		if w.off == len(w.buf) {
			if _, err := io.ReadFull(w.r, w.buf[:]); err != nil {
				panic("group: reading batch weights: " + err.Error())
			}
			w.off = 0
		}
		var b [64]byte
		copy(b[:16], w.buf[w.off:w.off+16])
		w.off += 16
		s := ristretto255.NewScalar().FromUniformBytes(b[:])
		if s.Equal(ristretto255.NewScalar()) == 0 {
			return s
		}
	}
}
