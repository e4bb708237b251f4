// A Signer signs with one Ed25519 key. Two kinds exist: a WebCrypto key the
// browser will not let any script read (non-extractable), and a seed held in
// memory and used through @noble/curves where the browser has no Ed25519.
// Ed25519 signatures are deterministic, so both give the same bytes.
import { ed25519 } from "@noble/curves/ed25519.js";

export interface Signer {
  publicKey: Uint8Array;
  sign(msg: Uint8Array): Promise<Uint8Array>;
}

export function seedSigner(seed: Uint8Array): Signer {
  if (seed.length !== 32) throw new RangeError("an Ed25519 seed has 32 bytes");
  const s = seed.slice();
  return {
    publicKey: ed25519.getPublicKey(s),
    sign: async (msg) => ed25519.sign(msg, s),
  };
}

export function cryptoKeySigner(privateKey: CryptoKey, publicKey: Uint8Array): Signer {
  return {
    publicKey,
    sign: async (msg) => new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, privateKey, msg as BufferSource)),
  };
}

export function verify(sig: Uint8Array, msg: Uint8Array, publicKey: Uint8Array): boolean {
  return ed25519.verify(sig, msg, publicKey);
}

// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410), so WebCrypto can import it.
const PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

/**
 * importNonExtractable turns a seed into a WebCrypto key that no script can
 * read back, or returns null where the browser has no Ed25519.
 */
export async function importNonExtractable(seed: Uint8Array): Promise<CryptoKey | null> {
  if (!globalThis.crypto?.subtle) return null;
  const pkcs8 = new Uint8Array(48);
  pkcs8.set(PKCS8_PREFIX);
  pkcs8.set(seed, 16);
  try {
    const key = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
    pkcs8.fill(0);
    return key;
  } catch {
    pkcs8.fill(0);
    return null;
  }
}
