package portal_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/cometbft/cometbft/types"

	"github.com/pnyx-party/pnyx/certificate"
	"github.com/pnyx-party/pnyx/proof"
)

// portalCertificate reads testdata/proof/certificate.json and the validator
// set its chain's genesis trusts.
func portalCertificate(t *testing.T) (*certificate.Certificate, *types.ValidatorSet) {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/proof/certificate.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := certificate.Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	trusted, _, err := proof.TrustedFromGenesisFile("../../testdata/proof/genesis.json")
	if err != nil {
		t.Fatal(err)
	}
	return c, trusted
}

// testdata/proof/certificate.json is a resolution certificate a node issued
// in the portal's browser test (web/e2e/assemblies.test.mjs), with the
// genesis of that chain. The portal's TypeScript checks its state proof
// (web/test/proof.test.ts); this test holds Go's verifier to the same
// verdict, so the two cannot drift: both accept it as it is.
func TestPortalProofVector(t *testing.T) {
	c, trusted := portalCertificate(t)
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

// testdata/proof/qr-texts.json holds the two QR texts the portal's card
// writes (web/test/proof.test.ts makes them from certificate.json's proof,
// first record only). Go reads both: the whole one verifies as it is; the
// compact one is compact and verifies once completed with the anchor a
// node would serve (here the certificate's own header, signatures and
// validators), proving the same record.
func TestPortalQRTextVectors(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/proof/qr-texts.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Whole, Compact string }
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	c, trusted := portalCertificate(t)

	whole, compact, err := proof.DecodeText([]byte(v.Whole))
	if err != nil || compact {
		t.Fatalf("whole text: compact %v, %v", compact, err)
	}
	if err := proof.Verify(whole, trusted); err != nil {
		t.Fatalf("whole text: %v", err)
	}
	short, compact, err := proof.DecodeText([]byte(v.Compact))
	if err != nil || !compact {
		t.Fatalf("compact text: compact %v, %v", compact, err)
	}
	if _, err := proof.Complete(short, nil); err == nil {
		t.Fatal("a compact proof completed without an anchor")
	}
	anchor := *c.Proof
	anchor.Entries = nil
	if proof.AnchorHeight(short) != anchor.Header.Height {
		t.Fatalf("the compact proof asks for header %d, the certificate's is %d", proof.AnchorHeight(short), anchor.Header.Height)
	}
	completed, err := proof.Complete(short, &anchor)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.Verify(completed, trusted); err != nil {
		t.Fatalf("completed compact text: %v", err)
	}
	if len(completed.Entries) != 1 || !bytes.Equal(completed.Entries[0].Value, whole.Entries[0].Value) || !bytes.Equal(completed.Entries[0].Key, c.Proof.Entries[0].Key) {
		t.Fatal("the two texts do not prove the certificate's first record")
	}
}
