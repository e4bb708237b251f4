// The membership card's offline-checkable proof: the member record, which
// holds the credential's standing, with a state proof (validators'
// signatures, Merkle proof), checked here
// in the browser, and shown as a QR code whose text any device can check
// again: the #/verify page of any pnyx portal, or `pnyx verify proof` on the
// decoded JSON. lib/proofcode.ts holds the QR text's two forms: the whole
// proof where it fits one QR code, else the compact one (records and Merkle
// proofs; the checker fetches the signed header from its node).
import { useEffect, useState } from "preact/hooks";
import { useI18n } from "../i18n";
import { credentialStatus, signedGet } from "../lib/api";
import { signerOf, type StoredKey } from "../lib/keystore";
import { verifyStateProof, type ProofCheck } from "../lib/proof";
import { cardTexts, completeProof, decodeProof } from "../lib/proofcode";
import { Problem, useAction } from "./common";
import { QR } from "./qr";

export function ProofResult({ r }: { r: ProofCheck }) {
  const { t } = useI18n();
  if (!r.ok) return <p class="bad" data-testid="proof-result">✗ {t("proofBad", { step: r.step ?? "", detail: r.detail ?? "" })}</p>;
  // The credential is the member record's standing (token.CredentialOf).
  const entry = r.entries?.find((e) => e.key.startsWith("mem/m/")) ?? r.entries![0];
  let rec: { id?: string; member?: string; status?: string } = {};
  try {
    rec = JSON.parse(new TextDecoder().decode(entry.value));
  } catch {
    /* not JSON */
  }
  return (
    <div data-testid="proof-result">
      <p class="ok">✓ {t("proofOk", { h: r.height ?? 0, member: rec.id ?? rec.member ?? "", status: rec.status ? credentialStatus(rec.status) : "" })}</p>
      <p class="meta mono small">{t("proofValidators", { hash: r.validatorsHash ?? "" })}</p>
    </div>
  );
}

export function CardProof({ memberKey }: { memberKey: StoredKey }) {
  const { t } = useI18n();
  const a = useAction();
  const [res, setRes] = useState<{ r: ProofCheck; text: string; qr: string } | null>(null);
  // The proof needs the next block's header: on a quiet chain that can take a while.
  const make = () => a.run(async () => {
    const answer = await signedGet<{ proof: unknown }>(signerOf(memberKey), `/v1/members/${memberKey.memberId}/credential?prove=1`);
    const { whole, qr } = await cardTexts(answer.proof);
    setRes({ r: verifyStateProof(answer.proof), text: whole, qr });
  });
  useEffect(() => setRes(null), [memberKey.memberId]);
  return (
    <>
      <h2>{t("proofTitle")}</h2>
      <p>{t("proofIntro")}</p>
      <button type="button" disabled={a.busy} onClick={make}>{a.busy ? t("proofMaking") : t("proofMake")}</button>
      {a.error ? <Problem error={a.error} /> : null}
      {res && (
        <>
          <ProofResult r={res.r} />
          <div class="qr-box"><QR text={res.qr} label={t("proofQr")} tooLong={t("proofQrTooLong")} /></div>
          <p class="meta" data-testid="proof-size">{t("proofSize", { n: res.qr.length })}</p>
          {res.qr !== res.text && <p class="meta" data-testid="proof-compact">{t("proofQrCompact")}</p>}
          <details><summary>{t("proofText")}</summary><p class="mono small" data-testid="proof-text">{res.text}</p></details>
        </>
      )}
    </>
  );
}

/** Verify checks a proof pasted as text (what a QR scanner gives) or as a file. */
export default function Verify() {
  const { t } = useI18n();
  const [text, setText] = useState("");
  const [r, setR] = useState<ProofCheck | null>(null);
  const [error, setError] = useState<unknown>(null);
  const check = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setR(null);
    let p: unknown;
    try {
      p = await decodeProof(text);
    } catch {
      setError(new Error(t("proofUnreadable")));
      return;
    }
    try {
      p = await completeProof(p); // a compact proof: the header from this portal's node
    } catch (err) {
      setError(new Error(t("proofNoAnchor", { detail: err instanceof Error ? err.message : String(err) })));
      return;
    }
    setR(verifyStateProof(p));
  };
  return (
    <section>
      <h1 tabIndex={-1}>{t("verifyTitle")}</h1>
      <p>{t("verifyIntro")}</p>
      <form onSubmit={check}>
        <label for="proof-in">{t("verifyLabel")}</label>
        <textarea id="proof-in" rows={6} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} spellcheck={false} />
        <button type="submit">{t("verifyButton")}</button>
      </form>
      {error ? <Problem error={error} /> : null}
      {r && <ProofResult r={r} />}
    </section>
  );
}
