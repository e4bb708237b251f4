package group

import (
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/gtank/ristretto255"
)

func randomMSM(n int) ([]*ristretto255.Scalar, []*ristretto255.Element) {
	var sc []*ristretto255.Scalar
	var pt []*ristretto255.Element
	w := NewWeights(rand.Reader)
	for i := range n {
		if i%3 == 0 {
			sc = append(sc, MustRandomScalar(rand.Reader))
		} else {
			sc = append(sc, w.Next())
		}
		pt = append(pt, BaseMult(MustRandomScalar(rand.Reader)))
	}
	return sc, pt
}

func TestPippengerMatchesStraus(t *testing.T) {
	for _, n := range []int{0, 1, 2, 31, 100, 300, 2100} {
		sc, pt := randomMSM(n)
		// include edge scalars
		if n > 2 {
			sc[0] = ristretto255.NewScalar()
			sc[1] = ristretto255.NewScalar().Negate(ScalarFromUint64(1))
		}
		want := ristretto255.NewElement().VarTimeMultiScalarMult(sc, pt)
		got := pippenger(sc, pt)
		if want.Equal(got) != 1 {
			t.Fatalf("n=%d: pippenger differs", n)
		}
	}
}

func BenchmarkMSM(b *testing.B) {
	for _, n := range []int{4096, 16384} {
		sc, pt := randomMSM(n)
		b.Run(fmt.Sprintf("straus-%d", n), func(b *testing.B) {
			for range b.N {
				ristretto255.NewElement().VarTimeMultiScalarMult(sc, pt)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/point")
		})
		b.Run(fmt.Sprintf("pippenger-%d", n), func(b *testing.B) {
			for range b.N {
				pippenger(sc, pt)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/point")
		})
	}
}

func BenchmarkWindow(b *testing.B) {
	for _, n := range []int{4096, 16384} {
		sc, pt := randomMSM(n)
		for c := 8; c <= 14; c++ {
			b.Run(fmt.Sprintf("n%d-c%d", n, c), func(b *testing.B) {
				windowOverride = c
				defer func() { windowOverride = 0 }()
				for range b.N {
					pippenger(sc, pt)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/point")
			})
		}
	}
}

func TestPippengerEveryWindow(t *testing.T) {
	sc, pt := randomMSM(200)
	sc[0] = ristretto255.NewScalar().Negate(ScalarFromUint64(1)) // ℓ-1: all windows busy
	want := ristretto255.NewElement().VarTimeMultiScalarMult(sc, pt)
	defer func() { windowOverride = 0 }()
	for c := 2; c <= 14; c++ {
		windowOverride = c
		if pippenger(sc, pt).Equal(want) != 1 {
			t.Fatalf("window %d differs", c)
		}
	}
}
