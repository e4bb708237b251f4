package ballot

import (
	"io"

	"github.com/gtank/ristretto255"
	"github.com/pnyx-party/pnyx/election/group"
)

// Ciphertext is an exponential ElGamal encryption of m under joint key K:
// (Alpha, Beta) = (g^r, g^m·K^r). Adding ciphertexts adds plaintexts.
type Ciphertext struct {
	Alpha, Beta *ristretto255.Element
}

// Add returns the component-wise sum c+d (an encryption of m_c + m_d).
func (c Ciphertext) Add(d Ciphertext) Ciphertext {
	return Ciphertext{group.Add(c.Alpha, d.Alpha), group.Add(c.Beta, d.Beta)}
}

// Sub returns c-d (used to take a replaced ballot out of a running tally).
func (c Ciphertext) Sub(d Ciphertext) Ciphertext {
	return Ciphertext{group.Sub(c.Alpha, d.Alpha), group.Sub(c.Beta, d.Beta)}
}

// ZeroCiphertext is the identity pair, the encryption of 0 with r = 0.
func ZeroCiphertext() Ciphertext { return Ciphertext{group.Identity(), group.Identity()} }

// RangeProof proves that a ciphertext encrypts some m in 0..R: a
// disjunctive Chaum-Pedersen proof with one branch per value j, each showing
// log_g Alpha = log_K (Beta / g^j). Commitment form, so proofs batch:
//
//	A[j] = g^V[j] · Alpha^c_j      B[j] = K^V[j] · (Beta/g^j)^c_j
//	c_0 .. c_{R-1} = C,  c_R = c - Σ C,  c = H(transcript ‖ A ‖ B)
//
// The transcript starts from the ballot digest, which already binds the
// election ID, manifest hash, joint key, one-time key and every ciphertext.
type RangeProof struct {
	A, B []*ristretto255.Element // R+1 each
	C    []*ristretto255.Scalar  // R
	V    []*ristretto255.Scalar  // R+1

	c      []*ristretto255.Scalar // all R+1 branch challenges, derived at decode
	commit []byte                 // A[0] ‖ B[0] ‖ … ‖ A[R] ‖ B[R], as encoded
}

// proofSize is the encoded size of a range proof for 0..R.
func proofSize(R int) int { return 2*(R+1)*group.ElementSize + (2*R+1)*group.ScalarSize }

func (p *RangeProof) encode(w *group.Writer) {
	for j := range p.A {
		w.Element(p.A[j])
		w.Element(p.B[j])
	}
	for _, c := range p.C {
		w.Scalar(c)
	}
	for _, v := range p.V {
		w.Scalar(v)
	}
}

func readRangeProof(r *group.Reader, raw []byte, R int) *RangeProof {
	p := &RangeProof{A: make([]*ristretto255.Element, R+1), B: make([]*ristretto255.Element, R+1),
		C: make([]*ristretto255.Scalar, R), V: make([]*ristretto255.Scalar, R+1)}
	start := r.Offset()
	for j := 0; j <= R; j++ {
		p.A[j] = r.Element("proof.A")
		p.B[j] = r.Element("proof.B")
	}
	if r.Err() == nil {
		p.commit = raw[start:r.Offset()]
	}
	for j := 0; j < R; j++ {
		p.C[j] = r.Scalar("proof.c")
	}
	for j := 0; j <= R; j++ {
		p.V[j] = r.Scalar("proof.v")
	}
	return p
}

// rangeTranscript is the transcript of one proof: the ballot digest, the
// proof's position, then its commitments.
func rangeTranscript(digest *[64]byte, contest, option int) *group.Transcript {
	t := group.NewTranscript("pnyx/election/range-proof/v1")
	t.AppendBytes("ballot", digest[:])
	t.AppendUint64("contest", uint64(contest))
	// option = -1 for the contest's selection-limit proof
	t.AppendUint64("option", uint64(int64(option)))
	return t
}

// deriveChallenges computes the branch challenges from the commitments.
func (p *RangeProof) deriveChallenges(t *group.Transcript) {
	t.AppendBytes("commitments", p.commit)
	c := t.Challenge("range")
	last := ristretto255.NewScalar().Set(c)
	p.c = make([]*ristretto255.Scalar, len(p.A))
	for j, cj := range p.C {
		p.c[j] = cj
		last.Subtract(last, cj)
	}
	p.c[len(p.A)-1] = last
}

// proveRange proves ct = (g^r, g^m K^r) encrypts m ∈ 0..R.
func proveRange(rand io.Reader, t *group.Transcript, K *ristretto255.Element, ct Ciphertext,
	m int, r *ristretto255.Scalar, R int) (*RangeProof, error) {
	p := &RangeProof{A: make([]*ristretto255.Element, R+1), B: make([]*ristretto255.Element, R+1),
		V: make([]*ristretto255.Scalar, R+1)}
	cs := make([]*ristretto255.Scalar, R+1)
	var u *ristretto255.Scalar
	for j := 0; j <= R; j++ {
		if j == m {
			var err error
			if u, err = group.RandomScalar(rand); err != nil {
				return nil, err
			}
			p.A[j] = group.BaseMult(u)
			p.B[j] = group.Mult(u, K)
			continue
		}
		// Simulated branch: pick c_j and v_j, solve for the commitments.
		cj, err := group.RandomScalar(rand)
		if err != nil {
			return nil, err
		}
		vj, err := group.RandomScalar(rand)
		if err != nil {
			return nil, err
		}
		cs[j], p.V[j] = cj, vj
		p.A[j] = ristretto255.NewElement().MultiScalarMult(
			[]*ristretto255.Scalar{vj, cj}, []*ristretto255.Element{group.Generator(), ct.Alpha})
		betaJ := group.Sub(ct.Beta, group.BaseMult(group.ScalarFromUint64(uint64(j))))
		p.B[j] = ristretto255.NewElement().MultiScalarMult(
			[]*ristretto255.Scalar{vj, cj}, []*ristretto255.Element{K, betaJ})
	}
	w := &group.Writer{}
	for j := range p.A {
		w.Element(p.A[j])
		w.Element(p.B[j])
	}
	p.commit = w.Buf
	t.AppendBytes("commitments", p.commit)
	c := t.Challenge("range")
	cm := ristretto255.NewScalar().Set(c)
	for j := 0; j <= R; j++ {
		if j != m {
			cm.Subtract(cm, cs[j])
		}
	}
	cs[m] = cm
	// v_m = u - c_m·r, so g^v_m·Alpha^c_m = g^u and K^v_m·(Beta/g^m)^c_m = K^u.
	vm := ristretto255.NewScalar().Multiply(cm, r)
	p.V[m] = vm.Subtract(u, vm)
	p.C = cs[:R]
	p.c = cs
	return p, nil
}

// verifySingle checks the proof equation by equation ("naive"). The
// challenges must have been derived.
func (p *RangeProof) verifySingle(K *ristretto255.Element, ct Ciphertext) bool {
	g := group.Generator()
	for j := range p.A {
		// g^v·Alpha^c == A
		if ristretto255.NewElement().VarTimeDoubleScalarBaseMult(p.c[j], ct.Alpha, p.V[j]).Equal(p.A[j]) != 1 {
			return false
		}
		// K^v·Beta^c·g^(-j·c) == B
		jc := ristretto255.NewScalar().Multiply(group.ScalarFromUint64(uint64(j)), p.c[j])
		jc.Negate(jc)
		got := ristretto255.NewElement().VarTimeMultiScalarMult(
			[]*ristretto255.Scalar{p.V[j], p.c[j], jc}, []*ristretto255.Element{K, ct.Beta, g})
		if got.Equal(p.B[j]) != 1 {
			return false
		}
	}
	return true
}

// batchTerms adds the weighted equations of the proof to m. The
// coefficients of Alpha, Beta and K are returned through the accumulators so
// the caller adds each of those points once.
func (p *RangeProof) batchTerms(m *group.MSM, w *group.Weights, alphaCoef, betaCoef, kCoef *ristretto255.Scalar) {
	base := ristretto255.NewScalar()
	t := ristretto255.NewScalar()
	for j := range p.A {
		za := w.Next()
		zb := w.Next()
		// za·(g^v·Alpha^c − A)
		base.Add(base, t.Multiply(za, p.V[j]))
		alphaCoef.Add(alphaCoef, t.Multiply(za, p.c[j]))
		m.Add(ristretto255.NewScalar().Negate(za), p.A[j])
		// zb·(K^v·Beta^c·g^(−j·c) − B)
		kCoef.Add(kCoef, t.Multiply(zb, p.V[j]))
		zbc := ristretto255.NewScalar().Multiply(zb, p.c[j])
		betaCoef.Add(betaCoef, zbc)
		if j > 0 {
			base.Subtract(base, t.Multiply(zbc, group.ScalarFromUint64(uint64(j))))
		}
		m.Add(ristretto255.NewScalar().Negate(zb), p.B[j])
	}
	m.AddBase(base)
}
