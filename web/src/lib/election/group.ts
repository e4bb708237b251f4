// The election group in TypeScript: ristretto255 (RFC 9496) through
// @noble/curves, scalars as bigint mod ℓ, and the Fiat-Shamir transcript of
// package election/group, byte for byte (docs/election-record.md,
// "Hashing"). Strict decoders: a non-canonical point or scalar is an error.
import { ristretto255 } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { concat, u32, u64, utf8 } from "../bytes";

export const Point = ristretto255.Point;
export type Point = InstanceType<typeof ristretto255.Point>;
export const ORDER: bigint = Point.Fn.ORDER;
export const G: Point = Point.BASE;
export const ZERO: Point = Point.ZERO;

export const mod = (x: bigint): bigint => ((x % ORDER) + ORDER) % ORDER;

/** mul is s·P for any scalar, zero included (noble refuses 0 in multiply). */
export function mul(P: Point, s: bigint): Point {
  s = mod(s);
  return s === 0n ? ZERO : P.multiply(s);
}
/**
 * mulPublic is s·P for a scalar that is public anyway (a simulated proof
 * branch's challenge, which the proof publishes): variable time, faster.
 */
export function mulPublic(P: Point, s: bigint): Point {
  s = mod(s);
  return s === 0n ? ZERO : P.multiplyUnsafe(s);
}
/** base is g^s. */
export const base = (s: bigint): Point => mul(G, s);

export function leToBig(b: Uint8Array): bigint {
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]);
  return x;
}

/** scalarBytes is the canonical 32-byte little-endian encoding. */
export function scalarBytes(s: bigint): Uint8Array {
  s = mod(s);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return out;
}

/** fromUniform is FromUniformBytes: 64 bytes little-endian, reduced mod ℓ. */
export const fromUniform = (b: Uint8Array): bigint => {
  if (b.length !== 64) throw new RangeError("64 bytes expected");
  return leToBig(b) % ORDER;
};

export function decodeScalar(b: Uint8Array): bigint {
  if (b.length !== 32) throw new Error("invalid scalar");
  const s = leToBig(b);
  if (s >= ORDER) throw new Error("non-canonical scalar");
  return s;
}

export function decodePoint(b: Uint8Array): Point {
  if (b.length !== 32) throw new Error("invalid point");
  const p = Point.fromBytes(b); // noble decodes canonical encodings only
  return p;
}

export function decodePublicKey(b: Uint8Array): Point {
  const p = decodePoint(b);
  if (p.equals(ZERO)) throw new Error("identity used as a public key");
  return p;
}

export const enc = (p: Point): Uint8Array => p.toBytes();

/** Rand yields n random bytes: crypto.getRandomValues in the booth, a fixed stream in tests. */
export type Rand = (n: number) => Uint8Array;
export const cryptoRand: Rand = (n) => crypto.getRandomValues(new Uint8Array(n));

/** randomScalar is RandomScalar: 64 bytes, wide reduction. */
export const randomScalar = (rand: Rand): bigint => fromUniform(rand(64));

/** Transcript is group.Transcript: SHA-512 over labelled, length-prefixed values. */
export class Transcript {
  private parts: Uint8Array[] = [];
  constructor(domain: string) {
    this.appendBytes("domain", utf8(domain));
  }
  appendBytes(label: string, value: Uint8Array): this {
    const l = utf8(label);
    this.parts.push(u32(l.length), l, u64(BigInt(value.length)), value);
    return this;
  }
  appendUint64(label: string, n: bigint): this {
    return this.appendBytes(label, u64(BigInt.asUintN(64, n)));
  }
  appendPoint(label: string, p: Point): this {
    return this.appendBytes(label, enc(p));
  }
  appendScalar(label: string, s: bigint): this {
    return this.appendBytes(label, scalarBytes(s));
  }
  digest(): Uint8Array {
    return sha512(concat(...this.parts));
  }
  challenge(label: string): bigint {
    this.appendBytes("challenge", utf8(label));
    const c = fromUniform(this.digest());
    this.appendScalar("challenge-value", c);
    return c;
  }
}

/** Schnorr proof of knowledge (commitment form R ‖ s). */
export function proveSchnorr(rand: Rand, t: Transcript, x: bigint, X: Point): Uint8Array {
  const k = randomScalar(rand);
  const R = base(k);
  t.appendPoint("schnorr-key", X).appendPoint("schnorr-commitment", R);
  const c = t.challenge("schnorr");
  return concat(enc(R), scalarBytes(mod(k + c * x)));
}

export function verifySchnorr(t: Transcript, X: Point, sig: Uint8Array): boolean {
  const R = decodePoint(sig.subarray(0, 32));
  const s = decodeScalar(sig.subarray(32, 64));
  t.appendPoint("schnorr-key", X).appendPoint("schnorr-commitment", R);
  const c = t.challenge("schnorr");
  return base(s).equals(R.add(mul(X, c)));
}

/** verifyDLEQ checks a Chaum-Pedersen proof a ‖ b ‖ v that log_g X = log_A D. */
export function verifyDLEQ(t: Transcript, X: Point, A: Point, D: Point, a: Point, b: Point, v: bigint): boolean {
  t.appendPoint("dleq-X", X).appendPoint("dleq-A", A).appendPoint("dleq-D", D).appendPoint("dleq-a", a).appendPoint("dleq-b", b);
  const c = t.challenge("dleq");
  return base(v).equals(a.add(mul(X, c))) && mul(A, v).equals(b.add(mul(D, c)));
}

/** Reader reads the fixed layouts of docs/election-record.md. */
export class Reader {
  o = 0;
  constructor(public b: Uint8Array) {}
  take(n: number): Uint8Array {
    if (this.o + n > this.b.length) throw new Error("truncated encoding");
    const out = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return out;
  }
  u8 = () => this.take(1)[0];
  u16 = () => { const x = this.take(2); return (x[0] << 8) | x[1]; };
  u32 = () => new DataView(this.take(4).slice().buffer).getUint32(0);
  str(): string {
    return new TextDecoder("utf-8", { fatal: true }).decode(this.take(this.u32()));
  }
  point = () => decodePoint(this.take(32));
  scalar = () => decodeScalar(this.take(32));
  finish() {
    if (this.o !== this.b.length) throw new Error("trailing bytes after encoding");
  }
}
