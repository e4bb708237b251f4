// The chair's page: opened from the link the secretary sends, on the
// chair's own device. It shows the whole record that will become final,
// computes its hash here (./chain.ts recordHash) and checks it against the
// node's, and signs that hash with the member key on this device. The
// signature goes on chain (assembly/chair-sign), where the secretary's
// page picks it up for assembly/finalize: nobody copies it by hand.
import { useEffect, useState } from "preact/hooks";
import type { StoredKey } from "../lib/keystore";
import { Problem, Title } from "../pages/common";
import { bodyOf, chairSignature, mandatesOf, meetingRecord, recordHash, type Body, type ChairSignature, type Mandate, type MeetingRecord } from "./chain";
import { isSittingChair, useChairSigning } from "./chair";
import { useC } from "./i18n";

export function ChairSign({ id, memberKey }: { id: string; memberKey: StoredKey }) {
  const { c, cw, date } = useC();
  const [rec, setRec] = useState<MeetingRecord | null>(null);
  const [body, setBody] = useState<Body | null>(null);
  const [mandates, setMandates] = useState<Mandate[]>([]);
  const [sig, setSig] = useState<ChairSignature | null>(null);
  const [minutes, setMinutes] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = async () => {
    setError(null);
    try {
      const r = await meetingRecord(id);
      const [b, ms, s] = await Promise.all([bodyOf(r.meeting.body), mandatesOf(r.meeting.body), chairSignature(id)]);
      setRec(r);
      setBody(b);
      setMandates(ms);
      setSig(s);
    } catch (e) {
      setError(e);
    }
  };
  const { busy, done, sign } = useChairSigning(memberKey, setError, load);
  useEffect(() => {
    load();
  }, [id]);
  if (!rec) return <section><Title>{c("signTitle")}</Title>{error ? <Problem error={error} onRetry={load} /> : <p role="status">…</p>}</section>;
  const m = rec.meeting;
  const isChair = isSittingChair(mandates, memberKey.memberId);
  const mine = recordHash(rec);
  const hashOk = mine === rec.record_hash;
  const signedByMe = sig && sig.chair === memberKey.memberId && sig.hash === mine;
  const showMinutes = async () => {
    try {
      const res = await fetch(`/v1/assembly/meetings/${encodeURIComponent(m.id)}/minutes`, { cache: "no-store", credentials: "omit" });
      setMinutes(await res.text());
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section>
      <Title>{c("signTitle")}</Title>
      <p>{c("signIntro")}</p>
      <div class="card record" data-testid="record">
        <p class="card-head">{m.title}</p>
        <dl class="facts">
          <dt>{c("mBody")}</dt><dd>{body?.name ?? m.body}</dd>
          <dt>{c("mWhen")}</dt><dd>{date(m.scheduled_at)}</dd>
          <dt>{c("mState")}</dt><dd>{cw("mst", m.state)}</dd>
          <dt>{c("present")}</dt><dd data-testid="sign-present">{c("presentN", { n: rec.present })}</dd>
          {m.quorum_at_close && <><dt>{c("quorumAtClose")}</dt><dd>{c("quorumLine", { present: m.quorum_at_close.present, base: m.quorum_at_close.base })} · {m.quorum_at_close.met ? c("quorumMet") : c("quorumNotMet")}</dd></>}
          <dt>{c("mAgenda")}</dt><dd><ol class="agenda">{m.agenda.map((it) => <li key={it.no}>{it.title}</li>)}</ol></dd>
        </dl>
        <h2>{c("step3")}</h2>
        {rec.motions.length === 0 ? <p>{c("noMotions")}</p> : (
          <ol class="motions">
            {rec.motions.map((mo) => (
              <li key={mo.no} data-testid={`sign-motion-${mo.no}`}>
                <p class="item-title">{c("motionNo", { no: mo.no })}: {mo.title}</p>
                <p>{mo.text}</p>
                <p class="meta">{cw("dec", mo.decision)}{(mo.decision === "adopted" || mo.decision === "rejected") && <> · {c("votes", { for: mo.for, against: mo.against, abstain: mo.abstain })}</>}{mo.conclusions ? ` · ${mo.conclusions}` : ""}</p>
              </li>
            ))}
          </ol>
        )}
        <h2>{c("minutes")}</h2>
        {!m.minutes ? <p>{c("noMinutes")}</p> : (
          <>
            <p class="small">SHA-256 <span class="mono">{m.minutes.hash}</span> · {m.minutes.size} B</p>
            {minutes === null ? <button type="button" class="secondary" onClick={showMinutes}>{c("viewMinutes")}</button> : <pre class="minutes" data-testid="minutes-text" tabIndex={0} role="region" aria-label={c("fMinutes")}>{minutes}</pre>}
          </>
        )}
        <p class="small">{c("recordHash")}: <span class="mono" data-testid="sign-hash">{mine}</span></p>
        <p class={hashOk ? "ok" : "field-error"} data-testid="hash-check">{hashOk ? c("hashCheckOk") : c("hashCheckBad")}</p>
      </div>
      {error ? <Problem error={error} /> : null}
      {m.state === "finalized" ? <p class="ok">{c("alreadyFinal")}</p>
        : m.state !== "closed" ? <p>{c("signNotClosed", { state: cw("mst", m.state) })}</p>
        : !isChair ? <p class="field-error" data-testid="not-chair">{c("signNotChair")}</p>
        : done || signedByMe ? <p class="ok" role="status" data-testid="signed">{done ? c("signed") : c("signedAlready")}</p>
        : <button type="button" disabled={busy || !hashOk} onClick={() => sign("finalize", m.id, mine)}>{c("signBtn")}</button>}
    </section>
  );
}
