package kit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/cloudflare/circl/hpke"
	"github.com/gtank/ristretto255"

	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/ceremony"
	"github.com/pnyx-party/pnyx/election/group"
	"github.com/pnyx-party/pnyx/modules/election"
)

// These tests play a hostile API node against the trustee kit. The kit
// acts on whatever state it is served; a node that serves a different
// ceremony, threshold, election ID, HPKE keys or fake complaints must not
// learn a key share or a coefficient of a dealt polynomial.

// hostileNode serves whatever state the test puts in it.
type hostileNode map[string][]byte

func (n hostileNode) Get(key []byte) []byte                                  { return n[string(key)] }
func (n hostileNode) Iterate(prefix []byte, fn func(key, value []byte) bool) {}

// ceremonyAt builds an n-trustee, k-threshold election whose trustees have
// posted their HPKE keys; with dealt, every trustee's honest dealing is in
// state too (made by the kit itself, remembered in mems when given).
func ceremonyAt(t *testing.T, n, k int, dealt bool, mems []*TrusteeMemory) (*election.Election, hostileNode, [][32]byte) {
	t.Helper()
	eid := sha256.Sum256([]byte("attack-test"))
	man := &ballot.Manifest{ElectionID: eid, Title: "t", Contests: []ballot.Contest{{Title: "c", SelectionLimit: 1, OptionLimit: 1, Options: []string{"a", "b"}}}}
	e := &election.Election{ID: "e1", ElectionID: hex.EncodeToString(eid[:]), Manifest: hex.EncodeToString(man.Encode()),
		Threshold: k, Status: election.PhaseCeremony}
	kv := hostileNode{}
	var seeds [][32]byte
	for l := 1; l <= n; l++ {
		e.Trustees = append(e.Trustees, string(rune('a'+l)))
		seeds = append(seeds, [32]byte{byte(l), 7})
	}
	e.HPKEKeys, e.Dealt, e.Checked, e.Acks = make([]string, n), make([]bool, n), make([]bool, n), make([]string, n)
	for l := 1; l <= n; l++ {
		tr, _, _, err := Trustee(kv, e, seeds[l-1], l)
		if err != nil {
			t.Fatal(err)
		}
		e.HPKEKeys[l-1] = hex.EncodeToString(tr.HPKEKey)
	}
	if !dealt {
		return e, kv, seeds
	}
	dealings := make([]string, n)
	for l := 1; l <= n; l++ {
		typ, body, _, err := stepFor(kv, e, seeds[l-1], l, mems)
		if err != nil || typ != election.TypeDeal {
			t.Fatalf("trustee %d's step is %q, %v; want a dealing", l, typ, err)
		}
		dealings[l-1] = body.(election.DealBody).Dealing
	}
	for l := 1; l <= n; l++ {
		raw, _ := hex.DecodeString(dealings[l-1])
		kv[string(election.DealingKey(e.ID, l))] = raw
		e.Dealt[l-1] = true
	}
	return e, kv, seeds
}

// stepFor takes trustee l's next step, with its memory when mems is given.
func stepFor(kv hostileNode, e *election.Election, seed [32]byte, l int, mems []*TrusteeMemory) (string, any, string, error) {
	if mems != nil {
		return TrusteeStepRemembering(kv, e, seed, l, 0, mems[l-1])
	}
	return TrusteeStep(kv, e, seed, l, 0)
}

// finishCeremony computes what the chain computes once every check is in.
func finishCeremony(t *testing.T, e *election.Election, kv hostileNode) {
	t.Helper()
	for i := range e.Checked {
		e.Checked[i] = true
	}
	r := e.CeremonyRecord(kv)
	p := e.Params()
	qual, _ := ceremony.Qualified(p, r.Dealings, r.Complaints, r.Answers)
	e.Qualified = qual
	r.Qualified = qual
	r.JointKey = ceremony.JointKey(r.Dealings, qual)
	e.JointKey = hex.EncodeToString(r.JointKey.Encode(nil))
	for l := 1; l <= p.N; l++ {
		X := ceremony.PublicShare(r.Dealings, qual, l)
		r.PublicShares = append(r.PublicShares, X)
		e.PublicShares = append(e.PublicShares, hex.EncodeToString(X.Encode(nil)))
	}
	e.CeremonyHash = hex.EncodeToString(r.CeremonyHash())
}

// schnorrChallenge recomputes c of a Schnorr proof under transcript tr
// (docs/election-record.md, "Schnorr proof of knowledge").
func schnorrChallenge(tr *group.Transcript, X, R *ristretto255.Element) *ristretto255.Scalar {
	tr.AppendElement("schnorr-key", X)
	tr.AppendElement("schnorr-commitment", R)
	return tr.Challenge("schnorr")
}

// solveSchnorr is the nonce-reuse attack: two proofs s1 = k + c1·x and
// s2 = k + c2·x with the same k give x = (s1 − s2) / (c1 − c2). It returns
// nil when the nonces differ or the challenges coincide.
func solveSchnorr(p1, p2 *group.Schnorr, c1, c2 *ristretto255.Scalar) *ristretto255.Scalar {
	if p1.R.Equal(p2.R) != 1 || c1.Equal(c2) == 1 {
		return nil
	}
	num := ristretto255.NewScalar().Subtract(p1.S, p2.S)
	den := ristretto255.NewScalar().Subtract(c1, c2)
	return num.Multiply(num, ristretto255.NewScalar().Invert(den))
}

func ackProof(t *testing.T, b election.AckBody) *group.Schnorr {
	t.Helper()
	raw, _ := hex.DecodeString(b.Proof)
	rd := group.NewReader(raw)
	pf := group.ReadSchnorr(rd, "ack")
	if err := rd.Finish(); err != nil {
		t.Fatal(err)
	}
	return pf
}

func ackChallenge(e *election.Election, l int, X, R *ristretto255.Element) *ristretto255.Scalar {
	eid := e.EID()
	ch, _ := hex.DecodeString(e.CeremonyHash)
	tr := group.NewTranscript("pnyx/election/ceremony/ack/v1")
	tr.AppendBytes("election", eid[:])
	tr.AppendBytes("ceremony", ch)
	tr.AppendUint64("trustee", uint64(l))
	return schnorrChallenge(tr, X, R)
}

// TestKitAckUnderAnotherCeremonyHashRevealsNoKeyShare: a node that serves
// a second ceremony hash gets a second acknowledgement; with a nonce drawn
// from the seed alone both share R and the key share x_l falls out.
func TestKitAckUnderAnotherCeremonyHashRevealsNoKeyShare(t *testing.T) {
	e, kv, seeds := ceremonyAt(t, 3, 2, true, nil)
	finishCeremony(t, e, kv)
	tr, _, _, err := Trustee(kv, e, seeds[0], 1)
	if err != nil {
		t.Fatal(err)
	}
	real, err := AckBodyFor(e, tr, seeds[0])
	if err != nil {
		t.Fatal(err)
	}
	forged := *e
	forged.CeremonyHash = hex.EncodeToString(make([]byte, 32))
	fake, err := AckBodyFor(&forged, tr, seeds[0])
	if err != nil {
		t.Fatal(err)
	}
	X := mustElement(t, e.PublicShares[0])
	p1, p2 := ackProof(t, real), ackProof(t, fake)
	if x := solveSchnorr(p1, p2, ackChallenge(e, 1, X, p1.R), ackChallenge(&forged, 1, X, p2.R)); x != nil && group.BaseMult(x).Equal(X) == 1 {
		t.Fatal("a node serving another ceremony hash solved trustee 1's key share from its two acknowledgements (same nonce)")
	}
	if p1.R.Equal(p2.R) == 1 {
		t.Fatal("two acknowledgements of different statements share their nonce")
	}
	again, _ := AckBodyFor(e, tr, seeds[0])
	if ackProof(t, again).R.Equal(p1.R) == 1 {
		t.Fatal("the acknowledgement nonce has no fresh randomness: the same statement signed twice gives the same R")
	}
}

func dealingOf(t *testing.T, e *election.Election, b any) *ceremony.Dealing {
	t.Helper()
	raw, _ := hex.DecodeString(b.(election.DealBody).Dealing)
	d, err := ceremony.DecodeDealing(e.Params(), 1, raw)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func pokChallenge(p ceremony.Params, dealer, j int, A, R *ristretto255.Element) *ristretto255.Scalar {
	tr := group.NewTranscript("pnyx/election/ceremony/coefficient-pok/v1")
	tr.AppendBytes("election", p.ElectionID[:])
	tr.AppendUint64("n", uint64(p.N))
	tr.AppendUint64("k", uint64(p.K))
	tr.AppendUint64("dealer", uint64(dealer))
	tr.AppendUint64("coefficient", uint64(j))
	return schnorrChallenge(tr, A, R)
}

// TestKitDealingUnderOtherParamsRevealsNoCoefficient: a node that serves
// another threshold or another election ID gets a second dealing; with
// coefficients and nonces drawn from the seed alone the proofs of knowledge
// of the first coefficient share R and a_0 — the dealer's part of the
// joint secret — falls out.
func TestKitDealingUnderOtherParamsRevealsNoCoefficient(t *testing.T) {
	for name, forge := range map[string]func(e *election.Election){
		"threshold":   func(e *election.Election) { e.Threshold = 3 },
		"election ID": func(e *election.Election) { e.ElectionID = hex.EncodeToString(make([]byte, 32)) },
	} {
		t.Run(name, func(t *testing.T) {
			e, kv, seeds := ceremonyAt(t, 3, 2, false, nil)
			typ, body, _, err := TrusteeStep(kv, e, seeds[0], 1, 0)
			if err != nil || typ != election.TypeDeal {
				t.Fatalf("step %q %v", typ, err)
			}
			forged := *e
			forge(&forged)
			typ2, body2, _, err := TrusteeStep(kv, &forged, seeds[0], 1, 0)
			if err != nil || typ2 != election.TypeDeal {
				return // refusing to deal under other inputs is safe too
			}
			d1, d2 := dealingOf(t, e, body), dealingOf(t, &forged, body2)
			A := d1.Commitments[0]
			c1 := pokChallenge(e.Params(), 1, 0, A, d1.Proofs[0].R)
			c2 := pokChallenge(forged.Params(), 1, 0, d2.Commitments[0], d2.Proofs[0].R)
			if a0 := solveSchnorr(d1.Proofs[0], d2.Proofs[0], c1, c2); a0 != nil && group.BaseMult(a0).Equal(A) == 1 {
				t.Fatal("a node serving another " + name + " solved dealer 1's secret coefficient a_0 from two dealings (same nonce)")
			}
			if d1.Proofs[0].R.Equal(d2.Proofs[0].R) == 1 {
				t.Fatal("two dealings under different statements share a proof nonce")
			}
		})
	}
}

var shareSuite = hpke.NewSuite(hpke.KEM_X25519_HKDF_SHA256, hpke.KDF_HKDF_SHA256, hpke.AEAD_ChaCha20Poly1305)

// openShare opens the share dealing d seals to recipient with the node's
// own HPKE secret key (docs/election-record.md, "sealed_share").
func openShare(t *testing.T, eid [32]byte, d *ceremony.Dealing, recipient int, skSeed []byte) *ristretto255.Scalar {
	t.Helper()
	_, sk := hpke.KEM_X25519_HKDF_SHA256.Scheme().DeriveKeyPair(skSeed)
	w := &group.Writer{}
	w.String("pnyx/election/ceremony/share/v1")
	w.Fixed(eid[:])
	w.Uint32(uint32(d.Dealer))
	w.Uint32(uint32(recipient))
	rcv, err := shareSuite.NewReceiver(sk, w.Buf)
	if err != nil {
		t.Fatal(err)
	}
	ct := d.Shares[recipient-1]
	op, err := rcv.Setup(ct[:32])
	if err != nil {
		t.Fatal(err)
	}
	cw := &group.Writer{}
	for _, A := range d.Commitments {
		cw.Element(A)
	}
	aad := sha256.Sum256(cw.Buf)
	pt, err := op.Open(ct[32:], aad[:])
	if err != nil {
		t.Fatal(err)
	}
	s, err := group.DecodeScalar(pt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// interpolate returns f(0) from the points f(l), l in set.
func interpolate(points map[int]*ristretto255.Scalar) *ristretto255.Scalar {
	var set []int
	for l := range points {
		set = append(set, l)
	}
	acc := ristretto255.NewScalar()
	for _, l := range set {
		acc.Add(acc, ristretto255.NewScalar().Multiply(ceremony.Lagrange(set, l), points[l]))
	}
	return acc
}

// TestKitDealingToTheNodesOwnKeysRevealsNotTheDealtPolynomial: after
// trustee 1 has dealt on chain, a node serves its own HPKE keys in place of
// trustees 2 and 3 and says trustee 1 has not dealt yet. The shares sealed
// to the node's keys must not be points of the polynomial on chain.
func TestKitDealingToTheNodesOwnKeysRevealsNotTheDealtPolynomial(t *testing.T) {
	e, kv, seeds := ceremonyAt(t, 3, 2, true, nil)
	onChain, _ := ceremony.DecodeDealing(e.Params(), 1, kv[string(election.DealingKey(e.ID, 1))])
	forged := *e
	forged.Dealt = []bool{false, true, true}
	forged.HPKEKeys = append([]string(nil), e.HPKEKeys...)
	nodeSeeds := map[int][]byte{2: make([]byte, 32), 3: make([]byte, 32)}
	for l, s := range nodeSeeds {
		rand.Read(s)
		pk, _ := hpke.KEM_X25519_HKDF_SHA256.Scheme().DeriveKeyPair(s)
		b, _ := pk.MarshalBinary()
		forged.HPKEKeys[l-1] = hex.EncodeToString(b)
	}
	typ, body, _, err := TrusteeStep(kv, &forged, seeds[0], 1, 0)
	if err != nil || typ != election.TypeDeal {
		return // refusing is safe
	}
	d := dealingOf(t, &forged, body)
	points := map[int]*ristretto255.Scalar{}
	for l, s := range nodeSeeds {
		points[l] = openShare(t, e.EID(), d, l, s)
	}
	if group.BaseMult(interpolate(points)).Equal(onChain.Commitments[0]) == 1 {
		t.Fatal("a node serving its own HPKE keys interpolated dealer 1's secret coefficient a_0 of the dealing on chain")
	}
}

// TestKitFakeComplaintsGetNoEvaluationsInTheClear: every dealing is honest,
// yet the node serves complaints by trustees 2 and 3 against trustee 1 and
// records each answer as the chain would. k answers are k points of
// trustee 1's polynomial: its secret coefficient.
func TestKitFakeComplaintsGetNoEvaluationsInTheClear(t *testing.T) {
	e, kv, seeds := ceremonyAt(t, 3, 2, true, nil)
	for i := range e.Checked {
		e.Checked[i] = true
	}
	e.Complaints = []election.Complaint{{Accuser: 2, Dealer: 1}, {Accuser: 3, Dealer: 1}}
	points := harvestAnswers(t, e, kv, seeds[0], nil)
	onChain, _ := ceremony.DecodeDealing(e.Params(), 1, kv[string(election.DealingKey(e.ID, 1))])
	if len(points) >= e.Threshold && group.BaseMult(interpolate(points)).Equal(onChain.Commitments[0]) == 1 {
		t.Fatalf("a node serving fake complaints got %d evaluations of trustee 1's polynomial and interpolated its secret coefficient", len(points))
	}
}

// harvestAnswers runs trustee 1's steps while the node records each answer,
// and returns the evaluations the node collected.
func harvestAnswers(t *testing.T, e *election.Election, kv hostileNode, seed [32]byte, mem *TrusteeMemory) map[int]*ristretto255.Scalar {
	t.Helper()
	points := map[int]*ristretto255.Scalar{}
	for range 4 {
		var typ string
		var body any
		var err error
		if mem != nil {
			typ, body, _, err = TrusteeStepRemembering(kv, e, seed, 1, 0, mem)
		} else {
			typ, body, _, err = TrusteeStep(kv, e, seed, 1, 0)
		}
		if err != nil || typ != election.TypeAnswer {
			break
		}
		a := body.(election.AnswerBody)
		raw, _ := hex.DecodeString(a.Share)
		s, err := group.DecodeScalar(raw)
		if err != nil {
			t.Fatal(err)
		}
		points[a.Accuser] = s
		e.Answers = append(e.Answers, election.Answer{Dealer: 1, Accuser: a.Accuser, Share: a.Share})
	}
	return points
}

// TestKitRememberingFakeComplaintsOneViewAtATimeGetNoSecret: the node
// shows one fake complaint per view and hides the earlier answers, so no
// single view holds more than k-1 complaints. Only the trustee's memory
// sees that the accusers add up; it answers k-1 of them and no more.
func TestKitRememberingFakeComplaintsOneViewAtATimeGetNoSecret(t *testing.T) {
	mems := []*TrusteeMemory{{}, {}, {}}
	e, kv, seeds := ceremonyAt(t, 3, 2, true, mems)
	for i := range e.Checked {
		e.Checked[i] = true
	}
	points := map[int]*ristretto255.Scalar{}
	var refused error
	for _, accuser := range []int{2, 3} {
		view := *e
		view.Complaints = []election.Complaint{{Accuser: accuser, Dealer: 1}}
		view.Answers = nil
		typ, body, _, err := TrusteeStepRemembering(kv, &view, seeds[0], 1, 0, mems[0])
		if err != nil {
			refused = err
			continue
		}
		if typ != election.TypeAnswer {
			t.Fatalf("step %q", typ)
		}
		raw, _ := hex.DecodeString(body.(election.AnswerBody).Share)
		points[accuser], _ = group.DecodeScalar(raw)
	}
	onChain, _ := ceremony.DecodeDealing(e.Params(), 1, kv[string(election.DealingKey(e.ID, 1))])
	if len(points) >= e.Threshold && group.BaseMult(interpolate(points)).Equal(onChain.Commitments[0]) == 1 {
		t.Fatal("a node showing one fake complaint per view interpolated trustee 1's secret coefficient")
	}
	if len(points) != 1 || !errors.Is(refused, ErrTooManyComplaints) {
		t.Fatalf("answered %d complaints, refused with %v; want one answer (k-1) and ErrTooManyComplaints", len(points), refused)
	}
}

// TestKitRememberingDealsForOneSetOfInputsOnly: once the trustee dealt, a
// node serving other HPKE keys (and "not dealt yet") gets no second
// dealing, and no later step either.
func TestKitRememberingDealsForOneSetOfInputsOnly(t *testing.T) {
	mems := []*TrusteeMemory{{}, {}, {}}
	e, kv, seeds := ceremonyAt(t, 3, 2, true, mems)
	forged := *e
	forged.Dealt = []bool{false, true, true}
	forged.HPKEKeys = append([]string(nil), e.HPKEKeys...)
	forged.HPKEKeys[1] = forged.HPKEKeys[2]
	if typ, _, _, err := TrusteeStepRemembering(kv, &forged, seeds[0], 1, 0, mems[0]); !errors.Is(err, ErrOtherInputs) {
		t.Fatalf("second dealing under other HPKE keys: step %q, err %v; want ErrOtherInputs", typ, err)
	}
	for _, forge := range []func(*election.Election){func(e *election.Election) { e.Threshold = 3 }, func(e *election.Election) { e.ElectionID = hex.EncodeToString(make([]byte, 32)) }} {
		f := *e
		forge(&f)
		if _, _, _, err := TrusteeStepRemembering(kv, &f, seeds[0], 1, 0, mems[0]); !errors.Is(err, ErrOtherInputs) {
			t.Fatalf("step under other parameters: %v; want ErrOtherInputs", err)
		}
	}
	// The honest view still works: trustee 1's next step is its check.
	if typ, _, _, err := TrusteeStepRemembering(kv, e, seeds[0], 1, 0, mems[0]); err != nil || typ != election.TypeCheck {
		t.Fatalf("honest view: step %q, %v", typ, err)
	}
	// The memory survives a restart.
	path := t.TempDir() + "/trustee.memory"
	if err := mems[0].Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadTrusteeMemory(path)
	if err != nil || back.Dealt != mems[0].Dealt {
		t.Fatalf("reloaded memory %+v, %v", back, err)
	}
}

// mustElement decodes a stored group element of the test's state.
func mustElement(t *testing.T, h string) *ristretto255.Element {
	t.Helper()
	raw, _ := hex.DecodeString(h)
	el, err := group.DecodeElement(raw)
	if err != nil {
		t.Fatal(err)
	}
	return el
}
