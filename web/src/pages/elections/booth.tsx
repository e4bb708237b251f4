// The booth: one contest per screen, a review, the ballot encrypted on this
// device, its encryption code, and only then "cast" or "challenge". A
// challenge sends nothing: the device opens the encryption under a
// throwaway key (lib/election/opening.ts), checks it, and offers it as a
// file to check on another device (`pnyx verify opening`); it names nobody
// and is never counted. The member then encrypts again. Choices are shown
// by name, never by number.
import { useEffect, useMemo, useState } from "preact/hooks";
import { type StoredKey } from "../../lib/keystore";
import { toHex } from "../../lib/bytes";
import { checkReveal, encrypt, oneTimeKey, shortTracking, type Ballot, type Choices } from "../../lib/election/ballot";
import { cryptoRand, decodeScalar, scalarBytes } from "../../lib/election/group";
import { encryptionCode, makeOpening, verifyOpening } from "../../lib/election/opening";
import { fromHex } from "../../lib/bytes";
import { contextOf, credentials, getElection, loadVoter, sendBallot, votingOpen, type ElectionRecord } from "../../lib/election/voter";
import { Problem, Title } from "../common";
import { useWords } from "./words";

type Stage = { kind: "contest"; i: number } | { kind: "review" } | { kind: "sealed"; ballot: Ballot; ms: number } | { kind: "cast"; ballot: Ballot; height?: number } | { kind: "challenged"; ballot: Ballot; code: string; href: string; ok: boolean };

export function Booth({ id, memberKey }: { id: string; memberKey: StoredKey | null | undefined }) {
  const { t, w } = useWords();
  const [e, setE] = useState<ElectionRecord | null>(null);
  const [creds, setCreds] = useState<Uint8Array[] | null | undefined>(undefined);
  const [choices, setChoices] = useState<Choices>([]);
  const [stage, setStage] = useState<Stage>({ kind: "contest", i: 0 });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    (async () => {
      try {
        const rec = (await getElection(id)).record;
        const ctx = contextOf(rec);
        setChoices(ctx.election.manifest.contests.map((c) => c.options.map(() => 0)));
        setE(rec);
        setCreds(memberKey ? await credentials(memberKey, rec) : null);
      } catch (err) {
        setError(err);
      }
    })();
  }, [id, memberKey?.memberId]);
  // The context (with the joint key's table of multiples) is built once.
  const ctx = useMemo(() => (e ? contextOf(e) : null), [e]);
  // Each new screen's heading takes the focus, so a screen reader reads it.
  useEffect(() => {
    (document.querySelector<HTMLElement>("main h2[tabindex]") ?? document.querySelector<HTMLElement>("main h1"))?.focus();
  }, [stage.kind, (stage as { i?: number }).i]);

  const back = <p><a href={`#/elections/${encodeURIComponent(id)}`}>{w("backToElection")}</a></p>;
  if (error && !e) return <section><Title>{w("boothTitle")}</Title><Problem error={error} />{back}</section>;
  if (!e || creds === undefined) return <section><Title>{w("boothTitle")}</Title><p role="status">{t("loading")}</p></section>;
  if (!creds || !memberKey) return <section><Title>{w("boothTitle")}</Title><p>{w("boothNoCredentials")}</p>{back}</section>;
  const { election } = ctx!;
  const m = election.manifest;
  if (!votingOpen(e, Math.floor(Date.now() / 1000)) && stage.kind !== "cast" && stage.kind !== "challenged") return <section><Title>{w("boothTitle")}</Title><p>{w("boothClosed")}</p>{back}</section>;

  const set = (i: number, j: number, v: number) => setChoices(choices.map((c, k) => (k !== i ? c : c.map((x, l) => (l === j ? v : x)))));
  const run = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const seal = () => run(async () => {
    await new Promise((r) => setTimeout(r, 0)); // let "encrypting" paint
    const v = await loadVoter(id, memberKey.memberId);
    const key = oneTimeKey(decodeScalar(fromHex(v!.secret)));
    const t0 = performance.now();
    const ballot = encrypt(cryptoRand, election, key, creds, choices);
    const ms = Math.round(performance.now() - t0);
    (window as unknown as { __pnyxEncryptMs?: number[] }).__pnyxEncryptMs = [...((window as unknown as { __pnyxEncryptMs?: number[] }).__pnyxEncryptMs ?? []), ms];
    setStage({ kind: "sealed", ballot, ms });
  });
  const cast = (ballot: Ballot) => run(async () => {
    const res = await sendBallot(memberKey, e, ballot);
    setStage({ kind: "cast", ballot, height: res.height });
  });
  // A challenge sends nothing. The opening is checked here as another
  // device would check it: it verifies, opens to these choices, in this
  // election, under its joint key, with the code shown before the choice.
  const challenge = (ballot: Ballot) => run(async () => {
    const code = encryptionCode(election, ballot.bytes);
    const opening = makeOpening(cryptoRand, election, ballot);
    let ok = checkReveal(election, ballot.bytes, ballot.reveal);
    try {
      const o = verifyOpening(opening);
      ok &&= toHex(o.code) === toHex(code) && toHex(o.jointKey) === toHex(election.jointKeyBytes) &&
        toHex(o.manifest.hash) === toHex(election.manifest.hash) && JSON.stringify(o.choices) === JSON.stringify(ballot.reveal.choices);
    } catch {
      ok = false;
    }
    const href = URL.createObjectURL(new Blob([opening as BlobPart], { type: "application/octet-stream" }));
    setStage({ kind: "challenged", ballot, code: shortTracking(code), href, ok });
  });

  let body;
  if (stage.kind === "contest") {
    const i = stage.i;
    const c = m.contests[i];
    const sum = choices[i].reduce((a, b) => a + b, 0);
    const single = c.selectionLimit === 1 && c.optionLimit === 1;
    const hint = c.optionLimit > 1 ? w("boothSpread", { n: c.selectionLimit, m: c.optionLimit }) : single ? w("boothChooseOne") : w("boothChooseUpTo", { n: c.selectionLimit });
    body = (
      <form onSubmit={(ev) => { ev.preventDefault(); setStage(i + 1 < m.contests.length ? { kind: "contest", i: i + 1 } : { kind: "review" }); }}>
        <p class="meta">{w("boothStep", { i: i + 1, n: m.contests.length })}</p>
        <fieldset class="contest" aria-describedby={`hint-${i}`}>
          <legend><h2 tabIndex={-1}>{c.title}</h2></legend>
          <p id={`hint-${i}`}>{hint}</p>
          {c.options.map((o, j) => {
            const oid = `c${i}o${j}`;
            if (c.optionLimit > 1) {
              return (
                <div class="option" key={oid}>
                  <label for={oid}>{o}</label>
                  <input id={oid} type="number" min={0} max={c.optionLimit} value={choices[i][j]}
                    onInput={(ev) => set(i, j, Math.max(0, Math.min(c.optionLimit, Number((ev.target as HTMLInputElement).value) || 0)))} />
                </div>
              );
            }
            const checked = choices[i][j] === 1;
            return (
              <div class="option" key={oid}>
                <input id={oid} type={single ? "radio" : "checkbox"} name={`contest-${i}`} checked={checked}
                  disabled={!single && !checked && sum >= c.selectionLimit}
                  onChange={() => (single ? setChoices(choices.map((cc, k) => (k !== i ? cc : cc.map((_, l) => (l === j ? 1 : 0))))) : set(i, j, checked ? 0 : 1))} />
                <label for={oid}>{o}</label>
              </div>
            );
          })}
        </fieldset>
        {sum > c.selectionLimit && <p class="bad" role="alert">{w("boothOverLimit")}</p>}
        <div class="row">
          {i > 0 && <button type="button" class="secondary" onClick={() => setStage({ kind: "contest", i: i - 1 })}>{w("boothBack")}</button>}
          <button type="submit" disabled={sum > c.selectionLimit}>{i + 1 < m.contests.length ? w("boothNext") : w("boothReview")}</button>
        </div>
      </form>
    );
  } else if (stage.kind === "review") {
    body = (
      <>
        <h2 tabIndex={-1}>{w("boothReviewTitle")}</h2>
        <dl class="facts review" data-testid="review">
          {m.contests.map((c, i) => {
            const chosen = c.options.map((o, j) => (choices[i][j] === 0 ? null : c.optionLimit > 1 ? `${o} (${w("boothRevealVotes", { n: choices[i][j] })})` : o)).filter(Boolean);
            return (
              <>
                <dt>{c.title}</dt>
                <dd>{chosen.length ? chosen.join(", ") : w("boothNoChoice")} <button type="button" class="link" onClick={() => setStage({ kind: "contest", i })}>{w("boothChange")}<span class="visually-hidden">: {c.title}</span></button></dd>
              </>
            );
          })}
        </dl>
        <button type="button" disabled={busy} onClick={seal}>{busy ? w("boothEncrypting") : w("boothEncrypt")}</button>
      </>
    );
  } else if (stage.kind === "sealed") {
    const b = stage.ballot;
    body = (
      <>
        <h2 tabIndex={-1}>{w("boothSealedTitle")}</h2>
        <dl class="facts">
          <dt>{w("boothEncryptionCode")}</dt>
          <dd class="mono big" data-testid="encryption-code">{shortTracking(encryptionCode(election, b.bytes))}</dd>
        </dl>
        <p class="meta">{w("boothEncryptTime", { ms: stage.ms })}</p>
        <p>{w("boothSealedIntro")}</p>
        <div class="row">
          <button type="button" disabled={busy} onClick={() => cast(b)}>{busy ? w("boothSending") : w("boothCast")}</button>
          <button type="button" class="secondary" disabled={busy} onClick={() => challenge(b)}>{w("boothChallenge")}</button>
        </div>
      </>
    );
  } else if (stage.kind === "cast") {
    const b = stage.ballot;
    const full = toHex(b.tracking);
    body = (
      <>
        <h2 tabIndex={-1}>{w("boothCastTitle")}</h2>
        <article class="card" aria-label={w("boothReceipt")} data-testid="receipt">
          <p class="card-head">{w("boothReceipt")} · {m.title}</p>
          <dl class="facts">
            <dt>{w("boothTracking")}</dt>
            <dd class="mono big" data-testid="tracking">{shortTracking(b.tracking)}</dd>
            <dt>{w("boothTrackingFull")}</dt>
            <dd class="mono small" data-testid="tracking-full">{full}</dd>
            <dt>{w("boothEncryptionCode")}</dt>
            <dd class="mono" data-testid="encryption-code">{shortTracking(encryptionCode(election, b.bytes))}</dd>
          </dl>
          {stage.height ? <p class="meta">{w("boothReceiptHeight", { h: stage.height })}</p> : null}
        </article>
        <p>{w("boothRevote", { n: e.max_revotes || 10 })}</p>
        <p><a class="button" href={`#/elections/${encodeURIComponent(id)}?track=${full}`}>{w("boothTrackNow")}</a></p>
      </>
    );
  } else {
    const b = stage.ballot;
    const file = `opening-${stage.code}.bin`;
    body = (
      <>
        <h2 tabIndex={-1}>{w("boothChallengedTitle")}</h2>
        <p>{w("boothChallengedIntro")}</p>
        <p>{w("boothEncryptionCode")}: <span class="mono" data-testid="challenged-code">{stage.code}</span></p>
        {m.contests.map((c, i) => (
          <table class="results" data-testid={`reveal-${i}`}>
            <caption>{c.title}</caption>
            <thead><tr><th scope="col">{w("elOption")}</th><th scope="col">{w("boothRevealChoice")}</th><th scope="col">{w("boothRevealRandom")}</th></tr></thead>
            <tbody>
              {c.options.map((o, j) => {
                const v = b.reveal.choices[i][j];
                return <tr><th scope="row">{o}</th><td>{c.optionLimit > 1 ? w("boothRevealVotes", { n: v }) : v ? w("boothRevealSelected") : w("boothRevealNotSelected")}</td><td class="mono small">{toHex(scalarBytes(b.reveal.r[i][j])).slice(0, 16)}…</td></tr>;
              })}
            </tbody>
          </table>
        ))}
        <p class={stage.ok ? "ok" : "bad"} data-testid="reveal-check">{stage.ok ? w("boothRevealOk") : w("boothRevealBad")}</p>
        <p><a href={stage.href} download={file} data-testid="opening-download">{w("boothOpeningDownload", { file })}</a></p>
        <p class="meta">{w("boothOpeningElsewhere", { id, file, code: stage.code })}</p>
        <button type="button" onClick={() => { URL.revokeObjectURL(stage.href); setStage({ kind: "review" }); }}>{w("boothReencrypt")}</button>
      </>
    );
  }
  return (
    <section>
      <Title>{w("boothTitle")}: {m.title}</Title>
      {error ? <Problem error={error} /> : null}
      {body}
      {back}
    </section>
  );
}
