package group

import (
	"bytes"
	"testing"
)

// Decoders must never panic, and whatever they accept must re-encode to
// the same bytes (canonical encodings only).
func FuzzDecodeElement(f *testing.F) {
	f.Add(Generator().Bytes())
	f.Add(make([]byte, 32))
	f.Add(bytes.Repeat([]byte{0xff}, 32))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeElement(b)
		if err != nil {
			return
		}
		if !bytes.Equal(e.Bytes(), b) {
			t.Fatalf("accepted non-canonical %x", b)
		}
	})
}

func FuzzDecodeScalar(f *testing.F) {
	f.Add(ScalarFromUint64(7).Bytes())
	f.Add(bytes.Repeat([]byte{0xff}, 32))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeScalar(b)
		if err != nil {
			return
		}
		if !bytes.Equal(s.Bytes(), b) {
			t.Fatalf("accepted non-canonical %x", b)
		}
	})
}

func FuzzReader(f *testing.F) {
	w := &Writer{}
	w.Uint32(3)
	w.Bytes([]byte("abc"))
	w.Element(Generator())
	w.Scalar(ScalarFromUint64(1))
	f.Add(w.Buf)
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(b)
		r.Uint32("a")
		r.Bytes("b", 64)
		r.Element("c")
		ReadSchnorr(r, "d")
		ReadDLEQ(r, "e")
		_ = r.Finish()
	})
}
