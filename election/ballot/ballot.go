// Package ballot encrypts, encodes and verifies pnyx ballots.
//
// A ballot holds, for every option of every contest of the Manifest, an
// exponential ElGamal ciphertext under the trustees' joint key with a range
// proof (0..OptionLimit), and for every contest a proof that the selections
// sum to at most SelectionLimit. It carries no voter identity: it is signed
// by a fresh one-time key, and carries one RFC 9474 credential per issuer
// over that key (package credential). There is no free-form field: every
// byte is either bound into the Fiat-Shamir transcript (election ID,
// manifest hash, joint key, one-time key, every ciphertext) or covered by
// the one-time signature (proofs, credentials).
//
// Verification is split the way a chain node needs it:
//
//	b, err := ballot.Decode(e, raw)        // layout, canonical points/scalars, election ID
//	err = ballot.Check(e, b)               // credentials + one-time signature (cheap)
//	_, err = box.Add(b)                    // stateful: replay, spoiled, credential reuse, re-voting
//	fails := ballot.VerifyProofs(e, bs, r) // all range/limit proofs, batched
//
// Cast as intended: Encrypt also returns the Reveal (choices and
// randomness); a voter who challenges the ballot publishes it, the box
// records it with Box.Spoil so it can never be cast, and anyone checks it
// with VerifySpoiled. Every ballot has a TrackingCode.
//
// VerifyProofs folds every proof equation of many ballots into one
// multi-scalar multiplication with random weights and bisects a failing batch
// to name the bad ballots; VerifyProofsNaive checks proof by proof.
// All randomness comes from the io.Reader the caller passes.
package ballot

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/election/group"
)

// Version is the ballot encoding version (first byte).
const Version = 1

// Errors, one per distinct way a ballot is rejected. Wrapped with detail;
// test with errors.Is.
var (
	ErrMalformed        = errors.New("ballot: malformed encoding")
	ErrMalformedPoint   = errors.New("ballot: malformed or non-canonical point")
	ErrMalformedScalar  = errors.New("ballot: malformed or non-canonical scalar")
	ErrWrongElection    = errors.New("ballot: cast for another election")
	ErrCredentialForged = errors.New("ballot: credential does not verify")
	ErrCredentialReused = errors.New("ballot: credential already used with another one-time key")
	ErrDuplicate        = errors.New("ballot: already cast (replay)")
	ErrSpoiledCast      = errors.New("ballot: was spoiled (its choices are public) and cannot be cast")
	ErrSignature        = errors.New("ballot: one-time key signature does not verify")
	ErrRangeProof       = errors.New("ballot: option range proof does not verify")
	ErrSelectionLimit   = errors.New("ballot: contest selection-limit proof does not verify")
	ErrOverLimit        = errors.New("ballot: choices exceed the manifest's limits")
	ErrSpoiledMismatch  = errors.New("ballot: revealed choices do not match the spoiled ballot")
)

// Election is the public context a ballot is made and checked against.
type Election struct {
	Manifest     *Manifest
	ManifestHash [32]byte
	JointKey     *ristretto255.Element
	Issuers      []*rsa.PublicKey

	jointKey  [32]byte
	verifiers []*credential.Verifier
	size      int
}

// NewElection validates and binds the manifest, the trustees' joint key and
// the issuers' keys.
func NewElection(m *Manifest, jointKey *ristretto255.Element, issuers []*rsa.PublicKey) (*Election, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if jointKey == nil || group.IsIdentity(jointKey) {
		return nil, fmt.Errorf("ballot: joint key: %w", group.ErrIdentity)
	}
	if len(issuers) == 0 {
		return nil, errors.New("ballot: at least one credential issuer is required")
	}
	e := &Election{Manifest: m, ManifestHash: m.Hash(), JointKey: jointKey, Issuers: issuers}
	jointKey.Encode(e.jointKey[:0])
	for _, pk := range issuers {
		v, err := credential.NewVerifier(pk)
		if err != nil {
			return nil, err
		}
		e.verifiers = append(e.verifiers, v)
	}
	e.size = SizeOf(m, issuers)
	return e, nil
}

// SizeOf is the encoded size of a ballot for manifest m and these issuers.
func SizeOf(m *Manifest, issuers []*rsa.PublicKey) int {
	size := 1 + 32 + 32
	for _, pk := range issuers {
		size += credential.Size(pk)
	}
	for _, c := range m.Contests {
		size += len(c.Options) * (2*group.ElementSize + proofSize(int(c.OptionLimit)))
		size += proofSize(int(c.SelectionLimit))
	}
	return size + group.SchnorrSize
}

// RevealSize is the encoded size of a Reveal for manifest m.
func RevealSize(m *Manifest) int {
	n := 0
	for _, c := range m.Contests {
		n += len(c.Options) * (4 + group.ScalarSize)
	}
	return n
}

// Size is the exact encoded size of every ballot of this election.
func (e *Election) Size() int { return e.size }

// ContestBallot is the encrypted part of one contest.
type ContestBallot struct {
	Selections []Ciphertext
	Proofs     []*RangeProof // one per option, 0..OptionLimit
	Limit      *RangeProof   // on the sum, 0..SelectionLimit
}

// Ballot is a decoded (or freshly encrypted) ballot.
type Ballot struct {
	ElectionID  [32]byte
	OneTimeKey  *ristretto255.Element
	Credentials [][]byte
	Contests    []ContestBallot
	Signature   *group.Schnorr

	otk    [32]byte
	raw    []byte
	sel    []byte // the ciphertexts' bytes within raw
	digest [64]byte
	credOK bool // CheckCredentials passed
	sigOK  bool // CheckSignature passed
}

// ForgetProofs drops the decoded proofs and signature of a ballot whose
// checks are done, keeping the ciphertexts, so a verifier holding a whole
// election's ballots for the tally needs a fifth of the memory. Proof
// checks on it afterwards panic.
func (b *Ballot) ForgetProofs() {
	for i := range b.Contests {
		b.Contests[i].Proofs = nil
		b.Contests[i].Limit = nil
	}
	b.Signature = nil
}

// OneTimeKeyBytes is the encoded one-time public key.
func (b *Ballot) OneTimeKeyBytes() [32]byte { return b.otk }

// Bytes returns the canonical encoding (do not modify).
func (b *Ballot) Bytes() []byte { return b.raw }

// TrackingCode is SHA-256("pnyx/election/tracking/v1" ‖ encoding): the voter
// keeps it and finds the ballot in the record by it.
func (b *Ballot) TrackingCode() [32]byte { return TrackingCodeOf(b.raw) }

// SelectionBytes returns the encoded ciphertexts of a decoded ballot as
// they appear in it: alpha ‖ beta per option, contests in manifest order.
// Callers must not modify them.
func (b *Ballot) SelectionBytes() []byte { return b.sel }

// TrackingCodeOf is the tracking code of an encoded ballot.
func TrackingCodeOf(raw []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte("pnyx/election/tracking/v1"))
	h.Write(raw)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// TrackingString is the first 10 bytes of the tracking code in hex, in
// groups of four digits, for people to read out.
func (b *Ballot) TrackingString() string {
	tc := b.TrackingCode()
	s := hex.EncodeToString(tc[:10])
	out := ""
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			out += "-"
		}
		out += s[i:min(i+4, len(s))]
	}
	return out
}

// ballotDigest is the transcript every proof of the ballot starts from.
// ciphertexts is the encoding of every (alpha, beta), contest by contest,
// option by option, exactly as it appears in the ballot.
func ballotDigest(e *Election, otk *[32]byte, ciphertexts []byte) [64]byte {
	t := group.NewTranscript("pnyx/election/ballot/v1")
	t.AppendBytes("election", e.Manifest.ElectionID[:])
	t.AppendBytes("manifest", e.ManifestHash[:])
	t.AppendBytes("joint-key", e.jointKey[:])
	t.AppendBytes("one-time-key", otk[:])
	t.AppendBytes("ciphertexts", ciphertexts)
	return t.Digest()
}

func encodeCiphertexts(contests []ContestBallot) []byte {
	w := &group.Writer{}
	for _, c := range contests {
		for _, ct := range c.Selections {
			w.Element(ct.Alpha)
			w.Element(ct.Beta)
		}
	}
	return w.Buf
}

func signatureTranscript(body []byte) *group.Transcript {
	t := group.NewTranscript("pnyx/election/ballot-signature/v1")
	d := sha512.Sum512(body)
	t.AppendBytes("ballot", d[:])
	return t
}

// OneTimeKey is a voter's per-election signing key. Its public half is what
// the issuers blindly certify.
type OneTimeKey struct {
	Secret *ristretto255.Scalar
	Public *ristretto255.Element
	Bytes  [32]byte
}

// NewOneTimeKey draws a fresh one-time key.
func NewOneTimeKey(rand io.Reader) (*OneTimeKey, error) {
	x, err := group.RandomScalar(rand)
	if err != nil {
		return nil, err
	}
	k := &OneTimeKey{Secret: x, Public: group.BaseMult(x)}
	k.Public.Encode(k.Bytes[:0])
	return k, nil
}

// Reveal is what a voter publishes to spoil a ballot (Benaloh challenge):
// the choices and the encryption randomness, option by option.
type Reveal struct {
	Choices [][]uint32
	R       [][]*ristretto255.Scalar
}

// Encrypt encrypts choices[contest][option] (each ≤ OptionLimit, each contest
// summing to ≤ SelectionLimit), proves it, attaches the credentials (one per
// issuer, in issuer order) and signs with key. The Reveal lets the voter
// spoil the ballot instead of casting it; keep it secret otherwise.
func Encrypt(rand io.Reader, e *Election, key *OneTimeKey, creds [][]byte, choices [][]uint32) (*Ballot, *Reveal, error) {
	if err := checkChoices(e.Manifest, choices); err != nil {
		return nil, nil, err
	}
	return encrypt(rand, e, key, creds, choices)
}

func checkChoices(m *Manifest, choices [][]uint32) error {
	if len(choices) != len(m.Contests) {
		return fmt.Errorf("%w: %d contests, manifest has %d", ErrOverLimit, len(choices), len(m.Contests))
	}
	for i, c := range m.Contests {
		if len(choices[i]) != len(c.Options) {
			return fmt.Errorf("%w: contest %d: %d options, manifest has %d", ErrOverLimit, i, len(choices[i]), len(c.Options))
		}
		sum := uint64(0)
		for j, v := range choices[i] {
			if v > c.OptionLimit {
				return fmt.Errorf("%w: contest %d option %d: %d > %d", ErrOverLimit, i, j, v, c.OptionLimit)
			}
			sum += uint64(v)
		}
		if sum > uint64(c.SelectionLimit) {
			return fmt.Errorf("%w: contest %d: %d selections > %d", ErrOverLimit, i, sum, c.SelectionLimit)
		}
	}
	return nil
}

// encrypt does the work without checking limits (tests use it to build
// over-limit ballots; their proofs then fail to verify).
func encrypt(rand io.Reader, e *Election, key *OneTimeKey, creds [][]byte, choices [][]uint32) (*Ballot, *Reveal, error) {
	if len(creds) != len(e.Issuers) {
		return nil, nil, fmt.Errorf("ballot: %d credentials for %d issuers", len(creds), len(e.Issuers))
	}
	b := &Ballot{ElectionID: e.Manifest.ElectionID, OneTimeKey: key.Public, otk: key.Bytes, Credentials: creds}
	rv := &Reveal{Choices: choices}
	K := e.JointKey
	for i, c := range e.Manifest.Contests {
		cb := ContestBallot{}
		rs := make([]*ristretto255.Scalar, len(c.Options))
		for j := range c.Options {
			r, err := group.RandomScalar(rand)
			if err != nil {
				return nil, nil, err
			}
			rs[j] = r
			cb.Selections = append(cb.Selections, encryptWith(K, choices[i][j], r))
		}
		rv.R = append(rv.R, rs)
		b.Contests = append(b.Contests, cb)
	}
	b.sel = encodeCiphertexts(b.Contests)
	b.digest = ballotDigest(e, &b.otk, b.sel)
	for i, c := range e.Manifest.Contests {
		cb := &b.Contests[i]
		sum := ZeroCiphertext()
		rsum := ristretto255.NewScalar()
		total := 0
		for j := range c.Options {
			m := int(choices[i][j])
			p, err := proveRange(rand, rangeTranscript(&b.digest, i, j), K, cb.Selections[j],
				min(m, int(c.OptionLimit)), rv.R[i][j], int(c.OptionLimit))
			if err != nil {
				return nil, nil, err
			}
			cb.Proofs = append(cb.Proofs, p)
			sum = sum.Add(cb.Selections[j])
			rsum.Add(rsum, rv.R[i][j])
			total += m
		}
		p, err := proveRange(rand, rangeTranscript(&b.digest, i, -1), K, sum,
			min(total, int(c.SelectionLimit)), rsum, int(c.SelectionLimit))
		if err != nil {
			return nil, nil, err
		}
		cb.Limit = p
	}
	body := b.encodeBody(e)
	sig, err := group.ProveSchnorr(rand, signatureTranscript(body), key.Secret, key.Public)
	if err != nil {
		return nil, nil, err
	}
	b.Signature = sig
	w := &group.Writer{Buf: body}
	sig.Encode(w)
	b.raw = w.Buf
	return b, rv, nil
}

func encryptWith(K *ristretto255.Element, m uint32, r *ristretto255.Scalar) Ciphertext {
	beta := group.Mult(r, K)
	beta.Add(beta, group.BaseMult(group.ScalarFromUint64(uint64(m))))
	return Ciphertext{Alpha: group.BaseMult(r), Beta: beta}
}

// encodeBody encodes everything but the signature:
//
//	u8 version ‖ electionID[32] ‖ oneTimeKey[32] ‖ credential_1 .. credential_m ‖
//	  for each contest, each option: alpha[32] ‖ beta[32] ‖
//	  for each contest: (for each option: range proof 0..OptionLimit) ‖ limit proof 0..SelectionLimit
func (b *Ballot) encodeBody(e *Election) []byte {
	w := &group.Writer{Buf: make([]byte, 0, e.size)}
	w.Uint8(Version)
	w.Fixed(b.ElectionID[:])
	w.Fixed(b.otk[:])
	for _, c := range b.Credentials {
		w.Fixed(c)
	}
	for _, c := range b.Contests {
		for _, ct := range c.Selections {
			w.Element(ct.Alpha)
			w.Element(ct.Beta)
		}
	}
	for _, c := range b.Contests {
		for _, p := range c.Proofs {
			p.encode(w)
		}
		c.Limit.encode(w)
	}
	return w.Buf
}

// Decode parses a ballot for election e. It checks the layout, that every
// point and scalar is canonical, and the election ID; it derives the proof
// challenges but verifies nothing else.
func Decode(e *Election, raw []byte) (*Ballot, error) {
	r := group.NewReader(raw)
	if v := r.Uint8("version"); r.Err() == nil && v != Version {
		return nil, fmt.Errorf("%w: version %d", ErrMalformed, v)
	}
	b := &Ballot{}
	copy(b.ElectionID[:], r.Fixed("election_id", 32))
	if r.Err() == nil && b.ElectionID != e.Manifest.ElectionID {
		return nil, ErrWrongElection
	}
	if len(raw) != e.size {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrMalformed, len(raw), e.size)
	}
	copy(b.otk[:], r.Fixed("one_time_key", 32))
	if r.Err() == nil {
		k, err := group.DecodePublicKey(b.otk[:])
		if err != nil {
			return nil, fmt.Errorf("%w: one-time key: %v", ErrMalformedPoint, err)
		}
		b.OneTimeKey = k
	}
	for _, pk := range e.Issuers {
		b.Credentials = append(b.Credentials, r.Fixed("credential", credential.Size(pk)))
	}
	m := e.Manifest
	ctStart := r.Offset()
	b.Contests = make([]ContestBallot, len(m.Contests))
	for i, c := range m.Contests {
		cb := &b.Contests[i]
		cb.Selections = make([]Ciphertext, len(c.Options))
		for j := range c.Options {
			cb.Selections[j] = Ciphertext{Alpha: r.Element("alpha"), Beta: r.Element("beta")}
		}
	}
	ctEnd := r.Offset()
	for i, c := range m.Contests {
		cb := &b.Contests[i]
		for range c.Options {
			cb.Proofs = append(cb.Proofs, readRangeProof(r, raw, int(c.OptionLimit)))
		}
		cb.Limit = readRangeProof(r, raw, int(c.SelectionLimit))
	}
	b.Signature = group.ReadSchnorr(r, "signature")
	if err := r.Finish(); err != nil {
		switch {
		case errors.Is(err, group.ErrInvalidElement), errors.Is(err, group.ErrIdentity):
			return nil, fmt.Errorf("%w: %v", ErrMalformedPoint, err)
		case errors.Is(err, group.ErrInvalidScalar):
			return nil, fmt.Errorf("%w: %v", ErrMalformedScalar, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	b.raw = raw
	b.sel = raw[ctStart:ctEnd:ctEnd]
	b.digest = ballotDigest(e, &b.otk, b.sel)
	for i := range b.Contests {
		cb := &b.Contests[i]
		for j, p := range cb.Proofs {
			p.deriveChallenges(rangeTranscript(&b.digest, i, j))
		}
		cb.Limit.deriveChallenges(rangeTranscript(&b.digest, i, -1))
	}
	return b, nil
}

// CheckCredentials verifies one credential per issuer over the ballot's
// one-time key.
func CheckCredentials(e *Election, b *Ballot) error {
	for i, v := range e.verifiers {
		if err := v.Verify(b.ElectionID, b.otk[:], b.Credentials[i]); err != nil {
			return fmt.Errorf("%w: issuer %d", ErrCredentialForged, i)
		}
	}
	b.credOK = true
	return nil
}

// CheckSignature verifies the one-time key's signature over the whole ballot.
func CheckSignature(e *Election, b *Ballot) error {
	body := b.raw[:len(b.raw)-group.SchnorrSize]
	if !group.VerifySchnorr(signatureTranscript(body), b.OneTimeKey, b.Signature) {
		return ErrSignature
	}
	b.sigOK = true
	return nil
}

// Check runs the cheap checks: credentials and signature.
func Check(e *Election, b *Ballot) error {
	if err := CheckCredentials(e, b); err != nil {
		return err
	}
	return CheckSignature(e, b)
}

// VerifyProofsNaive checks every proof of b on its own, equation by
// equation. It names the first failing proof.
func VerifyProofsNaive(e *Election, b *Ballot) error {
	K := e.JointKey
	for i, cb := range b.Contests {
		sum := ZeroCiphertext()
		for j, p := range cb.Proofs {
			if !p.verifySingle(K, cb.Selections[j]) {
				return fmt.Errorf("%w: contest %d option %d", ErrRangeProof, i, j)
			}
			sum = sum.Add(cb.Selections[j])
		}
		if !cb.Limit.verifySingle(K, sum) {
			return fmt.Errorf("%w: contest %d", ErrSelectionLimit, i)
		}
	}
	return nil
}

// VerifySpoiled checks a Benaloh challenge: that every ciphertext of b is
// the encryption of the revealed choice with the revealed randomness.
func VerifySpoiled(e *Election, b *Ballot, rv *Reveal) error {
	if err := checkChoices(e.Manifest, rv.Choices); err != nil {
		return fmt.Errorf("%w: %v", ErrSpoiledMismatch, err)
	}
	if len(rv.R) != len(b.Contests) {
		return ErrSpoiledMismatch
	}
	for i, cb := range b.Contests {
		if len(rv.R[i]) != len(cb.Selections) {
			return ErrSpoiledMismatch
		}
		for j, ct := range cb.Selections {
			want := encryptWith(e.JointKey, rv.Choices[i][j], rv.R[i][j])
			if want.Alpha.Equal(ct.Alpha) != 1 || want.Beta.Equal(ct.Beta) != 1 {
				return fmt.Errorf("%w: contest %d option %d", ErrSpoiledMismatch, i, j)
			}
		}
	}
	return nil
}

// EncodeReveal encodes a Reveal for manifest m: for each contest, each
// option: u32 choice ‖ r[32].
func EncodeReveal(rv *Reveal) []byte {
	w := &group.Writer{}
	for i := range rv.Choices {
		for j := range rv.Choices[i] {
			w.Uint32(rv.Choices[i][j])
			w.Scalar(rv.R[i][j])
		}
	}
	return w.Buf
}

// ReadReveal reads a Reveal laid out for manifest m.
func ReadReveal(r *group.Reader, m *Manifest) *Reveal {
	rv := &Reveal{}
	for _, c := range m.Contests {
		ch := make([]uint32, len(c.Options))
		rs := make([]*ristretto255.Scalar, len(c.Options))
		for j := range c.Options {
			ch[j] = r.Uint32("reveal.choice")
			rs[j] = r.Scalar("reveal.r")
		}
		rv.Choices = append(rv.Choices, ch)
		rv.R = append(rv.R, rs)
	}
	return rv
}
