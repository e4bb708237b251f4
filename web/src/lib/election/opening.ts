// Openings of challenged encryptions, byte for byte as package
// election/ballot writes and checks them (docs/election-record.md,
// "Openings"; Go: ballot.NewOpening and ballot.VerifyOpening).
//
// The booth encrypts first and shows the encryption code; only then does
// the member choose "cast" or "challenge". A challenge sends nothing to the
// chain: the device makes an opening, the same ciphertexts with their
// choices and randomness signed by a throwaway key, which carries neither
// the member's one-time key nor a credential, so it names nobody and can
// never be counted. The member checks it here and on another device
// (`pnyx verify opening FILE`), comparing its code with the one shown.
//
//	const b = encrypt(rand, e, key, creds, choices);
//	show(shortTracking(encryptionCode(e, b.bytes)));
//	const raw = makeOpening(rand, e, b);          // challenge
//	const o = verifyOpening(raw);                 // o.code, o.choices, o.jointKey
//
// testdata/election/openings.json holds Go's openings (valid and broken);
// web/test/opening.test.ts checks this code judges them as Go does, and
// ts-vectors.json carries an opening made here that Go's verifier checks.
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { concat, u32, utf8 } from "../bytes";
import { checkChoices, decodeManifest, type Ballot, type Choices, type Election, type Manifest } from "./ballot";
import { base, decodePublicKey, enc, mul, proveSchnorr, randomScalar, Reader, scalarBytes, Transcript, verifySchnorr, type Rand } from "./group";

/** OPENING_MAGIC starts every encoded opening. */
export const OPENING_MAGIC = "PNYXOPN1";

/** The error every refused opening throws, with the reason after it. */
export class OpeningError extends Error {
  constructor(reason: string) {
    super(`ballot: opening does not verify: ${reason}`);
  }
}

/**
 * encryptionCode is SHA-256("pnyx/election/encryption-code/v1" ‖
 * election_id ‖ manifest_hash ‖ joint_key ‖ every alpha ‖ beta): what a
 * ballot encrypts, and nothing that names its voter. A cast ballot and the
 * opening of the same encryption have the same code.
 */
export const encryptionCode = (e: Election, ballotBytes: Uint8Array): Uint8Array =>
  codeOf(e.manifest, e.jointKeyBytes, ciphertextsOf(e, ballotBytes));

function codeOf(m: Manifest, jointKey: Uint8Array, ciphertexts: Uint8Array): Uint8Array {
  return sha256(concat(utf8("pnyx/election/encryption-code/v1"), m.electionId, m.hash, jointKey, ciphertexts));
}

/** ciphertextsOf cuts the alpha ‖ beta pairs out of an encoded ballot. */
function ciphertextsOf(e: Election, ballotBytes: Uint8Array): Uint8Array {
  const start = 1 + 32 + 32 + e.credentialSizes.reduce((a, b) => a + b, 0);
  const n = e.manifest.contests.reduce((a, c) => a + c.options.length, 0);
  return ballotBytes.slice(start, start + 64 * n);
}

const signatureTranscript = (body: Uint8Array) =>
  new Transcript("pnyx/election/opening-signature/v1").appendBytes("opening", sha512(body));

/**
 * makeOpening opens ballot b (encrypted in election e) under a throwaway key
 * drawn from rand, in Go's order: the key, then the signature's nonce.
 */
export function makeOpening(rand: Rand, e: Election, b: Ballot): Uint8Array {
  const m = e.manifest;
  const sel = ciphertextsOf(e, b.bytes);
  const secret = randomScalar(rand);
  const pub = base(secret);
  const parts: Uint8Array[] = [utf8(OPENING_MAGIC), u32(m.encoded.length), m.encoded, e.jointKeyBytes, enc(pub)];
  let o = 0;
  m.contests.forEach((c, i) => c.options.forEach((_, j) => {
    parts.push(sel.subarray(o, o + 64), u32(b.reveal.choices[i][j]), scalarBytes(b.reveal.r[i][j]));
    o += 64;
  }));
  const body = concat(...parts);
  return concat(body, proveSchnorr(rand, signatureTranscript(body), secret, pub));
}

/** A checked opening: what it encrypted, in which election, under which key. */
export interface CheckedOpening { manifest: Manifest; jointKey: Uint8Array; choices: Choices; code: Uint8Array }

/**
 * verifyOpening decodes an opening strictly and checks it as Go's
 * VerifyOpening does: a valid manifest, canonical points and scalars,
 * choices within the limits, every (alpha, beta) = (g^r, g^choice · K^r),
 * and the throwaway key's signature. The caller still compares the code
 * with the one shown, the choices with the member's, and the election ID
 * and joint key with the election's. It throws an OpeningError.
 */
export function verifyOpening(raw: Uint8Array): CheckedOpening {
  const r = new Reader(raw);
  const read = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      throw new OpeningError(String((err as Error).message ?? err));
    }
  };
  if (read(() => new TextDecoder().decode(r.take(8))) !== OPENING_MAGIC) throw new OpeningError("not an opening (magic)");
  const manifest = read(() => decodeManifest(r.take(r.u32()).slice()));
  const jointKey = read(() => r.take(32).slice());
  const K = read(() => decodePublicKey(jointKey));
  const T = read(() => decodePublicKey(r.take(32)));
  const choices: Choices = [];
  const sel: Uint8Array[] = [];
  const opened: { alpha: Uint8Array; beta: Uint8Array; v: number; r: bigint }[] = [];
  for (const c of manifest.contests) {
    const cc: number[] = [];
    for (let j = 0; j < c.options.length; j++) {
      const alpha = read(() => r.take(32));
      const beta = read(() => r.take(32));
      read(() => { decodePublicKey(alpha); decodePublicKey(beta); });
      const v = read(() => r.u32());
      const rr = read(() => r.scalar());
      sel.push(alpha, beta);
      cc.push(v);
      opened.push({ alpha, beta, v, r: rr });
    }
    choices.push(cc);
  }
  const bodyEnd = r.o;
  const sig = read(() => r.take(64));
  if (r.o !== raw.length) throw new OpeningError("trailing bytes after the opening");
  try {
    checkChoices(manifest, choices);
  } catch (err) {
    throw new OpeningError(`choices exceed the manifest's limits (${(err as Error).message})`);
  }
  for (const x of opened) {
    const wantA = enc(base(x.r)), wantB = enc(mul(K, x.r).add(base(BigInt(x.v))));
    if (!same(wantA, x.alpha) || !same(wantB, x.beta)) throw new OpeningError("a ciphertext is not the encryption of its revealed choice");
  }
  if (!read(() => verifySchnorr(signatureTranscript(raw.subarray(0, bodyEnd)), T, sig))) throw new OpeningError("the throwaway key's signature does not verify");
  return { manifest, jointKey, choices, code: codeOf(manifest, jointKey, concat(...sel)) };
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
