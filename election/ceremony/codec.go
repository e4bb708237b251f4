package ceremony

import "github.com/pnyx-party/pnyx/election/group"

// The byte layouts of a dealing and of a decryption share. The chain stores
// exactly these bytes and the election record (docs/election-record.md,
// "Key ceremony" and "Tally") embeds them, so both read and write them
// here and cannot drift apart.

// WriteDealing appends d: k commitments, k Schnorr proofs, n sealed shares.
func WriteDealing(w *group.Writer, d *Dealing) {
	for _, A := range d.Commitments {
		w.Element(A)
	}
	for _, p := range d.Proofs {
		p.Encode(w)
	}
	for _, s := range d.Shares {
		w.Fixed(s)
	}
}

// ReadDealing reads dealer's dealing for parameters p. Commitments must be
// canonical non-identity elements; errors stay in rd.
func ReadDealing(rd *group.Reader, p Params, dealer int) *Dealing {
	d := &Dealing{Dealer: dealer}
	for range p.K {
		d.Commitments = append(d.Commitments, rd.PublicKey("dealing.commitment"))
	}
	for range p.K {
		d.Proofs = append(d.Proofs, group.ReadSchnorr(rd, "dealing.pok"))
	}
	for range p.N {
		d.Shares = append(d.Shares, rd.Fixed("dealing.sealed_share", ShareCiphertextSize))
	}
	return d
}

// EncodeDealing returns d's bytes (WriteDealing).
func EncodeDealing(d *Dealing) []byte {
	w := &group.Writer{}
	WriteDealing(w, d)
	return w.Buf
}

// DecodeDealing parses exactly one dealing of dealer for parameters p.
func DecodeDealing(p Params, dealer int, raw []byte) (*Dealing, error) {
	rd := group.NewReader(raw)
	d := ReadDealing(rd, p, dealer)
	if err := rd.Finish(); err != nil {
		return nil, err
	}
	return d, nil
}

// WriteShare appends the body of a decryption share: for each ciphertext,
// D ‖ its Chaum-Pedersen proof. The trustee's index is not part of it (the
// record writes it before the body; the chain keys the share by it).
func WriteShare(w *group.Writer, s *DecryptionShare) {
	for t := range s.D {
		w.Element(s.D[t])
		s.Proofs[t].Encode(w)
	}
}

// ReadShare reads trustee l's share body over n ciphertexts; errors stay
// in rd.
func ReadShare(rd *group.Reader, l, n int) *DecryptionShare {
	s := &DecryptionShare{Trustee: l}
	for range n {
		s.D = append(s.D, rd.Element("share.D"))
		s.Proofs = append(s.Proofs, group.ReadDLEQ(rd, "share.proof"))
	}
	return s
}

// EncodeShare returns the body of s (WriteShare).
func EncodeShare(s *DecryptionShare) []byte {
	w := &group.Writer{}
	WriteShare(w, s)
	return w.Buf
}

// DecodeShare parses exactly one share body of trustee l over n
// ciphertexts.
func DecodeShare(l, n int, raw []byte) (*DecryptionShare, error) {
	rd := group.NewReader(raw)
	s := ReadShare(rd, l, n)
	if err := rd.Finish(); err != nil {
		return nil, err
	}
	return s, nil
}
