package certificate

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/cometbft/cometbft/types"

	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/proof"
)

// VerifyBallotInclusion checks a tracking-code answer served with
// ?prove=1: that the proof holds (proof.Verify; against trusted when not
// nil), that it proves the election's index entry for code, that the entry
// points at recordKey, that the proven record there is record, and, for a
// cast ballot, that the record carries code as its tracking code. A voter
// who checks this knows their ballot is in the ballot box under a header
// the validators signed, without trusting the node that answered.
// `pnyx election track --prove` and the scenario runner's track step both
// check answers with it.
func VerifyBallotInclusion(p *proof.StateProof, trusted *types.ValidatorSet, electionID, code, recordKey string, record []byte) error {
	if err := proof.Verify(p, trusted); err != nil {
		return err
	}
	ref, ok := p.Value(election.TrackingKey(electionID, code))
	if !ok || len(ref) == 0 {
		return fmt.Errorf("the proof does not show tracking code %s in election %s", code, electionID)
	}
	if want := "el/" + electionID + "/" + string(ref); recordKey != want {
		return fmt.Errorf("the answer names record %s, the proven index %s", recordKey, want)
	}
	proven, ok := p.Value([]byte(recordKey))
	if !ok || len(proven) == 0 {
		return fmt.Errorf("the proof does not show record %s", recordKey)
	}
	if !bytes.Equal(proven, record) {
		return fmt.Errorf("the answer's record %s differs from the proven one", recordKey)
	}
	if ref[0] == 'b' {
		var cb election.CastBallot
		if err := json.Unmarshal(proven, &cb); err != nil {
			return fmt.Errorf("proven ballot record %s: %v", recordKey, err)
		}
		if cb.Tracking != code {
			return fmt.Errorf("proven ballot record %s has tracking code %s, not %s", recordKey, cb.Tracking, code)
		}
	}
	return nil
}
