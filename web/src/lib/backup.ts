// The encrypted key backup a member downloads after joining
// (docs/tx-format.md, "Key backup"): the 32-byte Ed25519 seed sealed with
// AES-256-GCM under a key derived from the member's passphrase by
// PBKDF2-HMAC-SHA256 (600,000 iterations). The chain ID, member ID and public
// key are bound as associated data, so a backup cannot be relabelled.
import { canonicalJSON } from "./canon";
import { fromBase64, toBase64, toHex, utf8 } from "./bytes";
import { seedSigner } from "./signer";

export const BACKUP_FORMAT = "pnyx-key-backup/v1";
export const BACKUP_ITERATIONS = 600_000;
export const MIN_PASSPHRASE = 10;

export interface Backup {
  format: string;
  chain_id: string;
  member_id: string;
  public_key: string;
  kdf: { name: "PBKDF2-HMAC-SHA256"; iterations: number; salt: string };
  cipher: "AES-256-GCM";
  nonce: string;
  ciphertext: string;
}

const aad = (b: Pick<Backup, "format" | "chain_id" | "member_id" | "public_key">) =>
  utf8(b.format + "\0" + b.chain_id + "\0" + b.member_id + "\0" + b.public_key);

async function deriveKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", utf8(passphrase.normalize("NFC")) as BufferSource, "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations }, base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

export async function sealBackup(seed: Uint8Array, passphrase: string, chainId: string, memberId: string, iterations = BACKUP_ITERATIONS): Promise<Backup> {
  if (passphrase.length < MIN_PASSPHRASE) throw new Error("passphrase too short");
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const head = { format: BACKUP_FORMAT, chain_id: chainId, member_id: memberId, public_key: toHex(seedSigner(seed).publicKey) };
  const key = await deriveKey(passphrase, salt, iterations);
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce as BufferSource, additionalData: aad(head) as BufferSource }, key, seed as BufferSource));
  return { ...head, kdf: { name: "PBKDF2-HMAC-SHA256", iterations, salt: toBase64(salt) }, cipher: "AES-256-GCM", nonce: toBase64(nonce), ciphertext: toBase64(ct) };
}

/** openBackup returns the seed, or throws if the passphrase or file is wrong. */
export async function openBackup(b: Backup, passphrase: string): Promise<Uint8Array> {
  if (b.format !== BACKUP_FORMAT || b.cipher !== "AES-256-GCM" || b.kdf?.name !== "PBKDF2-HMAC-SHA256") throw new Error("not a pnyx key backup");
  const key = await deriveKey(passphrase, fromBase64(b.kdf.salt), b.kdf.iterations);
  const seed = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(b.nonce) as BufferSource, additionalData: aad(b) as BufferSource }, key, fromBase64(b.ciphertext) as BufferSource));
  if (toHex(seedSigner(seed).publicKey) !== b.public_key) throw new Error("backup does not match its public key");
  return seed;
}

export const backupFile = (b: Backup): Blob => new Blob([canonicalJSON(b) + "\n"], { type: "application/json" });
