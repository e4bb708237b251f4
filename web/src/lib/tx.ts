// The signed envelope of every pnyx transaction, byte for byte as package tx
// in Go encodes it (docs/tx-format.md; testdata/tx holds the vectors both
// sides must reproduce).
//
//   version 1 | u16 len, chain ID | u16 len, type | u32 len, body |
//   signer (32) | nonce u64 | signature (64)          (big-endian)
//
// The signature is Ed25519 over "pnyx/tx/v1\0" followed by everything but
// the signature.
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, u16, u32, u64, utf8 } from "./bytes";
import type { Signer } from "./signer";

export const VERSION = 1;
export const SIGN_DOMAIN = "pnyx/tx/v1\0";
export const MAX_TX_BYTES = 96 << 10;
export const MAX_NAME_LEN = 64;

export interface Envelope {
  chainId: string;
  type: string;
  body: Uint8Array;
  signer: Uint8Array; // 32-byte Ed25519 public key; all zero for anonymous txs
  nonce: bigint;
  signature: Uint8Array; // 64 bytes; all zero for anonymous txs
}

function unsigned(e: Envelope): Uint8Array {
  const chain = utf8(e.chainId);
  const type = utf8(e.type);
  if (chain.length > MAX_NAME_LEN || type.length > MAX_NAME_LEN) throw new RangeError("chain ID or type longer than 64 bytes");
  if (e.signer.length !== 32) throw new RangeError("signer must be 32 bytes");
  return concat(new Uint8Array([VERSION]), u16(chain.length), chain, u16(type.length), type, u32(e.body.length), e.body, e.signer, u64(e.nonce));
}

/** signBytes is what the signer signs: the domain, then the unsigned encoding. */
export const signBytes = (e: Envelope): Uint8Array => concat(utf8(SIGN_DOMAIN), unsigned(e));

/** encode returns the envelope's one accepted encoding. */
export function encode(e: Envelope): Uint8Array {
  if (e.signature.length !== 64) throw new RangeError("signature must be 64 bytes");
  const out = concat(unsigned(e), e.signature);
  if (out.length > MAX_TX_BYTES) throw new RangeError(`tx is ${out.length} bytes, the limit is ${MAX_TX_BYTES}`);
  return out;
}

/** txHash is the hash CometBFT and the API name a tx by: SHA-256 of its encoding. */
export const txHash = (raw: Uint8Array): Uint8Array => sha256(raw);

/** sign builds and signs an envelope with signer, returning its encoding. */
export async function signTx(signer: Signer, chainId: string, type: string, body: Uint8Array, nonce: bigint): Promise<Uint8Array> {
  const e: Envelope = { chainId, type, body, signer: signer.publicKey, nonce, signature: new Uint8Array(64) };
  e.signature = await signer.sign(signBytes(e));
  return encode(e);
}

/** decode parses an encoding strictly (no trailing bytes), for tests and tools. */
export function decode(raw: Uint8Array): Envelope {
  let o = 0;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const take = (n: number): Uint8Array => {
    if (o + n > raw.length) throw new Error("tx ends early");
    const b = raw.slice(o, o + n);
    o += n;
    return b;
  };
  if (take(1)[0] !== VERSION) throw new Error("unknown envelope version");
  const td = new TextDecoder("utf-8", { fatal: true });
  const chainLen = dv.getUint16(o); o += 2;
  const chainId = td.decode(take(chainLen));
  const typeLen = dv.getUint16(o); o += 2;
  const type = td.decode(take(typeLen));
  if (o + 4 > raw.length) throw new Error("tx ends early");
  const bodyLen = dv.getUint32(o); o += 4;
  const body = take(bodyLen);
  const signer = take(32);
  if (o + 8 > raw.length) throw new Error("tx ends early");
  const nonce = dv.getBigUint64(o); o += 8;
  const signature = take(64);
  if (o !== raw.length) throw new Error(`${raw.length - o} trailing bytes`);
  return { chainId, type, body, signer, nonce, signature };
}
