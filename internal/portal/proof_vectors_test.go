package portal_test

import (
	"os"
	"strings"
	"testing"

	"github.com/cometbft/cometbft/types"

	"github.com/pnyx-party/pnyx/certificate"
	"github.com/pnyx-party/pnyx/proof"
)

// testdata/proof/certificate.json is a resolution certificate a node issued
// in the portal's browser test (web/e2e/assemblies.test.mjs), with the
// genesis of that chain. The portal's TypeScript checks its state proof
// (web/test/proof.test.ts); this test holds Go's verifier to the same
// verdict, so the two cannot drift: both accept it as it is.
func TestPortalProofVector(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/proof/certificate.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := certificate.Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	g, err := types.GenesisDocFromFile("../../testdata/proof/genesis.json")
	if err != nil {
		t.Fatal(err)
	}
	trusted, err := proof.TrustedFromGenesis(g)
	if err != nil {
		t.Fatal(err)
	}
	reading, err := certificate.Verify(c, trusted)
	if err != nil {
		t.Fatalf("the certificate the TypeScript test accepts: %v", err)
	}
	if reading.Motion.Decision != "adopted" || !strings.Contains(reading.Text(), "seoul-convention.1") {
		t.Fatalf("reading: %+v", reading.Motion)
	}
	// One changed record and Go refuses it too (the TypeScript test tampers
	// the same way).
	c.Proof.Entries[3].Value[len(c.Proof.Entries[3].Value)-2] ^= 1
	if err := proof.Verify(c.Proof, trusted); err == nil {
		t.Fatal("a changed record verified")
	}
}
