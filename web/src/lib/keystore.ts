// The member's key on this device, in IndexedDB.
//
// A key is made from 32 random bytes. While the join page is open the seed is
// kept in memory, only to write the encrypted backup; what is stored is a
// WebCrypto key imported non-extractable (no script, ours included, can read
// it back), or, in a browser without WebCrypto Ed25519, the seed itself.
import { cryptoKeySigner, importNonExtractable, seedSigner, type Signer } from "./signer";
import { fromHex, toHex } from "./bytes";

export interface StoredKey {
  id: "member";
  chainId: string;
  memberId: string;
  publicKey: string; // hex
  kind: "webcrypto" | "seed";
  privateKey?: CryptoKey;
  seed?: string; // hex, only for kind "seed"
  createdAt: number;
  joined: boolean;
}

const DB = "pnyx";
const STORE = "keys";

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "id" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  return new Promise((resolve, reject) => {
    const t = db.transaction(STORE, mode);
    const r = f(t.objectStore(STORE));
    t.oncomplete = () => {
      db.close();
      resolve(r.result);
    };
    t.onerror = () => reject(t.error);
  });
}

export const loadKey = (): Promise<StoredKey | undefined> => tx("readonly", (s) => s.get("member") as IDBRequest<StoredKey | undefined>);
export const saveKey = (k: StoredKey) => tx("readwrite", (s) => s.put(k));
export const forgetKey = () => tx("readwrite", (s) => s.delete("member"));

export function signerOf(k: StoredKey): Signer {
  if (k.kind === "webcrypto" && k.privateKey) return cryptoKeySigner(k.privateKey, fromHex(k.publicKey));
  if (k.seed) return seedSigner(fromHex(k.seed));
  throw new Error("stored key has no private part");
}

export interface NewKey {
  seed: Uint8Array; // for the backup only; the page drops it when it closes
  signer: Signer;
  stored: Omit<StoredKey, "chainId" | "memberId" | "joined">;
}

/** newKey makes a key on this device, non-extractable where the browser allows. */
export const newKey = (): Promise<NewKey> => keyFromSeed(crypto.getRandomValues(new Uint8Array(32)));

/** keyFromSeed prepares a seed (new, or from a backup) for storing on this device. */
export async function keyFromSeed(seed: Uint8Array): Promise<NewKey> {
  const plain = seedSigner(seed);
  const publicKey = toHex(plain.publicKey);
  const ck = await importNonExtractable(seed);
  if (ck) {
    const signer = cryptoKeySigner(ck, plain.publicKey);
    return { seed, signer, stored: { id: "member", publicKey, kind: "webcrypto", privateKey: ck, createdAt: Date.now() } };
  }
  return { seed, signer: plain, stored: { id: "member", publicKey, kind: "seed", seed: toHex(seed), createdAt: Date.now() } };
}
