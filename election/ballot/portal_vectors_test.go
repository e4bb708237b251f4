package ballot_test

// The ballot has two implementations: this package, and the member
// portal's TypeScript (web/src/lib/election). Neither is the reference:
// testdata/ballot holds the vectors.
//
//   - go-vectors.json is written here (-update): ballots made with a fixed
//     random stream, which web/test/ballot.test.ts must reproduce byte for
//     byte, and the issuer keys (private halves included: they are test keys)
//     the TypeScript test blind-signs with.
//   - ts-vectors.json is written by the TypeScript test (UPDATE=1): its
//     ballots, credentials and credential requests, which this test must
//     accept with the verifier the chain runs.
//
//	go test ./election/ballot -run TestPortalVectors -update

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/election/group"
)

var updatePortal = flag.Bool("update", false, "rewrite testdata/ballot/go-vectors.json")

const portalDir = "../../testdata/ballot/"

// stream is the vectors' random source: SHA-512(seed ‖ u64 counter) blocks,
// big-endian counter from 0, concatenated. The TypeScript test has the same.
type stream struct {
	seed []byte
	ctr  uint64
	buf  []byte
}

func (s *stream) Read(p []byte) (int, error) {
	for len(s.buf) < len(p) {
		var c [8]byte
		binary.BigEndian.PutUint64(c[:], s.ctr)
		s.ctr++
		h := sha512.Sum512(append(append([]byte(nil), s.seed...), c[:]...))
		s.buf = append(s.buf, h[:]...)
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

type portalIssuer struct {
	PrivateKey string `json:"private_key"` // hex PKCS#8 DER (a test key)
	PublicKey  string `json:"public_key"`  // hex PKIX DER, as on chain
	N          string `json:"n"`           // hex modulus
	D          string `json:"d"`           // hex private exponent, for the TS test's blind signing
}

type portalBallot struct {
	Name          string     `json:"name"`
	Manifest      string     `json:"manifest"`  // hex of the manifest encoding
	JointKey      string     `json:"joint_key"` // hex
	Issuers       []int      `json:"issuers"`   // indices into issuers
	OneTimeSecret string     `json:"one_time_secret,omitempty"`
	Credentials   []string   `json:"credentials"`
	Choices       [][]uint32 `json:"choices"`
	RandSeed      string     `json:"rand_seed,omitempty"` // hex; the stream above
	Ballot        string     `json:"ballot"`              // hex
	Tracking      string     `json:"tracking"`            // hex SHA-256
	TrackingShort string     `json:"tracking_short"`
	Reveal        string     `json:"reveal"` // hex of EncodeReveal
}

type portalRequest struct {
	ElectionID string `json:"election_id"`
	Issuer     int    `json:"issuer"`
	Member     string `json:"member"` // hex Ed25519 public key
	Blinded    string `json:"blinded"`
	Signature  string `json:"signature"`
}

type portalCredential struct {
	ElectionID string `json:"election_id"`
	Issuer     int    `json:"issuer"`
	OneTimeKey string `json:"one_time_key"`
	Credential string `json:"credential"`
}

type portalFile struct {
	Comment     string             `json:"comment"`
	Issuers     []portalIssuer     `json:"issuers,omitempty"`
	Ballots     []portalBallot     `json:"ballots"`
	Requests    []portalRequest    `json:"requests,omitempty"`
	Credentials []portalCredential `json:"credentials,omitempty"`
	Openings    []portalOpening    `json:"openings,omitempty"`
}

// portalOpening is the booth's challenge of ts-vectors.json's ballot number
// Ballot: its opening and the encryption code the booth showed.
type portalOpening struct {
	Ballot  int    `json:"ballot"`
	Opening string `json:"opening"`
	Code    string `json:"encryption_code"`
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func portalManifests() []*ballot.Manifest {
	var id1, id2 [32]byte
	copy(id1[:], bytes.Repeat([]byte{0x11}, 32))
	copy(id2[:], bytes.Repeat([]byte{0x22}, 32))
	return []*ballot.Manifest{
		{ElectionID: id1, Title: "2026 서울시당 대의원 선거", Contests: []ballot.Contest{
			{Title: "시당위원장", SelectionLimit: 1, OptionLimit: 1, Options: []string{"김민지", "이서준", "박하늘"}},
			{Title: "Council", SelectionLimit: 2, OptionLimit: 1, Options: []string{"Choi", "Jung", "Kang", "Yoon"}},
		}},
		{ElectionID: id2, Title: "Budget priorities (cumulative)", Contests: []ballot.Contest{
			{Title: "Spread 3 points", SelectionLimit: 3, OptionLimit: 2, Options: []string{"Housing", "Transit", "Care"}},
		}},
	}
}

func issuerKeys(t *testing.T, iss []portalIssuer) ([]*rsa.PrivateKey, []*rsa.PublicKey) {
	var sks []*rsa.PrivateKey
	var pks []*rsa.PublicKey
	for _, is := range iss {
		k, err := x509.ParsePKCS8PrivateKey(mustHex(t, is.PrivateKey))
		if err != nil {
			t.Fatal(err)
		}
		sk := k.(*rsa.PrivateKey)
		if hex.EncodeToString(credential.EncodeKey(&sk.PublicKey)) != is.PublicKey {
			t.Fatal("issuer public key does not match its private key")
		}
		sks, pks = append(sks, sk), append(pks, &sk.PublicKey)
	}
	return sks, pks
}

func TestPortalVectors(t *testing.T) {
	var f portalFile
	if *updatePortal {
		f.Comment = "Written by go test ./election/ballot -run TestPortalVectors -update; reproduced by web/test/ballot.test.ts. Test keys only."
		for range 2 {
			sk, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				t.Fatal(err)
			}
			der, _ := x509.MarshalPKCS8PrivateKey(sk)
			f.Issuers = append(f.Issuers, portalIssuer{PrivateKey: hex.EncodeToString(der), PublicKey: hex.EncodeToString(credential.EncodeKey(&sk.PublicKey)),
				N: sk.N.Text(16), D: sk.D.Text(16)})
		}
		sks, pks := issuerKeys(t, f.Issuers)
		ms := portalManifests()
		cases := []struct {
			name    string
			m       int
			issuers []int
			choices [][]uint32
		}{
			{"two contests, two issuers", 0, []int{0, 1}, [][]uint32{{0, 1, 0}, {1, 0, 0, 1}}},
			{"two contests, blank second", 0, []int{0}, [][]uint32{{1, 0, 0}, {0, 0, 0, 0}}},
			{"cumulative, option limit 2", 1, []int{1}, [][]uint32{{2, 0, 1}}},
		}
		for n, c := range cases {
			m := ms[c.m]
			jx := group.ScalarFromUint64(uint64(1000 + n))
			var jk [32]byte
			group.BaseMult(jx).Encode(jk[:0])
			var epks []*rsa.PublicKey
			for _, i := range c.issuers {
				epks = append(epks, pks[i])
			}
			e, err := ballot.NewElection(m, group.BaseMult(jx), epks)
			if err != nil {
				t.Fatal(err)
			}
			key, _ := ballot.NewOneTimeKey(&stream{seed: []byte{byte(n), 'k'}})
			var creds [][]byte
			var credHex []string
			for _, i := range c.issuers {
				is, _ := credential.NewIssuer(sks[i])
				cr, err := is.SignDirect(&stream{seed: []byte{byte(n), 'c', byte(i)}}, m.ElectionID, key.Bytes[:])
				if err != nil {
					t.Fatal(err)
				}
				creds, credHex = append(creds, cr), append(credHex, hex.EncodeToString(cr))
			}
			seed := []byte{byte(n), 'r', 'a', 'n', 'd'}
			b, rv, err := ballot.Encrypt(&stream{seed: seed}, e, key, creds, c.choices)
			if err != nil {
				t.Fatal(err)
			}
			tc := b.TrackingCode()
			f.Ballots = append(f.Ballots, portalBallot{Name: c.name, Manifest: hex.EncodeToString(m.Encode()), JointKey: hex.EncodeToString(jk[:]),
				Issuers: c.issuers, OneTimeSecret: hex.EncodeToString(key.Secret.Encode(nil)), Credentials: credHex, Choices: c.choices,
				RandSeed: hex.EncodeToString(seed), Ballot: hex.EncodeToString(b.Bytes()), Tracking: hex.EncodeToString(tc[:]),
				TrackingShort: b.TrackingString(), Reveal: hex.EncodeToString(ballot.EncodeReveal(rv))})
		}
		out, _ := json.MarshalIndent(f, "", "  ")
		if err := os.WriteFile(portalDir+"go-vectors.json", append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(portalDir + "go-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	_, pks := issuerKeys(t, f.Issuers)
	// Go reproduces its own vectors (so a change to the ballot code shows
	// here first), and every one verifies.
	for _, v := range f.Ballots {
		e, b := checkPortalBallot(t, v, pks)
		if v.RandSeed == "" {
			continue
		}
		sec, _ := group.DecodeScalar(mustHex(t, v.OneTimeSecret))
		key := &ballot.OneTimeKey{Secret: sec, Public: group.BaseMult(sec)}
		key.Public.Encode(key.Bytes[:0])
		var creds [][]byte
		for _, c := range v.Credentials {
			creds = append(creds, mustHex(t, c))
		}
		again, _, err := ballot.Encrypt(&stream{seed: mustHex(t, v.RandSeed)}, e, key, creds, v.Choices)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), b.Bytes()) {
			t.Errorf("%s: Go no longer makes the same ballot from the same randomness", v.Name)
		}
	}

	// The TypeScript side's output, accepted by the chain's verifier.
	rawTS, err := os.ReadFile(portalDir + "ts-vectors.json")
	if err != nil {
		t.Fatalf("%v (run UPDATE=1 npx vitest run in web/)", err)
	}
	var ts portalFile
	if err := json.Unmarshal(rawTS, &ts); err != nil {
		t.Fatal(err)
	}
	if len(ts.Ballots) == 0 || len(ts.Requests) == 0 || len(ts.Credentials) == 0 {
		t.Fatal("ts-vectors.json lacks ballots, requests or credentials")
	}
	var tsBallots []*ballot.Ballot
	var tsElections []*ballot.Election
	for _, v := range ts.Ballots {
		e, b := checkPortalBallot(t, v, pks)
		tsElections, tsBallots = append(tsElections, e), append(tsBallots, b)
	}
	// The booth's openings: Go's VerifyOpening accepts them, with the code
	// the booth showed (Go's EncryptionCode of the ballot) and its choices.
	if len(ts.Openings) == 0 {
		t.Fatal("ts-vectors.json lacks openings")
	}
	for _, o := range ts.Openings {
		op, err := ballot.VerifyOpening(mustHex(t, o.Opening))
		if err != nil {
			t.Errorf("TypeScript opening of ballot %d: %v", o.Ballot, err)
			continue
		}
		code := ballot.EncryptionCode(tsElections[o.Ballot], tsBallots[o.Ballot])
		if hex.EncodeToString(code[:]) != o.Code || op.Code() != code {
			t.Errorf("TypeScript opening of ballot %d: code %x, the booth showed %s, Go computes %x", o.Ballot, op.Code(), o.Code, code)
		}
		if fmt.Sprint(op.Reveal.Choices) != fmt.Sprint(ts.Ballots[o.Ballot].Choices) {
			t.Errorf("TypeScript opening of ballot %d opens to %v, not %v", o.Ballot, op.Reveal.Choices, ts.Ballots[o.Ballot].Choices)
		}
	}
	for _, r := range ts.Requests {
		req := &credential.Request{Issuer: uint32(r.Issuer), Member: ed25519.PublicKey(mustHex(t, r.Member)), Blinded: mustHex(t, r.Blinded), Signature: mustHex(t, r.Signature)}
		copy(req.ElectionID[:], mustHex(t, r.ElectionID))
		if err := req.Check(pks[r.Issuer]); err != nil {
			t.Errorf("TypeScript credential request to issuer %d: %v", r.Issuer, err)
		}
	}
	for _, c := range ts.Credentials {
		var eid [32]byte
		copy(eid[:], mustHex(t, c.ElectionID))
		if err := credential.Verify(pks[c.Issuer], eid, mustHex(t, c.OneTimeKey), mustHex(t, c.Credential)); err != nil {
			t.Errorf("TypeScript unblinded credential of issuer %d: %v", c.Issuer, err)
		}
	}
}

// checkPortalBallot decodes and verifies v as the chain does, checks its
// tracking code and that its reveal opens it.
func checkPortalBallot(t *testing.T, v portalBallot, pks []*rsa.PublicKey) (*ballot.Election, *ballot.Ballot) {
	t.Helper()
	m, err := ballot.DecodeManifest(mustHex(t, v.Manifest))
	if err != nil {
		t.Fatal(err)
	}
	jk, err := group.DecodePublicKey(mustHex(t, v.JointKey))
	if err != nil {
		t.Fatal(err)
	}
	var epks []*rsa.PublicKey
	for _, i := range v.Issuers {
		epks = append(epks, pks[i])
	}
	e, err := ballot.NewElection(m, jk, epks)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ballot.Decode(e, mustHex(t, v.Ballot))
	if err != nil {
		t.Fatalf("%s: decode: %v", v.Name, err)
	}
	if err := ballot.Check(e, b); err != nil {
		t.Errorf("%s: %v", v.Name, err)
	}
	if err := ballot.VerifyProofsNaive(e, b); err != nil {
		t.Errorf("%s: %v", v.Name, err)
	}
	if fails := ballot.VerifyProofs(e, []*ballot.Ballot{b}, rand.Reader); len(fails) != 0 {
		t.Errorf("%s: batch verification failed", v.Name)
	}
	tc := b.TrackingCode()
	if hex.EncodeToString(tc[:]) != v.Tracking || b.TrackingString() != v.TrackingShort {
		t.Errorf("%s: tracking code %x / %s, vector %s / %s", v.Name, tc, b.TrackingString(), v.Tracking, v.TrackingShort)
	}
	rv := ballot.ReadReveal(group.NewReader(mustHex(t, v.Reveal)), m)
	if err := ballot.VerifySpoiled(e, b, rv); err != nil {
		t.Errorf("%s: reveal: %v", v.Name, err)
	}
	for i := range rv.Choices {
		for j := range rv.Choices[i] {
			if rv.Choices[i][j] != v.Choices[i][j] {
				t.Errorf("%s: reveal's choices %v, vector %v", v.Name, rv.Choices, v.Choices)
			}
		}
	}
	return e, b
}
