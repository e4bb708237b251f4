// Signed reads (package auth): a member's personal records are read with
//   Authorization: Pnyx key=<hex>,time=<unix>,sig=<hex>
// where sig is Ed25519 over
//   "pnyx/read/v1\0" ‖ chainID ‖ "\0" ‖ METHOD ‖ "\0" ‖ URI ‖ "\0" ‖ time
// and URI is the path and query exactly as sent.
import { toHex, utf8 } from "./bytes";
import type { Signer } from "./signer";

export const readMessage = (chainId: string, method: string, uri: string, unix: number): Uint8Array =>
  utf8("pnyx/read/v1\0" + chainId + "\0" + method + "\0" + uri + "\0" + String(unix));

export async function authorization(signer: Signer, chainId: string, method: string, uri: string, unix: number): Promise<string> {
  const sig = await signer.sign(readMessage(chainId, method, uri, unix));
  return `Pnyx key=${toHex(signer.publicKey)},time=${unix},sig=${toHex(sig)}`;
}
