package ballot

// Cast or challenge, in that order (Benaloh, issue 11 finding 6). The voter's
// device encrypts first and shows the EncryptionCode; only then does the
// voter say "cast" or "challenge". A cast sends the ballot as it was
// encrypted. A challenge never sends that ballot: the device makes an
// Opening, which carries the same ciphertexts with the choices and the
// randomness, signed by a throwaway key that no issuer certified, and no
// credential. It links to nothing (not the voter's one-time key, not their
// credentials), can never be counted, and anyone can check it with
// VerifyOpening on another device and compare its code with the one shown.
//
//	b, rv, _ := ballot.Encrypt(rand, e, key, creds, choices)
//	show(ballot.EncryptionCodeString(ballot.EncryptionCode(e, b)))
//	if challenge {
//		op, _ := ballot.NewOpening(rand, e, b, rv)
//		publish(op.Bytes())                  // the voter's other device: ballot.VerifyOpening(raw)
//	}
//
// Layout (docs/election-record.md, "Openings"):
//
//	"PNYXOPN1" ‖ bytes manifest ‖ joint_key[32] ‖ throwaway_key[32] ‖
//	  for each contest, each option: alpha[32] ‖ beta[32] ‖ u32 choice ‖ r[32] ‖
//	  signature R[32] ‖ s[32]

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
	"github.com/pnyx-party/pnyx/election/group"
)

// OpeningMagic starts every encoded Opening.
const OpeningMagic = "PNYXOPN1"

// ErrOpening is wrapped by every reason VerifyOpening refuses an opening.
var ErrOpening = errors.New("ballot: opening does not verify")

// EncryptionCode commits to what a ballot encrypts, and to nothing that
// names its voter: SHA-256("pnyx/election/encryption-code/v1" ‖
// election_id ‖ manifest_hash ‖ joint_key ‖ every alpha ‖ beta). A cast
// ballot and the opening of the same encryption have the same code.
func EncryptionCode(e *Election, b *Ballot) [32]byte {
	return encryptionCode(e.Manifest.ElectionID, e.ManifestHash, e.jointKey, b.sel)
}

func encryptionCode(eid, manifestHash, jointKey [32]byte, ciphertexts []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte("pnyx/election/encryption-code/v1"))
	h.Write(eid[:])
	h.Write(manifestHash[:])
	h.Write(jointKey[:])
	h.Write(ciphertexts)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// EncryptionCodeOf is the code of a ballot's ciphertexts (SelectionBytes,
// or the selections kept in chain state) in election e.
func EncryptionCodeOf(e *Election, ciphertexts []byte) [32]byte {
	return encryptionCode(e.Manifest.ElectionID, e.ManifestHash, e.jointKey, ciphertexts)
}

// CodeString shows the first 10 bytes of a code in groups of four hex
// digits, as tracking codes are shown.
func CodeString(code [32]byte) string {
	s := hex.EncodeToString(code[:10])
	out := ""
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			out += "-"
		}
		out += s[i:min(i+4, len(s))]
	}
	return out
}

// Opening is a challenged encryption: the ciphertexts with their choices
// and randomness, under a throwaway key.
type Opening struct {
	Manifest     *Manifest
	JointKey     *ristretto255.Element
	ThrowawayKey *ristretto255.Element
	Ciphertexts  [][]Ciphertext
	Reveal       *Reveal
	Signature    *group.Schnorr

	raw []byte
	sel []byte
}

// Bytes is the opening's encoding.
func (o *Opening) Bytes() []byte { return o.raw }

// Code is the opening's EncryptionCode.
func (o *Opening) Code() [32]byte {
	var k [32]byte
	o.JointKey.Encode(k[:0])
	return encryptionCode(o.Manifest.ElectionID, o.Manifest.Hash(), k, o.sel)
}

func openingTranscript(body []byte) *group.Transcript {
	t := group.NewTranscript("pnyx/election/opening-signature/v1")
	d := sha512.Sum512(body)
	t.AppendBytes("opening", d[:])
	return t
}

// NewOpening opens the encryption of b (made with rv) under a fresh
// throwaway key drawn from rand. b itself, with its one-time key and
// credentials, is not part of it.
func NewOpening(rand io.Reader, e *Election, b *Ballot, rv *Reveal) (*Opening, error) {
	if err := VerifySpoiled(e, b, rv); err != nil {
		return nil, err
	}
	tk, err := NewOneTimeKey(rand)
	if err != nil {
		return nil, err
	}
	o := &Opening{Manifest: e.Manifest, JointKey: e.JointKey, ThrowawayKey: tk.Public, Reveal: rv, sel: b.sel}
	w := &group.Writer{}
	w.Fixed([]byte(OpeningMagic))
	w.Bytes(e.Manifest.Encode())
	w.Element(e.JointKey)
	w.Element(tk.Public)
	for i, cb := range b.Contests {
		var cts []Ciphertext
		for j, ct := range cb.Selections {
			w.Element(ct.Alpha)
			w.Element(ct.Beta)
			w.Uint32(rv.Choices[i][j])
			w.Scalar(rv.R[i][j])
			cts = append(cts, ct)
		}
		o.Ciphertexts = append(o.Ciphertexts, cts)
	}
	sig, err := group.ProveSchnorr(rand, openingTranscript(w.Buf), tk.Secret, tk.Public)
	if err != nil {
		return nil, err
	}
	sig.Encode(w)
	o.Signature, o.raw = sig, w.Buf
	return o, nil
}

// VerifyOpening decodes an opening strictly and checks it: a valid
// manifest, canonical points and scalars, choices within the manifest's
// limits, every (alpha, beta) = (g^r, g^choice · K^r), and the throwaway
// key's signature over everything before it. It does not check that K is
// the election's joint key: the caller compares JointKey (and the
// manifest) with the election's, and the code with the one the voter was
// shown.
func VerifyOpening(raw []byte) (*Opening, error) {
	r := group.NewReader(raw)
	if string(r.Fixed("magic", len(OpeningMagic))) != OpeningMagic {
		return nil, fmt.Errorf("%w: not an opening (magic)", ErrOpening)
	}
	m, err := DecodeManifest(r.Bytes("manifest", 1<<24))
	if r.Err() != nil {
		return nil, fmt.Errorf("%w: %v", ErrOpening, r.Err())
	}
	if err != nil {
		return nil, fmt.Errorf("%w: manifest: %v", ErrOpening, err)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%w: manifest: %v", ErrOpening, err)
	}
	o := &Opening{Manifest: m, JointKey: r.PublicKey("joint_key"), ThrowawayKey: r.PublicKey("throwaway_key"), Reveal: &Reveal{}}
	var sel []byte
	for _, c := range m.Contests {
		var cts []Ciphertext
		ch := make([]uint32, len(c.Options))
		rs := make([]*ristretto255.Scalar, len(c.Options))
		for j := range c.Options {
			start := r.Offset()
			ct := Ciphertext{Alpha: r.Element("alpha"), Beta: r.Element("beta")}
			if r.Err() == nil {
				sel = append(sel, raw[start:start+2*group.ElementSize]...)
			}
			ch[j] = r.Uint32("choice")
			rs[j] = r.Scalar("r")
			cts = append(cts, ct)
		}
		o.Ciphertexts = append(o.Ciphertexts, cts)
		o.Reveal.Choices = append(o.Reveal.Choices, ch)
		o.Reveal.R = append(o.Reveal.R, rs)
	}
	bodyEnd := r.Offset()
	o.Signature = group.ReadSchnorr(r, "signature")
	if err := r.Finish(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOpening, err)
	}
	o.raw, o.sel = raw, sel
	if err := checkChoices(m, o.Reveal.Choices); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOpening, err)
	}
	for i := range o.Ciphertexts {
		for j, ct := range o.Ciphertexts[i] {
			want := encryptWith(o.JointKey, o.Reveal.Choices[i][j], o.Reveal.R[i][j])
			if want.Alpha.Equal(ct.Alpha) != 1 || want.Beta.Equal(ct.Beta) != 1 {
				return nil, fmt.Errorf("%w: contest %d option %d is not the encryption of its revealed choice", ErrOpening, i+1, j+1)
			}
		}
	}
	if !group.VerifySchnorr(openingTranscript(raw[:bodyEnd]), o.ThrowawayKey, o.Signature) {
		return nil, fmt.Errorf("%w: the throwaway key's signature", ErrOpening)
	}
	return o, nil
}
