// StateProof checking in TypeScript against a certificate a real node
// issued (testdata/proof/certificate.json, which `pnyx verify record
// --genesis testdata/proof/genesis.json` accepts; the Go test
// internal/portal/proof_vectors_test.go checks that too). Every tampered
// copy must fail at the step that guards it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fromBase64, toBase64 } from "../src/lib/bytes";
import { verifyStateProof } from "../src/lib/proof";

const dir = new URL("../../testdata/proof/", import.meta.url);
const cert = JSON.parse(readFileSync(new URL("certificate.json", dir), "utf8"));
const clone = () => JSON.parse(JSON.stringify(cert.proof));

describe("state proofs", () => {
  it("a node's certificate proof verifies, with its records", () => {
    const r = verifyStateProof(cert.proof);
    expect(r.detail).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.entries!.map((e) => e.key)).toContain("asm/motion/seoul-convention.1/0001");
    const motion = JSON.parse(new TextDecoder().decode(r.entries!.find((e) => e.key.startsWith("asm/motion/"))!.value));
    expect(motion.decision).toBe("adopted");
  });
  it("a changed record fails the Merkle step", () => {
    const p = clone();
    const v = fromBase64(p.entries[3].value);
    v[v.length - 2] ^= 1;
    p.entries[3].value = toBase64(v);
    expect(verifyStateProof(p)).toMatchObject({ ok: false, step: "merkle" });
  });
  it("a changed app hash fails the signatures", () => {
    const p = clone();
    p.signed_header.header.app_hash = "00" + p.signed_header.header.app_hash.slice(2);
    expect(verifyStateProof(p)).toMatchObject({ ok: false, step: "signatures" });
  });
  it("a forged signature fails", () => {
    const p = clone();
    const s = fromBase64(p.signed_header.commit.signatures[0].signature);
    s[5] ^= 1;
    p.signed_header.commit.signatures[0].signature = toBase64(s);
    expect(verifyStateProof(p)).toMatchObject({ ok: false, step: "signatures" });
  });
  it("another validator set fails", () => {
    const p = clone();
    p.validators.validators[0].voting_power = "11";
    expect(verifyStateProof(p)).toMatchObject({ ok: false, step: "validators" });
  });
  it("a header that is not the next one after the state fails", () => {
    const p = clone();
    p.state_version = String(Number(p.state_version) - 1);
    expect(verifyStateProof(p)).toMatchObject({ ok: false, step: "height" });
  });
});
