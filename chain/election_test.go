package chain

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/ceremony"
	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/election/group"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

// RSA-2048 key generation is slow: three keys per test binary.
var (
	rsaOnce sync.Once
	rsaKeys []*rsa.PrivateKey
)

func issuerKeys() []*rsa.PrivateKey {
	rsaOnce.Do(func() {
		for range 3 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			rsaKeys = append(rsaKeys, k)
		}
	})
	return rsaKeys
}

// poll is an election under way in a harness: 3 trustees (2 of 3), 2
// issuers, voters of class responsible at hq and one general member.
type poll struct {
	h            *harness
	commissioner ed25519.PrivateKey
	trustees     []ed25519.PrivateKey
	seeds        [][32]byte
	issuers      []ed25519.PrivateKey
	issuerKeys   []*credential.Issuer
	voters       []ed25519.PrivateKey
	general      ed25519.PrivateKey
	id           string
	start        time.Time
}

func newPoll(t testing.TB, nVoters int) *poll {
	h := newHarness(t)
	p := &poll{h: h, commissioner: key("commissioner"), general: key("general-member"), id: "chair-2026"}
	approve := func(k ed25519.PrivateKey, class members.Class) {
		h.do(h.admin, members.TypeApprove, members.ApproveBody{Entries: []members.ApproveEntry{{PublicKey: pubHex(k), Chapter: "hq", Class: class}}})
	}
	grant := func(k ed25519.PrivateKey, r org.Role) {
		h.do(h.admin, org.TypeGrantRole, org.RoleBody{Member: idOf(k), Role: r, Chapter: "hq"})
	}
	approve(p.commissioner, members.Responsible)
	grant(p.commissioner, org.ElectionCommissioner)
	for i := range 3 {
		k := key(fmt.Sprintf("trustee-%d", i+1))
		approve(k, members.Responsible)
		grant(k, org.Trustee)
		p.trustees = append(p.trustees, k)
		p.seeds = append(p.seeds, [32]byte{'t', byte(i)})
	}
	for i := range 2 {
		k := key(fmt.Sprintf("issuer-%d", i+1))
		approve(k, members.Responsible)
		grant(k, org.CredentialIssuer)
		p.issuers = append(p.issuers, k)
		is, err := credential.NewIssuer(issuerKeys()[i])
		if err != nil {
			t.Fatal(err)
		}
		p.issuerKeys = append(p.issuerKeys, is)
	}
	var entries []members.ApproveEntry
	for i := range nVoters {
		k := key(fmt.Sprintf("voter-%d", i))
		p.voters = append(p.voters, k)
		entries = append(entries, members.ApproveEntry{PublicKey: pubHex(k), Chapter: "hq", Class: members.Responsible})
	}
	h.do(h.admin, members.TypeApprove, members.ApproveBody{Entries: entries})
	approve(p.general, members.General)
	p.start = h.now
	return p
}

func (p *poll) election() *election.Election {
	e, ok := election.Get(p.h.snap(), p.id)
	if !ok {
		p.h.t.Fatalf("no election %s", p.id)
	}
	return e
}

func (p *poll) createBody() election.CreateBody {
	now := p.h.now.Unix()
	b := election.CreateBody{ID: p.id, Chapter: "hq", Class: members.Responsible, Title: "2026 chair election",
		Contests:  []election.ContestSpec{{Title: "Chair", SelectionLimit: 1, OptionLimit: 1, Options: []string{"Kim", "Lee", "Park"}}},
		Threshold: 2, IssueStart: now, IssueEnd: now + 1000, VoteStart: now + 1000, VoteEnd: now + 2000}
	for _, k := range p.trustees {
		b.Trustees = append(b.Trustees, idOf(k))
	}
	for _, k := range p.issuers {
		b.Issuers = append(b.Issuers, idOf(k))
	}
	return b
}

func (p *poll) trustee(l int) (*ceremony.Trustee, *ceremony.Dealing, []int) {
	t, d, bad, err := kit.Trustee(p.h.snap(), p.election(), p.seeds[l-1], l)
	if err != nil {
		p.h.t.Fatal(err)
	}
	return t, d, bad
}

// ceremony runs the key ceremony and posts the issuers' keys.
func (p *poll) ceremony() {
	h := p.h
	for l := 1; l <= 3; l++ {
		t, _, _ := p.trustee(l)
		h.do(p.trustees[l-1], election.TypeTrusteeKey, election.TrusteeKeyBody{Election: p.id, Key: hex.EncodeToString(t.HPKEKey)})
	}
	for l := 1; l <= 3; l++ {
		_, d, _ := p.trustee(l)
		h.do(p.trustees[l-1], election.TypeDeal, kit.DealBodyFor(p.id, d))
	}
	for l := 1; l <= 3; l++ {
		_, _, bad := p.trustee(l)
		h.do(p.trustees[l-1], election.TypeCheck, election.CheckBody{Election: p.id, Complaints: bad})
	}
	for l := 1; l <= 3; l++ {
		t, _, _ := p.trustee(l)
		ack, err := kit.AckBodyFor(p.election(), t, p.seeds[l-1])
		if err != nil {
			h.t.Fatal(err)
		}
		h.do(p.trustees[l-1], election.TypeAck, ack)
	}
	for i, is := range p.issuerKeys {
		h.do(p.issuers[i], election.TypeIssuerKey, kit.IssuerKeyBodyFor(p.id, is))
	}
}

// credentials runs one voter's issuance.
func (p *poll) credentials(i int) (*kit.Voter, [][]byte) {
	h := p.h
	v, err := kit.NewVoter([32]byte{'v', byte(i), byte(i >> 8)})
	if err != nil {
		h.t.Fatal(err)
	}
	body, err := v.Request(p.election(), p.voters[i])
	if err != nil {
		h.t.Fatal(err)
	}
	h.do(p.voters[i], election.TypeRequest, body)
	seq, ok := election.RequestOf(h.snap(), p.id, idOf(p.voters[i]))
	if !ok {
		h.t.Fatal("request not logged")
	}
	for j, is := range p.issuerKeys {
		ib, err := kit.IssueBodyFor(h.snap(), p.election(), is, j, []uint64{seq})
		if err != nil {
			h.t.Fatal(err)
		}
		h.do(p.issuers[j], election.TypeIssue, ib)
	}
	creds, err := v.Credentials(h.snap(), p.election(), p.voters[i], seq)
	if err != nil {
		h.t.Fatal(err)
	}
	return v, creds
}

func choice(k int) [][]uint32 {
	c := [][]uint32{make([]uint32, 3)}
	c[0][k] = 1
	return c
}

func (p *poll) context() *ballot.Election {
	c, err := kit.PublicContext(p.election())
	if err != nil {
		p.h.t.Fatal(err)
	}
	return c
}

func (p *poll) seal(v *kit.Voter, creds [][]byte, k int) *ballot.Ballot {
	b, _, err := v.Encrypt(p.context(), creds, choice(k))
	if err != nil {
		p.h.t.Fatal(err)
	}
	return b
}

// castAll sends ballots through CheckTx and then as one block; all must pass.
func (p *poll) castAll(bs []*ballot.Ballot) {
	h := p.h
	var raws [][]byte
	for i, b := range bs {
		raw := kit.BallotTx(testChainID, b)
		if i%2 == 0 {
			// Half of them go through Preverify first, as the API does.
			if err := h.app.Preverify(raw); err != nil {
				h.t.Fatal(err)
			}
		}
		if ct := h.check(raw); ct.Code != 0 {
			h.t.Fatalf("CheckTx rejected a ballot: %d %s", ct.Code, ct.Log)
		}
		raws = append(raws, raw)
	}
	for i, r := range h.block(raws...) {
		if r.Code != 0 {
			h.t.Fatalf("ballot %d: code %d %s", i, r.Code, r.Log)
		}
	}
}

// at moves block time to unix with an empty block, so CheckTx (which
// judges windows by the last block's time) agrees with FinalizeBlock.
func (p *poll) at(unix int64) {
	p.h.now = time.Unix(unix, 0).UTC().Add(-5 * time.Second)
	p.h.block()
}

// resign replaces a tampered ballot's one-time signature with a valid one,
// so only the tampering itself is wrong.
func resign(t *testing.T, v *kit.Voter, raw []byte) []byte {
	body := raw[:len(raw)-64]
	tr := group.NewTranscript("pnyx/election/ballot-signature/v1")
	d := sha512.Sum512(body)
	tr.AppendBytes("ballot", d[:])
	pf, err := group.ProveSchnorr(rand.Reader, tr, v.Key.Secret, v.Key.Public)
	if err != nil {
		t.Fatal(err)
	}
	w := &group.Writer{Buf: append([]byte{}, body...)}
	pf.Encode(w)
	return w.Buf
}

func anonTx(t *testing.T, raw []byte) []byte {
	tx, err := kit.AnonymousTx(testChainID, election.TypeBallot, election.BallotBody{Ballot: base64.StdEncoding.EncodeToString(raw)})
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

// TestStoryElection: a whole election in the harness — ceremony,
// credentials, ballots in one block and across blocks, a re-vote, a
// spoiled ballot, a tally with one trustee absent, the exported record
// verifying and a tampered one failing — with every rejection on the way.
func TestStoryElection(t *testing.T) {
	p := newPoll(t, 8)
	h := p.h
	h.do(p.commissioner, election.TypeCreate, p.createBody())
	e := p.election()
	if e.Eligible != uint64(len(p.voters)+6) { // voters, commissioner, 3 trustees, 2 issuers
		t.Fatalf("eligible %d", e.Eligible)
	}
	// A credential request before the ceremony is over is out of its window.
	v0, _ := kit.NewVoter([32]byte{'x'})
	h.rejectDo(p.voters[0], election.TypeCreate, p.createBody(), codes.Unauthorized)
	p.ceremony()
	if e = p.election(); e.Status != election.PhaseReady || e.Phase(h.now.Unix()) != election.PhaseIssuing {
		t.Fatalf("status %s phase %s", e.Status, e.Phase(h.now.Unix()))
	}

	// Issuance: an ineligible member, then a second request.
	gb, _ := v0.Request(e, p.general)
	h.rejectDo(p.general, election.TypeRequest, gb, election.CodeNotEligible)
	voters := make([]*kit.Voter, len(p.voters))
	creds := make([][][]byte, len(p.voters))
	for i := range p.voters {
		voters[i], creds[i] = p.credentials(i)
	}
	again, _ := v0.Request(e, p.voters[0])
	h.rejectDo(p.voters[0], election.TypeRequest, again, election.CodeAlreadyRequested)
	if tl, _ := election.GetTally(h.snap(), p.id); tl.Requests != uint64(len(p.voters)) {
		t.Fatalf("issuance log counts %d", tl.Requests)
	}

	// A valid ballot before the voting window.
	early := p.seal(voters[0], creds[0], 0)
	h.reject(kit.BallotTx(testChainID, early), election.CodeWrongPhase)

	p.at(e.VoteStart)
	// A request after issuance closed.
	h.rejectDo(p.general, election.TypeRequest, gb, election.CodeWrongPhase)

	intent := []uint64{0, 0, 0}
	var bs []*ballot.Ballot
	for i := range 6 {
		bs = append(bs, p.seal(voters[i], creds[i], i%3))
	}
	p.castAll(bs) // six ballots, one block, one batch
	res := h.block(kit.BallotTx(testChainID, p.seal(voters[6], creds[6], 2)))
	if res[0].Code != 0 {
		t.Fatalf("ballot 6: %s", res[0].Log)
	}
	// Privacy: nothing in the ballot's result names a member.
	for _, ev := range res[0].Events {
		for _, a := range ev.Attributes {
			for _, k := range append(p.voters, p.general) {
				if strings.Contains(a.Value, idOf(k)) || strings.Contains(a.Value, pubHex(k)) {
					t.Fatalf("event %s.%s names a member", ev.Type, a.Key)
				}
			}
		}
	}
	// Voter 0 re-votes: Kim → Park.
	p.castAll([]*ballot.Ballot{p.seal(voters[0], creds[0], 2)})
	for i, k := range []int{2, 1, 2, 0, 1, 2, 2} {
		_ = i
		intent[k]++
	}

	// Replay of the same bytes.
	h.reject(kit.BallotTx(testChainID, bs[1]), election.CodeDuplicateBallot)
	// Forged credential: signed by a key that is no issuer of this election.
	forger, _ := credential.NewIssuer(issuerKeys()[2])
	fcred, _ := forger.SignDirect(rand.Reader, e.EID(), voters[7].Key.Bytes[:])
	h.reject(kit.BallotTx(testChainID, p.seal(voters[7], [][]byte{creds[7][0], fcred}, 0)), election.CodeCredential)
	// Missing credential: zero bytes where the second one belongs.
	good := p.seal(voters[7], creds[7], 0).Bytes()
	missing := append([]byte{}, good...)
	off := 1 + 32 + 32 + 256
	clear(missing[off : off+256])
	h.reject(anonTx(t, resign(t, voters[7], missing)), election.CodeCredential)
	// Malformed: truncated, and garbage.
	h.reject(anonTx(t, good[:len(good)-1]), election.CodeBallotMalformed)
	h.reject(anonTx(t, append([]byte{1}, make([]byte, 40)...)), codes.NotFound)
	// Tampered after signing: the one-time signature fails.
	flipped := append([]byte{}, good...)
	flipped[len(flipped)-70] ^= 1
	h.reject(anonTx(t, flipped), election.CodeBallotSignature)
	// An anonymous type with a signer is refused.
	env := h.sign(p.voters[7], election.TypeBallot, election.BallotBody{Ballot: base64.StdEncoding.EncodeToString(good)})
	h.reject(env, codes.Malformed)

	// A bad proof, properly signed: CheckTx admits it (proofs are checked
	// once, in the block), FinalizeBlock rejects it and nothing changes.
	bad := append([]byte{}, good...)
	v := bad[len(bad)-64-32 : len(bad)-64]
	v[0] ^= 1 // still a canonical scalar: the top bits are untouched
	badTx := anonTx(t, resign(t, voters[7], bad))
	if ct := h.check(badTx); ct.Code != 0 {
		t.Fatalf("CheckTx: %d %s", ct.Code, ct.Log)
	}
	before := h.dump()
	if r := h.block(badTx)[0]; codes.Code(r.Code) != election.CodeBallotProof {
		t.Fatalf("bad proof: code %d %s", r.Code, r.Log)
	}
	if h.dump() != before {
		t.Fatal("a ballot with a bad proof changed state")
	}
	// The same bad ballot in a block with good ones fails alone.
	last := p.seal(voters[7], creds[7], 1)
	// The verdicts do not depend on how many cores verify them.
	mixed := [][]byte{anonTx(t, resign(t, voters[7], bad)), kit.BallotTx(testChainID, last), kit.BallotTx(testChainID, p.seal(voters[6], creds[6], 0))}
	for _, w := range []int{1, 2, 3} {
		h.party.Elections.Workers = w
		st := h.party.Elections.BeginBlock(h.app.store, h.height+1, mixed)
		h.party.Elections.EndBlock(h.app.store)
		if st.Ballots != 3 || st.Invalid != 1 {
			t.Fatalf("workers %d: %+v", w, st)
		}
	}
	h.party.Elections.Workers = 0
	rs := h.block(anonTx(t, resign(t, voters[7], bad)), kit.BallotTx(testChainID, last))
	if codes.Code(rs[0].Code) != election.CodeBallotProof || rs[1].Code != 0 {
		t.Fatalf("mixed block: %d %s / %d %s", rs[0].Code, rs[0].Log, rs[1].Code, rs[1].Log)
	}
	// Once a block refused its proofs, CheckTx keeps the ballot out.
	if ct := h.check(badTx); codes.Code(ct.Code) != election.CodeBallotProof {
		t.Fatalf("resubmitted bad ballot: CheckTx code %d", ct.Code)
	}
	intent[1]++

	// A spoiled ballot (Benaloh challenge) is published, never counted.
	sb, rv, err := voters[3].Encrypt(p.context(), creds[3], choice(1))
	if err != nil {
		t.Fatal(err)
	}
	if r := h.block(kit.SpoilTx(testChainID, sb, rv))[0]; r.Code != 0 {
		t.Fatalf("spoil: %s", r.Log)
	}
	h.reject(kit.BallotTx(testChainID, sb), election.CodeDuplicateBallot)

	// Decryption before voting ends is out of its window.
	t2, _, _ := p.trustee(2)
	db, err := kit.DecryptBodyFor(h.snap(), p.election(), t2)
	if err != nil {
		t.Fatal(err)
	}
	h.rejectDo(p.trustees[1], election.TypeDecrypt, db, election.CodeWrongPhase)

	p.at(e.VoteEnd)
	h.reject(kit.BallotTx(testChainID, p.seal(voters[4], creds[4], 0)), election.CodeWrongPhase)
	// A share with a bad proof; then trustees 2 and 3 (trustee 1 absent).
	db, _ = kit.DecryptBodyFor(h.snap(), p.election(), t2)
	raw, _ := hex.DecodeString(db.Share)
	raw[32+31] ^= 0x01 // the first proof's commitment a
	h.rejectDo(p.trustees[1], election.TypeDecrypt, election.DecryptBody{Election: p.id, Share: hex.EncodeToString(raw)}, election.CodeShareInvalid)
	raw, _ = hex.DecodeString(db.Share)
	raw[0] ^= 0x02
	h.rejectDo(p.trustees[1], election.TypeDecrypt, election.DecryptBody{Election: p.id, Share: hex.EncodeToString(raw)}, election.CodeShareInvalid)
	h.do(p.trustees[1], election.TypeDecrypt, db)
	t3, _, _ := p.trustee(3)
	db3, _ := kit.DecryptBodyFor(h.snap(), p.election(), t3)
	h.do(p.trustees[2], election.TypeDecrypt, db3)

	tl, _ := election.GetTally(h.snap(), p.id)
	if p.election().Status != election.PhasePublished || fmt.Sprint(tl.Results[0]) != fmt.Sprint(intent) {
		t.Fatalf("status %s results %v intent %v", p.election().Status, tl.Results, intent)
	}
	if tl.Cast != 9 || tl.Counted != 8 || tl.Spoiled != 1 {
		t.Fatalf("cast %d counted %d spoiled %d", tl.Cast, tl.Counted, tl.Spoiled)
	}
	t1, _, _ := p.trustee(1)
	late, _ := kit.DecryptBodyFor(h.snap(), p.election(), t1)
	h.rejectDo(p.trustees[0], election.TypeDecrypt, late, election.CodeWrongPhase)

	rec, err := election.Record(h.snap(), p.id, election.BallotsFromBlocks(h.blockTxs))
	if err != nil {
		t.Fatal(err)
	}
	// State pins each ballot's bytes by its tracking code: bytes from a
	// source that swaps one ballot for another are refused.
	real := election.BallotsFromBlocks(h.blockTxs)
	second, _ := election.GetBallot(h.snap(), p.id, 1)
	secondBytes, err := election.CastBallotBytes(real, second)
	if err != nil {
		t.Fatal(err)
	}
	swapped := func(height int64, tracking [32]byte) ([]byte, error) {
		if hex.EncodeToString(tracking[:]) == second.Tracking {
			return real(height, tracking)
		}
		return secondBytes, nil
	}
	if _, err := election.Record(h.snap(), p.id, swapped); err == nil || !strings.Contains(err.Error(), "tracking code") {
		t.Fatalf("a record from swapped ballot bytes: %v", err)
	}
	data := rec.Encode()
	if rep := record.VerifyBytes(data, record.Options{}); !rep.OK() {
		t.Fatalf("record fails %v", rep.Failed())
	}
	// The API streams the same bytes, announcing their exact length first.
	st, err := election.RecordStream(h.snap(), p.id, election.BallotsFromBlocks(h.blockTxs))
	if err != nil {
		t.Fatal(err)
	}
	var streamed bytes.Buffer
	if n, err := st.WriteTo(&streamed); err != nil || n != st.Len() || !bytes.Equal(streamed.Bytes(), data) {
		t.Fatalf("streamed %d bytes (announced %d, err %v); equal to the record: %v", n, st.Len(), err, bytes.Equal(streamed.Bytes(), data))
	}
	rec.Results[0][0]++
	if rep := record.VerifyBytes(rec.Encode(), record.Options{}); rep.OK() {
		t.Fatal("tampered record verifies")
	}
}
