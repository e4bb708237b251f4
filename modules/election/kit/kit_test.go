package kit

import (
	"encoding/hex"
	"io"
	"testing"
)

// A voter's seed saved on its machine must keep giving the same one-time
// key and blinding streams whatever package the kit lives in: a member who
// requested credentials before an upgrade unblinds and votes after it. The
// values were computed by the kit while it was still in package election
// (commit 47159c2).
func TestSeedDerivationIsUnchanged(t *testing.T) {
	seed := [32]byte{'p', 'i', 'n'}
	v, err := NewVoter(seed)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(v.Key.Bytes[:]); got != "a4683f184ccd5ea36f79cc7a834fcc3ae7d8183e39a533282e07787862ba4c22" {
		t.Fatalf("one-time key from the pinned seed is %s", got)
	}
	b := make([]byte, 16)
	if _, err := io.ReadFull(Stream(seed, "request", 1), b); err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(b); got != "39b9a4f16db4b6c4e13a7e7afbe05326" {
		t.Fatalf("request stream 1 from the pinned seed is %s", got)
	}
}
