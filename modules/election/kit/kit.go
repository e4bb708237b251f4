// Package kit is what the participants of an election run on their own
// machines: trustees, credential issuers and voters. It computes their
// transactions from public chain state and secrets that never leave the
// machine; the chain's state machine that judges those transactions is
// modules/election, and nothing here runs in a block.
//
// Every participant keeps one 32-byte seed per election (NewSeed) and
// rebuilds its state from the seed and the chain at each step, so a crash
// loses nothing. The state is read through a store.Reader: the node's store
// in tests, or the API with a Merkle proof of every read
// (modules/election/verified), because the node a participant talks to may
// lie.
//
// A trustee calls TrusteeStepRemembering until it has nothing left to do,
// sending each transaction it returns and saving its TrusteeMemory first:
//
//	mem, _ := kit.LoadTrusteeMemory(path)
//	typ, body, waiting, err := kit.TrusteeStepRemembering(state, e, seed, l, now, mem)
//	// typ == "": wait for what waiting names; else mem.Save(path), then send body as typ
//
// The memory is what stops a lying node from getting the trustee to deal
// twice or answer k complaints (ErrOtherInputs, ErrTooManyComplaints).
//
// An issuer posts its RSA key (IssuerKeyBodyFor) and then answers every
// pending credential request with an IssueRun, which pages through the
// node's pending index, vets each page (Check: verified.CheckPending),
// blind-signs it on every core and keeps several transactions in flight
// (internal/issuance fills Fetch, Check and Send over the node's API):
//
//	run := &kit.IssueRun{Election: e, Issuer: is, Index: i,
//		Fetch: fetchPage, Check: checkPage, Send: sendIssue}
//	answered, err := run.Run(ctx)
//
// A voter makes a Voter from its seed, sends the credential request signed
// by its member key, unblinds the issuers' answers into credentials, and
// casts an encrypted ballot as an anonymous transaction:
//
//	v, _ := kit.NewVoter(seed)
//	body, _ := v.Request(e, memberKey) // send as election.TypeRequest, signed by the member
//	// ... once every issuer has answered the request (seq: election.RequestOf)
//	creds, _ := v.Credentials(state, e, memberKey, seq)
//	bc, _ := kit.PublicContext(e)
//	b, _, _ := v.Encrypt(bc, creds, choices)
//	raw := kit.BallotTx(chainID, b) // post on a fresh connection: it names no one
//
// A voter who wants to challenge a ballot (Benaloh) checks it on its own
// device (ballot.NewOpening, pnyx verify opening) and casts a new one; the
// on-chain election/spoil (SpoilTx) is refused by elections of record
// version 4 and later.
package kit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"io"
	mrand "math/rand/v2"
)

// Stream returns a deterministic reader for (seed, purpose, index).
func Stream(seed [32]byte, purpose string, i int) io.Reader {
	h := sha256.New()
	h.Write([]byte("pnyx/election/kit/v1\x00"))
	h.Write(seed[:])
	h.Write([]byte(purpose))
	binary.Write(h, binary.BigEndian, uint64(i))
	var s [32]byte
	h.Sum(s[:0])
	return mrand.NewChaCha8(s)
}

// statementStream returns a deterministic reader for (seed, purpose,
// statement): what is derived from it belongs to that statement alone, so
// the same seed under another statement gives unrelated values.
func statementStream(seed [32]byte, purpose string, statement []byte, fresh []byte) io.Reader {
	h := sha256.New()
	h.Write([]byte("pnyx/election/kit/statement/v1\x00"))
	h.Write(seed[:])
	binary.Write(h, binary.BigEndian, uint64(len(purpose)))
	h.Write([]byte(purpose))
	binary.Write(h, binary.BigEndian, uint64(len(statement)))
	h.Write(statement)
	h.Write(fresh)
	var s [32]byte
	h.Sum(s[:0])
	return mrand.NewChaCha8(s)
}

// nonceReader returns the randomness for the nonces of proofs over
// statement: a hash of the seed and the full statement signed, mixed with
// 32 fresh bytes from crypto/rand. The statement part means a node that
// serves other inputs (another ceremony hash, election ID, threshold or
// set of keys) never gets two proofs with one nonce even if the machine's
// randomness failed; the fresh part means signing the same statement twice
// gives unrelated nonces too.
func nonceReader(seed [32]byte, purpose string, statement []byte) io.Reader {
	fresh := make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, fresh); err != nil {
		panic(err)
	}
	return statementStream(seed, purpose, statement, fresh)
}

// NewSeed draws a fresh seed.
func NewSeed() [32]byte {
	var s [32]byte
	if _, err := io.ReadFull(rand.Reader, s[:]); err != nil {
		panic(err)
	}
	return s
}
