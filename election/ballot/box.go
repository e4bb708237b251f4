package ballot

import (
	"fmt"
)

// Box is a ballot box's stateful rules, in cast order: a credential may
// serve only one one-time key, and a later ballot under the same one-time
// key replaces the earlier one (last vote counts). Proofs are not its
// business (see VerifyProofs); credentials and signature are checked by Add
// unless they already passed on this ballot.
//
// A ballot seen before (same bytes, hence same tracking code) is refused:
// otherwise anyone could replay a voter's earlier ballot after a re-vote
// and make the old choice the last one. For the same reason a spoiled
// ballot (Spoil), whose choices and credentials are public, can never be
// cast.
type Box struct {
	e     *Election
	Cast  []*Ballot // every accepted ballot, in order
	final map[[32]byte]int
	creds map[string][32]byte
	seen  map[[32]byte]byte // tracking code → seenCast or seenSpoiled
	tally [][]Ciphertext    // running encrypted tally of the counted ballots
}

// NewBox returns an empty box for e.
func NewBox(e *Election) *Box {
	return &Box{e: e, final: map[[32]byte]int{}, creds: map[string][32]byte{}, seen: map[[32]byte]byte{},
		tally: Aggregate(e, nil)}
}

// Tally is the running encrypted tally [contest][option] of the counted
// ballots: each cast ballot is added, and a replaced one subtracted, so it
// always equals Aggregate(e, x.Final()) without re-summing.
func (x *Box) Tally() [][]Ciphertext { return x.tally }

// Add accepts b. It returns the index in Cast of the ballot b replaces, or -1.
// A credential already seen with another one-time key fails with
// ErrCredentialReused, before the (then failing) signature checks, so that
// replay is reported as what it is.
func (x *Box) Add(b *Ballot) (replaced int, err error) {
	tc := b.TrackingCode()
	switch x.seen[tc] {
	case seenCast:
		return -1, ErrDuplicate
	case seenSpoiled:
		return -1, ErrSpoiledCast
	}
	for i, c := range b.Credentials {
		key := fmt.Sprintf("%d:%s", i, c)
		if otk, ok := x.creds[key]; ok && otk != b.otk {
			return -1, fmt.Errorf("%w: issuer %d", ErrCredentialReused, i)
		}
	}
	if !b.credOK || !b.sigOK {
		if err := Check(x.e, b); err != nil {
			return -1, err
		}
	}
	for i, c := range b.Credentials {
		x.creds[fmt.Sprintf("%d:%s", i, c)] = b.otk
	}
	x.seen[tc] = seenCast
	replaced = -1
	if prev, ok := x.final[b.otk]; ok {
		replaced = prev
	}
	for i, cb := range b.Contests {
		for j, ct := range cb.Selections {
			t := x.tally[i][j].Add(ct)
			if replaced >= 0 {
				t = t.Sub(x.Cast[replaced].Contests[i].Selections[j])
			}
			x.tally[i][j] = t
		}
	}
	x.final[b.otk] = len(x.Cast)
	x.Cast = append(x.Cast, b)
	return replaced, nil
}

const (
	seenCast    = 1
	seenSpoiled = 2
)

// Spoil records b as spoiled (a Benaloh challenge: its randomness is being
// published), so it can never be cast. A ballot already cast cannot be
// spoiled (ErrDuplicate). Check the reveal with VerifySpoiled.
func (x *Box) Spoil(b *Ballot) error {
	tc := b.TrackingCode()
	if x.seen[tc] != 0 {
		return ErrDuplicate
	}
	if !b.credOK || !b.sigOK {
		if err := Check(x.e, b); err != nil {
			return err
		}
	}
	x.seen[tc] = seenSpoiled
	return nil
}

// IsFinal reports whether Cast[i] is the last ballot of its one-time key.
func (x *Box) IsFinal(i int) bool { return x.final[x.Cast[i].otk] == i }

// Final returns the counted ballots: the last one per one-time key, in
// cast order.
func (x *Box) Final() []*Ballot {
	var out []*Ballot
	for i, b := range x.Cast {
		if x.IsFinal(i) {
			out = append(out, b)
		}
	}
	return out
}

// Voters is the number of distinct one-time keys.
func (x *Box) Voters() int { return len(x.final) }

// Aggregate sums ballots option by option: [contest][option].
func Aggregate(e *Election, bs []*Ballot) [][]Ciphertext {
	out := make([][]Ciphertext, len(e.Manifest.Contests))
	for i, c := range e.Manifest.Contests {
		out[i] = make([]Ciphertext, len(c.Options))
		for j := range out[i] {
			out[i][j] = ZeroCiphertext()
		}
	}
	for _, b := range bs {
		for i, cb := range b.Contests {
			for j, ct := range cb.Selections {
				out[i][j] = out[i][j].Add(ct)
			}
		}
	}
	return out
}
