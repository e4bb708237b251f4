// Checking a published tally in the browser (docs/election-record.md,
// "Tally"): the aggregate is the sum of the counted ballots' ciphertexts
// (the last ballot of each one-time key), every trustee's decryption share
// carries a valid Chaum-Pedersen proof, and the k smallest trustees' shares
// combine to g^result for every published result.
import { concat } from "../bytes";
import { base, decodePoint, enc, mod, mul, Reader, Transcript, verifyDLEQ, ZERO, type Point } from "./group";
import { modInverse } from "./blindrsa";
import { ORDER } from "./group";

export interface TallyInput {
  electionId: Uint8Array;
  threshold: number;
  publicShares: Uint8Array[]; // X_1..X_n
  aggregate: Uint8Array; // alpha ‖ beta per option, contest by contest
  ballots: { oneTimeKey: string; selections: Uint8Array }[]; // cast ballots in chain order
  shares: { trustee: number; raw: Uint8Array }[];
  results: number[][];
  optionCounts: number[];
}

export interface TallyCheck { name: "aggregate" | "shares" | "results"; ok: boolean; detail?: string }

export function lagrange(set: number[], l: number): bigint {
  let num = 1n, den = 1n;
  for (const j of set) {
    if (j === l) continue;
    num = mod(num * BigInt(j));
    den = mod(den * BigInt(j - l));
  }
  return mod(num * modInverse(den, ORDER));
}

export function verifyTally(t: TallyInput): TallyCheck[] {
  const n = t.optionCounts.reduce((a, b) => a + b, 0);
  const out: TallyCheck[] = [];
  // Aggregate: the last ballot of each one-time key counts.
  const last = new Map<string, Uint8Array>();
  for (const b of t.ballots) last.set(b.oneTimeKey, b.selections);
  const sum: [Point, Point][] = Array.from({ length: n }, () => [ZERO, ZERO]);
  for (const sel of last.values()) {
    const r = new Reader(sel);
    for (let i = 0; i < n; i++) sum[i] = [sum[i][0].add(r.point()), sum[i][1].add(r.point())];
    r.finish();
  }
  const want = concat(...sum.flatMap(([a, b]) => [enc(a), enc(b)]));
  const aggOk = want.length === t.aggregate.length && want.every((x, i) => x === t.aggregate[i]);
  out.push({ name: "aggregate", ok: aggOk, detail: `${last.size}` });
  const r = new Reader(t.aggregate);
  const alphas: Point[] = [], betas: Point[] = [];
  for (let i = 0; i < n; i++) {
    alphas.push(r.point());
    betas.push(r.point());
  }
  // Decryption shares.
  const Ds = new Map<number, Point[]>();
  let sharesOk = t.shares.length >= t.threshold;
  for (const s of t.shares) {
    const rd = new Reader(s.raw);
    const X = decodePoint(t.publicShares[s.trustee - 1]);
    const D: Point[] = [];
    for (let i = 0; i < n; i++) {
      const d = rd.point(), a = rd.point(), b = rd.point(), v = rd.scalar();
      const tr = new Transcript("pnyx/election/decryption-share/v1").appendBytes("election", t.electionId).appendUint64("trustee", BigInt(s.trustee)).appendUint64("ciphertext", BigInt(i));
      if (!verifyDLEQ(tr, X, alphas[i], d, a, b, v)) sharesOk = false;
      D.push(d);
    }
    rd.finish();
    Ds.set(s.trustee, D);
  }
  out.push({ name: "shares", ok: sharesOk, detail: `${t.shares.length}/${t.threshold}` });
  // Results: g^result = beta / prod D^lambda over the k smallest trustees.
  const set = [...Ds.keys()].sort((a, b) => a - b).slice(0, t.threshold);
  let resOk = sharesOk && set.length === t.threshold;
  const flat = t.results.flat();
  if (flat.length !== n) resOk = false;
  for (let i = 0; resOk && i < n; i++) {
    let M = betas[i];
    for (const l of set) M = M.subtract(mul(Ds.get(l)![i], lagrange(set, l)));
    if (!M.equals(base(BigInt(flat[i])))) resOk = false;
  }
  out.push({ name: "results", ok: resOk });
  return out;
}
