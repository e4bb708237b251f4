package launch_test

import (
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/node/nodetest"
	"github.com/pnyx-party/pnyx/internal/scenario"
	"github.com/pnyx-party/pnyx/internal/scenario/scenariotest"
)

// TestValidatorChangesReachConsensus: on a network whose genesis lists its
// validators (launch.Network), validator/set transactions citing a
// finalized decision add a validator and remove it again
// (testdata/validator-change.txt), and CometBFT applies them: some height's
// validator set holds the added validator with power 3 beside the genesis
// one, a later one with power 4, and the last height's set is the genesis
// validator alone.
func TestValidatorChangesReachConsensus(t *testing.T) {
	port := nodetest.FreePorts(t, 1)[0]
	homes, admin, err := launch.Network(t.TempDir(), []node.Host{{Name: "hq", Role: node.RoleValidator, IP: "127.0.0.1", Port: port}},
		launch.NetworkOptions{NetworkOptions: node.NetworkOptions{ChainID: "pnyx-valset"}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := launch.Start(homes[0], launch.Options{APIAddr: "127.0.0.1:0", Node: quietBusy()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	waitHeight(t, r, 1, 30*time.Second)
	scenariotest.RunFile(t, "testdata/validator-change.txt", scenario.Target{URL: r.APIURL, Admin: admin, Suffix: "-vs"})
	// The removal takes effect two blocks after its own.
	waitHeight(t, r, r.Node.LatestHeight()+3, time.Minute)
	sawThree, sawFour := false, false
	for h := int64(1); h <= r.Node.LatestHeight(); h++ {
		vs, err := r.Node.Validators(h)
		if err != nil {
			t.Fatal(err)
		}
		sawThree = sawThree || vs.Size() == 2 && vs.TotalVotingPower() == 13
		sawFour = sawFour || vs.Size() == 2 && vs.TotalVotingPower() == 14
	}
	last, err := r.Node.Validators(r.Node.LatestHeight())
	if err != nil {
		t.Fatal(err)
	}
	if !sawThree || !sawFour || last.Size() != 1 || last.TotalVotingPower() != 10 {
		t.Fatalf("saw the added validator with power 3: %v, 4: %v; last set %d validators, power %d", sawThree, sawFour, last.Size(), last.TotalVotingPower())
	}
}
