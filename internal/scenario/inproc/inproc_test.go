package inproc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/types"

	"github.com/pnyx-party/pnyx/certificate"
	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/scenario"
	"github.com/pnyx-party/pnyx/internal/scenario/inproc"
	"github.com/pnyx-party/pnyx/proof"
	"github.com/pnyx-party/pnyx/wire"
)

func start(t *testing.T) *inproc.Node {
	t.Helper()
	n, err := inproc.Start(inproc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

func createChapter(t *testing.T, n *inproc.Node, id string) {
	t.Helper()
	res, err := client.New(n.URL()).Signer(inproc.AdminKey()).Send(context.Background(), "chapter/create", map[string]string{"id": id, "name": id, "parent": "hq"})
	if err != nil || res.Code != 0 {
		t.Fatalf("chapter/create %s: %v %+v", id, err, res)
	}
}

func height(t *testing.T, n *inproc.Node) int64 {
	t.Helper()
	st, err := n.Status()
	if err != nil {
		t.Fatal(err)
	}
	return st.Height
}

// TestProofsVerifyAgainstTheValidator: a record the latest block wrote is
// served with a proof that proof.Verify accepts against the in-process
// validator (and refuses against another set); the header it carries is
// the one of the empty block committed before the next tx, so every header
// served is a header of the chain, linked to the one before.
func TestProofsVerifyAgainstTheValidator(t *testing.T) {
	n := start(t)
	createChapter(t, n, "seoul")
	v := height(t, n)

	var rec wire.Record
	if err := client.New(n.URL()).Get(context.Background(), "/v1/chapters/seoul?prove=1", nil, &rec); err != nil {
		t.Fatal(err)
	}
	p, err := proof.Unmarshal(rec.Proof)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.Verify(p, n.Trusted()); err != nil {
		t.Fatalf("a proof of the latest state: %v", err)
	}
	if p.StateVersion != v || rec.Height != v {
		t.Fatalf("proof at state %d, record at %d, latest block %d", p.StateVersion, rec.Height, v)
	}
	if got, ok := p.Value([]byte(rec.Key)); !ok || !bytes.Equal(got, rec.Record) {
		t.Fatalf("the proof does not cover the record served")
	}
	other, _ := types.RandValidatorSet(1, inproc.ValidatorPower)
	if err := proof.Verify(p, other); !errors.Is(err, proof.ErrUntrustedVals) {
		t.Fatalf("against another validator set: %v", err)
	}
	if height(t, n) != v {
		t.Fatalf("a read committed a block")
	}
	if _, err := n.SignedHeader(v + 2); !errors.Is(err, node.ErrHeightNotAvailable) {
		t.Fatalf("header %d, two after the latest: %v", v+2, err)
	}

	// The next tx goes in after the empty block whose header was served.
	createChapter(t, n, "busan")
	if got := height(t, n); got != v+2 {
		t.Fatalf("after a served header and a tx: height %d, want %d", got, v+2)
	}
	b, err := n.Block(v + 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Txs) != 0 || !bytes.Equal(b.Hash(), p.Header.Hash()) {
		t.Fatalf("block %d is not the empty block whose header was served", v+1)
	}
	for h := int64(2); h <= v+2; h++ {
		sh, err := n.SignedHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		prev, _ := n.SignedHeader(h - 1)
		if err := sh.ValidateBasic(inproc.ChainID); err != nil {
			t.Fatalf("header %d: %v", h, err)
		}
		if !sh.LastBlockID.Equals(prev.Commit.BlockID) || !bytes.Equal(sh.LastCommitHash, prev.Commit.Hash()) {
			t.Fatalf("header %d does not follow header %d", h, h-1)
		}
		if err := n.Trusted().VerifyCommitLight(inproc.ChainID, sh.Commit.BlockID, h, sh.Commit); err != nil {
			t.Fatalf("header %d: %v", h, err)
		}
	}

	// A record the latest block left alone is proven the same way.
	if err := client.New(n.URL()).Get(context.Background(), "/v1/chapters/seoul?prove=1", nil, &rec); err != nil {
		t.Fatal(err)
	}
	if p, err = proof.Unmarshal(rec.Proof); err != nil {
		t.Fatal(err)
	}
	if err := proof.Verify(p, n.Trusted()); err != nil {
		t.Fatal(err)
	}
}

// TestNoProofNoExtraBlock: a run that asks for no proof commits one block
// per tx and per Advance, as before the chain had a validator, and two runs
// of the same txs sign the same headers.
func TestNoProofNoExtraBlock(t *testing.T) {
	var hashes [2][]string
	for i := range hashes {
		n := start(t)
		createChapter(t, n, "seoul")
		if err := n.Advance(3600e9); err != nil {
			t.Fatal(err)
		}
		createChapter(t, n, "busan")
		if got := height(t, n); got != 4 {
			t.Fatalf("genesis block, two txs and an advance: height %d, want 4", got)
		}
		st, _ := n.Status()
		if want := inproc.Genesis.Add(4*inproc.BlockStep + 3600e9); !st.BlockTime.Equal(want) {
			t.Fatalf("block time %v, want %v", st.BlockTime, want)
		}
		for h := int64(1); h <= 4; h++ {
			sh, err := n.SignedHeader(h)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(sh)
			hashes[i] = append(hashes[i], string(raw))
		}
	}
	for h := range hashes[0] {
		if hashes[0][h] != hashes[1][h] {
			t.Fatalf("header %d differs between two runs of the same txs", h+1)
		}
	}
}

// TestKPIStoryVerifiesScorecards: the KPI story's verify-kpi steps check
// Park's scorecard with its proof when the target asks for proofs and pins
// the in-process validator, and fail when another validator set is pinned.
func TestKPIStoryVerifiesScorecards(t *testing.T) {
	_, _, note, err := runStoryWithProofs(t, "../../../modules/kpi/testdata/story.txt", false)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(note, "member scorecard of $id(park) for 2030-01 verified offline"); got != 2 || strings.Contains(note, "not checked") {
		t.Fatalf("want Park's scorecard verified twice and nothing unchecked, got: %s", note)
	}
	_, _, _, err = runStoryWithProofs(t, "../../../modules/kpi/testdata/story.txt", true)
	if err == nil || !strings.Contains(err.Error(), "verify-kpi: got\nscorecard rejected: "+proof.ErrUntrustedVals.Error()) {
		t.Fatalf("pinned to another validator set: %v", err)
	}
}

// runStoryWithProofs tells a story file on a fresh in-process chain whose
// target asks for proofs and pins the chain's own validator, or, with
// pinOther, a validator set that signed nothing.
func runStoryWithProofs(t *testing.T, file string, pinOther bool) (*inproc.Node, scenario.Target, string, error) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	n := start(t)
	target := n.Target()
	target.Proofs, target.Trusted = true, n.Trusted()
	if pinOther {
		target.Trusted, _ = types.RandValidatorSet(1, inproc.ValidatorPower)
	}
	note, err := scenario.RunFile(context.Background(), file, string(raw), target)
	return n, target, note, err
}

// TestElectionStoryProvesBallotsInTheBox: the election story's track steps
// check each ballot's inclusion proof against the pinned in-process
// validator (certificate.VerifyBallotInclusion), fail when another
// validator set is pinned, and an answer whose record, record key or code
// a node changed after proving is refused.
func TestElectionStoryProvesBallotsInTheBox(t *testing.T) {
	const story = "../../../modules/election/testdata/story.txt"
	n, target, note, err := runStoryWithProofs(t, story, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"voter-5", "voter-5.2", "voter-3.2"} {
		if !strings.Contains(note, label+"'s ballot proven in the ballot box at height") {
			t.Fatalf("%s's ballot is not reported proven: %s", label, note)
		}
	}

	// A tracking answer from the node, proven, then changed.
	ctx := context.Background()
	id := "chair" + target.Suffix
	var box struct {
		Ballots []struct {
			Tracking string `json:"tracking"`
		} `json:"ballots"`
	}
	c := client.New(n.URL())
	if err := c.Get(ctx, "/v1/elections/"+id+"/ballots", nil, &box); err != nil || len(box.Ballots) == 0 {
		t.Fatalf("ballot box of %s: %v %+v", id, err, box)
	}
	code := box.Ballots[0].Tracking
	var ans wire.TrackingAnswer
	if err := c.Get(ctx, "/v1/elections/"+id+"/tracking/"+code+"?prove=1", nil, &ans); err != nil {
		t.Fatal(err)
	}
	p, err := proof.Unmarshal(ans.Proof)
	if err != nil {
		t.Fatal(err)
	}
	if err := certificate.VerifyBallotInclusion(p, n.Trusted(), id, code, ans.Key, ans.Record); err != nil {
		t.Fatalf("the node's honest answer: %v", err)
	}
	otherRecord := bytes.Replace(ans.Record, []byte(code), []byte(strings.Repeat("0", 64)), 1)
	otherCode := strings.Repeat("0", 64)
	for name, try := range map[string]func() error{
		"another record": func() error { return certificate.VerifyBallotInclusion(p, n.Trusted(), id, code, ans.Key, otherRecord) },
		"another record key": func() error {
			return certificate.VerifyBallotInclusion(p, n.Trusted(), id, code, ans.Key+"0", ans.Record)
		},
		"another code": func() error {
			return certificate.VerifyBallotInclusion(p, n.Trusted(), id, otherCode, ans.Key, ans.Record)
		},
		"another election": func() error {
			return certificate.VerifyBallotInclusion(p, n.Trusted(), id+"x", code, ans.Key, ans.Record)
		},
	} {
		if err := try(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}

	_, _, _, err = runStoryWithProofs(t, story, true)
	if err == nil || !strings.Contains(err.Error(), "proof rejected: "+proof.ErrUntrustedVals.Error()) {
		t.Fatalf("pinned to another validator set: %v", err)
	}
}

// TestSkippedRestKeepsWhatWasChecked: a run that stops at a step its target
// cannot take (here, moving block time) still reports what it checked
// before that step.
func TestSkippedRestKeepsWhatWasChecked(t *testing.T) {
	raw, err := os.ReadFile("../../../modules/election/testdata/story.txt")
	if err != nil {
		t.Fatal(err)
	}
	n := start(t)
	target := n.Target()
	target.Proofs, target.Trusted = true, n.Trusted()
	// The story moves time itself (its waits); only the step added at its
	// end asks for more than this target can give.
	target.Advance = func(d time.Duration) error {
		if d >= 1000*time.Hour {
			return fmt.Errorf("%w: this target cannot move block time by %v", scenario.ErrSkip, d)
		}
		return n.Advance(d)
	}
	note, err := scenario.RunFile(context.Background(), "story.txt", string(raw)+"\nadvance 1000h\n----\n", target)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(note, "rest skipped: ") || !strings.Contains(note, "voter-5's ballot proven in the ballot box") {
		t.Fatalf("note after a skip: %s", note)
	}
}
