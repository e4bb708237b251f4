package election

import (
	"testing"

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
