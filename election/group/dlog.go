package group

import (
	"errors"

	"github.com/gtank/ristretto255"
)

// ErrDlogRange: the discrete log is not in [0, max].
var ErrDlogRange = errors.New("discrete log out of range")

// DlogTable solves g^m = M for 0 ≤ m ≤ max by baby-step giant-step: a table
// of the ~sqrt(max) baby steps g^0..g^(s-1), then giant steps of g^-s. A
// tally of 10 million takes a table of 3,163 entries and as many steps.
type DlogTable struct {
	max   uint64
	step  uint64
	baby  map[[32]byte]uint64
	giant *ristretto255.Element
}

// NewDlogTable precomputes baby steps for logs up to max.
func NewDlogTable(max uint64) *DlogTable {
	s := uint64(1)
	for s*s < max+1 {
		s++
	}
	t := &DlogTable{max: max, step: s, baby: make(map[[32]byte]uint64, s)}
	cur := Identity()
	g := Generator()
	for i := uint64(0); i < s; i++ {
		var k [32]byte
		cur.Encode(k[:0])
		t.baby[k] = i
		cur = Add(cur, g)
	}
	t.giant = ristretto255.NewElement().Negate(BaseMult(ScalarFromUint64(s)))
	return t
}

// Log returns m with g^m = M, or ErrDlogRange.
func (t *DlogTable) Log(M *ristretto255.Element) (uint64, error) {
	cur := ristretto255.NewElement().Set(M)
	var k [32]byte
	for j := uint64(0); j*t.step <= t.max; j++ {
		cur.Encode(k[:0])
		if i, ok := t.baby[k]; ok {
			m := j*t.step + i
			if m <= t.max {
				return m, nil
			}
			return 0, ErrDlogRange
		}
		cur.Add(cur, t.giant)
	}
	return 0, ErrDlogRange
}
