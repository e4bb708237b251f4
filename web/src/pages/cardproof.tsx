// The membership card's offline-checkable proof: the member record, which
// holds the credential's standing, with a state proof (validators'
// signatures, Merkle proof), checked here
// in the browser, and shown as a QR code whose text any device can check
// again without a node: the #/verify page of any pnyx portal, or
// `pnyx verify proof` on the decoded JSON. The QR text is
// "pnyx-proof:1:" + base64url(deflate-raw(proof JSON)).
import { useEffect, useState } from "preact/hooks";
import { useI18n } from "../i18n";
import { credentialStatus, signedGet } from "../lib/api";
import { signerOf, type StoredKey } from "../lib/keystore";
import { verifyStateProof, type ProofCheck } from "../lib/proof";
import { Problem, useAction } from "./common";
import { QR } from "./qr";

const PREFIX = "pnyx-proof:1:";

async function pipe(data: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([data as BlobPart]).stream().pipeThrough(stream)).arrayBuffer());
}
const b64url = (b: Uint8Array) => btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
function unb64url(s: string): Uint8Array {
  const t = s.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(t + "===".slice((t.length + 3) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export async function encodeProof(proof: unknown): Promise<string> {
  return PREFIX + b64url(await pipe(new TextEncoder().encode(JSON.stringify(proof)), new CompressionStream("deflate-raw")));
}
export async function decodeProof(text: string): Promise<unknown> {
  const t = text.trim();
  if (!t.startsWith(PREFIX)) return JSON.parse(t); // a proof file's JSON also works
  return JSON.parse(new TextDecoder().decode(await pipe(unb64url(t.slice(PREFIX.length)), new DecompressionStream("deflate-raw"))));
}

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
  const [res, setRes] = useState<{ r: ProofCheck; text: string } | null>(null);
  // The proof needs the next block's header: on a quiet chain that can take a while.
  const make = () => a.run(async () => {
    const answer = await signedGet<{ proof: unknown }>(signerOf(memberKey), `/v1/members/${memberKey.memberId}/credential?prove=1`);
    setRes({ r: verifyStateProof(answer.proof), text: await encodeProof(answer.proof) });
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
          <div class="qr-box"><QR text={res.text} label={t("proofQr")} tooLong={t("proofQrTooLong")} /></div>
          <p class="meta" data-testid="proof-size">{t("proofSize", { n: res.text.length })}</p>
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
    try {
      setR(verifyStateProof(await decodeProof(text)));
    } catch (err) {
      setError(new Error(t("proofUnreadable")));
    }
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
