package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cometbft/cometbft/types"

	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/proof"
)

// TestCLIVerifyElectionRegistryAnchor: `pnyx verify election
// --registry-proof` accepts a version-5 record when a validator-signed
// header right after the registry snapshot carries the record's registry
// app hash, and refuses a header over another state or of another height.
func TestCLIVerifyElectionRegistryAnchor(t *testing.T) {
	recFile := filepath.Join("..", "..", "testdata", "election", "sample-record-v5.bin")
	raw, err := os.ReadFile(recFile)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := record.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	vals, privs := types.RandValidatorSet(1, 10)
	// proofAt writes a proof of one of the record's own member entries,
	// for state version v, under a header carrying appHash.
	proofAt := func(v int64, appHash []byte) string {
		h := v + 1
		header := &types.Header{ChainID: "pnyx-test", Height: h, Time: time.Unix(1_772_355_600, 0).UTC(),
			ValidatorsHash: vals.Hash(), NextValidatorsHash: vals.Hash(), AppHash: appHash,
			ProposerAddress: vals.Validators[0].Address}
		header.Version.Block = 11
		blockID := types.BlockID{Hash: header.Hash(), PartSetHeader: types.PartSetHeader{Total: 1, Hash: make([]byte, 32)}}
		voteSet := types.NewVoteSet("pnyx-test", h, 0, cmtproto.PrecommitType, vals)
		ext, err := types.MakeExtCommit(blockID, h, 0, voteSet, privs, header.Time, false)
		if err != nil {
			t.Fatal(err)
		}
		e := rec.Registry.Members[0]
		p := &proof.StateProof{Format: proof.FormatVersion, ChainID: "pnyx-test", StateVersion: v,
			Entries:    []proof.Entry{{Key: e.Key, Value: e.Value, MerkleProof: e.Proof}},
			Header:     &types.SignedHeader{Header: header, Commit: ext.ToCommit()},
			Validators: vals}
		b, err := proof.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(t.TempDir(), "registry-proof.json")
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	height := int64(rec.Eligibility.RegistryHeight)
	out, err := pnyx(t, "verify", "election", recFile, "--registry-proof", proofAt(height, rec.Registry.AppHash))
	if err != nil || !strings.Contains(out, "PASS  registry.header") || !strings.Contains(out, "election record VALID") {
		t.Fatalf("anchored record refused: %v\n%s", err, out)
	}
	other := bytes.Clone(rec.Registry.AppHash)
	other[0] ^= 1
	for name, f := range map[string]string{
		"a header over another state": proofAt(height, other),
		"a proof of another height":   proofAt(height+1, rec.Registry.AppHash),
	} {
		out, err := pnyx(t, "verify", "election", recFile, "--registry-proof", f)
		if err == nil || !strings.Contains(out, "FAIL  registry.header") {
			t.Fatalf("%s accepted: %v\n%s", name, err, out)
		}
	}
}
