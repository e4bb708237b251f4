package ceremony

import (
	"fmt"
	"io"
	"sort"

	"github.com/gtank/ristretto255"
	"github.com/pnyx-party/pnyx/election/group"
)

// DecryptionShare is trustee Trustee's partial decryption of every
// aggregate ciphertext: D[i] = α_i^x with a Chaum-Pedersen proof that
// log_g X = log_α_i D[i].
type DecryptionShare struct {
	Trustee int
	D       []*ristretto255.Element
	Proofs  []*group.DLEQ
}

func decryptionTranscript(p Params, trustee, i int) *group.Transcript {
	t := group.NewTranscript("pnyx/election/decryption-share/v1")
	t.AppendBytes("election", p.ElectionID[:])
	t.AppendUint64("trustee", uint64(trustee))
	t.AppendUint64("ciphertext", uint64(i))
	return t
}

// Decrypt partially decrypts alphas (the first components of the aggregate
// ciphertexts, in record order).
func (t *Trustee) Decrypt(rand io.Reader, alphas []*ristretto255.Element) (*DecryptionShare, error) {
	if t.secret == nil {
		return nil, fmt.Errorf("%w: trustee %d has not finished the ceremony", ErrParams, t.Index)
	}
	s := &DecryptionShare{Trustee: t.Index}
	for i, a := range alphas {
		D := group.Mult(t.secret, a)
		pf, err := group.ProveDLEQ(rand, decryptionTranscript(t.Params, t.Index, i), t.secret, t.public, a, D)
		if err != nil {
			return nil, err
		}
		s.D = append(s.D, D)
		s.Proofs = append(s.Proofs, pf)
	}
	return s, nil
}

// VerifyShare checks every proof of s against the trustee's public share X.
func VerifyShare(p Params, X *ristretto255.Element, alphas []*ristretto255.Element, s *DecryptionShare) error {
	if len(s.D) != len(alphas) || len(s.Proofs) != len(alphas) {
		return fmt.Errorf("%w: trustee %d: %d shares for %d ciphertexts", ErrBadDecryption, s.Trustee, len(s.D), len(alphas))
	}
	for i, a := range alphas {
		if !group.VerifyDLEQ(decryptionTranscript(p, s.Trustee, i), X, a, s.D[i], s.Proofs[i]) {
			return fmt.Errorf("%w: trustee %d, ciphertext %d", ErrBadDecryption, s.Trustee, i)
		}
	}
	return nil
}

// Lagrange returns λ_l = Π_{j∈set, j≠l} j/(j−l), the coefficient of share l
// when interpolating f(0) from the trustees in set.
func Lagrange(set []int, l int) *ristretto255.Scalar {
	num := group.ScalarFromUint64(1)
	den := group.ScalarFromUint64(1)
	for _, j := range set {
		if j == l {
			continue
		}
		num.Multiply(num, group.ScalarFromUint64(uint64(j)))
		den.Multiply(den, group.ScalarFromInt64(int64(j-l)))
	}
	return num.Multiply(num, ristretto255.NewScalar().Invert(den))
}

// Combine takes verified shares from at least K distinct trustees, uses the
// K with the smallest indices, and returns g^m_i = β_i − Σ λ_l·D_l,i for
// every ciphertext.
func Combine(p Params, betas []*ristretto255.Element, shares []*DecryptionShare) ([]*ristretto255.Element, []int, error) {
	byIndex := map[int]*DecryptionShare{}
	for _, s := range shares {
		if s.Trustee >= 1 && s.Trustee <= p.N && len(s.D) == len(betas) {
			byIndex[s.Trustee] = s
		}
	}
	var set []int
	for i := range byIndex {
		set = append(set, i)
	}
	sort.Ints(set)
	if len(set) < p.K {
		return nil, nil, fmt.Errorf("%w: %d of %d", ErrTooFewTrustees, len(set), p.K)
	}
	set = set[:p.K]
	lambdas := make([]*ristretto255.Scalar, len(set))
	for i, l := range set {
		lambdas[i] = ristretto255.NewScalar().Negate(Lagrange(set, l))
	}
	out := make([]*ristretto255.Element, len(betas))
	for i, b := range betas {
		pts := []*ristretto255.Element{b}
		sc := []*ristretto255.Scalar{group.ScalarFromUint64(1)}
		for k, l := range set {
			pts = append(pts, byIndex[l].D[i])
			sc = append(sc, lambdas[k])
		}
		out[i] = ristretto255.NewElement().VarTimeMultiScalarMult(sc, pts)
	}
	return out, set, nil
}
