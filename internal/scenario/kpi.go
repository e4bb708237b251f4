package scenario

import (
	"fmt"
	"strings"

	"github.com/pnyx-party/pnyx/certificate"
	"github.com/pnyx-party/pnyx/internal/api"
	"github.com/pnyx-party/pnyx/proof"
)

// KPI scorecards have a step of their own:
//
//	verify-kpi SIGNER PATH
//	----
//	scorecard verified
//	score_bp=N
//
// reads the scorecard at PATH (a member's, signed by SIGNER; "-" for a
// chapter's) with ?prove=1 and checks it offline as `pnyx verify kpi` does
// (certificate.VerifyScorecard): the proof of every record the score rests
// on against the target's trusted validators, then the score recomputed
// from those records alone. A copy claiming one basis point more, or with
// one proven record changed, must fail (a line says so if one does not). A
// target without proofs prints what the card says and notes that it did
// not check; on one with proofs the runner reports what it checked
// (Runner.Checked), which `pnyx demo` shows.
var kpiCmds = map[string]func(r *Runner, pos []string, args []Arg) (string, error){
	"verify-kpi": (*Runner).verifyKPI,
}

func (r *Runner) verifyKPI(pos []string, _ []Arg) (string, error) {
	if len(pos) != 2 {
		return "", fmt.Errorf("want: verify-kpi SIGNER|- PATH")
	}
	who, path := pos[0], pos[1]
	var c api.KPICard
	if !r.t.Proofs {
		r.notes = append(r.notes, "scorecard "+r.unsubst(path)+" not checked: this run asks the target for no proofs")
		if err := r.read(who, path, &c); err != nil {
			return outcome(err)
		}
		return fmt.Sprintf("scorecard verified\nscore_bp=%d", c.ScoreBP), nil
	}
	if err := r.read(who, path+"?prove=1", &c); err != nil {
		return outcome(err)
	}
	if len(c.Proof) == 0 {
		return "scorecard served without a proof", nil
	}
	p, err := proof.Unmarshal(c.Proof)
	if err != nil {
		return "", err
	}
	if err := certificate.VerifyScorecard(p, c.Card, r.t.Trusted); err != nil {
		return "scorecard rejected: " + err.Error(), nil
	}
	lines := []string{"scorecard verified", fmt.Sprintf("score_bp=%d", c.ScoreBP)}
	r.checked = append(r.checked, fmt.Sprintf("%s scorecard of %s for %s verified offline: %d bp recomputed from %d proven records of height %d, signed by %s",
		c.Scorecard, r.unsubst(c.Subject), c.Period, c.ScoreBP, len(p.Entries), p.StateVersion, r.pinnedSigners()))
	inflated := c.Card
	inflated.ScoreBP++
	if certificate.VerifyScorecard(p, inflated, r.t.Trusted) == nil {
		lines = append(lines, "with its score raised it still verifies")
	}
	changed := false
	for i, e := range p.Entries {
		if len(e.Value) == 0 {
			continue
		}
		bad, err := proof.Unmarshal(c.Proof) // a copy to change
		if err != nil {
			return "", err
		}
		bad.Entries[i].Value = append([]byte(nil), e.Value...)
		bad.Entries[i].Value[len(e.Value)-1] ^= 1
		if certificate.VerifyScorecard(bad, c.Card, r.t.Trusted) == nil {
			lines = append(lines, fmt.Sprintf("with record %q changed it still verifies", e.Key))
		}
		changed = true
		break
	}
	if !changed {
		lines = append(lines, "no proven record to change")
	}
	return strings.Join(lines, "\n"), nil
}

// pinnedSigners says whose signatures a proof checked in this run was held to:
// the target's pinned validator set, or whichever validators it names.
func (r *Runner) pinnedSigners() string {
	if r.t.Trusted == nil {
		return "the validators it names (none pinned)"
	}
	return fmt.Sprintf("validator set %X, pinned", r.t.Trusted.Hash()[:4])
}
