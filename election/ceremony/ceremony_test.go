package ceremony

import (
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"testing"

	"github.com/gtank/ristretto255"
	"github.com/pnyx-party/pnyx/election/group"
)

type seeded struct{ r *mrand.ChaCha8 }

func newSeeded(seed byte) *seeded {
	var s [32]byte
	s[0] = seed
	return &seeded{mrand.NewChaCha8(s)}
}
func (s *seeded) Read(p []byte) (int, error) { return s.r.Read(p) }

// run performs an honest ceremony and returns the trustees and dealings.
func run(t *testing.T, rnd *seeded, p Params) ([]*Trustee, []*Dealing, []int) {
	t.Helper()
	var ts []*Trustee
	var keys [][]byte
	for i := 1; i <= p.N; i++ {
		tr, err := NewTrustee(rnd, p, i)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tr)
		keys = append(keys, tr.HPKEKey)
	}
	var ds []*Dealing
	for _, tr := range ts {
		d, err := tr.Deal(rnd, keys)
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	for _, tr := range ts {
		for _, d := range ds {
			if err := tr.Receive(d); err != nil {
				t.Fatal(err)
			}
		}
	}
	qual, disq := Qualified(p, ds, nil, nil)
	if len(disq) != 0 {
		t.Fatal(disq)
	}
	for _, tr := range ts {
		if err := tr.Finish(qual); err != nil {
			t.Fatal(err)
		}
	}
	return ts, ds, qual
}

func encrypt(K *ristretto255.Element, m uint64) (a, b *ristretto255.Element) {
	r := group.MustRandomScalar(rand.Reader)
	b = group.Add(group.Mult(r, K), group.BaseMult(group.ScalarFromUint64(m)))
	return group.BaseMult(r), b
}

// Every n ≤ 5 and k ≤ n, with the n-k highest (and then lowest) trustees absent.
func TestThresholdRoundTrip(t *testing.T) {
	rnd := newSeeded(1)
	table := group.NewDlogTable(1000)
	for n := 1; n <= 5; n++ {
		for k := 1; k <= n; k++ {
			for _, absentLow := range []bool{false, true} {
				t.Run(fmt.Sprintf("n%d-k%d-low%v", n, k, absentLow), func(t *testing.T) {
					p := Params{N: n, K: k}
					p.ElectionID[0] = byte(n*10 + k)
					ts, ds, qual := run(t, rnd, p)
					K := JointKey(ds, qual)
					for _, tr := range ts {
						if tr.Public().Equal(PublicShare(ds, qual, tr.Index)) != 1 {
							t.Fatal("public share mismatch")
						}
					}
					msgs := []uint64{0, 1, 7, 999}
					var alphas, betas []*ristretto255.Element
					for _, m := range msgs {
						a, b := encrypt(K, m)
						alphas, betas = append(alphas, a), append(betas, b)
					}
					present := ts[:k]
					if absentLow {
						present = ts[n-k:]
					}
					var shares []*DecryptionShare
					for _, tr := range present {
						s, err := tr.Decrypt(rnd, alphas)
						if err != nil {
							t.Fatal(err)
						}
						if err := VerifyShare(p, PublicShare(ds, qual, tr.Index), alphas, s); err != nil {
							t.Fatal(err)
						}
						shares = append(shares, s)
					}
					Ms, _, err := Combine(p, betas, shares)
					if err != nil {
						t.Fatal(err)
					}
					for i, M := range Ms {
						m, err := table.Log(M)
						if err != nil || m != msgs[i] {
							t.Fatalf("ciphertext %d: got %d, %v; want %d", i, m, err, msgs[i])
						}
					}
					if k > 1 {
						if _, _, err := Combine(p, betas, shares[:k-1]); !errors.Is(err, ErrTooFewTrustees) {
							t.Fatalf("k-1 shares: %v", err)
						}
					}
				})
			}
		}
	}
}

func TestCheatingDealerDetected(t *testing.T) {
	rnd := newSeeded(2)
	p := Params{N: 4, K: 2}
	var ts []*Trustee
	var keys [][]byte
	for i := 1; i <= p.N; i++ {
		tr, _ := NewTrustee(rnd, p, i)
		ts = append(ts, tr)
		keys = append(keys, tr.HPKEKey)
	}
	var ds []*Dealing
	for _, tr := range ts {
		d, _ := tr.Deal(rnd, keys)
		ds = append(ds, d)
	}
	// Trustee 3 seals a wrong share to trustee 2 ...
	bad, err := sealShare(rnd, p, 3, 2, keys[1], group.ScalarFromUint64(42), commitmentsHash(ds[2].Commitments))
	if err != nil {
		t.Fatal(err)
	}
	ds[2].Shares[1] = bad
	// ... and trustee 4 seals garbage to trustee 1.
	ds[3].Shares[0] = make([]byte, ShareCiphertextSize)

	var complaints []Complaint
	for _, tr := range ts {
		for _, d := range ds {
			if err := tr.Receive(d); err != nil {
				if !errors.Is(err, ErrBadShare) {
					t.Fatal(err)
				}
				complaints = append(complaints, Complaint{Accuser: tr.Index, Dealer: d.Dealer})
			}
		}
	}
	if len(complaints) != 2 {
		t.Fatalf("complaints %v", complaints)
	}
	// Trustee 3 answers with a share that fails its commitments; trustee 4
	// does not answer.
	answers := []*Answer{{Dealer: 3, Accuser: 2, Share: group.ScalarFromUint64(42)}}
	if err := CheckAnswer(p, ds[2], answers[0]); !errors.Is(err, ErrDealerCheated) {
		t.Fatalf("bad answer: %v", err)
	}
	qual, disq := Qualified(p, ds, complaints, answers)
	if fmt.Sprint(qual) != "[1 2]" || !errors.Is(disq[3], ErrDealerCheated) || !errors.Is(disq[4], ErrUnanswered) {
		t.Fatalf("qual %v disq %v", qual, disq)
	}
	// An honest answer keeps the dealer in.
	honest := ts[2].Answer(Complaint{Accuser: 2, Dealer: 3})
	if err := ts[1].Accept(p, ds[2], honest); err != nil {
		t.Fatal(err)
	}
	qual, _ = Qualified(p, ds, complaints[:1], []*Answer{honest})
	if fmt.Sprint(qual) != "[1 2 3]" {
		t.Fatalf("qual %v", qual)
	}
	// Complaints naming nobody, or by the dealer against itself, are
	// ignored: they could never be answered.
	qual, _ = Qualified(p, ds, []Complaint{{Accuser: 9, Dealer: 1}, {Accuser: 0, Dealer: 2}, {Accuser: 3, Dealer: 3}}, nil)
	if fmt.Sprint(qual) != "[1 2 3 4]" {
		t.Fatalf("bogus complaints disqualified dealers: %v", qual)
	}
	// A forged proof of knowledge disqualifies too.
	ds[0].Proofs[1].S = group.ScalarFromUint64(5)
	if err := VerifyDealing(p, ds[0]); !errors.Is(err, ErrBadDealing) {
		t.Fatalf("forged PoK: %v", err)
	}
}

func TestCheatingDecryptionShareDetected(t *testing.T) {
	rnd := newSeeded(3)
	p := Params{N: 3, K: 2}
	ts, ds, qual := run(t, rnd, p)
	K := JointKey(ds, qual)
	a, b := encrypt(K, 5)
	s, _ := ts[0].Decrypt(rnd, []*ristretto255.Element{a})
	s.D[0] = group.Add(s.D[0], group.Generator()) // shift the tally by one
	if err := VerifyShare(p, PublicShare(ds, qual, 1), []*ristretto255.Element{a}, s); !errors.Is(err, ErrBadDecryption) {
		t.Fatalf("cheating share: %v", err)
	}
	// The other two still decrypt.
	var good []*DecryptionShare
	for _, tr := range ts[1:] {
		g, _ := tr.Decrypt(rnd, []*ristretto255.Element{a})
		good = append(good, g)
	}
	Ms, set, err := Combine(p, []*ristretto255.Element{b}, good)
	if err != nil || fmt.Sprint(set) != "[2 3]" {
		t.Fatal(err, set)
	}
	if m, _ := group.NewDlogTable(10).Log(Ms[0]); m != 5 {
		t.Fatalf("m = %d", m)
	}
}

func TestLagrangeKnownAnswer(t *testing.T) {
	// For {1,2}: λ1 = 2/(2-1) = 2, λ2 = 1/(1-2) = -1.
	if Lagrange([]int{1, 2}, 1).Equal(group.ScalarFromUint64(2)) != 1 ||
		Lagrange([]int{1, 2}, 2).Equal(group.ScalarFromInt64(-1)) != 1 {
		t.Fatal("lagrange {1,2}")
	}
	// For {1,2,3}: λ1 = 3, λ2 = -3, λ3 = 1.
	for l, want := range map[int]int64{1: 3, 2: -3, 3: 1} {
		if Lagrange([]int{1, 2, 3}, l).Equal(group.ScalarFromInt64(want)) != 1 {
			t.Fatalf("lagrange {1,2,3} λ%d", l)
		}
	}
}
