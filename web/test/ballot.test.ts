// The TypeScript half of the ballot vectors (testdata/ballot). Go's ballots,
// made from a fixed random stream, must come out of this code byte for byte;
// this code's ballots, credentials and requests go to ts-vectors.json, which
// the Go test (election/ballot/portal_vectors_test.go) checks with the
// chain's verifier. UPDATE=1 npx vitest run rewrites ts-vectors.json.
import { readFileSync, writeFileSync } from "node:fs";
import { sha512 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { concat, fromHex, toHex, u64, utf8 } from "../src/lib/bytes";
import { seedSigner } from "../src/lib/signer";
import { checkReveal, checkSignature, decodeManifest, encodeReveal, encrypt, makeElection, oneTimeKey, shortTracking, type Election } from "../src/lib/election/ballot";
import { bigToBe, blind, credentialMessage, finalize, modPow, parseRsaKey, requestDigest, type RsaKey } from "../src/lib/election/blindrsa";
import { base, decodeScalar, enc, ORDER, Transcript, type Rand } from "../src/lib/election/group";
import { lagrange } from "../src/lib/election/tally";
import { encryptionCode, makeOpening } from "../src/lib/election/opening";

const dir = new URL("../../testdata/ballot/", import.meta.url);
const go = JSON.parse(readFileSync(new URL("go-vectors.json", dir), "utf8"));

/** stream is the vectors' random source, as in the Go test. */
function stream(seed: Uint8Array): Rand {
  let ctr = 0n;
  let buf = new Uint8Array(0);
  return (n) => {
    while (buf.length < n) buf = concat(buf, sha512(concat(seed, u64(ctr++))));
    const out = buf.slice(0, n);
    buf = buf.slice(n);
    return out;
  };
}

const keys: RsaKey[] = go.issuers.map((i: any) => parseRsaKey(fromHex(i.public_key)));
const priv: bigint[] = go.issuers.map((i: any) => BigInt("0x" + i.d));

function electionOf(v: any): Election {
  return makeElection(decodeManifest(fromHex(v.manifest)), fromHex(v.joint_key), v.issuers.map((i: number) => keys[i].size));
}

describe("transcript", () => {
  it("known answer of docs/election-record.md", () => {
    const t = new Transcript("pnyx/test/v1").appendBytes("a", utf8("hello")).appendUint64("n", 7n).appendPoint("g", base(1n));
    expect(toHex(bigToBe(0n, 0))).toBe("");
    const c = t.challenge("c");
    expect(toHex(fromHexLE(c))).toBe("653c5ed8d0496420865079d101d03149b3391581a87cb3491b7674352b92a50c");
  });
});

function fromHexLE(c: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) { out[i] = Number(c & 0xffn); c >>= 8n; }
  return out;
}

describe("issuer keys", () => {
  it("parse the PKIX DER the chain stores", () => {
    go.issuers.forEach((i: any, k: number) => {
      expect(keys[k].n).toBe(BigInt("0x" + i.n));
      expect(keys[k].size).toBe(256);
    });
  });
});

describe("Go's ballots, reproduced byte for byte", () => {
  for (const v of go.ballots) {
    it(v.name, () => {
      const e = electionOf(v);
      const key = oneTimeKey(decodeScalar(fromHex(v.one_time_secret)));
      const b = encrypt(stream(fromHex(v.rand_seed)), e, key, v.credentials.map(fromHex), v.choices);
      expect(toHex(b.bytes)).toBe(v.ballot);
      expect(toHex(b.tracking)).toBe(v.tracking);
      expect(shortTracking(b.tracking)).toBe(v.tracking_short);
      expect(toHex(encodeReveal(b.reveal))).toBe(v.reveal);
      expect(checkSignature(b.bytes)).toBe(true);
      expect(checkReveal(e, b.bytes, b.reveal)).toBe(true);
      const wrong = { ...b.reveal, choices: b.reveal.choices.map((c) => c.slice(1).concat(c[0])) };
      expect(checkReveal(e, b.bytes, wrong)).toBe(false);
    });
  }
  it("refuses choices over the limits", () => {
    const v = go.ballots[0];
    const e = electionOf(v);
    const key = oneTimeKey(5n);
    expect(() => encrypt(stream(utf8("x")), e, key, v.credentials.map(fromHex), [[1, 1, 0], [1, 0, 0, 0]])).toThrow();
    expect(() => encrypt(stream(utf8("x")), e, key, v.credentials.map(fromHex), [[0, 0, 2], [1, 0, 0, 0]])).toThrow();
  });
});

describe("blind RSA credentials", () => {
  it("blind, issuer signs, unblind: a valid credential; a wrong answer is caught", () => {
    const eid = fromHex(go.ballots[0].manifest.slice(16, 80));
    const key = oneTimeKey(12345n);
    const msg = credentialMessage(eid, key.bytes);
    const { blinded, pending } = blind(stream(utf8("blind")), keys[0], msg);
    const answer = bigToBe(modPow(BigInt("0x" + toHex(blinded)), priv[0], keys[0].n), 256);
    expect(finalize(keys[0], msg, pending, answer).length).toBe(256);
    const bad = answer.slice();
    bad[100] ^= 1;
    expect(() => finalize(keys[0], msg, pending, bad)).toThrow();
  });
});

describe("Lagrange coefficients", () => {
  it("interpolate a line at 0", () => {
    // f(x) = 7 + 3x: f(1)=10, f(3)=16; f(0) = λ1·10 + λ3·16
    const s = [1, 3];
    const v = (lagrange(s, 1) * 10n + lagrange(s, 3) * 16n) % ORDER;
    expect(v).toBe(7n);
  });
});

describe("TypeScript's output for the Go verifier", () => {
  it("writes ballots, credentials and requests (UPDATE=1) or matches the file", () => {
    const member = seedSigner(new Uint8Array(32).fill(7));
    const out: any = { comment: "Written by web/test/ballot.test.ts (UPDATE=1 npx vitest run); checked by go test ./election/ballot -run TestPortalVectors.", ballots: [], requests: [], credentials: [], openings: [] };
    const rand = stream(utf8("typescript"));
    const cases = [
      { g: go.ballots[0], choices: [[0, 0, 1], [0, 1, 1, 0]] },
      { g: go.ballots[2], choices: [[0, 1, 1]] },
    ];
    cases.forEach((c, n) => {
      const e = electionOf(c.g);
      const key = oneTimeKey(BigInt(777 + n));
      const eid = e.manifest.electionId;
      const msg = credentialMessage(eid, key.bytes);
      const creds = c.g.issuers.map((i: number) => {
        const { blinded, pending } = blind(rand, keys[i], msg);
        const ed = requestDigest(eid, i, member.publicKey, blinded);
        return { i, blinded, pending, ed };
      }).map(({ i, blinded, pending, ed }: any) => {
        const sigP = member.sign(ed);
        const answer = bigToBe(modPow(BigInt("0x" + toHex(blinded)), priv[i], keys[i].n), 256);
        const cred = finalize(keys[i], msg, pending, answer);
        out.credentials.push({ election_id: toHex(eid), issuer: i, one_time_key: toHex(key.bytes), credential: toHex(cred) });
        return { i, blinded, sigP, cred };
      });
      const b = encrypt(rand, e, key, creds.map((x: any) => x.cred), c.choices);
      out.ballots.push({ name: `typescript ${n}`, manifest: c.g.manifest, joint_key: c.g.joint_key, issuers: c.g.issuers, credentials: creds.map((x: any) => toHex(x.cred)), choices: c.choices, ballot: toHex(b.bytes), tracking: toHex(b.tracking), tracking_short: shortTracking(b.tracking), reveal: toHex(encodeReveal(b.reveal)) });
      // The booth's challenge: an opening of this encryption under a
      // throwaway key (its own random stream, so the ballots stay as they were).
      out.openings.push({ ballot: n, opening: toHex(makeOpening(stream(utf8(`opening ${n}`)), e, b)), encryption_code: toHex(encryptionCode(e, b.bytes)) });
      out.pendingSigs = (out.pendingSigs ?? []).concat(creds.map((x: any) => ({ eid: toHex(eid), i: x.i, blinded: toHex(x.blinded), sigP: x.sigP })));
    });
    return Promise.all(out.pendingSigs.map((p: any) => p.sigP.then((s: Uint8Array) => ({ election_id: p.eid, issuer: p.i, member: toHex(member.publicKey), blinded: p.blinded, signature: toHex(s) })))).then((reqs) => {
      delete out.pendingSigs;
      out.requests = reqs;
      const file = new URL("ts-vectors.json", dir);
      const text = JSON.stringify(out, null, 2) + "\n";
      if (process.env.UPDATE) writeFileSync(file, text);
      expect(readFileSync(file, "utf8")).toBe(text);
      expect(enc(base(1n)).length).toBe(32);
    });
  });
});
