// sendTx signs one transaction with the member's key and waits for its
// commit: the nonce comes from the node (GET /v1/accounts/{key}), so a tx
// sent from another device or the CLI in between does not break the next one.
import { account, chain, submit, type TxResult } from "./api";
import { signerOf, type StoredKey } from "./keystore";
import { signTx } from "./tx";

export async function sendTx(key: StoredKey, type: string, body: Uint8Array): Promise<TxResult> {
  const s = signerOf(key);
  const [chainId, acct] = await Promise.all([chain(), account(s.publicKey)]);
  return submit(await signTx(s, chainId, type, body, BigInt(acct.next_nonce)));
}

/** randomId makes a client-chosen record ID: a prefix and 12 hex digits. */
export function randomId(prefix: string): string {
  const b = crypto.getRandomValues(new Uint8Array(6));
  return prefix + "-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/**
 * afterWrite retries a read that follows a committed write: the search
 * index follows blocks a moment after they commit.
 */
export async function afterWrite<T>(read: () => Promise<T>, tries = 20): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await read();
    } catch (e) {
      if (i >= tries || (e as { code?: number }).code !== 9) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
