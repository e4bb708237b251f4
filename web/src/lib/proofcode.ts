// The text forms of a state proof that a QR code carries (the member card,
// #/verify). Two forms:
//
//   "pnyx-proof:1:" + base64url(deflate-raw(proof JSON))    a whole proof
//   "pnyx-proof:2:" + base64url(deflate-raw(compact JSON))  a compact proof
//
// A whole proof is checked with nothing else (`pnyx verify proof` on the
// decoded JSON, or any portal's #/verify page). A compact proof keeps only
// format, chain_id, state_version and entries (the records and their Merkle
// proofs): on a chain of many validators the header's signatures and the
// validator set do not fit in one QR code (18 validators: about 4,700
// characters for a chapter record's proof against the 2,953 a code holds;
// internal/api/anchors_test.go),
// so the checker fetches them, public data every node holds alike, from
// GET /v1/anchors/{state_version+1} of the node serving it. The node need
// not be trusted: the signatures are checked against the validator set, and
// the set's hash is shown for comparison with the one the party publishes,
// exactly as for a whole proof. Go reads both forms too (proof.DecodeText,
// `pnyx verify proof`); testdata/proof/qr-texts.json holds the two sides
// to one format.
import { publicGet } from "./api";

export const WHOLE = "pnyx-proof:1:";
export const COMPACT = "pnyx-proof:2:";
/** QR_BYTES is what one QR code holds at low error correction (version 40, byte mode). */
export const QR_BYTES = 2953;

async function pipe(data: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([data as BlobPart]).stream().pipeThrough(stream)).arrayBuffer());
}
const b64url = (b: Uint8Array) => btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
function unb64url(s: string): Uint8Array {
  const t = s.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(t + "===".slice((t.length + 3) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
async function pack(prefix: string, v: unknown): Promise<string> {
  return prefix + b64url(await pipe(new TextEncoder().encode(JSON.stringify(v)), new CompressionStream("deflate-raw")));
}

/** encodeProof is a whole proof's QR text. */
export const encodeProof = (proof: unknown) => pack(WHOLE, proof);

/** encodeCompactProof is a compact proof's QR text: the proof without its header, signatures and validators. */
export function encodeCompactProof(proof: any): Promise<string> {
  return pack(COMPACT, { format: proof.format, chain_id: proof.chain_id, state_version: proof.state_version, entries: proof.entries });
}

/**
 * cardTexts is a proof's two texts for the card: the whole proof's (shown
 * as text, checkable without a node) and the one its QR code carries, the
 * same where it fits one code and the compact form where it does not.
 */
export async function cardTexts(proof: unknown): Promise<{ whole: string; qr: string }> {
  const whole = await encodeProof(proof);
  return { whole, qr: whole.length <= QR_BYTES ? whole : await encodeCompactProof(proof) };
}

/** decodeProof reads a QR text of either form, or a proof file's JSON. */
export async function decodeProof(text: string): Promise<any> {
  const t = text.trim();
  for (const prefix of [WHOLE, COMPACT]) {
    if (t.startsWith(prefix)) return JSON.parse(new TextDecoder().decode(await pipe(unb64url(t.slice(prefix.length)), new DecompressionStream("deflate-raw"))));
  }
  return JSON.parse(t);
}

/**
 * completeProof returns a whole proof: p itself if it has a header, else
 * p's entries under the anchor that getAnchor (by default this portal's
 * node) serves for the header after p's state. An anchor of another chain
 * or state is refused here; one that does not commit to the entries fails
 * verifyStateProof.
 */
export async function completeProof(p: any, getAnchor: (path: string) => Promise<any> = publicGet): Promise<any> {
  if (p?.signed_header) return p;
  const v = Number(p?.state_version);
  if (!Number.isSafeInteger(v) || v < 1 || !Array.isArray(p?.entries)) throw new Error("not a proof");
  const anchor = await getAnchor(`/v1/anchors/${v + 1}`);
  if (anchor?.chain_id !== p.chain_id || Number(anchor?.state_version) !== v) throw new Error("the node's anchor is of another chain or state");
  return { ...anchor, entries: p.entries };
}
