package election

import (
	"bytes"
	"encoding/base64"
	"testing"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/tx"
)

// decodeBallotBody accepts exactly what tx.DecodeBody accepts.
func FuzzBallotBody(f *testing.F) {
	for _, s := range []string{`{"ballot":"AQID"}`, `{"ballot":""}`, `{"ballot":"AQ=="}`, `{ "ballot":"AQID"}`,
		`{"ballot":"AQID","x":1}`, `{"ballot":"\u0041"}`, `{"ballot":"a+/="}`, `{"ballot":"<"}`, `{"Ballot":"AQID"}`,
		`{"ballot":"AQID"} `, `{"ballot":"A\"B"}`, `{"ballot":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var want BallotBody
		werr := tx.DecodeBody(body, &want)
		got, gerr := decodeBallotBody(body)
		if (werr == nil) != (gerr == nil) || (werr == nil && got != want) {
			t.Fatalf("%q: DecodeBody %v %+v, decodeBallotBody %v %+v", body, werr, want, gerr, got)
		}
	})
}

// BallotBytes accepts exactly the base64 that re-encodes to itself: the
// one encoding per ballot that makes its tx hash unique.
func FuzzBallotBytes(f *testing.F) {
	for _, s := range []string{"", "AQID", "AQ==", "AR==", "AQ", "AQ=", "AQ\nID", "AQI\rD", "A Q==", "a+/=", "////", "AQID===="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw, err := BallotBytes(s)
		decoded, derr := base64.StdEncoding.DecodeString(s)
		canonical := derr == nil && base64.StdEncoding.EncodeToString(decoded) == s
		if (err == nil) != canonical || (err == nil && !bytes.Equal(raw, decoded)) {
			t.Fatalf("%q: BallotBytes %x %v, canonical %v", s, raw, err, canonical)
		}
		if err != nil && codes.Of(err) != CodeBallotMalformed {
			t.Fatalf("%q: code %d", s, codes.Of(err))
		}
	})
}
