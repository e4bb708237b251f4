package election

import (
	"crypto/rsa"
	"encoding/hex"

	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/ceremony"
	"github.com/pnyx-party/pnyx/election/record"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
)

// What the participants' kit (modules/election/kit) reads of an election:
// trustees, issuers and voters compute from the same stored state the
// chain judges, decoded the same way. None of this runs in a block.

// Params returns the ceremony parameters of e.
func (e *Election) Params() ceremony.Params { return e.params() }

// DecodedManifest returns e's decoded manifest.
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

// IssuerPublicKeys returns the issuers' posted RSA keys, decoded, in issuer
// order; call it once every issuer has posted (IssuerKeys all set).
func (e *Election) IssuerPublicKeys() []*rsa.PublicKey { return e.issuerKeys() }

// CeremonyRecord is the ceremony part of e's record as kv holds it: the
// HPKE keys, dealings, complaints, answers and, once computed, QUAL, the
// joint key and the public shares.
func (e *Election) CeremonyRecord(kv store.Reader) *record.Record { return e.ceremonyRecord(kv) }

// DecodeAggregate reads a tally's encrypted aggregate (Tally.Aggregate):
// one ciphertext per option of man, contests in order.
func DecodeAggregate(man *ballot.Manifest, aggregate string) ([][]ballot.Ciphertext, error) {
	return decodeAggregate(man, aggregate)
}
