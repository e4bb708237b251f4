package ballot

import (
	"bytes"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/election/group"
)

var updateOpening = flag.Bool("update-opening", false, "rewrite testdata/election/openings.json")

const openingVectors = "../../testdata/election/openings.json"

// openingFixture is a fully deterministic election and ballot: the
// credentials are zero bytes, since neither an encryption nor its opening
// depends on them.
func openingFixture(t testing.TB) (*Election, *Ballot, *Reveal, *seeded) {
	iss := testIssuers(t, 1)
	m := &Manifest{Title: "opening vectors", Contests: []Contest{
		{Title: "Chair", SelectionLimit: 1, OptionLimit: 1, Options: []string{"Kim", "Lee", "Park"}},
		{Title: "Council", SelectionLimit: 2, OptionLimit: 1, Options: []string{"Choi", "Jung", "Kang"}},
	}}
	copy(m.ElectionID[:], "pnyx opening test vector election")
	r := newSeeded(42)
	K := group.BaseMult(group.MustRandomScalar(r))
	e, err := NewElection(m, K, []*rsa.PublicKey{iss[0].PublicKey()})
	if err != nil {
		t.Fatal(err)
	}
	key, err := NewOneTimeKey(r)
	if err != nil {
		t.Fatal(err)
	}
	creds := [][]byte{make([]byte, 256)}
	b, rv, err := Encrypt(r, e, key, creds, [][]uint32{{0, 1, 0}, {1, 0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	return e, b, rv, r
}

type openingVector struct {
	Name  string `json:"name"`
	Hex   string `json:"opening"`
	Error string `json:"error,omitempty"` // empty: valid
}

type openingFile struct {
	About       string          `json:"about"`
	ElectionID  string          `json:"election_id"`
	JointKey    string          `json:"joint_key"`
	Code        string          `json:"encryption_code"`
	ShortCode   string          `json:"short_code"`
	Choices     [][]uint32      `json:"choices"`
	Ciphertexts string          `json:"ciphertexts"`
	Openings    []openingVector `json:"openings"`
}

// TestOpeningVectors checks that a challenged encryption opens under a
// throwaway key, with the code the voter was shown before deciding, and
// that the checked-in vectors (valid and broken openings, each with the
// reason it fails) are reproduced byte for byte and judged the same.
func TestOpeningVectors(t *testing.T) {
	e, b, rv, r := openingFixture(t)
	o, err := NewOpening(r, e, b, rv)
	if err != nil {
		t.Fatal(err)
	}
	if o.Code() != EncryptionCode(e, b) {
		t.Fatal("the opening's code is not the code the voter was shown")
	}
	// Nothing of the voter's one-time key or credentials is in it.
	otk := b.OneTimeKeyBytes()
	if bytes.Contains(o.Bytes(), otk[:]) || bytes.Contains(o.Bytes(), b.Credentials[0][:64]) {
		t.Fatal("the opening carries the voter's one-time key or credential")
	}
	var tk [32]byte
	o.ThrowawayKey.Encode(tk[:0])
	if tk == otk {
		t.Fatal("the throwaway key is the one-time key")
	}
	good := o.Bytes()
	flip := func(off int) []byte {
		c := bytes.Clone(good)
		c[off] ^= 1
		return c
	}
	manLen := 8 + 4 + len(e.Manifest.Encode())
	first := manLen + 64 // first alpha
	vecs := []openingVector{
		{Name: "valid", Hex: hex.EncodeToString(good)},
		{Name: "bad magic", Hex: hex.EncodeToString(flip(0)), Error: "magic"},
		{Name: "other joint key", Hex: hex.EncodeToString(append(append(append([]byte{}, good[:manLen]...), group.BaseMult(group.ScalarFromUint64(7)).Encode(nil)...), good[manLen+32:]...)), Error: "not the encryption of its revealed choice"},
		{Name: "choice changed", Hex: hex.EncodeToString(flip(first + 100 + 64 + 3)), Error: "not the encryption of its revealed choice"},
		{Name: "choice over the limit", Hex: hex.EncodeToString(withChoice(good, first, 2)), Error: "exceed"},
		{Name: "signature", Hex: hex.EncodeToString(flip(len(good) - 1)), Error: "signature"},
		{Name: "trailing byte", Hex: hex.EncodeToString(append(bytes.Clone(good), 0)), Error: "trailing"},
		{Name: "truncated", Hex: hex.EncodeToString(good[:len(good)-1]), Error: "opening does not verify"},
	}
	for _, v := range vecs {
		raw, _ := hex.DecodeString(v.Hex)
		_, err := VerifyOpening(raw)
		switch {
		case v.Error == "" && err != nil:
			t.Errorf("%s: %v", v.Name, err)
		case v.Error != "" && (err == nil || !errors.Is(err, ErrOpening) || !strings.Contains(err.Error(), v.Error)):
			t.Errorf("%s: got %v, want an error saying %q", v.Name, err, v.Error)
		}
	}
	code := o.Code()
	f := openingFile{
		About:       "Openings of a challenged encryption (docs/election-record.md, \"Openings\"); each is valid or fails with the error given",
		ElectionID:  hex.EncodeToString(e.Manifest.ElectionID[:]),
		JointKey:    hex.EncodeToString(e.jointKey[:]),
		Code:        hex.EncodeToString(code[:]),
		ShortCode:   CodeString(code),
		Choices:     rv.Choices,
		Ciphertexts: hex.EncodeToString(b.SelectionBytes()),
		Openings:    vecs,
	}
	out, _ := json.MarshalIndent(f, "", "  ")
	out = append(out, '\n')
	if *updateOpening {
		if err := os.WriteFile(openingVectors, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(openingVectors)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, out) {
		t.Fatalf("the code no longer reproduces %s (run with -update-opening only for an intended format change)", openingVectors)
	}
}

func withChoice(good []byte, first int, v byte) []byte {
	c := bytes.Clone(good)
	c[first+64+3] = v
	return c
}
