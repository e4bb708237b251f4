// The portal's client of the node's HTTP API, on the same origin (so no
// CORS). Errors come back as ApiError with the API's stable code.
import { authorization } from "./auth";
import { toBase64, toHex } from "./bytes";
import type { Signer } from "./signer";

export class ApiError extends Error {
  constructor(public code: number, public name: string, message: string, public status = 0) {
    super(message);
  }
}

async function answer<T>(res: Response): Promise<T> {
  const text = await res.text();
  let v: any;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ApiError(18, "unavailable", `HTTP ${res.status}: not JSON`, res.status);
  }
  if (v?.error) {
    const e = v.error;
    throw new ApiError(e.code ?? 99, e.name ?? "internal", e.message ?? `HTTP ${res.status}`, res.status);
  }
  // A refused transaction answers with its TxResult and a 4xx status.
  if (typeof v?.code === "number" && v.code !== 0) throw new ApiError(v.code, v.name ?? "", v.log ?? v.name ?? "", res.status);
  if (!res.ok) throw new ApiError(99, "internal", `HTTP ${res.status}`, res.status);
  return v as T;
}

async function request<T>(uri: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(uri, { cache: "no-store", credentials: "omit", ...init });
  } catch (e) {
    throw new ApiError(18, "unavailable", String(e));
  }
  return answer<T>(res);
}

const get = <T>(uri: string): Promise<T> => request<T>(uri);

export interface Status { chain_id: string; height: number; block_time: string }
export interface Account { key: string; next_nonce: number; member: string; height: number }
export interface RecordAnswer<T> { height: number; key: string; record: T }
export interface TxResult { hash: string; stage: string; code: number; name: string; log?: string; height?: number }
export interface Member { id: string; public_key: string; chapter: string; class: string; status: string; status_reason?: number; joined_at: number; joined_height: number; status_since: number; key_since: number; points?: number }

/** credentialStatus is the membership credential's status a member's
 * status stands for, as token.CredentialOf reads it off the record
 * (testdata/token/credential-status.json holds the two alike). */
export function credentialStatus(memberStatus: string): string {
  return ({ active: "active", suspended: "suspended", expelled: "revoked", withdrawn: "ended" } as Record<string, string>)[memberStatus] ?? memberStatus;
}
export interface Chapter { id: string; name: string; parent?: string; level?: string }
export interface Petition { id: string; chapter: string; category: string; author: string; state: string; agreements: number; deadline?: number; title: string; body: string; created_at: number }
export interface PetitionPage { height: number; petitions: Petition[] | null; next?: string }

let chainId: Promise<string> | null = null;

export const status = () => get<Status>("/v1/status");

/** chain returns the node's chain ID (cached): every signature names it. */
export function chain(): Promise<string> {
  chainId ??= status().then((s) => s.chain_id).catch((e) => {
    chainId = null;
    throw e;
  });
  return chainId;
}

export const account = (key: Uint8Array) => get<Account>(`/v1/accounts/${toHex(key)}`);

/**
 * REPLAYED is the node's message for a signed read whose signature it has
 * accepted before (Go's auth.ErrReplayed, code 17 forbidden); the shared
 * vectors (testdata/tx/go-vectors.json, read_replayed) hold the two equal.
 */
export const REPLAYED = "auth: this signed request was used already; sign it again with a new time";

// lastSigned remembers the time last signed for each request (method and
// URI): the node refuses a signature it has seen (a replayed request), and
// one key signing the same request within one second would make the same
// signature, so a second one signs the next second.
const lastSigned = new Map<string, number>();

function signTime(method: string, uri: string): number {
  const request = method + " " + uri;
  let unix = Math.floor(Date.now() / 1000);
  const last = lastSigned.get(request);
  if (last !== undefined && unix <= last) unix = last + 1;
  lastSigned.set(request, unix);
  return unix;
}

/**
 * signedRequest sends a request signed per package auth (a read of a
 * personal record, an upload). A page reloaded, or open in a second tab,
 * does not know the times the other signed at: when the node says a request
 * was replayed, it signs again a second later and sends it whole again, as
 * the Go client does.
 */
async function signedRequest<T>(signer: Signer, method: string, uri: string, init: RequestInit = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const h = await authorization(signer, await chain(), method, uri, signTime(method, uri));
    try {
      return await request<T>(uri, { ...init, method, headers: { ...(init.headers as Record<string, string>), Authorization: h } });
    } catch (e) {
      if (attempt < 4 && e instanceof ApiError && e.code === 17 && e.message.includes(REPLAYED)) continue;
      throw e;
    }
  }
}

/** signedGet reads a personal record (see signedRequest). */
export const signedGet = <T>(signer: Signer, uri: string): Promise<T> => signedRequest<T>(signer, "GET", uri);

/**
 * putBlob uploads a document (large minutes) to the node's blob store under
 * its hex SHA-256, signed by an active secretary's or admin's key; the
 * chain then records only the hash.
 */
export async function putBlob(signer: Signer, hash: string, content: Uint8Array): Promise<void> {
  await signedRequest<unknown>(signer, "PUT", `/v1/blobs/${hash}`, {
    headers: { "Content-Type": "application/octet-stream" },
    body: content as BodyInit,
  });
}

export const publicGet = get;

/** submit sends an encoded tx and waits for its commit; a non-zero code throws. */
export async function submit(raw: Uint8Array): Promise<TxResult> {
  let res: Response;
  try {
    res = await fetch("/v1/txs", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ tx: toBase64(raw), wait: true }),
      credentials: "omit",
    });
  } catch (e) {
    throw new ApiError(18, "unavailable", String(e));
  }
  const r = await answer<TxResult>(res);
  if (r.code !== 0) throw new ApiError(r.code, r.name, r.log ?? r.name);
  return r;
}
