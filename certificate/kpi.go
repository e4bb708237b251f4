package certificate

import (
	"github.com/cometbft/cometbft/types"

	"github.com/pnyx-party/pnyx/modules/kpi"
	"github.com/pnyx-party/pnyx/proof"
)

// VerifyScorecard checks a scorecard certificate: a KPI card as served with
// ?prove=1, whose proof covers every record its score is computed from. It
// verifies the proof (proof.Verify; against trusted when not nil), then
// recomputes the score from the proven records alone and compares it with
// the card (kpi.VerifyCard). `pnyx verify kpi` and the scenario runner's
// verify-kpi step both check scorecards with it.
func VerifyScorecard(p *proof.StateProof, card kpi.Card, trusted *types.ValidatorSet) error {
	if err := proof.Verify(p, trusted); err != nil {
		return err
	}
	records := map[string][]byte{}
	for _, e := range p.Entries {
		records[string(e.Key)] = e.Value
	}
	return kpi.VerifyCard(records, card)
}
