package proof

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// A proof travels as text in a QR code (the member card; the portal's
// web/src/lib/proofcode.ts writes it, testdata/proof/qr-texts.json holds
// both sides to one reading):
//
//	"pnyx-proof:1:" + base64url(deflate-raw(JSON))   a whole StateProof
//	"pnyx-proof:2:" + base64url(deflate-raw(JSON))   a compact one
//
// A compact proof has only format, chain_id, state_version and entries: on
// a chain of many validators the signed header and the validator set do
// not fit in one QR code. Complete adds them from an anchor, which any node
// serves at GET /v1/anchors/{state_version+1}; the result is checked by
// Verify like any proof, so the anchor's source need not be trusted.
const (
	TextWhole   = "pnyx-proof:1:"
	TextCompact = "pnyx-proof:2:"
)

// maxText bounds what DecodeText inflates: a QR code holds under 3 kB, a
// proof file with many entries a few hundred kB.
const maxText = 16 << 20

// DecodeText reads a proof from a QR text of either form, or from a proof's
// JSON. compact reports a compact proof, which needs Complete before Verify.
func DecodeText(text []byte) (p *StateProof, compact bool, err error) {
	t := bytes.TrimSpace(text)
	for _, prefix := range []string{TextWhole, TextCompact} {
		if !bytes.HasPrefix(t, []byte(prefix)) {
			continue
		}
		packed, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(string(t[len(prefix):]), "="))
		if err != nil {
			return nil, false, fmt.Errorf("%w: %s text: %v", ErrFormat, prefix, err)
		}
		raw, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(packed)), maxText))
		if err != nil {
			return nil, false, fmt.Errorf("%w: %s text: %v", ErrFormat, prefix, err)
		}
		if p, err = Unmarshal(raw); err != nil {
			return nil, false, err
		}
		if prefix == TextCompact && (p.Header != nil || p.Validators != nil || p.Handoffs != nil) {
			return nil, false, fmt.Errorf("%w: a compact proof carries entries only", ErrFormat)
		}
		return p, prefix == TextCompact, nil
	}
	p, err = Unmarshal(t)
	return p, false, err
}

// AnchorHeight is the height of the header a compact proof needs: the one
// right after its state.
func AnchorHeight(compact *StateProof) int64 { return compact.StateVersion + 1 }

// Complete returns compact's entries under anchor's signed header,
// validator set and handoffs. The anchor must be of the same chain and
// state; whether its header commits to the entries is Verify's to judge.
func Complete(compact, anchor *StateProof) (*StateProof, error) {
	if anchor == nil || anchor.ChainID != compact.ChainID || anchor.StateVersion != compact.StateVersion {
		return nil, fmt.Errorf("%w: the anchor is of another chain or state", ErrFormat)
	}
	whole := *anchor
	whole.Format, whole.Entries = compact.Format, compact.Entries
	return &whole, nil
}
