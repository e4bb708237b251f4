// The member's side of an election against the node's API: the election's
// public context, the credential request (signed by the member key), the
// issuers' answers unblinded into credentials, and the ballot sent as an
// anonymous transaction. The voter's secrets for an election (one-time key,
// blinding state, credentials) stay on this device, in IndexedDB.
import { ApiError, chain, publicGet, submit, type RecordAnswer, type TxResult } from "../api";
import { fromBase64, fromHex, toBase64, toHex, utf8 } from "../bytes";
import { canonicalBytes } from "../canon";
import { signerOf, type StoredKey } from "../keystore";
import { sendTx } from "../send";
import { encode } from "../tx";
import { decodeManifest, makeElection, newOneTimeKey, oneTimeKey, type Ballot, type Election } from "./ballot";
import { blind, credentialMessage, finalize, parseRsaKey, requestDigest, type RsaKey } from "./blindrsa";
import { cryptoRand, decodeScalar, scalarBytes } from "./group";

/** ElectionRecord is modules/election.Election as the API serves it. */
export interface ElectionRecord {
  id: string; election_id: string; chapter: string; class?: string; manifest: string; manifest_hash: string;
  trustees: string[]; threshold: number; issuers: string[];
  issue_start: number; issue_end: number; vote_start: number; vote_end: number; allow_overlap: boolean; max_revotes?: number;
  status: string; reason?: number; eligible: number; eligible_at: number;
  joint_key?: string; public_shares?: string[]; issuer_keys: string[]; published_at?: number;
}
export interface TallyRecord { requests: number; cast: number; counted: number; spoiled: number; aggregate: string; shares: number[] | null; results?: number[][] }

export const getElection = (id: string) => publicGet<RecordAnswer<ElectionRecord>>(`/v1/elections/${encodeURIComponent(id)}`);
export const getTally = (id: string) => publicGet<RecordAnswer<TallyRecord>>(`/v1/elections/${encodeURIComponent(id)}/tally`);

interface StateValue { height: number; key: string; value: string; found: boolean }
export async function stateValue(key: string): Promise<Uint8Array | null> {
  const v = await publicGet<StateValue>(`/v1/election-state/${key}`);
  return v.found ? fromHex(v.value) : null;
}
export const pad12 = (n: number) => String(n).padStart(12, "0");

/** phase is modules/election's Election.Phase at unix time now. */
export function phase(e: ElectionRecord, now: number): string {
  if (e.status !== "ready") return e.status;
  if (now < e.vote_start) return "issuing";
  if (now < e.vote_end) return "voting";
  return "tallying";
}
export const issuanceOpen = (e: ElectionRecord, now: number) => e.status === "ready" && now >= e.issue_start && now < e.issue_end;
export const votingOpen = (e: ElectionRecord, now: number) => e.status === "ready" && now >= e.vote_start && now < e.vote_end;

export function contextOf(e: ElectionRecord): { election: Election; keys: RsaKey[] } {
  if (!e.joint_key || e.issuer_keys.some((k) => !k)) throw new Error("the election has no joint key or issuer keys yet");
  const keys = e.issuer_keys.map((k) => parseRsaKey(fromHex(k)));
  const election = makeElection(decodeManifest(fromHex(e.manifest)), fromHex(e.joint_key), keys.map((k) => k.size));
  if (toHex(election.manifest.electionId) !== e.election_id) throw new Error("manifest is for another election");
  return { election, keys };
}

// ---- the voter's secrets on this device ----

export interface VoterState {
  id: string; // chain/election/member
  secret: string; // hex one-time key scalar
  pending: { salt: string; rInv: string }[];
  credentials?: string[];
  ballots: { tracking: string; kind: "cast" | "spoiled"; height?: number; at: number }[];
}

function db(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const q = indexedDB.open("pnyx-voting", 1);
    q.onupgradeneeded = () => q.result.createObjectStore("voters", { keyPath: "id" });
    q.onsuccess = () => resolve(q.result);
    q.onerror = () => reject(q.error);
  });
}
async function store<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction("voters", mode);
    const r = f(t.objectStore("voters"));
    t.oncomplete = () => { d.close(); resolve(r.result); };
    t.onerror = () => reject(t.error);
  });
}
const voterId = async (electionId: string, memberId: string) => `${await chain()}/${electionId}/${memberId}`;
export async function loadVoter(electionId: string, memberId: string): Promise<VoterState | undefined> {
  const id = await voterId(electionId, memberId);
  return store("readonly", (s) => s.get(id) as IDBRequest<VoterState | undefined>);
}
export const saveVoter = (v: VoterState) => store("readwrite", (s) => s.put(v));

// ---- credentials ----

/**
 * requestCredentials makes the one-time key, blinds it for every issuer,
 * keeps the secrets on the device, then sends the request signed by the
 * member key. Sent again after a failure, it reuses the same secrets.
 */
export async function requestCredentials(key: StoredKey, e: ElectionRecord): Promise<TxResult> {
  const { election, keys } = contextOf(e);
  let v = await loadVoter(e.id, key.memberId);
  const otk = v ? oneTimeKey(decodeScalar(fromHex(v.secret))) : newOneTimeKey(cryptoRand);
  const msg = credentialMessage(election.manifest.electionId, otk.bytes);
  const blinds = keys.map((k) => blind(cryptoRand, k, msg));
  v = { id: await voterId(e.id, key.memberId), secret: toHex(scalarBytes(otk.secret)), pending: blinds.map((b) => ({ salt: toHex(b.pending.salt), rInv: b.pending.rInv.toString(16) })), ballots: v?.ballots ?? [] };
  await saveVoter(v);
  const signer = signerOf(key);
  const member = signer.publicKey;
  const signatures = await Promise.all(blinds.map((b, i) => signer.sign(requestDigest(election.manifest.electionId, i, member, b.blinded))));
  const body = canonicalBytes({ election: e.id, blinded: blinds.map((b) => toHex(b.blinded)), signatures: signatures.map(toHex) });
  return sendTx(key, "election/request", body);
}

/** requested tells whether the chain has a credential request of this member. */
export async function requestSeq(electionId: string, memberId: string): Promise<number | null> {
  const v = await stateValue(`el/${electionId}/rm/${memberId}`);
  return v ? Number(new TextDecoder().decode(v)) : null;
}

/**
 * credentials unblinds the issuers' answers into credentials (once; they
 * are kept). It returns null while an issuer has not answered yet.
 */
export async function credentials(key: StoredKey, e: ElectionRecord): Promise<Uint8Array[] | null> {
  const v = await loadVoter(e.id, key.memberId);
  if (!v) return null;
  if (v.credentials) return v.credentials.map(fromHex);
  const seq = await requestSeq(e.id, key.memberId);
  if (seq === null) return null;
  const { election, keys } = contextOf(e);
  const otk = oneTimeKey(decodeScalar(fromHex(v.secret)));
  const msg = credentialMessage(election.manifest.electionId, otk.bytes);
  const out: Uint8Array[] = [];
  for (let i = 0; i < keys.length; i++) {
    const bs = await stateValue(`el/${e.id}/bs/${pad12(seq)}/${pad12(i)}`);
    if (!bs) return null;
    out.push(finalize(keys[i], msg, { salt: fromHex(v.pending[i].salt), rInv: BigInt("0x" + v.pending[i].rInv) }, bs));
  }
  v.credentials = out.map(toHex);
  await saveVoter(v);
  return out;
}

// ---- ballots ----

/** anonymousTx is an envelope with zero signer, nonce and signature. */
export async function anonymousTx(type: string, body: Uint8Array): Promise<Uint8Array> {
  return encode({ chainId: await chain(), type, body, signer: new Uint8Array(32), nonce: 0n, signature: new Uint8Array(64) });
}
export const ballotBody = (b: Ballot) => canonicalBytes({ ballot: toBase64(b.bytes) });

/**
 * sendBallot casts a ballot. The request carries nothing of the member: no
 * signature, no Authorization header, no cookie (credentials: "omit"). A
 * challenged ballot is never sent (lib/election/opening.ts): the chain's
 * election/spoil, a reveal under the voter's own one-time key and
 * credentials, is for older clients only.
 */
export async function sendBallot(key: StoredKey, e: ElectionRecord, b: Ballot): Promise<TxResult> {
  const kind = "cast";
  const raw = await anonymousTx("election/ballot", ballotBody(b));
  const res = await submit(raw);
  const v = await loadVoter(e.id, key.memberId);
  if (v) {
    v.ballots.push({ tracking: toHex(b.tracking), kind, height: res.height, at: Math.floor(Date.now() / 1000) });
    await saveVoter(v);
  }
  return res;
}

export interface TrackingAnswer { height: number; kind: string; key: string; record: { seq: number; height?: number; tracking: string }; replaced: boolean; ballot?: string; proof?: unknown }

/** track looks a ballot up by its full tracking code, with an inclusion proof. */
export async function track(electionId: string, code: string): Promise<TrackingAnswer> {
  return publicGet<TrackingAnswer>(`/v1/elections/${encodeURIComponent(electionId)}/tracking/${code}?prove=1`);
}

export interface BallotPage { height: number; cast: number; ballots: { seq: number; one_time_key: string; selections: string }[] }
export async function allBallots(electionId: string): Promise<{ oneTimeKey: string; selections: Uint8Array }[]> {
  const out: { oneTimeKey: string; selections: Uint8Array }[] = [];
  for (let after = -1; ; ) {
    const p = await publicGet<BallotPage>(`/v1/elections/${encodeURIComponent(electionId)}/ballots?limit=500${after >= 0 ? `&after=${after}` : ""}`);
    for (const b of p.ballots) out.push({ oneTimeKey: b.one_time_key, selections: fromBase64(b.selections) });
    if (p.ballots.length < 500) return out;
    after = p.ballots[p.ballots.length - 1].seq;
  }
}

export { ApiError, utf8 };
