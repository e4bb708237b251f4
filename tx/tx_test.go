package tx

import (
	"bytes"
	"crypto/ed25519"
	"testing"

	"github.com/pnyx-party/pnyx/codes"
)

func testEnvelope() *Envelope {
	e := &Envelope{ChainID: "pnyx-1", Type: "token/burn", Nonce: 7}
	e.SetBody(struct {
		Amount uint64 `json:"amount"`
	}{5})
	e.Sign(ed25519.NewKeyFromSeed(make([]byte, 32)))
	return e
}

func TestRoundTrip(t *testing.T) {
	e := testEnvelope()
	raw := e.Encode()
	d, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if d.ChainID != e.ChainID || d.Type != e.Type || !bytes.Equal(d.Body, e.Body) || d.Nonce != 7 || !bytes.Equal(d.Signer, e.Signer) {
		t.Fatalf("decoded %+v", d)
	}
	if err := d.VerifySignature(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Encode(), raw) {
		t.Fatal("re-encoding differs")
	}
}

// The signature covers every field: changing any one breaks it.
func TestSignatureCoversEveryField(t *testing.T) {
	for name, mutate := range map[string]func(*Envelope){
		"chain": func(e *Envelope) { e.ChainID = "pnyx-2" },
		"type":  func(e *Envelope) { e.Type = "token/transfer" },
		"body":  func(e *Envelope) { e.Body = []byte(`{"amount":6}`) },
		"nonce": func(e *Envelope) { e.Nonce++ },
	} {
		e := testEnvelope()
		mutate(e)
		if codes.Of(e.VerifySignature()) != codes.BadSignature {
			t.Errorf("%s: mutation still verifies", name)
		}
	}
}

func TestDecodeBodyIsCanonical(t *testing.T) {
	type body struct {
		A string `json:"a"`
		B int    `json:"b"`
	}
	var v body
	if err := DecodeBody([]byte(`{"a":"x","b":1}`), &v); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{"b":1,"a":"x"}`, `{"a":"x","b":1} `, `{"a":"x","b":1,"c":2}`, `{"a":"\u0078","b":1}`, `{"a":"x","b":1.0}`, `[]`, ``} {
		if codes.Of(DecodeBody([]byte(bad), &v)) != codes.Malformed {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzDecode: Decode never panics, and whatever it accepts re-encodes to the
// same bytes, so no transaction has two encodings.
func FuzzDecode(f *testing.F) {
	f.Add(testEnvelope().Encode())
	f.Add([]byte{1, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := Decode(raw)
		if err != nil {
			if c := codes.Of(err); c != codes.Malformed && c != codes.TooLarge {
				t.Fatalf("decode error with code %s", c)
			}
			return
		}
		if !bytes.Equal(e.Encode(), raw) {
			t.Fatalf("accepted a non-canonical encoding")
		}
	})
}
