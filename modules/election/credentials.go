package election

// Credentials: issuers post their blind-signature keys, eligible members
// request credentials, issuers answer them while issuance is open.

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/election/credential"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

func (m *Elections) issuerKey(ctx *module.Context, b IssuerKeyBody) error {
	e, err := inCeremony(ctx, b.Election)
	if err != nil {
		return err
	}
	i, err := m.issuer(ctx, e)
	if err != nil {
		return err
	}
	if e.IssuerKeys[i] != "" {
		return codes.AlreadyExists.Errorf("issuer %d posted its key already", i)
	}
	der, err := hex.DecodeString(b.Key)
	if err != nil || hex.EncodeToString(der) != b.Key {
		return codes.InvalidArgument.Errorf("key must be lowercase hex of a PKIX DER RSA key")
	}
	if _, err := credential.DecodeKey(der); err != nil {
		return codes.InvalidArgument.Errorf("issuer key: %v", err)
	}
	e.IssuerKeys[i] = b.Key
	m.maybeReady(ctx, e)
	put(ctx, e)
	ctx.Emit("election.issuer_key", "election", e.ID, "issuer", strconv.Itoa(i))
	return nil
}

func (e *Election) issuerKeys() []*rsa.PublicKey {
	var out []*rsa.PublicKey
	for _, k := range e.IssuerKeys {
		der, _ := hex.DecodeString(k)
		pk, err := credential.DecodeKey(der)
		if err != nil {
			panic(fmt.Sprintf("election: stored issuer key of %s is corrupt", e.ID))
		}
		out = append(out, pk)
	}
	return out
}

// eligible reports whether member id was in the eligibility snapshot: active,
// of the election's class, at a chapter of its subtree, in the registry as
// committed at EligibleAt. The member's record keeps its own history
// (members.Member.StandingAt), so this reads today's record, not the state
// of weeks ago: no block reads an old version. Chapters are only ever
// added, never moved, so today's tree places a chapter as it was placed
// then.
func (e *Election) eligible(ctx *module.Context, id string) bool {
	mem, ok := members.Get(ctx.Store, id)
	if !ok {
		return false
	}
	then, ok := mem.StandingAt(e.EligibleAt)
	return ok && then.Status == members.Active && (e.Class == "" || then.Class == e.Class) &&
		org.Covers(ctx.Store, e.Chapter, then.Chapter)
}

func classPhrase(c members.Class) string {
	if c == "" {
		return ""
	}
	return " of class " + string(c)
}

func (m *Elections) request(ctx *module.Context, b RequestBody) error {
	e, err := load(ctx.Store, b.Election)
	if err != nil {
		return err
	}
	now := ctx.Unix()
	if e.Status != PhaseReady || now < e.IssueStart || now >= e.requestEnd() {
		return wrongPhase(e, now, fmt.Sprintf("credential requests are taken from %d until %d once the ceremony is over", e.IssueStart, e.requestEnd()))
	}
	id := ctx.Caller.MemberID
	if id == "" {
		return CodeNotEligible.Errorf("signer is no member")
	}
	if !ctx.Caller.Active {
		return CodeNotEligible.Errorf("member %s is not active now", id)
	}
	if !e.eligible(ctx, id) {
		return CodeNotEligible.Errorf("member %s is not eligible for election %s: not an active member%s under chapter %s in the registry at block %d, before the election was created",
			id, e.ID, classPhrase(e.Class), e.Chapter, e.EligibleAt)
	}
	if ctx.Store.Get(requestByMember(e.ID, id)) != nil {
		return CodeAlreadyRequested.Errorf("member %s has requested credentials for election %s already", id, e.ID)
	}
	keys := e.issuerKeys()
	if len(b.Blinded) != len(keys) || len(b.Signatures) != len(keys) {
		return CodeRequestInvalid.Errorf("need one blinded message and one signature per issuer (%d)", len(keys))
	}
	var eid [32]byte
	hex.Decode(eid[:], []byte(e.ElectionID))
	for i, pk := range keys {
		bl, err1 := decodeHex(b.Blinded[i], "blinded", credential.Size(pk))
		sg, err2 := decodeHex(b.Signatures[i], "signature", ed25519.SignatureSize)
		if err1 != nil || err2 != nil {
			return CodeRequestInvalid.Errorf("request for issuer %d: blinded must be %d bytes and signature 64, lowercase hex", i, credential.Size(pk))
		}
		req := &credential.Request{ElectionID: eid, Issuer: uint32(i), Member: ctx.Caller.Key, Blinded: bl, Signature: sg}
		if err := req.Check(pk); err != nil {
			return CodeRequestInvalid.Errorf("request for issuer %d: %v", i, err)
		}
	}
	t, _ := GetTally(ctx.Store, e.ID)
	seq := t.Requests
	t.Requests++
	height, at := e.when(ctx)
	module.Put(ctx.Store, string(RequestKey(e.ID, seq)), CredentialRequest{Seq: seq, Member: id,
		Key: hex.EncodeToString(ctx.Caller.Key), Blinded: b.Blinded, Signatures: b.Signatures, Height: height, Time: at})
	ctx.Store.Set(requestByMember(e.ID, id), []byte(strconv.FormatUint(seq, 10)))
	putTally(ctx, e.ID, t)
	ctx.Emit("election.credential_requested", "election", e.ID, "request", strconv.FormatUint(seq, 10))
	return nil
}

// GetRequest reads request seq.
func GetRequest(kv store.Reader, id string, seq uint64) (*CredentialRequest, bool) {
	r, ok := module.Get[CredentialRequest](kv, string(RequestKey(id, seq)))
	if !ok {
		return nil, false
	}
	return &r, true
}

// RequestOf returns the sequence number of a member's request.
func RequestOf(kv store.Reader, id, member string) (uint64, bool) {
	v := kv.Get(requestByMember(id, member))
	if v == nil {
		return 0, false
	}
	n, _ := strconv.ParseUint(string(v), 10, 64)
	return n, true
}

func (m *Elections) issue(ctx *module.Context, b IssueBody) error {
	e, err := load(ctx.Store, b.Election)
	if err != nil {
		return err
	}
	now := ctx.Unix()
	// Answers close with issuance, not with voting: an issuer who held one
	// member's answer back until voting opened would make that member's
	// ballot the first new one-time key after the answer.
	if e.Status != PhaseReady || now >= e.IssueEnd {
		return wrongPhase(e, now, fmt.Sprintf("blind signatures are issued between the ceremony and the end of issuance at %d", e.IssueEnd))
	}
	i, err := m.issuer(ctx, e)
	if err != nil {
		return err
	}
	if len(b.Entries) == 0 || len(b.Entries) > MaxIssueBatch {
		return codes.InvalidArgument.Errorf("1 to %d entries per issue transaction", MaxIssueBatch)
	}
	pk := e.issuerKeys()[i]
	size := credential.Size(pk)
	eBig := big.NewInt(int64(pk.E))
	for _, en := range b.Entries {
		req, ok := GetRequest(ctx.Store, e.ID, en.Request)
		if !ok {
			return codes.NotFound.Errorf("election %s has no credential request %d", e.ID, en.Request)
		}
		key := BlindSigKey(e.ID, en.Request, i)
		if ctx.Store.Get(key) != nil {
			return codes.AlreadyExists.Errorf("issuer %d answered request %d already", i, en.Request)
		}
		sig, err := decodeHex(en.Signature, "signature", size)
		if err != nil {
			return err
		}
		// A blind RSA signature s answers blinded message c iff s^e = c mod N.
		s := new(big.Int).SetBytes(sig)
		c, _ := hex.DecodeString(req.Blinded[i])
		if s.Cmp(pk.N) >= 0 || !bytes.Equal(new(big.Int).Exp(s, eBig, pk.N).FillBytes(make([]byte, size)), c) {
			return CodeBlindSignature.Errorf("issuer %d's blind signature does not answer request %d", i, en.Request)
		}
		ctx.Store.Set(key, sig)
		if e.v3() {
			var when [16]byte
			binary.BigEndian.PutUint64(when[:8], uint64(ctx.Height))
			binary.BigEndian.PutUint64(when[8:], uint64(ctx.Unix()))
			ctx.Store.Set(AnswerTimeKey(e.ID, en.Request, i), when[:])
		}
	}
	ctx.Emit("election.credentials_issued", "election", e.ID, "issuer", strconv.Itoa(i), "count", strconv.Itoa(len(b.Entries)))
	return nil
}

// requestEnd is when credential requests close: RequestEnd if the election
// set one, leaving the issuers time to answer before IssueEnd, else
// IssueEnd.
func (e *Election) requestEnd() int64 {
	if e.RequestEnd != 0 {
		return e.RequestEnd
	}
	return e.IssueEnd
}
