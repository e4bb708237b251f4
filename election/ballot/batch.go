package ballot

import (
	"errors"
	"io"

	"github.com/gtank/ristretto255"
	"github.com/pnyx-party/pnyx/election/group"
	"github.com/pnyx-party/pnyx/internal/parallel"
)

// Failure names a ballot whose proofs do not verify.
type Failure struct {
	Index int   // position in the slice passed to VerifyProofs
	Err   error // ErrRangeProof or ErrSelectionLimit, with contest/option
}

// addTerms adds every proof equation of b to m with fresh weights.
// kCoef collects the coefficient of the joint key across the batch.
func addTerms(b *Ballot, m *group.MSM, w *group.Weights, kCoef *ristretto255.Scalar, sig bool) {
	if sig {
		m.AddSchnorr(w, signatureTranscript(b.raw[:len(b.raw)-group.SchnorrSize]), b.OneTimeKey, b.Signature)
	}
	for _, cb := range b.Contests {
		n := len(cb.Selections)
		alpha := make([]*ristretto255.Scalar, n)
		beta := make([]*ristretto255.Scalar, n)
		for j, p := range cb.Proofs {
			alpha[j], beta[j] = ristretto255.NewScalar(), ristretto255.NewScalar()
			p.batchTerms(m, w, alpha[j], beta[j], kCoef)
		}
		// The limit proof is about the sum of the ciphertexts; its
		// coefficients go onto each summand, so the sum is never computed.
		sa, sb := ristretto255.NewScalar(), ristretto255.NewScalar()
		cb.Limit.batchTerms(m, w, sa, sb, kCoef)
		for j, ct := range cb.Selections {
			m.Add(alpha[j].Add(alpha[j], sa), ct.Alpha)
			m.Add(beta[j].Add(beta[j], sb), ct.Beta)
		}
	}
}

func pointsPerBallot(b *Ballot) int {
	n := 2
	for _, cb := range b.Contests {
		for _, p := range cb.Proofs {
			n += 2*len(p.A) + 2
		}
		n += 2 * len(cb.Limit.A)
	}
	return n
}

// batchOK checks all proofs (and, if sig, one-time signatures) of bs in one
// multi-scalar multiplication.
func batchOK(e *Election, bs []*Ballot, w *group.Weights, sig bool) bool {
	if len(bs) == 0 {
		return true
	}
	m := group.NewMSM(pointsPerBallot(bs[0])*len(bs) + 1)
	kCoef := ristretto255.NewScalar()
	for _, b := range bs {
		addTerms(b, m, w, kCoef, sig)
	}
	m.Add(kCoef, e.JointKey)
	return m.IsIdentity()
}

// VerifyProofs verifies the range and selection-limit proofs of every
// ballot in bs as one batch, drawing 128-bit weights from rand. If the batch
// fails it is halved and each half checked again, down to single ballots,
// which are then checked proof by proof to name the failing proof. It
// returns the failures in index order; nil means every proof verifies.
//
// A false proof passes with probability at most 2^-128 per check, so the
// result does not depend on rand in any practical sense.
func VerifyProofs(e *Election, bs []*Ballot, rand io.Reader) []Failure {
	return verifyRange(e, bs, 0, group.NewWeights(rand), false)
}

// VerifyProofsAndSignatures is VerifyProofs with each ballot's one-time
// signature folded into the same multi-scalar multiplication (an offline
// verifier's shortcut; a node checks signatures first, with Check, to
// drop junk cheaply). A failure's Err is ErrSignature if the signature
// fails, the proof error if a proof fails, or both joined.
func VerifyProofsAndSignatures(e *Election, bs []*Ballot, rand io.Reader) []Failure {
	return verifyRange(e, bs, 0, group.NewWeights(rand), true)
}

func verifyRange(e *Election, bs []*Ballot, off int, w *group.Weights, sig bool) []Failure {
	if batchOK(e, bs, w, sig) {
		if sig {
			for _, b := range bs {
				b.sigOK = true
			}
		}
		return nil
	}
	if len(bs) == 1 {
		var err error
		if sig {
			err = CheckSignature(e, bs[0])
		}
		err = errors.Join(err, VerifyProofsNaive(e, bs[0]))
		if err == nil {
			// The batch equation failed but each proof holds: impossible
			// unless the weights collided; report it rather than hide it.
			err = ErrRangeProof
		}
		return []Failure{{Index: off, Err: err}}
	}
	h := len(bs) / 2
	return append(verifyRange(e, bs[:h], off, w, sig), verifyRange(e, bs[h:], off+h, w, sig)...)
}

// BatchSize is the number of ballots per multi-scalar multiplication in
// VerifyProofsParallel. Large enough that the 253 shared doublings vanish
// per ballot, small enough that bisection stays cheap and memory small.
const BatchSize = 256

// VerifyProofsParallel splits bs into fixed batches of BatchSize (the split
// does not depend on the number of cores, so neither does the result) and
// verifies them on workers goroutines (0 = GOMAXPROCS). newRand gives each
// batch its weight source; progress, if not nil, is called with the number
// of ballots done so far.
func VerifyProofsParallel(e *Election, bs []*Ballot, workers int, newRand func() io.Reader, progress func(done int)) []Failure {
	return VerifyProofsInBatches(e, bs, BatchSize, workers, newRand, progress)
}

// VerifyProofsInBatches is VerifyProofsParallel with batches of batch
// ballots: a node verifying one block's ballots uses smaller batches than
// an offline verifier, so that a block of a few hundred keeps every core
// busy. Failures come in index order.
func VerifyProofsInBatches(e *Election, bs []*Ballot, batch, workers int, newRand func() io.Reader, progress func(done int)) []Failure {
	results := make([][]Failure, (len(bs)+batch-1)/batch)
	parallel.Batches(len(bs), batch, workers, func(lo, hi int) {
		results[lo/batch] = verifyRange(e, bs[lo:hi], lo, group.NewWeights(newRand()), false)
	}, progress)
	var out []Failure
	for _, r := range results {
		out = append(out, r...)
	}
	return out
}
