// The TypeScript half of the cross-implementation vectors (docs/tx-format.md).
// go-vectors.json is Go's output, which this code must reproduce byte for
// byte; ts-vectors.json is this code's output, which the Go test
// (internal/portal/vectors_test.go) decodes and verifies with the chain's own
// code. UPDATE=1 npx vitest run rewrites ts-vectors.json.
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { credentialStatus, REPLAYED } from "../src/lib/api";
import { authorization, readMessage } from "../src/lib/auth";
import { agreeBody, commentBody, createPetitionBody, petitionRefBody, redeemBody, reportBody, voteBody } from "../src/lib/body";
import { fromHex, toHex, utf8 } from "../src/lib/bytes";
import { canonicalJSON } from "../src/lib/canon";
import { deriveMemberId, enrollmentCodeHash, normalizeCode, codeLooksValid } from "../src/lib/enroll";
import { cryptoKeySigner, importNonExtractable, seedSigner } from "../src/lib/signer";
import { decode, encode, signBytes, signTx, txHash, type Envelope } from "../src/lib/tx";

const dir = new URL("../../testdata/tx/", import.meta.url);
const goVectors = JSON.parse(readFileSync(new URL("go-vectors.json", dir), "utf8"));

describe("Go's vectors, reproduced", () => {
  for (const v of goVectors.envelopes) {
    it(`envelope: ${v.name}`, async () => {
      // The body: parsing the canonical JSON and writing it again gives the same bytes.
      expect(canonicalJSON(JSON.parse(v.body))).toBe(v.body);
      const e: Envelope = { chainId: v.chain_id, type: v.type, body: utf8(v.body), signer: fromHex(v.public_key), nonce: BigInt(v.nonce), signature: new Uint8Array(64) };
      expect(toHex(signBytes(e))).toBe(v.sign_bytes);
      if (v.seed) {
        const s = seedSigner(fromHex(v.seed));
        expect(toHex(s.publicKey)).toBe(v.public_key);
        const raw = await signTx(s, v.chain_id, v.type, utf8(v.body), BigInt(v.nonce));
        expect(toHex(raw)).toBe(v.encoded);
      } else {
        expect(toHex(encode(e))).toBe(v.encoded); // anonymous: zero signer, zero signature
      }
      expect(toHex(txHash(fromHex(v.encoded)))).toBe(v.hash);
      const d = decode(fromHex(v.encoded));
      expect([d.chainId, d.type, new TextDecoder().decode(d.body), d.nonce.toString(), toHex(d.signature)]).toEqual([v.chain_id, v.type, v.body, v.nonce, v.signature]);
    });
  }
  for (const r of goVectors.reads) {
    it(`signed read: ${r.name}`, async () => {
      expect(toHex(readMessage(r.chain_id, r.method, r.uri, r.time))).toBe(r.message);
      expect(await authorization(seedSigner(fromHex(r.seed)), r.chain_id, r.method, r.uri, r.time)).toBe(r.authorization);
    });
  }
  it("the node's refusal of a replayed signed read, which the portal recognizes", () => {
    expect(REPLAYED).toBe(goVectors.read_replayed);
  });
  for (const en of goVectors.enrollment) {
    it(`enrollment code hash: ${en.code}`, () => {
      expect(enrollmentCodeHash(en.chain_id, en.code)).toBe(en.code_hash);
      expect(deriveMemberId(en.code_hash)).toBe(en.member_id);
    });
  }
});

describe("canonical JSON refuses what Go would not round-trip", () => {
  it("floats, unsafe integers and lone surrogates", () => {
    expect(() => canonicalJSON({ a: 1.5 })).toThrow();
    expect(() => canonicalJSON({ a: 2 ** 53 })).toThrow();
    expect(() => canonicalJSON({ a: "\ud800" })).toThrow();
    expect(canonicalJSON({ a: "🙂", b: undefined, c: [true, null] })).toBe('{"a":"🙂","c":[true,null]}');
  });
});

describe("typed codes", () => {
  it("are case-insensitive and forgiving", () => {
    for (const [typed, code] of [
      ["abcde-fghij-klmno-pqrst", "ABCDE-FGHIJ-KLMNO-PQRST"],
      [" abcdefghijklmnopqrst ", "ABCDE-FGHIJ-KLMNO-PQRST"],
      ["ABCDE FGHIJ KLMNO PQRST", "ABCDE-FGHIJ-KLMNO-PQRST"],
      ["ａｂｃｄｅ－ｆｇｈｉｊ－ｋｌｍｎｏ－ｐｑｒｓｔ", "ABCDE-FGHIJ-KLMNO-PQRST"],
      ["abcde–fghij–klmno–pqrst", "ABCDE-FGHIJ-KLMNO-PQRST"],
    ]) {
      expect(normalizeCode(typed)).toBe(code);
      expect(codeLooksValid(normalizeCode(typed))).toBe(true);
    }
    expect(codeLooksValid(normalizeCode("abcde-fghij-klmno-pqrs1"))).toBe(false);
    expect(codeLooksValid(normalizeCode("short"))).toBe(false);
  });
});

describe("WebCrypto Ed25519 signs exactly as @noble/curves", () => {
  it("non-extractable import of a seed", async () => {
    const seed = fromHex("07".repeat(32));
    const key = await importNonExtractable(seed);
    if (!key) return; // this runtime has no WebCrypto Ed25519; the browser test covers it
    expect(key.extractable).toBe(false);
    const noble = seedSigner(seed);
    const wc = cryptoKeySigner(key, noble.publicKey);
    const msg = utf8("pnyx/tx/v1\0test");
    expect(toHex(await wc.sign(msg))).toBe(toHex(await noble.sign(msg)));
  });
});

// What this implementation produces for Go to accept.
async function tsVectors() {
  const env = async (name: string, seedByte: number, chainId: string, type: string, nonce: bigint, body: Uint8Array) => {
    const s = seedSigner(new Uint8Array(32).fill(seedByte));
    const raw = await signTx(s, chainId, type, body, nonce);
    const d = decode(raw);
    return {
      name, seed: toHex(new Uint8Array(32).fill(seedByte)), public_key: toHex(s.publicKey), chain_id: chainId, type, nonce: nonce.toString(),
      body: new TextDecoder().decode(body), sign_bytes: toHex(signBytes(d)), signature: toHex(d.signature), encoded: toHex(raw), hash: toHex(txHash(raw)),
    };
  };
  const envelopes = [
    await env("redeem (portal)", 17, "pnyx-1", "member/redeem", 0n, redeemBody(normalizeCode("abcde fghij klmno pqrst"))),
    await env("agree (portal)", 18, "pnyx-1", "petition/agree", 3n, agreeBody("p-청년-1")),
    await env("create petition (portal)", 18, "pnyx-test", "petition/create", 4n, createPetitionBody({ id: "p-2", chapter: "seoul", category: "youth", title: "<청년> & \"주거\"", body: "줄\n바꿈\u2028 🙂 \u0001" })),
    await env("comment (portal)", 19, "pnyx-1", "comment/post", 9007199254740993n, commentBody({ id: "c-1", petition: "p-2", stance: "neutral", body: "의견" })),
    await env("reply (portal)", 19, "pnyx-1", "comment/post", 1n, commentBody({ id: "c-2", petition: "p-2", parent: "c-1", onAnswer: true, stance: "for", body: "답글" })),
    await env("vote (portal)", 19, "pnyx-1", "comment/vote", 2n, voteBody("c-1", "up")),
    await env("report (portal)", 20, "pnyx-1", "comment/report", 0n, reportBody("c-1", "off_topic")),
    await env("open (portal)", 18, "pnyx-1", "petition/open", 5n, petitionRefBody("p-2")),
  ];
  const reads = [];
  for (const [name, uri] of [["member", "/v1/members/m00112233445566778899"], ["credential with query", "/v1/members/m00112233445566778899/credential?prove=1"]]) {
    const s = seedSigner(new Uint8Array(32).fill(20));
    const time = 1764547200;
    reads.push({ name, seed: toHex(new Uint8Array(32).fill(20)), chain_id: "pnyx-1", method: "GET", uri, time, message: toHex(readMessage("pnyx-1", "GET", uri, time)), authorization: await authorization(s, "pnyx-1", "GET", uri, time) });
  }
  const enrollment = ["ZYXWV-UTSRQ-PONML-KJIH7", "AAAAA-BBBBB-CCCCC-DDDDD"].map((code) => {
    const h = enrollmentCodeHash("pnyx-1", code);
    return { chain_id: "pnyx-1", code, code_hash: h, member_id: deriveMemberId(h) };
  });
  return { comment: "Made by UPDATE=1 npx vitest run (web/test/vectors.test.ts); internal/portal/vectors_test.go must accept every envelope and read.", envelopes, reads, enrollment };
}

describe("this implementation's vectors", () => {
  it("are the committed ts-vectors.json (UPDATE=1 rewrites it)", async () => {
    const file = new URL("ts-vectors.json", dir);
    const want = JSON.stringify(await tsVectors(), null, 2) + "\n";
    if (process.env.UPDATE === "1") writeFileSync(file, want);
    expect(readFileSync(file, "utf8")).toBe(want);
  });
});

// testdata/token/credential-status.json is what token.CredentialOf gives
// for each member status (modules/token/credential_vectors_test.go); the
// card names a record's standing the same way.
describe("credential status vectors", () => {
  const list: { member_status: string; credential_status: string }[] = JSON.parse(
    readFileSync(new URL("../../testdata/token/credential-status.json", import.meta.url), "utf8"),
  );
  it("covers every member status", () => expect(list.length).toBeGreaterThanOrEqual(4));
  for (const v of list) {
    it(`${v.member_status} stands for ${v.credential_status}`, () => expect(credentialStatus(v.member_status)).toBe(v.credential_status));
  }
});
