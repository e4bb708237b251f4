// StateProof checking in TypeScript against a certificate a real node
// issued (testdata/proof/certificate.json, which `pnyx verify record
// --genesis testdata/proof/genesis.json` accepts; the Go test
// internal/portal/proof_vectors_test.go checks that too). Every tampered
// copy must fail at the step that guards it.
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fromBase64, toBase64 } from "../src/lib/bytes";
import { verifyStateProof } from "../src/lib/proof";
import { cardTexts, COMPACT, completeProof, decodeProof, encodeCompactProof, encodeProof, QR_BYTES, WHOLE } from "../src/lib/proofcode";

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

// The QR text's compact form (lib/proofcode.ts): entries only, completed
// with the anchor a node serves (GET /v1/anchors/{state_version+1}), which
// here is the certificate's own header, signatures and validators.
describe("compact proofs", () => {
  const anchor = () => ({ ...clone(), entries: [] });
  it("round-trip through their QR text and verify once completed", async () => {
    const text = await encodeCompactProof(cert.proof);
    expect(text.startsWith(COMPACT)).toBe(true);
    expect(text.length).toBeLessThan((await encodeProof(cert.proof)).length);
    const p = await decodeProof(text);
    expect(p.signed_header).toBeUndefined();
    expect(p.validators).toBeUndefined();
    let asked = "";
    const whole = await completeProof(p, async (path) => ((asked = path), anchor()));
    expect(asked).toBe(`/v1/anchors/${Number(cert.proof.state_version) + 1}`);
    expect(verifyStateProof(whole)).toMatchObject({ ok: true });
  });
  it("the card's QR carries the whole proof where it fits, else the compact one", async () => {
    const one = clone();
    one.entries = one.entries.slice(0, 1); // a card proves one record
    const small = await cardTexts(one);
    expect(small.qr).toBe(small.whole);
    expect(small.whole.startsWith(WHOLE)).toBe(true);
    // 18 validators: every validator and signature repeated (random-looking
    // bytes, as real keys and signatures are, so deflate cannot fold them).
    const big = clone();
    big.entries = big.entries.slice(0, 1);
    const noise = () => toBase64(crypto.getRandomValues(new Uint8Array(64)));
    big.validators.validators = Array.from({ length: 18 }, () => ({ ...big.validators.validators[0], pub_key: { ...big.validators.validators[0].pub_key, value: noise().slice(0, 44) } }));
    big.signed_header.commit.signatures = Array.from({ length: 18 }, () => ({ ...big.signed_header.commit.signatures[0], signature: noise() }));
    const t = await cardTexts(big);
    expect(t.whole.length).toBeGreaterThan(QR_BYTES);
    expect(t.qr.startsWith(COMPACT)).toBe(true);
    expect(t.qr.length).toBeLessThanOrEqual(QR_BYTES);
    expect((await decodeProof(t.qr)).entries).toEqual(big.entries);
  });
  it("a whole proof is not completed again", async () => {
    const p = await decodeProof(await encodeProof(cert.proof));
    expect(await completeProof(p, async () => { throw new Error("fetched"); })).toBe(p);
  });
  it("an anchor of another state or chain is refused", async () => {
    const p = await decodeProof(await encodeCompactProof(cert.proof));
    await expect(completeProof(p, async () => ({ ...anchor(), state_version: String(Number(cert.proof.state_version) - 1) }))).rejects.toThrow();
    await expect(completeProof(p, async () => ({ ...anchor(), chain_id: "another" }))).rejects.toThrow();
  });
  it("a changed record still fails the Merkle step under a true anchor", async () => {
    const p = await decodeProof(await encodeCompactProof(cert.proof));
    const v = fromBase64(p.entries[3].value);
    v[v.length - 2] ^= 1;
    p.entries[3].value = toBase64(v);
    expect(verifyStateProof(await completeProof(p, async () => anchor()))).toMatchObject({ ok: false, step: "merkle" });
  });
});

// testdata/proof/qr-texts.json: the card's two QR texts of the
// certificate's first record, as this implementation writes them.
// internal/portal/proof_vectors_test.go reads them with Go's
// proof.DecodeText and verifies them (the compact one completed with the
// certificate's header), so the two sides read one format.
describe("QR text vectors", () => {
  it("are what this implementation writes and reads (UPDATE=1 rewrites them)", async () => {
    const one = clone();
    one.entries = one.entries.slice(0, 1);
    const file = new URL("qr-texts.json", dir);
    if (process.env.UPDATE === "1") {
      const v = { comment: "Made by UPDATE=1 npx vitest run (web/test/proof.test.ts) from certificate.json's proof, first entry only; internal/portal/proof_vectors_test.go must verify both.", whole: await encodeProof(one), compact: await encodeCompactProof(one) };
      writeFileSync(file, JSON.stringify(v, null, 2) + "\n");
    }
    const v = JSON.parse(readFileSync(file, "utf8"));
    expect(await decodeProof(v.whole)).toEqual(one);
    expect(await decodeProof(v.compact)).toEqual({ format: one.format, chain_id: one.chain_id, state_version: one.state_version, entries: one.entries });
    expect(verifyStateProof(await completeProof(await decodeProof(v.compact), async () => ({ ...clone(), entries: [] })))).toMatchObject({ ok: true });
  });
});
