package election

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"

	ics23 "github.com/cosmos/ics23/go"

	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/ceremony"
	"github.com/pnyx-party/pnyx/election/group"
	"github.com/pnyx-party/pnyx/election/record"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/tx"
)

// BallotSource returns the bytes of the cast ballot with tracking code
// tracking, which the ballot tx of block height carries.
type BallotSource func(height int64, tracking [32]byte) ([]byte, error)

// BallotsFromBlocks is a BallotSource over committed blocks: txs returns
// the txs of a block. The ballot box is in block order, so it keeps the
// ballots of the last block it read.
func BallotsFromBlocks(txs func(height int64) ([][]byte, error)) BallotSource {
	var (
		at      int64 = -1
		ballots map[[32]byte][]byte
	)
	return func(height int64, tracking [32]byte) ([]byte, error) {
		if height != at {
			raws, err := txs(height)
			if err != nil {
				return nil, fmt.Errorf("block %d: %w", height, err)
			}
			at, ballots = height, map[[32]byte][]byte{}
			for _, raw := range raws {
				if b := ballotOfTx(raw); b != nil {
					ballots[ballot.TrackingCodeOf(b)] = b
				}
			}
		}
		b, ok := ballots[tracking]
		if !ok {
			return nil, fmt.Errorf("block %d carries no ballot with tracking code %x", height, tracking)
		}
		return b, nil
	}
}

// ballotOfTx returns the ballot a ballot tx carries, or nil.
func ballotOfTx(raw []byte) []byte {
	env, err := tx.Decode(raw)
	if err != nil || env.Type != TypeBallot {
		return nil
	}
	bb, err := decodeBallotBody(env.Body)
	if err != nil {
		return nil
	}
	b, err := BallotBytes(bb.Ballot)
	if err != nil {
		return nil
	}
	return b
}

// CastBallotBytes returns the bytes of cast ballot b from src, checked
// against its tracking code.
func CastBallotBytes(src BallotSource, b *CastBallot) ([]byte, error) {
	var tc [32]byte
	if len(b.Tracking) != 2*len(tc) {
		return nil, fmt.Errorf("ballot %d: bad tracking code %q", b.Seq, b.Tracking)
	}
	if _, err := hex.Decode(tc[:], []byte(b.Tracking)); err != nil {
		return nil, fmt.Errorf("ballot %d: bad tracking code %q", b.Seq, b.Tracking)
	}
	raw, err := src(b.Height, tc)
	if err != nil {
		return nil, fmt.Errorf("ballot %d: %w", b.Seq, err)
	}
	if ballot.TrackingCodeOf(raw) != tc {
		return nil, fmt.Errorf("ballot %d: the bytes found do not match its tracking code", b.Seq)
	}
	return raw, nil
}

// Record builds the election record (docs/election-record.md) of a
// published election in memory; it decodes what RecordStream writes.
func Record(kv store.Reader, id string, ballots BallotSource) (*record.Record, error) {
	st, err := RecordStream(kv, id, ballots)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := st.WriteTo(&buf); err != nil {
		return nil, err
	}
	return record.Decode(buf.Bytes())
}

// RecordStream prepares the election record of a published election for
// writing without holding it: the issuance logs are read from state and
// the cast ballots' bytes from ballots (BallotsFromBlocks over the node's
// blocks) one at a time as the Streamer writes, so a record of millions of
// ballots needs memory for one block, not for the record. Every field comes
// from a stored record that the API can prove against a signed header
// (RecordKeys lists them); a cast ballot's bytes are pinned by the
// tracking code in its proven entry.
func RecordStream(kv store.Reader, id string, ballots BallotSource) (*record.Streamer, error) {
	return RecordStreamProven(kv, id, ballots, nil)
}

// Registry is the state as committed at an election's EligibleAt (a store
// snapshot of that version): it proves keys against its root hash, which
// is the AppHash in header EligibleAt+1.
type Registry interface {
	store.Reader
	Version() int64
	Hash() []byte
	Prove(key []byte) ([]byte, *ics23.CommitmentProof, error)
}

// RecordStreamProven is RecordStream that, given the registry as committed
// at the election's EligibleAt, writes a version-5 record: the version-4
// record of an election created with record version 3 or later, followed
// by every requester's member record proven against the registry's root,
// with the chapter records that place it under the election's chapter
// (docs/election-record.md, version 5). With reg nil it writes the
// election's own record version. Each proof is read twice, once to size
// the record (Streamer.Len) and once to write it.
func RecordStreamProven(kv store.Reader, id string, ballots BallotSource, reg Registry) (*record.Streamer, error) {
	e, ok := Get(kv, id)
	if !ok {
		return nil, fmt.Errorf("election %q does not exist", id)
	}
	if e.Status != PhasePublished {
		return nil, fmt.Errorf("election %s is %s, not published", id, e.Status)
	}
	t, _ := GetTally(kv, id)
	r := e.ceremonyRecord(kv)
	r.Schedule = e.schedule()
	r.Eligibility = record.Eligibility{Count: e.Eligible, RegistryHeight: uint64(e.EligibleAt), Chapter: e.Chapter, Class: string(e.Class)}
	for _, a := range e.Acks {
		raw, _ := hex.DecodeString(a)
		rd := group.NewReader(raw)
		r.Acks = append(r.Acks, group.ReadSchnorr(rd, "ack"))
	}
	r.IssuerKeys = e.issuerKeys()
	// Every request goes to every issuer: each log has one entry per request.
	lists := record.Lists{LogLen: make([]uint64, len(r.IssuerKeys)), Cast: t.Cast}
	for i := range lists.LogLen {
		lists.LogLen[i] = t.Requests
	}
	lists.Request = func(i int, seq uint64) (record.IssuanceEntry, error) {
		req, ok := GetRequest(kv, id, seq)
		if !ok || i >= len(req.Blinded) || i >= len(req.Signatures) {
			return record.IssuanceEntry{}, fmt.Errorf("request %d is missing", seq)
		}
		key, _ := hex.DecodeString(req.Key)
		bl, _ := hex.DecodeString(req.Blinded[i])
		sg, _ := hex.DecodeString(req.Signatures[i])
		return record.IssuanceEntry{Member: key, Blinded: bl, Signature: sg}, nil
	}
	lists.Ballot = func(seq uint64) ([]byte, error) {
		b, ok := GetBallot(kv, id, seq)
		if !ok {
			return nil, fmt.Errorf("ballot %d is missing", seq)
		}
		return CastBallotBytes(ballots, b)
	}
	man := r.Manifest
	for seq := uint64(0); seq < t.Spoiled; seq++ {
		s, ok := module.Get[SpoiledBallot](kv, SpoiledKey(id, seq))
		if !ok {
			return nil, fmt.Errorf("spoiled ballot %d is missing", seq)
		}
		raw, _ := base64.StdEncoding.DecodeString(s.Ballot)
		rv, _ := base64.StdEncoding.DecodeString(s.Reveal)
		rd := group.NewReader(rv)
		r.Spoiled = append(r.Spoiled, record.Spoiled{Ballot: raw, Reveal: ballot.ReadReveal(rd, man)})
	}
	agg, err := decodeAggregate(man, t.Aggregate)
	if err != nil {
		return nil, err
	}
	r.Aggregate = agg
	n := 0
	for _, c := range man.Contests {
		n += len(c.Options)
	}
	for _, l := range t.Shares {
		s, err := ceremony.DecodeShare(l, n, kv.Get(DecryptionKey(id, l)))
		if err != nil {
			return nil, err
		}
		r.Decryptions = append(r.Decryptions, s)
	}
	r.Results = t.Results
	r.CastCount, r.Counted = t.Cast, t.Counted
	r.Replaced = t.Cast - t.Counted
	if e.v3() {
		tl, err := timeline(kv, e, t)
		if err != nil {
			return nil, err
		}
		r.Version, r.Timeline = e.RecordVersion, tl
		if reg != nil {
			r.Version = 5
		}
		if r.Version >= 4 {
			// Version 4 adds each answer, which the chain kept anyway.
			r.BlindSignatures = make([][][]byte, len(e.Issuers))
			for i, log := range tl.Requests {
				r.BlindSignatures[i] = make([][]byte, len(log))
				for seq, rt := range log {
					if rt.Answered == 0 {
						continue
					}
					sig := kv.Get(BlindSigKey(e.ID, uint64(seq), i))
					if sig == nil {
						return nil, fmt.Errorf("issuer %d's answer to request %d is missing", i, seq)
					}
					r.BlindSignatures[i][seq] = sig
				}
			}
		}
	}
	if reg != nil {
		if !e.v3() {
			return nil, fmt.Errorf("election %s has record version %d: registry proofs need version 3 or later", id, e.RecordVersion)
		}
		if reg.Version() != e.EligibleAt {
			return nil, fmt.Errorf("registry at version %d, election %s's snapshot is at %d", reg.Version(), id, e.EligibleAt)
		}
		if r.Registry, lists.Member, err = registryProofs(kv, e, t, reg); err != nil {
			return nil, err
		}
	}
	return r.Stream(lists)
}

// registryProofs proves, for version 5, the chapter records that lead from
// every requester's chapter at the snapshot up to the election's, and
// returns the proof of each requester's member record, made as the record
// is written.
func registryProofs(kv store.Reader, e *Election, t *Tally, reg Registry) (*record.Registry, func(uint64) (record.ProvenEntry, error), error) {
	prove := func(key []byte) (record.ProvenEntry, error) {
		v, p, err := reg.Prove(key)
		if err != nil {
			return record.ProvenEntry{}, err
		}
		if v == nil {
			return record.ProvenEntry{}, fmt.Errorf("%s is not in the registry at block %d", key, reg.Version())
		}
		raw, err := p.Marshal()
		return record.ProvenEntry{Key: key, Value: v, Proof: raw}, err
	}
	chapters := map[string]bool{}
	for seq := uint64(0); seq < t.Requests; seq++ {
		req, ok := GetRequest(kv, e.ID, seq)
		if !ok {
			return nil, nil, fmt.Errorf("request %d is missing", seq)
		}
		mem, ok := members.Get(reg, req.Member)
		if !ok {
			return nil, nil, fmt.Errorf("request %d: member %s is not in the registry at block %d", seq, req.Member, e.EligibleAt)
		}
		for _, ch := range org.Ancestors(reg, mem.Chapter) {
			chapters[ch] = true
			if ch == e.Chapter {
				break
			}
		}
	}
	out := &record.Registry{AppHash: reg.Hash()}
	ids := make([]string, 0, len(chapters))
	for ch := range chapters {
		ids = append(ids, ch)
	}
	slices.Sort(ids)
	for _, ch := range ids {
		pe, err := prove(org.ChapterKey(ch))
		if err != nil {
			return nil, nil, err
		}
		out.Chapters = append(out.Chapters, pe)
	}
	member := func(seq uint64) (record.ProvenEntry, error) {
		req, ok := GetRequest(kv, e.ID, seq)
		if !ok {
			return record.ProvenEntry{}, fmt.Errorf("request %d is missing", seq)
		}
		return prove(members.MemberKey(req.Member))
	}
	return out, member, nil
}

// timeline reads a version-3 election's heights and times from state: the
// request entries, the answer times, the ballot box and the spoiled
// ballots. The block table holds each height once, with its time.
func timeline(kv store.Reader, e *Election, t *Tally) (*record.Timeline, error) {
	tl := &record.Timeline{Requests: make([][]record.RequestTimes, len(e.Issuers))}
	times := map[uint64]int64{}
	seen := func(h, at int64, what string) (uint64, error) {
		if h <= 0 {
			return 0, fmt.Errorf("%s has no height in state", what)
		}
		if prev, ok := times[uint64(h)]; ok && prev != at {
			return 0, fmt.Errorf("%s: block %d has two times in state", what, h)
		}
		times[uint64(h)] = at
		return uint64(h), nil
	}
	for seq := uint64(0); seq < t.Requests; seq++ {
		req, ok := GetRequest(kv, e.ID, seq)
		if !ok {
			return nil, fmt.Errorf("request %d is missing", seq)
		}
		requested, err := seen(req.Height, req.Time, fmt.Sprintf("request %d", seq))
		if err != nil {
			return nil, err
		}
		for i := range e.Issuers {
			rt := record.RequestTimes{Requested: requested}
			if v := kv.Get(AnswerTimeKey(e.ID, seq, i)); len(v) == 16 {
				h, at := int64(binary.BigEndian.Uint64(v[:8])), int64(binary.BigEndian.Uint64(v[8:]))
				if rt.Answered, err = seen(h, at, fmt.Sprintf("answer of issuer %d to request %d", i, seq)); err != nil {
					return nil, err
				}
			}
			tl.Requests[i] = append(tl.Requests[i], rt)
		}
	}
	for seq := uint64(0); seq < t.Cast; seq++ {
		b, ok := GetBallot(kv, e.ID, seq)
		if !ok {
			return nil, fmt.Errorf("ballot %d is missing", seq)
		}
		h, err := seen(b.Height, b.Time, fmt.Sprintf("ballot %d", seq))
		if err != nil {
			return nil, err
		}
		tl.Cast = append(tl.Cast, h)
	}
	for seq := uint64(0); seq < t.Spoiled; seq++ {
		s, ok := module.Get[SpoiledBallot](kv, SpoiledKey(e.ID, seq))
		if !ok {
			return nil, fmt.Errorf("spoiled ballot %d is missing", seq)
		}
		h, err := seen(s.Height, s.Time, fmt.Sprintf("spoiled ballot %d", seq))
		if err != nil {
			return nil, err
		}
		tl.Spoiled = append(tl.Spoiled, h)
	}
	heights := make([]uint64, 0, len(times))
	for h := range times {
		heights = append(heights, h)
	}
	slices.Sort(heights)
	for _, h := range heights {
		tl.Blocks = append(tl.Blocks, record.Block{Height: h, Time: times[h]})
	}
	return tl, nil
}

// RecordKeys lists the state keys an election record is built from, so a
// client can prove each entry against a signed header.
func RecordKeys(kv store.Reader, id string) [][]byte {
	e, ok := Get(kv, id)
	if !ok {
		return nil
	}
	t, _ := GetTally(kv, id)
	keys := [][]byte{ElectionKey(id), TallyKey(id)}
	for l := 1; l <= len(e.Trustees); l++ {
		keys = append(keys, dealingKey(id, l))
	}
	for seq := uint64(0); seq < t.Requests; seq++ {
		keys = append(keys, RequestKey(id, seq))
		if e.v3() {
			for i := range e.Issuers {
				if k := AnswerTimeKey(id, seq, i); kv.Get(k) != nil {
					keys = append(keys, k)
				}
			}
		}
	}
	for seq := uint64(0); seq < t.Cast; seq++ {
		keys = append(keys, BallotKey(id, seq))
	}
	for seq := uint64(0); seq < t.Spoiled; seq++ {
		keys = append(keys, SpoiledKey(id, seq))
	}
	for _, l := range t.Shares {
		keys = append(keys, DecryptionKey(id, l))
	}
	return keys
}

// Current returns the seq of the ballot that counts for the one-time key
// of cast ballot seq (seq itself unless a re-vote replaced it).
func Current(kv store.Reader, id string, seq uint64) (uint64, bool) {
	b, ok := GetBallot(kv, id, seq)
	if !ok {
		return 0, false
	}
	v := kv.Get(otkKey(id, b.OneTimeKey))
	if v == nil {
		return 0, false
	}
	cur, err := strconv.ParseUint(string(v), 10, 64)
	return cur, err == nil
}
