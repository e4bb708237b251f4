package record_test

// Test vectors for third-party verifiers, under testdata/election at the
// repository root (docs/election-record.md, "Test vectors"). They are all
// drawn from one small sample record, so every value in them is a value a
// real election produced:
//
//	go test ./election/record -run TestVectors -update   # new sample election, new vectors
//	go test ./election/record -run TestVectors           # the code reproduces and accepts exactly them
//
// Without -update the test reads the checked-in record, checks that it
// decodes and re-encodes to the same bytes, that the verifier prints the
// checked-in report for it (and for a tampered copy), and that extracting
// the vectors from it gives the checked-in JSON byte for byte. Transcripts
// are rebuilt here from the spec's steps, not with the packages' private
// helpers, and each vector records whether its proof's verification
// equation holds under that challenge: if the code hashed anything else, it
// would not, and the files would differ.

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/ceremony"
	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/election/group"
	"github.com/pnyx-party/pnyx/election/internal/testkeys"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/election/simulate"
)

var update = flag.Bool("update", false, "regenerate testdata/election from a fresh simulated election")

const vectorDir = "../../testdata/election"

func TestVectors(t *testing.T) {
	if *update {
		writeSample(t)
	}
	raw := readVector(t, "sample-record.bin")
	rec, err := record.Decode(raw)
	if err != nil {
		t.Fatalf("sample record: %v", err)
	}
	if !bytes.Equal(rec.Encode(), raw) {
		t.Fatal("the sample record does not re-encode to its own bytes")
	}
	files := map[string][]byte{
		"sample-record.verify.txt":          reportText(record.VerifyBytes(raw, record.Options{Workers: 1})),
		"sample-record-tampered.verify.txt": reportText(record.VerifyBytes(readVector(t, "sample-record-tampered.bin"), record.Options{Workers: 1})),
		"sample-record-v3.verify.txt":       reportText(record.VerifyBytes(readVector(t, "sample-record-v3.bin"), record.Options{Workers: 1})),
	}
	v3, err := record.Decode(readVector(t, "sample-record-v3.bin"))
	if err != nil || !v3.V3() || !bytes.Equal(v3.Encode(), readVector(t, "sample-record-v3.bin")) {
		t.Fatalf("the version-3 sample does not decode and re-encode as version 3: %v", err)
	}
	for name, v := range vectorsOf(t, rec) {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		files[name] = append(b, '\n')
	}
	for name, want := range files {
		path := filepath.Join(vectorDir, name)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got := readVector(t, name)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the code no longer reproduces the checked-in vector (run with -update only if the change is deliberate and the spec says so)\n--- checked in\n%s\n--- now\n%s", path, clip(got), clip(want))
		}
	}
	if !strings.Contains(string(files["sample-record.verify.txt"]), "election record VALID") {
		t.Error("the sample record does not verify")
	}
	if !strings.Contains(string(files["sample-record-v3.verify.txt"]), "election record VALID") {
		t.Error("the version-3 sample record does not verify")
	}
	if strings.Contains(string(files["sample-record-tampered.verify.txt"]), "election record VALID") {
		t.Error("the tampered sample record verifies")
	}
}

func clip(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

func readVector(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorDir, name))
	if err != nil {
		t.Fatalf("%v (regenerate with go test ./election/record -run TestVectors -update)", err)
	}
	return b
}

// writeSample simulates a small election with a cheating dealer (so the
// record has a complaint and an answer), a re-vote, a spoiled ballot and an
// absent trustee, and writes it with a tampered copy (one result changed).
func writeSample(t *testing.T) {
	if err := os.MkdirAll(vectorDir, 0o755); err != nil {
		t.Fatal(err)
	}
	var seed [32]byte
	copy(seed[:], "pnyx test vectors v2")
	cfg := simulate.Config{Voters: 4, Options: 3, Trustees: 3, Threshold: 2, Issuers: 2,
		Revotes: 1, Spoiled: 1, Absent: 1, CheatingDealer: 3, Eligible: 5, Seed: seed,
		IssuerKeys: testkeys.RSA(2), Workers: 1}
	res, err := simulate.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RecordVersion = 3
	res3, err := simulate.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	raw := res.Record.Encode()
	tampered, err := record.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	tampered.Results[0][0]++
	for name, b := range map[string][]byte{"sample-record.bin": raw, "sample-record-tampered.bin": tampered.Encode(),
		"sample-record-v3.bin": res3.Record.Encode()} {
		if err := os.WriteFile(filepath.Join(vectorDir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// reportText is what pnyx verify election prints, without the timing.
func reportText(rep *record.Report) []byte {
	var b strings.Builder
	for _, c := range rep.Checks {
		verdict := "PASS"
		if !c.OK {
			verdict = "FAIL"
		}
		fmt.Fprintf(&b, "%s  %-27s %s\n", verdict, c.Name, c.Detail)
	}
	if rep.OK() {
		fmt.Fprintf(&b, "election record VALID: %d ballots, %d counted\n", rep.Ballots, rep.Counted)
	} else {
		fmt.Fprintf(&b, "election record REJECTED: failed %s\n", strings.Join(rep.Failed(), ", "))
	}
	return []byte(b.String())
}

// ---- transcripts, rebuilt from the spec ----

type step struct {
	Label string `json:"label"`
	Value string `json:"value"` // hex
}

type transcriptVector struct {
	Kind           string            `json:"kind"`
	Domain         string            `json:"domain"`
	Steps          []step            `json:"steps"` // after append("domain", domain)
	ChallengeLabel string            `json:"challenge_label,omitempty"`
	Challenge      string            `json:"challenge,omitempty"` // scalar, 32 bytes little-endian
	Digest         string            `json:"digest,omitempty"`    // SHA-512 of the transcript, for kinds that end in Digest()
	Values         map[string]string `json:"values,omitempty"`    // the statement and proof, hex
	Equation       string            `json:"equation,omitempty"`
	Holds          bool              `json:"holds"`
}

type transcript struct {
	v *transcriptVector
	t *group.Transcript
}

func newTranscript(kind, domain string) *transcript {
	return &transcript{v: &transcriptVector{Kind: kind, Domain: domain, Values: map[string]string{}}, t: group.NewTranscript(domain)}
}

func (tr *transcript) add(label string, value []byte) {
	tr.v.Steps = append(tr.v.Steps, step{label, hex.EncodeToString(value)})
	tr.t.AppendBytes(label, value)
}

func (tr *transcript) u64(label string, n uint64) {
	tr.add(label, binary.BigEndian.AppendUint64(nil, n))
}

func (tr *transcript) challenge(label string) *ristretto255.Scalar {
	c := tr.t.Challenge(label)
	tr.v.ChallengeLabel, tr.v.Challenge = label, hex.EncodeToString(c.Encode(nil))
	return c
}

func enc(e *ristretto255.Element) []byte { return e.Encode(nil) }
func encS(s *ristretto255.Scalar) []byte { return s.Encode(nil) }

// schnorr finishes a Schnorr transcript and records whether g^s = R·X^c.
func (tr *transcript) schnorr(X *ristretto255.Element, p *group.Schnorr) *transcriptVector {
	tr.add("schnorr-key", enc(X))
	tr.add("schnorr-commitment", enc(p.R))
	c := tr.challenge("schnorr")
	tr.v.Values["X"], tr.v.Values["R"], tr.v.Values["s"] = hex.EncodeToString(enc(X)), hex.EncodeToString(enc(p.R)), hex.EncodeToString(encS(p.S))
	tr.v.Equation = "g^s = R · X^c"
	tr.v.Holds = group.BaseMult(p.S).Equal(group.Add(p.R, group.Mult(c, X))) == 1
	return tr.v
}

func vectorsOf(t *testing.T, rec *record.Record) map[string]any {
	p := rec.Params()
	eid := p.ElectionID[:]
	e, err := ballot.NewElection(rec.Manifest, rec.JointKey, rec.IssuerKeys)
	if err != nil {
		t.Fatal(err)
	}
	var kat []*transcriptVector

	// The known answer of the spec's "Hashing" section.
	tr := newTranscript("known-answer", "pnyx/test/v1")
	tr.add("a", []byte("hello"))
	tr.u64("n", 7)
	tr.add("g", enc(group.Generator()))
	tr.challenge("c")
	tr.v.Holds = tr.v.Challenge == "653c5ed8d0496420865079d101d03149b3391581a87cb3491b7674352b92a50c"
	tr.v.Equation = "challenge as printed in docs/election-record.md"
	kat = append(kat, tr.v)

	// Coefficient proof of knowledge: dealer 1, coefficient 0.
	d := rec.Dealings[0]
	tr = newTranscript("coefficient-pok", "pnyx/election/ceremony/coefficient-pok/v1")
	tr.add("election", eid)
	tr.u64("n", uint64(p.N))
	tr.u64("k", uint64(p.K))
	tr.u64("dealer", 1)
	tr.u64("coefficient", 0)
	kat = append(kat, tr.schnorr(d.Commitments[0], d.Proofs[0]))

	// Acknowledgement of trustee 1.
	tr = newTranscript("acknowledgement", "pnyx/election/ceremony/ack/v1")
	tr.add("election", eid)
	tr.add("ceremony", rec.CeremonyHash())
	tr.u64("trustee", 1)
	kat = append(kat, tr.schnorr(rec.PublicShares[0], rec.Acks[0]))

	// The first cast ballot: its digest, first range proof, selection-limit
	// proof and one-time signature.
	b, err := ballot.Decode(e, rec.Cast[0])
	if err != nil {
		t.Fatal(err)
	}
	mh := rec.Manifest.Hash()
	otk := b.OneTimeKeyBytes()
	tr = newTranscript("ballot-digest", "pnyx/election/ballot/v1")
	tr.add("election", eid)
	tr.add("manifest", mh[:])
	tr.add("joint-key", enc(rec.JointKey))
	tr.add("one-time-key", otk[:])
	tr.add("ciphertexts", b.SelectionBytes())
	digest := tr.t.Digest()
	tr.v.Digest = hex.EncodeToString(digest[:])
	tr.v.Equation = "the range-proof vectors start from this digest and hold"
	digestVector := tr.v
	kat = append(kat, digestVector)

	c0 := b.Contests[0]
	rangeVector := func(kind string, option int, ct ballot.Ciphertext, pf *ballot.RangeProof) *transcriptVector {
		tr := newTranscript(kind, "pnyx/election/range-proof/v1")
		tr.add("ballot", digest[:])
		tr.u64("contest", 0)
		tr.u64("option", uint64(int64(option)))
		var commit []byte
		for j := range pf.A {
			commit = append(commit, enc(pf.A[j])...)
			commit = append(commit, enc(pf.B[j])...)
		}
		tr.add("commitments", commit)
		c := tr.challenge("range")
		R := len(pf.A) - 1
		last := ristretto255.NewScalar().Set(c)
		cs := make([]*ristretto255.Scalar, R+1)
		for j := range R {
			cs[j] = pf.C[j]
			last.Subtract(last, pf.C[j])
		}
		cs[R] = last
		holds := true
		for j := 0; j <= R; j++ {
			A := group.Add(group.BaseMult(pf.V[j]), group.Mult(cs[j], ct.Alpha))
			shifted := group.Sub(ct.Beta, group.BaseMult(group.ScalarFromUint64(uint64(j))))
			B := group.Add(group.Mult(pf.V[j], rec.JointKey), group.Mult(cs[j], shifted))
			holds = holds && A.Equal(pf.A[j]) == 1 && B.Equal(pf.B[j]) == 1
		}
		tr.v.Values["K"] = hex.EncodeToString(enc(rec.JointKey))
		tr.v.Values["alpha"], tr.v.Values["beta"] = hex.EncodeToString(enc(ct.Alpha)), hex.EncodeToString(enc(ct.Beta))
		tr.v.Values["R"] = fmt.Sprint(R)
		for j := 0; j <= R; j++ {
			tr.v.Values[fmt.Sprintf("c_%d", j)] = hex.EncodeToString(encS(cs[j]))
			tr.v.Values[fmt.Sprintf("v_%d", j)] = hex.EncodeToString(encS(pf.V[j]))
		}
		tr.v.Equation = "for every branch t: A_t = g^v_t · alpha^c_t and B_t = K^v_t · (beta / g^t)^c_t, c_R = c − Σ c_t"
		tr.v.Holds = holds
		return tr.v
	}
	kat = append(kat, rangeVector("range-proof", 0, c0.Selections[0], c0.Proofs[0]))
	sum := ballot.ZeroCiphertext()
	for _, ct := range c0.Selections {
		sum = sum.Add(ct)
	}
	kat = append(kat, rangeVector("selection-limit-proof", -1, sum, c0.Limit))
	digestVector.Holds = kat[len(kat)-1].Holds && kat[len(kat)-2].Holds

	tr = newTranscript("ballot-signature", "pnyx/election/ballot-signature/v1")
	body := sha512.Sum512(rec.Cast[0][:len(rec.Cast[0])-group.SchnorrSize])
	tr.add("ballot", body[:])
	kat = append(kat, tr.schnorr(b.OneTimeKey, b.Signature))

	// Decryption share of the first listed trustee on ciphertext 0.
	s := rec.Decryptions[0]
	X := rec.PublicShares[s.Trustee-1]
	alpha := rec.Aggregate[0][0].Alpha
	tr = newTranscript("decryption-share", "pnyx/election/decryption-share/v1")
	tr.add("election", eid)
	tr.u64("trustee", uint64(s.Trustee))
	tr.u64("ciphertext", 0)
	for _, kv := range []struct {
		l string
		e *ristretto255.Element
	}{{"dleq-X", X}, {"dleq-A", alpha}, {"dleq-D", s.D[0]}, {"dleq-a", s.Proofs[0].A}, {"dleq-b", s.Proofs[0].B}} {
		tr.add(kv.l, enc(kv.e))
	}
	c := tr.challenge("dleq")
	tr.v.Values["v"] = hex.EncodeToString(encS(s.Proofs[0].V))
	tr.v.Equation = "g^v = a · X^c and alpha^v = b · D^c"
	tr.v.Holds = group.BaseMult(s.Proofs[0].V).Equal(group.Add(s.Proofs[0].A, group.Mult(c, X))) == 1 &&
		group.Mult(s.Proofs[0].V, alpha).Equal(group.Add(s.Proofs[0].B, group.Mult(c, s.D[0]))) == 1
	kat = append(kat, tr.v)
	for _, v := range kat {
		if !v.Holds {
			t.Errorf("transcript %s: the proof does not verify under the spec's transcript", v.Kind)
		}
	}

	return map[string]any{
		"transcripts.json":       kat,
		"ballots.json":           ballotVectors(t, rec, e),
		"decryption-shares.json": shareVectors(t, rec),
		"credentials.json":       credentialVectors(t, rec),
		"sample-record.json":     summary(rec),
	}
}

// ---- ballots ----

type ballotCase struct {
	Name        string `json:"name"`
	Ballot      string `json:"ballot"`
	Reveal      string `json:"reveal,omitempty"` // spoiled ballots only
	Decodes     bool   `json:"decodes"`
	Credentials bool   `json:"credentials"`
	Signature   bool   `json:"signature"`
	Proofs      bool   `json:"proofs"`
	Spoiled     *bool  `json:"spoiled_valid,omitempty"`
	Tracking    string `json:"tracking_code,omitempty"`
	Short       string `json:"tracking_short,omitempty"`
}

func ballotVectors(t *testing.T, rec *record.Record, e *ballot.Election) any {
	var keys []string
	for _, k := range rec.IssuerKeys {
		keys = append(keys, hex.EncodeToString(credential.EncodeKey(k)))
	}
	mh := rec.Manifest.Hash()
	judge := func(name string, raw []byte, rv *ballot.Reveal) ballotCase {
		tc := ballot.TrackingCodeOf(raw)
		out := ballotCase{Name: name, Ballot: hex.EncodeToString(raw), Tracking: hex.EncodeToString(tc[:])}
		b, err := ballot.Decode(e, raw)
		if err != nil {
			out.Tracking = ""
			return out
		}
		out.Decodes, out.Short = true, b.TrackingString()
		out.Credentials = ballot.CheckCredentials(e, b) == nil
		out.Signature = ballot.CheckSignature(e, b) == nil
		out.Proofs = ballot.VerifyProofsNaive(e, b) == nil
		if rv != nil {
			out.Reveal = hex.EncodeToString(ballot.EncodeReveal(rv))
			ok := ballot.VerifySpoiled(e, b, rv) == nil
			out.Spoiled = &ok
		}
		return out
	}
	raw := rec.Cast[0]
	flip := func(off int) []byte {
		c := bytes.Clone(raw)
		c[off] ^= 1
		return c
	}
	header := 1 + 32 + 32
	creds := 0
	for _, k := range rec.IssuerKeys {
		creds += credential.Size(k)
	}
	cts := 0
	for _, c := range rec.Manifest.Contests {
		cts += 64 * len(c.Options)
	}
	R := int(rec.Manifest.Contests[0].OptionLimit)
	firstV := header + creds + cts + (R+1)*64 + R*32
	nonCanonical := bytes.Clone(raw)
	for i := len(raw) - 32; i < len(raw); i++ {
		nonCanonical[i] = 0xff
	}
	cases := []ballotCase{
		judge("valid", raw, nil),
		judge("credential-byte-flipped", flip(header+credential.Size(rec.IssuerKeys[0])-1), nil),
		judge("range-proof-v0-flipped", flip(firstV), nil),
		judge("signature-s-flipped", flip(len(raw)-32), nil),
		judge("signature-s-not-canonical", nonCanonical, nil),
	}
	sp := rec.Spoiled[0]
	cases = append(cases, judge("spoiled-with-reveal", sp.Ballot, sp.Reveal))
	wrong := &ballot.Reveal{Choices: [][]uint32{append([]uint32(nil), sp.Reveal.Choices[0]...)}, R: sp.Reveal.R}
	wrong.Choices[0][0] ^= 1
	cases = append(cases, judge("spoiled-with-wrong-reveal", sp.Ballot, wrong))
	want := []ballotCase{
		{Decodes: true, Credentials: true, Signature: true, Proofs: true},
		{Decodes: true, Credentials: false, Signature: false, Proofs: true},
		{Decodes: true, Credentials: true, Signature: false, Proofs: false},
		{Decodes: true, Credentials: true, Signature: false, Proofs: true},
		{},
	}
	for i, w := range want {
		c := cases[i]
		if c.Decodes != w.Decodes || c.Credentials != w.Credentials || c.Signature != w.Signature || c.Proofs != w.Proofs {
			t.Errorf("ballot case %s: decodes %v credentials %v signature %v proofs %v", c.Name, c.Decodes, c.Credentials, c.Signature, c.Proofs)
		}
	}
	if !*cases[5].Spoiled || *cases[6].Spoiled {
		t.Errorf("spoiled cases: valid reveal %v, wrong reveal %v", *cases[5].Spoiled, *cases[6].Spoiled)
	}
	return map[string]any{
		"election_id":   hex.EncodeToString(rec.Manifest.ElectionID[:]),
		"manifest":      hex.EncodeToString(rec.Manifest.Encode()),
		"manifest_hash": hex.EncodeToString(mh[:]),
		"joint_key":     hex.EncodeToString(enc(rec.JointKey)),
		"issuer_keys":   keys,
		"ballot_size":   e.Size(),
		"cases":         cases,
	}
}

// ---- decryption shares ----

func shareVectors(t *testing.T, rec *record.Record) any {
	p := rec.Params()
	var alphas, betas []*ristretto255.Element
	var alphaHex, betaHex []string
	for _, c := range rec.Aggregate {
		for _, ct := range c {
			alphas, betas = append(alphas, ct.Alpha), append(betas, ct.Beta)
			alphaHex, betaHex = append(alphaHex, hex.EncodeToString(enc(ct.Alpha))), append(betaHex, hex.EncodeToString(enc(ct.Beta)))
		}
	}
	type shareCase struct {
		Name        string `json:"name"`
		Trustee     int    `json:"trustee"`
		PublicShare string `json:"public_share"`
		Share       string `json:"share"` // for each ciphertext D ‖ a ‖ b ‖ v
		Valid       bool   `json:"valid"`
	}
	var cases []shareCase
	for _, s := range rec.Decryptions {
		X := rec.PublicShares[s.Trustee-1]
		cases = append(cases, shareCase{fmt.Sprintf("trustee-%d", s.Trustee), s.Trustee, hex.EncodeToString(enc(X)),
			hex.EncodeToString(ceremony.EncodeShare(s)), ceremony.VerifyShare(p, X, alphas, s) == nil})
	}
	// A valid share claimed by another trustee: the transcript and X differ.
	s := rec.Decryptions[0]
	other := s.Trustee%p.N + 1
	moved := &ceremony.DecryptionShare{Trustee: other, D: s.D, Proofs: s.Proofs}
	X := rec.PublicShares[other-1]
	cases = append(cases, shareCase{"share-of-another-trustee", other, hex.EncodeToString(enc(X)),
		hex.EncodeToString(ceremony.EncodeShare(moved)), ceremony.VerifyShare(p, X, alphas, moved) == nil})
	for i, c := range cases {
		if c.Valid != (i < len(rec.Decryptions)) {
			t.Errorf("share case %s: valid %v", c.Name, c.Valid)
		}
	}
	// The combination of the k smallest trustees.
	var set []int
	var shares []*ceremony.DecryptionShare
	for _, s := range rec.Decryptions[:p.K] {
		set = append(set, s.Trustee)
		shares = append(shares, s)
	}
	Ms, used, err := ceremony.Combine(p, betas, shares)
	if err != nil {
		t.Fatal(err)
	}
	var lagrange, mHex []string
	for _, l := range used {
		lagrange = append(lagrange, hex.EncodeToString(encS(ceremony.Lagrange(used, l))))
	}
	k := 0
	for i, c := range rec.Results {
		for j, r := range c {
			mHex = append(mHex, hex.EncodeToString(enc(Ms[k])))
			if group.BaseMult(group.ScalarFromUint64(r)).Equal(Ms[k]) != 1 {
				t.Errorf("contest %d option %d: g^result is not the combined M", i, j)
			}
			k++
		}
	}
	return map[string]any{
		"election_id":  hex.EncodeToString(p.ElectionID[:]),
		"n":            p.N,
		"k":            p.K,
		"alphas":       alphaHex,
		"betas":        betaHex,
		"cases":        cases,
		"combined_set": used,
		"lagrange":     lagrange,
		"combined_M":   mHex,
		"results":      rec.Results,
	}
}

// ---- credentials and credential requests ----

func credentialVectors(t *testing.T, rec *record.Record) any {
	eid := rec.Manifest.ElectionID
	e, _ := ballot.NewElection(rec.Manifest, rec.JointKey, rec.IssuerKeys)
	b0, err := ballot.Decode(e, rec.Cast[0])
	if err != nil {
		t.Fatal(err)
	}
	var b1 *ballot.Ballot
	for _, raw := range rec.Cast[1:] {
		if b, err := ballot.Decode(e, raw); err == nil && b.OneTimeKeyBytes() != b0.OneTimeKeyBytes() {
			b1 = b
			break
		}
	}
	type credCase struct {
		Name       string `json:"name"`
		Issuer     int    `json:"issuer"`
		OneTimeKey string `json:"one_time_key"`
		Message    string `json:"message"` // what the issuer signed
		Credential string `json:"credential"`
		Valid      bool   `json:"valid"`
	}
	judge := func(name string, i int, otk [32]byte, cred []byte) credCase {
		return credCase{name, i, hex.EncodeToString(otk[:]), hex.EncodeToString(credential.Message(eid, otk[:])),
			hex.EncodeToString(cred), credential.Verify(rec.IssuerKeys[i], eid, otk[:], cred) == nil}
	}
	var creds []credCase
	for i := range rec.IssuerKeys {
		creds = append(creds, judge(fmt.Sprintf("issuer-%d", i), i, b0.OneTimeKeyBytes(), b0.Credentials[i]))
	}
	flipped := bytes.Clone(b0.Credentials[0])
	flipped[len(flipped)-1] ^= 1
	creds = append(creds, judge("byte-flipped", 0, b0.OneTimeKeyBytes(), flipped))
	creds = append(creds, judge("another-voters-one-time-key", 0, b1.OneTimeKeyBytes(), b0.Credentials[0]))
	for i, c := range creds {
		if c.Valid != (i < len(rec.IssuerKeys)) {
			t.Errorf("credential case %s: valid %v", c.Name, c.Valid)
		}
	}

	type reqCase struct {
		Name      string `json:"name"`
		Issuer    int    `json:"issuer"`
		Member    string `json:"member"`
		Blinded   string `json:"blinded"`
		Digest    string `json:"digest"` // what the member signs
		Signature string `json:"signature"`
		Valid     bool   `json:"valid"`
	}
	reqJudge := func(name string, i int, en record.IssuanceEntry) reqCase {
		// The digest from the spec, by hand: str domain ‖ election_id ‖
		// u32 i ‖ bytes member ‖ bytes blinded.
		var m []byte
		dom := "pnyx/election/credential-request/v1"
		m = binary.BigEndian.AppendUint32(m, uint32(len(dom)))
		m = append(m, dom...)
		m = append(m, eid[:]...)
		m = binary.BigEndian.AppendUint32(m, uint32(i))
		m = binary.BigEndian.AppendUint32(m, uint32(len(en.Member)))
		m = append(m, en.Member...)
		m = binary.BigEndian.AppendUint32(m, uint32(len(en.Blinded)))
		m = append(m, en.Blinded...)
		d := sha256.Sum256(m)
		req := &credential.Request{ElectionID: eid, Issuer: uint32(i), Member: en.Member, Blinded: en.Blinded, Signature: en.Signature}
		if !bytes.Equal(req.Digest(), d[:]) {
			t.Errorf("request %s: the code's digest differs from the spec's", name)
		}
		valid := req.Check(rec.IssuerKeys[i]) == nil
		if valid != ed25519.Verify(en.Member, d[:], en.Signature) {
			t.Errorf("request %s: the code and Ed25519 over the spec's digest disagree", name)
		}
		return reqCase{name, i, hex.EncodeToString(en.Member), hex.EncodeToString(en.Blinded), hex.EncodeToString(d[:]),
			hex.EncodeToString(en.Signature), valid}
	}
	en := rec.IssuanceLogs[0][0]
	reqs := []reqCase{reqJudge("issuer-0-request-0", 0, en)}
	bad := en
	bad.Blinded = bytes.Clone(en.Blinded)
	bad.Blinded[0] ^= 1
	reqs = append(reqs, reqJudge("blinded-byte-flipped", 0, bad))
	other := en
	other.Member = rec.IssuanceLogs[0][1].Member
	reqs = append(reqs, reqJudge("signed-by-another-member", 0, other))
	if !reqs[0].Valid || reqs[1].Valid || reqs[2].Valid {
		t.Errorf("request cases: %v %v %v", reqs[0].Valid, reqs[1].Valid, reqs[2].Valid)
	}
	var keys []string
	for _, k := range rec.IssuerKeys {
		keys = append(keys, hex.EncodeToString(credential.EncodeKey(k)))
	}
	return map[string]any{
		"election_id": hex.EncodeToString(eid[:]),
		"issuer_keys": keys,
		"credentials": creds,
		"requests":    reqs,
	}
}

// summary is the sample record's headline values, for a verifier author
// to compare against before the checks.
func summary(rec *record.Record) any {
	complaints := []map[string]int{}
	for _, c := range rec.Complaints {
		complaints = append(complaints, map[string]int{"accuser": c.Accuser, "dealer": c.Dealer})
	}
	return map[string]any{
		"file":          "sample-record.bin",
		"election_id":   hex.EncodeToString(rec.Manifest.ElectionID[:]),
		"ceremony_hash": hex.EncodeToString(rec.CeremonyHash()),
		"n":             rec.N,
		"k":             rec.K,
		"complaints":    complaints,
		"qualified":     rec.Qualified,
		"joint_key":     hex.EncodeToString(enc(rec.JointKey)),
		"cast":          len(rec.Cast),
		"spoiled":       len(rec.Spoiled),
		"counted":       rec.Counted,
		"results":       rec.Results,
	}
}
