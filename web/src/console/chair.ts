// What the chair's two pages share (sign.tsx for a meeting's record,
// erratum.tsx for an erratum to it): whether this member sits as the
// body's chair now, and signing a hash as chair with the member key on
// this device and sending the signature to the chain, where the
// secretary's page picks it up. The hash is always one the page computed
// itself (./chain.ts recordHash, erratumHash), never one the node gave.
import { useState } from "preact/hooks";
import { chain } from "../lib/api";
import { toHex } from "../lib/bytes";
import { signerOf, type StoredKey } from "../lib/keystore";
import { sendTx } from "../lib/send";
import { chairSignBody, chairSignErratumBody, cosignMessage, type Mandate } from "./chain";

/** isSittingChair tells whether member holds a chair mandate in force at now (Unix seconds). */
export const isSittingChair = (mandates: Mandate[], member: string, now = Date.now() / 1000): boolean =>
  mandates.some((md) => md.member === member && md.position === "chair" && md.from <= now && (!md.until || now < md.until));

/**
 * useChairSigning gives a page the chair's signing action: sign(kind,
 * meeting, hash) co-signs hash for kind ("finalize": the record,
 * "erratum": an erratum), sends assembly/chair-sign or
 * assembly/chair-sign-erratum, and reloads the page's data. A failure goes
 * to setError; busy is true while it runs, done once it has.
 */
export function useChairSigning(memberKey: StoredKey, setError: (e: unknown) => void, reload: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const sign = async (kind: "finalize" | "erratum", meeting: string, hash: string) => {
    setBusy(true);
    setError(null);
    try {
      const chairSig = toHex(await signerOf(memberKey).sign(cosignMessage(await chain(), kind, meeting, hash)));
      if (kind === "finalize") await sendTx(memberKey, "assembly/chair-sign", chairSignBody({ meeting, recordHash: hash, chairSig }));
      else await sendTx(memberKey, "assembly/chair-sign-erratum", chairSignErratumBody({ meeting, erratumHash: hash, chairSig }));
      setDone(true);
      await reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, done, sign };
}
