package election

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	mrand "math/rand/v2"

	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/ceremony"
)

// The kit*.go files are the client side (the participants' kit): what
// trustees' (kit_trustee.go), issuers' (kit_issuer.go) and voters'
// (kit_voter.go) machines compute from public chain state and their own
// secrets. Secrets are derived from a 32-byte seed that stays on the
// participant's machine, so a trustee or voter keeps one seed per election
// and rebuilds its state from the seed and the chain at every step. The kit
// stays in this package for now because cmd/pnyx, the chain tests, e2e and
// internal/bench call it as election.X; only the chain side (election.go,
// create.go, ceremony.go, credentials.go, ballots.go, verify.go, tally.go)
// runs in blocks.

// Stream returns a deterministic reader for (seed, purpose, index).
func Stream(seed [32]byte, purpose string, i int) io.Reader {
	h := sha256.New()
	h.Write([]byte("pnyx/election/kit/v1\x00"))
	h.Write(seed[:])
	h.Write([]byte(purpose))
	binary.Write(h, binary.BigEndian, uint64(i))
	var s [32]byte
	h.Sum(s[:0])
	return &chacha{mrand.NewChaCha8(s)}
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
	return &chacha{mrand.NewChaCha8(s)}
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

// Params returns the ceremony parameters of e.
func (e *Election) Params() ceremony.Params { return e.params() }

// Manifest returns e's decoded manifest.
func (e *Election) DecodedManifest() *ballot.Manifest { return e.manifest() }

// TrusteeIndex returns member's trustee index (1..n), or 0.
func (e *Election) TrusteeIndex(member string) int { return indexOf(e.Trustees, member) + 1 }

// IssuerIndex returns member's issuer index, or -1.
func (e *Election) IssuerIndex(member string) int { return indexOf(e.Issuers, member) }

// EID returns the 32-byte election ID.
func (e *Election) EID() [32]byte {
	var id [32]byte
	hex.Decode(id[:], []byte(e.ElectionID))
	return id
}
