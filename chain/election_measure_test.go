package chain

import (
	"crypto/rand"
	"os"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
)

// TestMeasureFinalizeBallots times FinalizeBlock on blocks of 256 ballots
// (10 options, 2 issuers), with 1 and 2 verifying goroutines, cold (the
// node never saw the ballots: credentials and signatures are checked in
// the block) and warm (Preverify saw them, as when they come through the
// API). A measurement, not a test: PNYX_MEASURE=1 go test ./chain -run
// MeasureFinalizeBallots -v
func TestMeasureFinalizeBallots(t *testing.T) {
	if os.Getenv("PNYX_MEASURE") == "" {
		t.Skip("set PNYX_MEASURE=1")
	}
	p := newPoll(t, 1)
	h := p.h
	b := p.createBody()
	b.Contests[0].Options = []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}
	h.do(p.commissioner, election.TypeCreate, b)
	p.ceremony()
	e := p.election()
	p.at(e.VoteStart)
	c := p.context()
	const n = 256
	block := func() [][]byte {
		var raws [][]byte
		for i := range n {
			v, _ := kit.NewVoter(kit.NewSeed())
			var creds [][]byte
			for _, is := range p.issuerKeys {
				cr, err := is.SignDirect(rand.Reader, e.EID(), v.Key.Bytes[:])
				if err != nil {
					t.Fatal(err)
				}
				creds = append(creds, cr)
			}
			sel := [][]uint32{make([]uint32, 10)}
			sel[0][i%10] = 1
			bl, _, err := v.Encrypt(c, creds, sel)
			if err != nil {
				t.Fatal(err)
			}
			raws = append(raws, kit.BallotTx(testChainID, bl))
		}
		return raws
	}
	for _, warm := range []bool{false, true} {
		for _, w := range []int{1, 2} {
			raws := block()
			if warm {
				for _, r := range raws {
					if err := h.app.Preverify(r); err != nil {
						t.Fatal(err)
					}
				}
			}
			h.party.Elections.Workers = w
			start := time.Now()
			res := h.block(raws...)
			d := time.Since(start)
			for _, r := range res {
				if r.Code != 0 {
					t.Fatalf("ballot failed: %s", r.Log)
				}
			}
			t.Logf("warm=%v workers=%d: FinalizeBlock+Commit of %d ballots %v, %.3f ms/ballot", warm, w, n, d, float64(d.Microseconds())/1000/n)
		}
	}
}
