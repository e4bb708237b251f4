package election

// Ballots: cheap checks before the mempool (decoding, credentials, one-time
// signature), the handler that stores a cast ballot and updates the running
// aggregate, re-votes and their cap, and spoiled (challenged) ballots. The
// proofs of a block's ballots are batch-verified in verify.go.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/group"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/tx"
)

// Context returns the public context ballots of a ready election are
// checked against (cached: it never changes once the ceremony is over).
func (m *Elections) Context(e *Election) (*ballot.Election, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.contexts[e.ID]; ok {
		return c, nil
	}
	c, err := ballot.NewElection(e.manifest(), mustElement(e.JointKey), e.issuerKeys())
	if err != nil {
		return nil, err
	}
	if m.contexts == nil {
		m.contexts, m.byEID = map[string]*ballot.Election{}, map[[32]byte]*ballot.Election{}
	}
	m.contexts[e.ID] = c
	m.byEID[c.Manifest.ElectionID] = c
	return c, nil
}

// decodeBallotBody is tx.DecodeBody for a BallotBody, without
// reflection: the only canonical JSON of a BallotBody whose ballot is
// base64 is {"ballot":"…"} with the base64 as is (json.Marshal escapes
// none of A-Z a-z 0-9 + / =), so accepting exactly that form accepts
// exactly what DecodeBody accepts, and anything else goes to DecodeBody for
// its error message.
func decodeBallotBody(body []byte) (BallotBody, error) {
	const pre, suf = `{"ballot":"`, `"}`
	if len(body) >= len(pre)+len(suf) && string(body[:len(pre)]) == pre && string(body[len(body)-len(suf):]) == suf {
		mid := body[len(pre) : len(body)-len(suf)]
		ok := true
		for _, c := range mid {
			if !base64Char[c] {
				ok = false
				break
			}
		}
		if ok {
			return BallotBody{Ballot: string(mid)}, nil
		}
	}
	var bb BallotBody
	if err := tx.DecodeBody(body, &bb); err != nil {
		return bb, err
	}
	return bb, nil
}

var base64Char = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") {
		t[c] = true
	}
	return t
}()

// BallotBytes decodes a ballot body's base64, accepting only the
// canonical form: the standard decoder would also skip line breaks and
// (unless strict) ignore the padding bits, each a second encoding of one
// ballot.
func BallotBytes(s string) ([]byte, error) {
	raw, err := base64.StdEncoding.Strict().DecodeString(s)
	// IndexByte rather than ContainsAny: a ballot is ~7 KB of base64, and
	// ContainsAny scans it a byte at a time on every pass (Preverify,
	// CheckTx, its rechecks, BeginBlock, the handler).
	if err != nil || strings.IndexByte(s, '\r') >= 0 || strings.IndexByte(s, '\n') >= 0 {
		return nil, CodeBallotMalformed.Errorf("ballot is not canonical base64")
	}
	return raw, nil
}

// electionOf finds the election a ballot names (bytes 1..33).
func electionOf(kv store.Reader, raw []byte) (*Election, error) {
	if len(raw) < 33 || raw[0] != ballot.Version {
		return nil, CodeBallotMalformed.Errorf("ballot is %d bytes without a version-%d header", len(raw), ballot.Version)
	}
	var eid [32]byte
	copy(eid[:], raw[1:33])
	id, ok := ByElectionID(kv, eid)
	if !ok {
		return nil, codes.NotFound.Errorf("no election has ID %x", eid[:8])
	}
	return load(kv, id)
}

// readOnly loads an election for a handler that does not modify it,
// reusing the decoded record while its stored bytes are unchanged.
func (m *Elections) readOnly(kv store.Reader, raw []byte) (*Election, error) {
	if len(raw) < 33 || raw[0] != ballot.Version {
		return electionOf(kv, raw)
	}
	var eid [32]byte
	copy(eid[:], raw[1:33])
	id, ok := ByElectionID(kv, eid)
	if !ok {
		return electionOf(kv, raw)
	}
	stored := kv.Get(ElectionKey(id))
	m.mu.Lock()
	c, hit := m.elCache[id]
	m.mu.Unlock()
	if hit && bytes.Equal(c.raw, stored) {
		return c.e, nil
	}
	e, err := load(kv, id)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if m.elCache == nil {
		m.elCache = map[string]cachedElection{}
	}
	m.elCache[id] = cachedElection{raw: bytes.Clone(stored), e: e}
	m.mu.Unlock()
	return e, nil
}

type cachedElection struct {
	raw []byte
	e   *Election
}

type cachedAggregate struct {
	hex string
	agg [][]ballot.Ciphertext
}

// runningAggregate is the aggregate as of the last ballot executed: the
// block's in-memory one, or the stored one at the block's first ballot.
func (m *Elections) runningAggregate(id string, man *ballot.Manifest, stored string) ([][]ballot.Ciphertext, error) {
	if m.blockAgg == nil {
		m.blockAgg = map[string][][]ballot.Ciphertext{}
	}
	if agg, ok := m.blockAgg[id]; ok {
		return agg, nil
	}
	return m.aggregate(id, man, stored)
}

// aggregate decodes a stored aggregate, reusing the last one this node
// computed when the stored hex is the same (the next ballot of a block
// starts from what the previous one wrote).
func (m *Elections) aggregate(id string, man *ballot.Manifest, h string) ([][]ballot.Ciphertext, error) {
	m.mu.Lock()
	c, hit := m.aggCache[id]
	m.mu.Unlock()
	if hit && c.hex == h {
		out := make([][]ballot.Ciphertext, len(c.agg))
		for i := range c.agg {
			out[i] = append([]ballot.Ciphertext(nil), c.agg[i]...)
		}
		return out, nil
	}
	return decodeAggregate(man, h)
}

func (m *Elections) rememberAggregate(id, h string, agg [][]ballot.Ciphertext) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.aggCache == nil {
		m.aggCache = map[string]cachedAggregate{}
	}
	m.aggCache[id] = cachedAggregate{hex: h, agg: agg}
}

func ballotError(err error) error {
	switch {
	case err == nil:
		return nil
	case errorsIs(err, ballot.ErrCredentialForged), errorsIs(err, ballot.ErrCredentialReused):
		return CodeCredential.Errorf("%v", err)
	case errorsIs(err, ballot.ErrSignature):
		return CodeBallotSignature.Errorf("%v", err)
	case errorsIs(err, ballot.ErrRangeProof), errorsIs(err, ballot.ErrSelectionLimit):
		return CodeBallotProof.Errorf("%v", err)
	default:
		return CodeBallotMalformed.Errorf("%v", err)
	}
}

// knownBad returns the verdict a block gave on the proofs of raw's content
// (see contentKey), if it refused them. It hashes raw only when some ballot
// was ever refused: on an honest election's every CheckTx that is nothing.
func (m *Elections) knownBad(raw []byte) error {
	m.mu.Lock()
	none := len(m.bad) == 0
	m.mu.Unlock()
	if none {
		return nil
	}
	k := contentKey(raw)
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bad[k]
}

func (m *Elections) wasChecked(h [32]byte) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.checked[h]
	return ok
}

// cheap decodes raw and checks its credentials and one-time signature,
// unless this node did so before.
func (m *Elections) cheap(c *ballot.Election, raw []byte, h [32]byte, keep bool) (*ballot.Ballot, error) {
	m.mu.Lock()
	b, cached := m.decodedBallot(h, !keep)
	m.mu.Unlock()
	if cached {
		return b, nil // decoded and checked before
	}
	b, err := ballot.Decode(c, raw)
	if err != nil {
		return nil, ballotError(err)
	}
	m.mu.Lock()
	_, done := m.checked[h]
	m.mu.Unlock()
	if !done {
		if err := ballot.Check(c, b); err != nil {
			return nil, ballotError(err)
		}
	}
	m.mu.Lock()
	if m.checked == nil || len(m.checked) >= maxChecked {
		m.checked = map[[32]byte]struct{}{}
	}
	m.checked[h] = struct{}{}
	if keep {
		// Keep the decoded ballot for the block that will carry it, so
		// its points are not decoded again.
		m.keepDecoded(h, b)
	}
	m.mu.Unlock()
	return b, nil
}

// keepDecoded remembers a decoded ballot for BeginBlock. Decoded ballots
// are large (~14 KB), so at most 2·maxDecoded are kept, in two
// generations: when the newer is full it becomes the older and the older
// is dropped. Starting over instead (as before) dropped every ballot
// waiting in the mempool at once, and with more than maxDecoded ballots
// waiting (thousands of voters at a time) a block decoded many of its
// ballots again. Callers hold mu.
func (m *Elections) keepDecoded(h [32]byte, b *ballot.Ballot) {
	if m.decoded == nil || len(m.decoded) >= maxDecoded {
		m.decodedOld, m.decoded = m.decoded, map[[32]byte]*ballot.Ballot{}
	}
	m.decoded[h] = b
}

// decodedBallot looks up a ballot keepDecoded kept, and with take forgets
// it. Callers hold mu.
func (m *Elections) decodedBallot(h [32]byte, take bool) (*ballot.Ballot, bool) {
	b, ok := m.decoded[h]
	if ok {
		if take {
			delete(m.decoded, h)
		}
		return b, true
	}
	b, ok = m.decodedOld[h]
	if ok && take {
		delete(m.decodedOld, h)
	}
	return b, ok
}

func (m *Elections) ballot(ctx *module.Context, body []byte) error {
	bb, err := decodeBallotBody(body)
	if err != nil {
		return err
	}
	raw, err := BallotBytes(bb.Ballot)
	if err != nil {
		return err
	}
	e, err := m.readOnly(ctx.Store, raw)
	if err != nil {
		return err
	}
	now := ctx.Unix()
	if e.Phase(now) != PhaseVoting {
		return wrongPhase(e, now, fmt.Sprintf("ballots are cast from %d until %d", e.VoteStart, e.VoteEnd))
	}
	c, err := m.Context(e)
	if err != nil {
		return codes.Internal.Errorf("election context: %v", err)
	}
	h := sha256.Sum256(raw)
	if ctx.Checking {
		if err := m.knownBad(raw); err != nil {
			// A block already refused this ballot's proofs: keep it out of
			// the mempool instead of letting it take block space again.
			return err
		}
	}
	if ctx.Checking && m.wasChecked(h) && len(raw) == c.Size() {
		// Preverify checked credentials and signature (and decoded it):
		// CheckTx needs only the duplicate check, and writes nothing.
		if tc := ballot.TrackingCodeOf(raw); ctx.Store.Get(TrackingKey(e.ID, hex.EncodeToString(tc[:]))) != nil {
			return CodeDuplicateBallot.Errorf("this ballot was cast or spoiled already")
		}
		// The one-time key is the 32 bytes after the version and election ID.
		otkHex := hex.EncodeToString(raw[33:65])
		return e.checkRevotes(ctx.Store, otkHex, ctx.Store.Get(otkKey(e.ID, otkHex)))
	}
	var b *ballot.Ballot
	if v := m.verdictFor(h); v != nil {
		if v.err != nil {
			return v.err
		}
		b = v.b
	} else {
		if b, err = m.cheap(c, raw, h, ctx.Checking); err != nil {
			return err
		}
		if !ctx.Checking {
			// Not seen by BeginBlock (a caller that skips it): verify
			// the proofs here, with the same deterministic weights.
			if f := ballot.VerifyProofs(c, []*ballot.Ballot{b}, weights(ctx.Height, [][32]byte{h})()); f != nil {
				return ballotError(f[0].Err)
			}
		}
	}
	tc := b.TrackingCode()
	code := hex.EncodeToString(tc[:])
	if ctx.Store.Get(TrackingKey(e.ID, code)) != nil {
		return CodeDuplicateBallot.Errorf("ballot %s was cast or spoiled already", b.TrackingString())
	}
	otk := b.OneTimeKeyBytes()
	otkHex := hex.EncodeToString(otk[:])
	prev := ctx.Store.Get(otkKey(e.ID, otkHex))
	if err := e.checkRevotes(ctx.Store, otkHex, prev); err != nil {
		return err
	}
	if ctx.Checking {
		return nil // nothing below can refuse the ballot; CheckTx writes nothing
	}
	t, _ := GetTally(ctx.Store, e.ID)
	agg, err := m.runningAggregate(e.ID, c.Manifest, t.Aggregate)
	if err != nil {
		return codes.Internal.Errorf("stored aggregate: %v", err)
	}
	replaces := int64(-1)
	if prev != nil {
		seq, _ := strconv.ParseUint(string(prev), 10, 64)
		old, ok := GetBallot(ctx.Store, e.ID, seq)
		if !ok {
			return codes.Internal.Errorf("ballot %d is missing", seq)
		}
		osel, err := base64.StdEncoding.DecodeString(old.Selections)
		if err != nil {
			return codes.Internal.Errorf("stored ballot %d: %v", seq, err)
		}
		prior, err := decodeCiphertexts(c.Manifest, osel)
		if err != nil {
			return codes.Internal.Errorf("stored ballot %d: %v", seq, err)
		}
		agg = addCiphertexts(agg, prior, true)
		replaces = int64(seq)
	} else {
		t.Counted++
	}
	agg = addCiphertexts(agg, selectionsOf(b), false)
	seq := t.Cast
	t.Cast++
	// The aggregate is encoded and stored once, at the end of the block
	// (EndBlock): ballots and decryption shares never share a block (block
	// time puts a block either in the voting window or after it), and
	// nothing else reads the aggregate.
	m.blockAgg[e.ID] = agg
	_, at := e.when(ctx)
	module.Put(ctx.Store, string(BallotKey(e.ID, seq)), CastBallot{Seq: seq, Height: ctx.Height, Tracking: code, Replaces: replaces,
		OneTimeKey: otkHex, Selections: base64.StdEncoding.EncodeToString(b.SelectionBytes()), Time: at})
	ctx.Store.Set(otkKey(e.ID, otkHex), []byte(strconv.FormatUint(seq, 10)))
	ctx.Store.Set(TrackingKey(e.ID, code), []byte("b/"+padN(seq)))
	putTally(ctx, e.ID, t)
	ctx.Emit("election.ballot", "election", e.ID, "tracking", code, "replaces", strconv.FormatInt(replaces, 10))
	return nil
}

// maxRevotes is the election's cap on re-votes per one-time key.
func (e *Election) maxRevotes() int {
	if e.MaxRevotes == 0 {
		return DefaultMaxRevotes
	}
	return e.MaxRevotes
}

// checkRevotes refuses a ballot under a one-time key that has used up its
// re-votes; last is the key's entry in the one-time-key index (the seq of
// its last ballot, nil if none). It counts by following the chain of
// replaced ballots (at most maxRevotes+1 reads, only for keys that voted
// before), so the cap needs no state of its own and elections created
// before it keep their state layout.
func (e *Election) checkRevotes(kv store.Reader, otkHex string, last []byte) error {
	if last == nil {
		return nil
	}
	limit := e.maxRevotes()
	seq, _ := strconv.ParseUint(string(last), 10, 64)
	ballots := 1
	for ballots <= limit {
		b, ok := GetBallot(kv, e.ID, seq)
		if !ok || b.Replaces < 0 {
			return nil
		}
		ballots++
		seq = uint64(b.Replaces)
	}
	return CodeRevoteLimit.Errorf("one-time key %s… has cast a ballot and %d re-votes, the most election %s allows", otkHex[:16], limit, e.ID)
}

// contentKey names a ballot by everything but its one-time signature, so
// a verdict on its proofs holds for every re-signing of the same ballot.
func contentKey(raw []byte) [32]byte {
	if len(raw) < group.SchnorrSize {
		return sha256.Sum256(raw)
	}
	return sha256.Sum256(raw[:len(raw)-group.SchnorrSize])
}

// GetBallot reads cast ballot seq.
func GetBallot(kv store.Reader, id string, seq uint64) (*CastBallot, bool) {
	b, ok := module.Get[CastBallot](kv, string(BallotKey(id, seq)))
	if !ok {
		return nil, false
	}
	return &b, true
}

func (m *Elections) spoil(ctx *module.Context, sb SpoilBody) error {
	raw, err := BallotBytes(sb.Ballot)
	if err != nil {
		return err
	}
	rvRaw, err := base64.StdEncoding.DecodeString(sb.Reveal)
	if err != nil || base64.StdEncoding.EncodeToString(rvRaw) != sb.Reveal {
		return CodeBallotMalformed.Errorf("reveal is not canonical base64")
	}
	e, err := electionOf(ctx.Store, raw)
	if err != nil {
		return err
	}
	if !e.takesSpoil() {
		return CodeSpoilRefused.Errorf("election %s (record version %d) takes no election/spoil: a published challenge shows the voter's one-time key with their likely vote; check a challenged ballot on your own device instead (pnyx verify opening) and cast a new one", e.ID, e.RecordVersion)
	}
	now := ctx.Unix()
	if e.Phase(now) != PhaseVoting {
		return wrongPhase(e, now, fmt.Sprintf("spoiled ballots are published from %d until %d", e.VoteStart, e.VoteEnd))
	}
	c, err := m.Context(e)
	if err != nil {
		return codes.Internal.Errorf("election context: %v", err)
	}
	h := sha256.Sum256(raw)
	b, err := m.cheap(c, raw, h, false)
	if err != nil {
		return err
	}
	rd := group.NewReader(rvRaw)
	rv := ballot.ReadReveal(rd, c.Manifest)
	if err := rd.Finish(); err != nil {
		return CodeBallotMalformed.Errorf("reveal: %v", err)
	}
	if err := ballot.VerifySpoiled(c, b, rv); err != nil {
		return CodeBallotProof.Errorf("%v", err)
	}
	tc := b.TrackingCode()
	code := hex.EncodeToString(tc[:])
	if ctx.Store.Get(TrackingKey(e.ID, code)) != nil {
		return CodeDuplicateBallot.Errorf("ballot %s was cast or spoiled already", b.TrackingString())
	}
	t, _ := GetTally(ctx.Store, e.ID)
	seq := t.Spoiled
	t.Spoiled++
	height, at := e.when(ctx)
	module.Put(ctx.Store, string(SpoiledKey(e.ID, seq)), SpoiledBallot{Seq: seq, Tracking: code, Ballot: sb.Ballot, Reveal: sb.Reveal,
		Height: height, Time: at})
	ctx.Store.Set(TrackingKey(e.ID, code), []byte("s/"+padN(seq)))
	putTally(ctx, e.ID, t)
	ctx.Emit("election.spoiled", "election", e.ID, "tracking", code)
	return nil
}
