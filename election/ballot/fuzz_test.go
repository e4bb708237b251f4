package ballot

import (
	"bytes"
	"testing"

	"github.com/pnyx-party/pnyx/election/group"
)

func FuzzDecodeManifest(f *testing.F) {
	m := &Manifest{Title: "t", Contests: []Contest{{Title: "c", SelectionLimit: 1, OptionLimit: 1, Options: []string{"a", "b"}}}}
	f.Add(m.Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeManifest(b)
		if err != nil {
			return
		}
		if !bytes.Equal(m.Encode(), b) {
			t.Fatal("manifest decode/encode is not the identity")
		}
	})
}

// Any byte string of the right length that decodes must re-encode to
// itself; nothing may panic, including the checks run on what decodes.
func FuzzDecodeBallot(f *testing.F) {
	e := newFixture(f, 3, 1)
	good, _, _ := cast(f, e, newSeeded(7), [][]uint32{{1, 0, 0}, {1, 1, 0}})
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:40])
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Decode(e, b)
		if err != nil {
			return
		}
		body := d.encodeBody(e)
		w := &group.Writer{Buf: body}
		d.Signature.Encode(w)
		if !bytes.Equal(w.Buf, b) {
			t.Fatal("ballot decode/encode is not the identity")
		}
		_ = CheckSignature(e, d)
		_ = VerifyProofsNaive(e, d)
	})
}

func FuzzReadReveal(f *testing.F) {
	m := &Manifest{Contests: []Contest{{SelectionLimit: 1, OptionLimit: 1, Options: []string{"a", "b"}}}}
	f.Add(make([]byte, RevealSize(m)))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := group.NewReader(b)
		ReadReveal(r, m)
		_ = r.Finish()
	})
}
