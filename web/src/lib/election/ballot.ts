// Ballots in TypeScript, byte for byte as package election/ballot writes
// them (docs/election-record.md, "Manifest" and "Ballots"): exponential
// ElGamal of each selection under the trustees' joint key, a disjunctive
// Chaum-Pedersen range proof per option and per contest's total, and a
// Schnorr signature by the voter's one-time key. Randomness is drawn in
// exactly Go's order, so the same random bytes give the same ballot
// (testdata/ballot holds the vectors both sides check).
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { concat, u32, utf8 } from "../bytes";
import { base, decodePublicKey, enc, mod, mul, mulPublic, proveSchnorr, randomScalar, Reader, scalarBytes, Transcript, verifySchnorr, ZERO, type Point, type Rand } from "./group";

export interface Contest { title: string; selectionLimit: number; optionLimit: number; options: string[] }
export interface Manifest { electionId: Uint8Array; title: string; contests: Contest[]; encoded: Uint8Array; hash: Uint8Array }

export function decodeManifest(raw: Uint8Array): Manifest {
  const r = new Reader(raw);
  if (new TextDecoder().decode(r.take(8)) !== "PNYXMAN1") throw new Error("not a manifest");
  const electionId = r.take(32).slice();
  const title = r.str();
  const n = r.u16();
  const contests: Contest[] = [];
  for (let i = 0; i < n; i++) {
    const title = r.str();
    const selectionLimit = r.u32();
    const optionLimit = r.u32();
    const k = r.u16();
    const options: string[] = [];
    for (let j = 0; j < k; j++) options.push(r.str());
    contests.push({ title, selectionLimit, optionLimit, options });
  }
  r.finish();
  if (n < 1 || n > 64) throw new Error("manifest: 1 to 64 contests");
  for (const c of contests) {
    if (c.options.length < 1 || c.options.length > 256 || c.optionLimit < 1 || c.optionLimit > 16 || c.selectionLimit < 1 || c.selectionLimit > Math.min(64, c.optionLimit * c.options.length)) throw new Error("manifest: limits out of range");
  }
  return { electionId, title, contests, encoded: raw, hash: sha256(concat(utf8("pnyx/election/manifest/v1"), raw)) };
}

/** Election is the public context a ballot is made against. */
export interface Election { manifest: Manifest; jointKey: Point; jointKeyBytes: Uint8Array; credentialSizes: number[] }

export function makeElection(manifest: Manifest, jointKey: Uint8Array, credentialSizes: number[]): Election {
  // The joint key is multiplied by every secret of every ballot: a table
  // of its multiples, like the generator's, makes that about 4x faster.
  const K = decodePublicKey(jointKey);
  K.precompute(8, false);
  return { manifest, jointKey: K, jointKeyBytes: jointKey.slice(), credentialSizes };
}

export interface OneTimeKey { secret: bigint; public: Point; bytes: Uint8Array }

export function oneTimeKey(secret: bigint): OneTimeKey {
  const P = base(secret);
  return { secret, public: P, bytes: enc(P) };
}
export const newOneTimeKey = (rand: Rand): OneTimeKey => oneTimeKey(randomScalar(rand));

/** Choices are choices[contest][option], each 0..optionLimit. */
export type Choices = number[][];

export function checkChoices(m: Manifest, choices: Choices): void {
  if (choices.length !== m.contests.length) throw new Error("one list of choices per contest");
  m.contests.forEach((c, i) => {
    if (choices[i].length !== c.options.length) throw new Error(`contest ${i + 1}: one value per option`);
    let sum = 0;
    for (const v of choices[i]) {
      if (!Number.isInteger(v) || v < 0 || v > c.optionLimit) throw new Error(`contest ${i + 1}: over the option limit`);
      sum += v;
    }
    if (sum > c.selectionLimit) throw new Error(`contest ${i + 1}: more than ${c.selectionLimit} selections`);
  });
}

export interface Reveal { choices: Choices; r: bigint[][] }
export interface Ballot { bytes: Uint8Array; tracking: Uint8Array; reveal: Reveal }

const encryptWith = (K: Point, m: number, r: bigint): [Point, Point] => [base(r), mul(K, r).add(base(BigInt(m)))];

function rangeTranscript(digest: Uint8Array, contest: number, option: number): Transcript {
  return new Transcript("pnyx/election/range-proof/v1")
    .appendBytes("ballot", digest)
    .appendUint64("contest", BigInt(contest))
    .appendUint64("option", BigInt(option)); // -1 wraps to 2^64-1 for the limit proof
}

/** proveRange proves (alpha, beta) encrypts m in 0..R: A‖B pairs, R challenges, R+1 responses. */
function proveRange(rand: Rand, t: Transcript, K: Point, alpha: Point, beta: Point, m: number, r: bigint, R: number): Uint8Array {
  const A: Point[] = [], B: Point[] = [], cs: bigint[] = [], vs: bigint[] = [];
  let u = 0n;
  for (let j = 0; j <= R; j++) {
    if (j === m) {
      u = randomScalar(rand);
      A[j] = base(u);
      B[j] = mul(K, u);
      continue;
    }
    const cj = randomScalar(rand);
    const vj = randomScalar(rand);
    cs[j] = cj;
    vs[j] = vj;
    // c_j and v_j of a simulated branch are published in the proof.
    A[j] = base(vj).add(mulPublic(alpha, cj));
    B[j] = mul(K, vj).add(mulPublic(beta.subtract(base(BigInt(j))), cj));
  }
  const commit = concat(...A.flatMap((a, j) => [enc(a), enc(B[j])]));
  t.appendBytes("commitments", commit);
  let cm = t.challenge("range");
  for (let j = 0; j <= R; j++) if (j !== m) cm = mod(cm - cs[j]);
  cs[m] = cm;
  vs[m] = mod(u - cm * r);
  return concat(commit, ...cs.slice(0, R).map(scalarBytes), ...vs.map(scalarBytes));
}

/**
 * encrypt makes a ballot for choices with the one-time key and the
 * issuers' credentials (in issuer order). The reveal (choices and
 * randomness) lets the member challenge the ballot instead of casting it.
 */
export function encrypt(rand: Rand, e: Election, key: OneTimeKey, creds: Uint8Array[], choices: Choices): Ballot {
  const m = e.manifest;
  checkChoices(m, choices);
  if (creds.length !== e.credentialSizes.length || creds.some((c, i) => c.length !== e.credentialSizes[i])) throw new Error("one credential per issuer, of the issuer's size");
  const K = e.jointKey;
  const rs: bigint[][] = [];
  const cts: [Point, Point][][] = [];
  for (const c of m.contests) {
    const rc: bigint[] = [], cc: [Point, Point][] = [];
    for (let j = 0; j < c.options.length; j++) {
      const r = randomScalar(rand);
      rc.push(r);
      cc.push(encryptWith(K, choices[rs.length][j], r));
    }
    rs.push(rc);
    cts.push(cc);
  }
  const sel = concat(...cts.flat().flatMap(([a, b]) => [enc(a), enc(b)]));
  const digest = new Transcript("pnyx/election/ballot/v1")
    .appendBytes("election", m.electionId)
    .appendBytes("manifest", m.hash)
    .appendBytes("joint-key", e.jointKeyBytes)
    .appendBytes("one-time-key", key.bytes)
    .appendBytes("ciphertexts", sel)
    .digest();
  const proofs: Uint8Array[] = [];
  m.contests.forEach((c, i) => {
    let sa = ZERO, sb = ZERO, rsum = 0n, total = 0;
    c.options.forEach((_, j) => {
      const [a, b] = cts[i][j];
      const v = choices[i][j];
      proofs.push(proveRange(rand, rangeTranscript(digest, i, j), K, a, b, v, rs[i][j], c.optionLimit));
      sa = sa.add(a);
      sb = sb.add(b);
      rsum = mod(rsum + rs[i][j]);
      total += v;
    });
    proofs.push(proveRange(rand, rangeTranscript(digest, i, -1), K, sa, sb, total, rsum, c.selectionLimit));
  });
  const body = concat(new Uint8Array([1]), m.electionId, key.bytes, ...creds, sel, ...proofs);
  const sig = proveSchnorr(rand, signatureTranscript(body), key.secret, key.public);
  const bytes = concat(body, sig);
  return { bytes, tracking: trackingCode(bytes), reveal: { choices, r: rs } };
}

const signatureTranscript = (body: Uint8Array) => new Transcript("pnyx/election/ballot-signature/v1").appendBytes("ballot", sha512(body));

/** checkSignature verifies the one-time signature of an encoded ballot. */
export function checkSignature(bytes: Uint8Array): boolean {
  const otk = decodePublicKey(bytes.subarray(33, 65));
  return verifySchnorr(signatureTranscript(bytes.subarray(0, bytes.length - 64)), otk, bytes.subarray(bytes.length - 64));
}

export const trackingCode = (bytes: Uint8Array): Uint8Array => sha256(concat(utf8("pnyx/election/tracking/v1"), bytes));

/** shortTracking is what people read: the first 10 bytes in hex, in groups of four. */
export function shortTracking(code: Uint8Array): string {
  const h = Array.from(code.subarray(0, 10), (x) => x.toString(16).padStart(2, "0")).join("");
  return h.match(/.{1,4}/g)!.join("-");
}

/** encodeReveal: for each contest, each option: u32 choice ‖ r. */
export const encodeReveal = (rv: Reveal): Uint8Array => concat(...rv.choices.flatMap((c, i) => c.flatMap((v, j) => [u32(v), scalarBytes(rv.r[i][j])])));

/**
 * checkReveal is what a member checks on a challenged ballot: every
 * ciphertext in it is the encryption of the revealed choice with the
 * revealed randomness. It returns the choices it confirmed.
 */
export function checkReveal(e: Election, bytes: Uint8Array, rv: Reveal): boolean {
  const m = e.manifest;
  let o = 1 + 32 + 32 + e.credentialSizes.reduce((a, b) => a + b, 0);
  try {
    checkChoices(m, rv.choices);
  } catch {
    return false;
  }
  for (let i = 0; i < m.contests.length; i++) {
    for (let j = 0; j < m.contests[i].options.length; j++) {
      const [a, b] = encryptWith(e.jointKey, rv.choices[i][j], rv.r[i][j]);
      const want = concat(enc(a), enc(b));
      const got = bytes.subarray(o, o + 64);
      o += 64;
      if (want.some((x, k) => x !== got[k])) return false;
    }
  }
  return true;
}
