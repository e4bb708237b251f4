// Checking a pnyx StateProof (package proof) in the browser, with no trust
// in the node that served it: the validator set hashes to the header's
// ValidatorsHash; validators with more than 2/3 of the power signed the
// header (CometBFT v0.38 canonical precommits, Ed25519); the header is the
// one after the proven state version; every entry's ICS-23 IAVL existence
// proof leads to the header's AppHash. As in Go, a proof is only as good as
// the validator set it carries: callers compare validatorsHash with the one
// they trust (the card shows it). Absence proofs are not supported here.
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, equal, fromBase64, fromHex, toHex, utf8 } from "./bytes";
import { verify as ed25519Verify } from "./signer";

// ---- protobuf, the few shapes CometBFT and ICS-23 need ----
function uvarint(n: bigint): Uint8Array {
  const out: number[] = [];
  n = BigInt.asUintN(64, n);
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return new Uint8Array(out);
}
const tag = (field: number, wire: number) => uvarint(BigInt((field << 3) | wire));
const pbVarint = (f: number, v: bigint) => (v === 0n ? new Uint8Array(0) : concat(tag(f, 0), uvarint(v)));
const pbBytes = (f: number, b: Uint8Array) => (b.length === 0 ? new Uint8Array(0) : concat(tag(f, 2), uvarint(BigInt(b.length)), b));
const pbMsg = (f: number, b: Uint8Array) => concat(tag(f, 2), uvarint(BigInt(b.length)), b); // always emitted
function pbSfixed64(f: number, v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0);
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, v, true);
  return concat(tag(f, 1), b);
}

/** timestamp parses RFC 3339 with nanoseconds into proto Timestamp bytes. */
function timestamp(s: string): Uint8Array {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z$/.exec(s);
  if (!m) throw new Error("bad time " + s);
  const secs = BigInt(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000);
  const nanos = BigInt((m[7] ?? "").padEnd(9, "0") || "0");
  return concat(pbVarint(1, secs), pbVarint(2, nanos));
}

// ---- CometBFT's Merkle tree (RFC 6962) ----
export function merkleRoot(items: Uint8Array[]): Uint8Array {
  if (items.length === 0) return sha256(new Uint8Array(0));
  if (items.length === 1) return sha256(concat(new Uint8Array([0]), items[0]));
  let k = 1;
  while (k * 2 < items.length) k *= 2;
  return sha256(concat(new Uint8Array([1]), merkleRoot(items.slice(0, k)), merkleRoot(items.slice(k))));
}

const hx = (s: string | undefined) => fromHex(s ?? "");
const blockIdProto = (b: any) => concat(pbBytes(1, hx(b.hash)), pbMsg(2, concat(pbVarint(1, BigInt(b.parts?.total ?? 0)), pbBytes(2, hx(b.parts?.hash)))));

export function headerHash(h: any): Uint8Array {
  return merkleRoot([
    concat(pbVarint(1, BigInt(h.version.block)), pbVarint(2, BigInt(h.version.app ?? 0))),
    pbBytes(1, utf8(h.chain_id)),
    pbVarint(1, BigInt(h.height)),
    timestamp(h.time),
    blockIdProto(h.last_block_id),
    pbBytes(1, hx(h.last_commit_hash)),
    pbBytes(1, hx(h.data_hash)),
    pbBytes(1, hx(h.validators_hash)),
    pbBytes(1, hx(h.next_validators_hash)),
    pbBytes(1, hx(h.consensus_hash)),
    pbBytes(1, hx(h.app_hash)),
    pbBytes(1, hx(h.last_results_hash)),
    pbBytes(1, hx(h.evidence_hash)),
    pbBytes(1, hx(h.proposer_address)),
  ]);
}

function validatorKey(v: any): Uint8Array {
  if (v.pub_key?.type !== "tendermint/PubKeyEd25519") throw new Error("only Ed25519 validators are supported");
  return fromBase64(v.pub_key.value);
}
export const validatorsHash = (vals: any[]): Uint8Array =>
  merkleRoot(vals.map((v) => concat(pbMsg(1, pbBytes(1, validatorKey(v))), pbVarint(2, BigInt(v.voting_power)))));

function voteSignBytes(chainId: string, height: bigint, round: bigint, blockId: any, time: string): Uint8Array {
  const canonicalBlockId = concat(pbBytes(1, hx(blockId.hash)), pbMsg(2, concat(pbVarint(1, BigInt(blockId.parts?.total ?? 0)), pbBytes(2, hx(blockId.parts?.hash)))));
  const vote = concat(pbVarint(1, 2n), pbSfixed64(2, height), pbSfixed64(3, round), pbMsg(4, canonicalBlockId), pbMsg(5, timestamp(time)), pbBytes(6, utf8(chainId)));
  return concat(uvarint(BigInt(vote.length)), vote);
}

// ---- ICS-23 (IAVL spec), existence proofs ----
class PB {
  o = 0;
  constructor(public b: Uint8Array) {}
  done = () => this.o >= this.b.length;
  varint(): bigint {
    let x = 0n, s = 0n;
    for (;;) {
      if (this.o >= this.b.length) throw new Error("protobuf: truncated");
      const c = this.b[this.o++];
      x |= BigInt(c & 0x7f) << s;
      if (c < 0x80) return x;
      s += 7n;
    }
  }
  field(): [number, number] {
    const t = Number(this.varint());
    return [t >> 3, t & 7];
  }
  bytes(): Uint8Array {
    const n = Number(this.varint());
    if (this.o + n > this.b.length) throw new Error("protobuf: truncated");
    const out = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return out;
  }
  skip(wire: number) {
    if (wire === 0) this.varint();
    else if (wire === 2) this.bytes();
    else if (wire === 1) this.o += 8;
    else if (wire === 5) this.o += 4;
    else throw new Error("protobuf: wire type " + wire);
  }
}
interface Op { hash: number; prehashKey?: number; prehashValue?: number; length?: number; prefix: Uint8Array; suffix: Uint8Array }
function readOp(b: Uint8Array, leaf: boolean): Op {
  const r = new PB(b);
  const op: Op = { hash: 0, prefix: new Uint8Array(0), suffix: new Uint8Array(0), prehashKey: 0, prehashValue: 0, length: 0 };
  while (!r.done()) {
    const [f, w] = r.field();
    if (f === 1 && w === 0) op.hash = Number(r.varint());
    else if (leaf && f === 2 && w === 0) op.prehashKey = Number(r.varint());
    else if (leaf && f === 3 && w === 0) op.prehashValue = Number(r.varint());
    else if (leaf && f === 4 && w === 0) op.length = Number(r.varint());
    else if (leaf && f === 5 && w === 2) op.prefix = r.bytes();
    else if (!leaf && f === 2 && w === 2) op.prefix = r.bytes();
    else if (!leaf && f === 3 && w === 2) op.suffix = r.bytes();
    else r.skip(w);
  }
  return op;
}

/** existenceRoot computes the root an IAVL existence proof of key = value leads to, checking the spec. */
export function existenceRoot(proof: Uint8Array, key: Uint8Array, value: Uint8Array): Uint8Array {
  const top = new PB(proof);
  let exist: Uint8Array | null = null;
  while (!top.done()) {
    const [f, w] = top.field();
    if (f === 1 && w === 2) exist = top.bytes();
    else top.skip(w);
  }
  if (!exist) throw new Error("not an existence proof");
  const r = new PB(exist);
  let pkey: Uint8Array = new Uint8Array(0), pval: Uint8Array = new Uint8Array(0), leaf: Op | null = null;
  const path: Op[] = [];
  while (!r.done()) {
    const [f, w] = r.field();
    if (f === 1 && w === 2) pkey = r.bytes();
    else if (f === 2 && w === 2) pval = r.bytes();
    else if (f === 3 && w === 2) leaf = readOp(r.bytes(), true);
    else if (f === 4 && w === 2) path.push(readOp(r.bytes(), false));
    else r.skip(w);
  }
  if (!leaf || !equal(pkey, key) || !equal(pval, value)) throw new Error("proof is for another key or value");
  // IavlSpec: SHA-256 leaves over the raw key and the SHA-256 of the value,
  // each with a varint length; the leaf prefix starts with 0.
  if (leaf.hash !== 1 || leaf.prehashKey !== 0 || leaf.prehashValue !== 1 || leaf.length !== 1 || leaf.prefix[0] !== 0) throw new Error("leaf does not follow the IAVL spec");
  const hv = sha256(value);
  let h = sha256(concat(leaf.prefix, uvarint(BigInt(key.length)), key, uvarint(BigInt(hv.length)), hv));
  for (const op of path) {
    // Inner nodes: SHA-256, a prefix of 4..12 bytes plus at most one 33-byte
    // child, a suffix of whole children, never the leaf prefix.
    if (op.hash !== 1 || op.prefix.length < 4 || op.prefix.length > 12 + 33 || op.suffix.length % 33 !== 0 || op.prefix[0] === 0) throw new Error("inner node does not follow the IAVL spec");
    h = sha256(concat(op.prefix, h, op.suffix));
  }
  return h;
}

export interface ProofCheck { ok: boolean; step?: "format" | "validators" | "signatures" | "height" | "merkle"; detail?: string; height?: number; validatorsHash?: string; entries?: { key: string; value: Uint8Array }[] }

/** verifyStateProof checks a proof as package proof's Verify does (without a trusted set). */
export function verifyStateProof(p: any): ProofCheck {
  try {
    if (String(p?.format) !== "1" || !p.signed_header?.header || !p.signed_header?.commit || !p.validators?.validators?.length || !p.entries?.length) return { ok: false, step: "format" };
    const h = p.signed_header.header, c = p.signed_header.commit, vals = p.validators.validators;
    if (h.chain_id !== p.chain_id) return { ok: false, step: "format", detail: "another chain" };
    const vh = validatorsHash(vals);
    if (!equal(vh, hx(h.validators_hash))) return { ok: false, step: "validators" };
    const hh = headerHash(h);
    if (!equal(hh, hx(c.block_id.hash)) || String(c.height) !== String(h.height)) return { ok: false, step: "signatures", detail: "commit is for another header" };
    let total = 0n, signed = 0n;
    for (const v of vals) total += BigInt(v.voting_power);
    c.signatures.forEach((s: any, i: number) => {
      if (s.block_id_flag !== 2) return;
      const v = vals[i];
      if (!v || s.validator_address !== v.address) throw new Error("signature of an unknown validator");
      const msg = voteSignBytes(p.chain_id, BigInt(c.height), BigInt(c.round ?? 0), c.block_id, s.timestamp);
      if (!ed25519Verify(fromBase64(s.signature), msg, validatorKey(v))) throw new Error("bad signature of validator " + v.address);
      signed += BigInt(v.voting_power);
    });
    if (signed * 3n <= total * 2n) return { ok: false, step: "signatures", detail: `${signed}/${total}` };
    if (BigInt(h.height) !== BigInt(p.state_version) + 1n) return { ok: false, step: "height" };
    const entries: { key: string; value: Uint8Array }[] = [];
    for (const e of p.entries) {
      const key = fromBase64(e.key);
      if (e.value === null) return { ok: false, step: "merkle", detail: "absence proofs are not checked here" };
      const value = fromBase64(e.value);
      let root: Uint8Array;
      try {
        root = existenceRoot(fromBase64(e.merkle_proof), key, value);
      } catch (err) {
        return { ok: false, step: "merkle", detail: String((err as Error).message) };
      }
      if (!equal(root, hx(h.app_hash))) return { ok: false, step: "merkle", detail: new TextDecoder().decode(key) };
      entries.push({ key: new TextDecoder().decode(key), value });
    }
    return { ok: true, height: Number(p.state_version), validatorsHash: toHex(vh), entries };
  } catch (err) {
    return { ok: false, step: "signatures", detail: String((err as Error).message ?? err) };
  }
}
