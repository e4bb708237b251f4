package election

// The tally: the encrypted aggregate of the counted ballots, the trustees'
// decryption shares and, once k of them are in, the results.

import (
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"

	"github.com/gtank/ristretto255"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/ceremony"
	"github.com/pnyx-party/pnyx/election/group"
	"github.com/pnyx-party/pnyx/module"
)

func zeroAggregate(man *ballot.Manifest) [][]ballot.Ciphertext {
	out := make([][]ballot.Ciphertext, len(man.Contests))
	for i, c := range man.Contests {
		for range c.Options {
			out[i] = append(out[i], ballot.ZeroCiphertext())
		}
	}
	return out
}

// encodeAggregate lays out one ciphertext per option, contests in order:
// alpha ‖ beta each. A cast ballot's selections (Ballot.SelectionBytes)
// have the same layout, so decodeCiphertexts reads both.
func encodeAggregate(agg [][]ballot.Ciphertext) []byte {
	w := &group.Writer{}
	for _, c := range agg {
		for _, ct := range c {
			w.Element(ct.Alpha)
			w.Element(ct.Beta)
		}
	}
	return w.Buf
}

func decodeAggregate(man *ballot.Manifest, h string) ([][]ballot.Ciphertext, error) {
	raw, err := hex.DecodeString(h)
	if err != nil {
		return nil, err
	}
	return decodeCiphertexts(man, raw)
}

// decodeCiphertexts reads encodeAggregate's layout for man.
func decodeCiphertexts(man *ballot.Manifest, raw []byte) ([][]ballot.Ciphertext, error) {
	rd := group.NewReader(raw)
	out := make([][]ballot.Ciphertext, len(man.Contests))
	for i, c := range man.Contests {
		for range c.Options {
			out[i] = append(out[i], ballot.Ciphertext{Alpha: rd.Element("alpha"), Beta: rd.Element("beta")})
		}
	}
	return out, rd.Finish()
}

// selectionsOf returns a ballot's ciphertexts in the aggregate's layout.
func selectionsOf(b *ballot.Ballot) [][]ballot.Ciphertext {
	out := make([][]ballot.Ciphertext, len(b.Contests))
	for i, cb := range b.Contests {
		out[i] = cb.Selections
	}
	return out
}

// addCiphertexts adds (or subtracts) sel to agg option by option.
func addCiphertexts(agg, sel [][]ballot.Ciphertext, subtract bool) [][]ballot.Ciphertext {
	for i, cs := range sel {
		for j, ct := range cs {
			if subtract {
				agg[i][j] = agg[i][j].Sub(ct)
			} else {
				agg[i][j] = agg[i][j].Add(ct)
			}
		}
	}
	return agg
}

func (m *Elections) decrypt(ctx *module.Context, b DecryptBody) error {
	e, err := load(ctx.Store, b.Election)
	if err != nil {
		return err
	}
	now := ctx.Unix()
	if e.Phase(now) != PhaseTallying {
		return wrongPhase(e, now, fmt.Sprintf("decryption shares are taken after voting ends at %d until the result is published", e.VoteEnd))
	}
	l, err := m.trustee(ctx, e)
	if err != nil {
		return err
	}
	if ctx.Store.Get(DecryptionKey(e.ID, l)) != nil {
		return codes.AlreadyExists.Errorf("trustee %d posted its decryption share already", l)
	}
	man := e.manifest()
	t, _ := GetTally(ctx.Store, e.ID)
	agg, err := decodeAggregate(man, t.Aggregate)
	if err != nil {
		return codes.Internal.Errorf("stored aggregate: %v", err)
	}
	var alphas, betas []*ristretto255.Element
	for _, c := range agg {
		for _, ct := range c {
			alphas, betas = append(alphas, ct.Alpha), append(betas, ct.Beta)
		}
	}
	raw, err := hex.DecodeString(b.Share)
	if err != nil || hex.EncodeToString(raw) != b.Share {
		return codes.InvalidArgument.Errorf("share must be lowercase hex")
	}
	s, err := ceremony.DecodeShare(l, len(alphas), raw)
	if err != nil {
		return CodeShareInvalid.Errorf("share of trustee %d: %v", l, err)
	}
	if err := ceremony.VerifyShare(e.params(), mustElement(e.PublicShares[l-1]), alphas, s); err != nil {
		return CodeShareInvalid.Errorf("share of trustee %d: %v", l, err)
	}
	ctx.Store.Set(DecryptionKey(e.ID, l), raw)
	t.Shares = append(t.Shares, l)
	sort.Ints(t.Shares)
	ctx.Emit("election.decryption_share", "election", e.ID, "trustee", strconv.Itoa(l))
	if len(t.Shares) >= e.Threshold {
		var shares []*ceremony.DecryptionShare
		for _, j := range t.Shares {
			sj, err := ceremony.DecodeShare(j, len(alphas), ctx.Store.Get(DecryptionKey(e.ID, j)))
			if err != nil {
				return codes.Internal.Errorf("stored share %d: %v", j, err)
			}
			shares = append(shares, sj)
		}
		Ms, _, err := ceremony.Combine(e.params(), betas, shares)
		if err != nil {
			return codes.Internal.Errorf("combine: %v", err)
		}
		// Every count is at most counted ballots × the option limit, so
		// the baby-step table holds about √(that) points.
		var maxLimit uint64 = 1
		for _, c := range man.Contests {
			maxLimit = max(maxLimit, uint64(c.OptionLimit))
		}
		table := group.NewDlogTable(max(t.Counted*maxLimit, 1))
		t.Results = make([][]uint64, len(man.Contests))
		k := 0
		for i, c := range man.Contests {
			t.Results[i] = make([]uint64, len(c.Options))
			for j := range c.Options {
				v, err := table.Log(Ms[k])
				if err != nil {
					return codes.Internal.Errorf("contest %d option %d: %v", i, j, err)
				}
				t.Results[i][j] = v
				k++
			}
		}
		e.Status, e.PublishedAt = PhasePublished, now
		put(ctx, e)
		ctx.Emit("election.published", "election", e.ID, "counted", strconv.FormatUint(t.Counted, 10))
	}
	putTally(ctx, e.ID, t)
	return nil
}
