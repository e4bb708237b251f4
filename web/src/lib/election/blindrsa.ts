// Voting credentials: the client half of RFC 9474 blind RSA
// (RSABSSA-SHA384-PSS-Deterministic), as package election/credential uses
// it. The member blinds Message(electionID, oneTimeKey) for each issuer and
// signs the request with the member key; the issuer signs blindly on chain;
// the member unblinds. The issuer never sees the one-time key.
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import { concat, u32, utf8 } from "../bytes";
import type { Rand } from "./group";

export interface RsaKey { n: bigint; e: bigint; size: number }

const beToBig = (b: Uint8Array): bigint => {
  let x = 0n;
  for (const v of b) x = (x << 8n) | BigInt(v);
  return x;
};
export function bigToBe(x: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  if (x !== 0n) throw new RangeError("integer too large");
  return out;
}

export function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

export function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [((a % m) + m) % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error("not invertible");
  return ((s0 % m) + m) % m;
}

/** parseRsaKey reads a PKIX DER RSA public key (SubjectPublicKeyInfo). */
export function parseRsaKey(der: Uint8Array): RsaKey {
  let o = 0;
  const tlv = (tag: number): Uint8Array => {
    if (der[o++] !== tag) throw new Error("issuer key: unexpected DER tag");
    let len = der[o++];
    if (len & 0x80) {
      const k = len & 0x7f;
      len = 0;
      for (let i = 0; i < k; i++) len = len * 256 + der[o++];
    }
    const v = der.subarray(o, o + len);
    return v;
  };
  tlv(0x30); // SubjectPublicKeyInfo
  const alg = tlv(0x30);
  o += alg.length;
  const bits = tlv(0x03);
  o += 1; // unused-bits byte
  tlv(0x30); // RSAPublicKey
  const n = tlv(0x02);
  o += n.length;
  const e = tlv(0x02);
  const N = beToBig(n);
  const size = Math.ceil(N.toString(2).length / 8);
  if (size < 256 || beToBig(e) !== 65537n || bits.length === 0) throw new Error("issuer key rejected");
  return { n: N, e: beToBig(e), size };
}

function mgf1(seed: Uint8Array, len: number): Uint8Array {
  const out: Uint8Array[] = [];
  for (let c = 0; out.length * 48 < len; c++) out.push(sha384(concat(seed, u32(c))));
  return concat(...out).subarray(0, len);
}

/** pssEncode is EMSA-PSS-ENCODE with SHA-384, MGF1-SHA-384 and a 48-byte salt. */
export function pssEncode(msg: Uint8Array, salt: Uint8Array, modBits: number): Uint8Array {
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const mHash = sha384(msg);
  const H = sha384(concat(new Uint8Array(8), mHash, salt));
  const db = new Uint8Array(emLen - 48 - 1);
  db[emLen - salt.length - 48 - 2] = 1;
  db.set(salt, emLen - salt.length - 48 - 1);
  const mask = mgf1(H, db.length);
  for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
  db[0] &= 0xff >> (8 * emLen - emBits);
  return concat(db, H, new Uint8Array([0xbc]));
}

export const credentialMessage = (electionId: Uint8Array, oneTimeKey: Uint8Array): Uint8Array =>
  concat(utf8("pnyx/election/credential/v1"), electionId, oneTimeKey);

/** Pending is what unblinding needs: kept on the device between request and answer. */
export interface Pending { salt: Uint8Array; rInv: bigint }

export function blind(rand: Rand, key: RsaKey, msg: Uint8Array): { blinded: Uint8Array; pending: Pending } {
  const salt = rand(48);
  const modBits = key.n.toString(2).length;
  const m = beToBig(pssEncode(msg, salt, modBits));
  for (;;) {
    const r = beToBig(rand(key.size + 16)) % key.n;
    if (r < 2n) continue;
    let rInv: bigint;
    try {
      rInv = modInverse(r, key.n);
    } catch {
      continue;
    }
    const z = (m * modPow(r, key.e, key.n)) % key.n;
    return { blinded: bigToBe(z, key.size), pending: { salt, rInv } };
  }
}

/** finalize unblinds the issuer's answer and checks it is a valid credential. */
export function finalize(key: RsaKey, msg: Uint8Array, p: Pending, blindSig: Uint8Array): Uint8Array {
  const s = (beToBig(blindSig) * p.rInv) % key.n;
  const em = bigToBe(modPow(s, key.e, key.n), key.size);
  const want = pssEncode(msg, p.salt, key.n.toString(2).length);
  const off = key.size - want.length;
  if (em.subarray(0, off).some((x) => x !== 0) || want.some((x, i) => x !== em[off + i])) throw new Error("issuer returned an invalid blind signature");
  return bigToBe(s, key.size);
}

/** requestDigest is what the member's key signs for issuer i (credential.Request.Digest). */
export function requestDigest(electionId: Uint8Array, issuer: number, member: Uint8Array, blinded: Uint8Array): Uint8Array {
  const str = utf8("pnyx/election/credential-request/v1");
  return sha256(concat(u32(str.length), str, electionId, u32(issuer), u32(member.length), member, u32(blinded.length), blinded));
}
