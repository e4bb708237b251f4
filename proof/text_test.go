package proof

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"errors"
	"testing"
)

func packText(t *testing.T, prefix string, json []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.DefaultCompression)
	w.Write(json)
	w.Close()
	return []byte(prefix + base64.RawURLEncoding.EncodeToString(b.Bytes()))
}

// TestDecodeTextRefusesWhatIsNotAProof: a QR text that is not base64url,
// does not inflate, or is compact but carries a header gets ErrFormat; a
// proof's plain JSON still reads as a whole proof.
func TestDecodeTextRefusesWhatIsNotAProof(t *testing.T) {
	for name, text := range map[string][]byte{
		"not base64url":      []byte(TextWhole + "!!!"),
		"not deflated":       []byte(TextCompact + base64.RawURLEncoding.EncodeToString([]byte("plain"))),
		"compact, headered":  packText(t, TextCompact, []byte(`{"format":"1","chain_id":"c","state_version":"3","entries":[],"signed_header":{}}`)),
		"compact, validated": packText(t, TextCompact, []byte(`{"format":"1","chain_id":"c","state_version":"3","entries":[],"validators":{}}`)),
	} {
		if _, _, err := DecodeText(text); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v, want ErrFormat", name, err)
		}
	}
	p, compact, err := DecodeText([]byte(` {"format":"1","chain_id":"c","state_version":"3","entries":[]}` + "\n"))
	if err != nil || compact || p.ChainID != "c" || p.StateVersion != 3 {
		t.Fatalf("plain JSON: %+v, compact %v, %v", p, compact, err)
	}
	short, compact, err := DecodeText(packText(t, TextCompact, []byte(`{"format":"1","chain_id":"c","state_version":"3","entries":[]}`)))
	if err != nil || !compact || AnchorHeight(short) != 4 {
		t.Fatalf("compact: %+v, compact %v, %v", short, compact, err)
	}
	for name, anchor := range map[string]*StateProof{
		"another chain": {Format: 1, ChainID: "d", StateVersion: 3},
		"another state": {Format: 1, ChainID: "c", StateVersion: 4},
	} {
		if _, err := Complete(short, anchor); !errors.Is(err, ErrFormat) {
			t.Errorf("anchor of %s: %v, want ErrFormat", name, err)
		}
	}
}
