import { useEffect, useState } from "preact/hooks";
import { useI18n } from "../i18n";
import { account, chain, submit } from "../lib/api";
import { redeemBody } from "../lib/body";
import { codeLooksValid, deriveMemberId, enrollmentCodeHash, normalizeCode } from "../lib/enroll";
import { keyFromSeed, newKey, saveKey, type StoredKey } from "../lib/keystore";
import { go } from "../route";
import { signTx } from "../lib/tx";
import { backupFile, MIN_PASSPHRASE, openBackup, sealBackup, type Backup as BackupData } from "../lib/backup";
import { Problem, Title, useAction } from "./common";
import { QR } from "./qr";
import { canonicalJSON } from "../lib/canon";

interface Joined {
  memberId: string;
  chainId: string;
  seed: Uint8Array;
  kind: StoredKey["kind"];
}

export function Join({ code: linkCode, memberKey, onJoined }: { code: string; memberKey: StoredKey | null | undefined; onJoined: () => void }) {
  const { t } = useI18n();
  const [code, setCode] = useState(linkCode);
  const [invalid, setInvalid] = useState(false);
  const a = useAction();
  const [joined, setJoined] = useState<Joined | null>(null);
  useEffect(() => setCode(linkCode), [linkCode]);
  // The seed lives only in this page's memory, for the backup.
  useEffect(() => () => joined?.seed.fill(0), [joined]);

  if (joined) return <Backup joined={joined} />;
  if (memberKey) {
    return (
      <section>
        <Title>{t("joinTitle")}</Title>
        <p>{t("joinAlready", { id: memberKey.memberId })}</p>
        <p><a class="button" href="#/me">{t("continueCard")}</a></p>
      </section>
    );
  }

  const onSubmit = (e: Event) => {
    e.preventDefault();
    const c = normalizeCode(code);
    if (!codeLooksValid(c)) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    return a.run(async () => {
      const chainId = await chain();
      const memberId = deriveMemberId(enrollmentCodeHash(chainId, c));
      const k = await newKey();
      // Stored before the redeem is sent: a key the chain accepted must
      // never be lost to a closed tab.
      await saveKey({ ...k.stored, chainId, memberId, joined: false });
      const acct = await account(k.signer.publicKey);
      const raw = await signTx(k.signer, chainId, "member/redeem", redeemBody(c), BigInt(acct.next_nonce));
      await submit(raw);
      await saveKey({ ...k.stored, chainId, memberId, joined: true });
      setJoined({ memberId, chainId, seed: k.seed, kind: k.stored.kind });
      onJoined();
    });
  };

  return (
    <section>
      <Title>{t("joinTitle")}</Title>
      <p>{t("joinIntro")}</p>
      <form onSubmit={onSubmit} noValidate>
        <label for="code">{t("joinCodeLabel")}</label>
        <input
          id="code"
          name="code"
          autocomplete="one-time-code"
          autocapitalize="characters"
          spellcheck={false}
          value={code}
          aria-describedby="code-hint"
          aria-invalid={invalid}
          onInput={(e) => setCode((e.target as HTMLInputElement).value)}
        />
        <p id="code-hint" class="hint">{t("joinCodeHint")}</p>
        {invalid && <p class="field-error" role="alert">{t("joinCodeInvalid")}</p>}
        <button type="submit" disabled={a.busy}>{a.busy ? t("joinWorking") : t("joinSubmit")}</button>
      </form>
      {a.busy && <p role="status">{t("joinWorking")}</p>}
      {a.error ? <Problem error={a.error} /> : null}
      <Restore onJoined={onJoined} />
    </section>
  );
}

function Backup({ joined }: { joined: Joined }) {
  const { t } = useI18n();
  const [p1, setP1] = useState("");
  const [p2, setP2] = useState("");
  const [problem, setProblem] = useState("");
  const [saved, setSaved] = useState("");
  const [qrText, setQrText] = useState("");
  const [busy, setBusy] = useState(false);
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    if (p1.length < MIN_PASSPHRASE) return setProblem(t("backupShort"));
    if (p1 !== p2) return setProblem(t("backupMismatch"));
    setProblem("");
    setBusy(true);
    try {
      const b = await sealBackup(joined.seed, p1, joined.chainId, joined.memberId);
      const file = `pnyx-key-${joined.memberId}.json`;
      const a = document.createElement("a");
      a.href = URL.createObjectURL(backupFile(b));
      a.download = file;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      setSaved(file);
      setQrText(canonicalJSON(b));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <Title>{t("joinDone")}</Title>
      <dl class="facts">
        <dt>{t("joinMemberId")}</dt>
        <dd class="mono" data-testid="member-id">{joined.memberId}</dd>
        <dt>{t("joinKeyKind")}</dt>
        <dd>{joined.kind === "webcrypto" ? t("keyWebcrypto") : t("keySeed")}</dd>
      </dl>
      <h2>{t("backupTitle")}</h2>
      <p>{t("backupIntro")}</p>
      <form onSubmit={onSubmit} noValidate>
        <label for="p1">{t("backupPass")}</label>
        <input id="p1" type="password" autocomplete="new-password" value={p1} onInput={(e) => setP1((e.target as HTMLInputElement).value)} />
        <label for="p2">{t("backupPass2")}</label>
        <input id="p2" type="password" autocomplete="new-password" value={p2} onInput={(e) => setP2((e.target as HTMLInputElement).value)} />
        {problem && <p class="field-error" role="alert">{problem}</p>}
        <button type="submit" disabled={busy}>{t("backupDownload")}</button>
      </form>
      {saved && <p role="status" class="ok">{t("backupSaved", { file: saved })}</p>}
      {qrText && (
        <figure class="qr-box">
          <QR text={qrText} label={t("backupQrLabel")} />
          <figcaption>{t("backupQr")}</figcaption>
        </figure>
      )}
      <h2>{t("recoveryTitle")}</h2>
      <p>{t("recoveryText")}</p>
      <p><a class="button" href="#/me">{t("continueCard")}</a></p>
    </section>
  );
}

/** Restore puts a key from an encrypted backup back on this device. */
export function Restore({ onJoined }: { onJoined: () => void }) {
  const { t } = useI18n();
  const [file, setFile] = useState<File | null>(null);
  const [pasted, setPasted] = useState("");
  const [pass, setPass] = useState("");
  const [problem, setProblem] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    setProblem(null);
    if (!file && !pasted.trim()) return setProblem(new Error(t("restoreBadFile")));
    setBusy(true);
    let seed: Uint8Array | null = null;
    try {
      let b: BackupData;
      try {
        b = JSON.parse(file ? await file.text() : pasted);
      } catch {
        throw new Error(t("restoreBadFile"));
      }
      try {
        seed = await openBackup(b, pass);
      } catch (err) {
        throw new Error((err as Error).message === "not a pnyx key backup" ? t("restoreBadFile") : t("restoreBadPass"));
      }
      const chainId = await chain();
      if (b.chain_id !== chainId) throw new Error(t("restoreOtherChain"));
      const k = await keyFromSeed(seed);
      const acct = await account(k.signer.publicKey);
      if (acct.member !== b.member_id) throw new Error(t("restoreNotMember"));
      await saveKey({ ...k.stored, chainId, memberId: b.member_id, joined: true });
      onJoined();
      go("/me");
    } catch (err) {
      setProblem(err);
    } finally {
      seed?.fill(0);
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="restore-title">
      <h2 id="restore-title">{t("restoreTitle")}</h2>
      <p>{t("restoreIntro")}</p>
      <form onSubmit={onSubmit} noValidate>
        <label for="backup-file">{t("restoreFile")}</label>
        <input id="backup-file" type="file" accept="application/json,.json" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
        <label for="backup-text">{t("restorePaste")}</label>
        <textarea id="backup-text" rows={3} spellcheck={false} value={pasted} onInput={(e) => setPasted((e.target as HTMLTextAreaElement).value)} />
        <label for="backup-pass">{t("restorePass")}</label>
        <input id="backup-pass" type="password" autocomplete="current-password" value={pass} onInput={(e) => setPass((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={busy}>{t("restoreSubmit")}</button>
      </form>
      {problem ? <Problem error={problem} /> : null}
    </section>
  );
}
