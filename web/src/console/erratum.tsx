// The chair's page for an erratum: opened from the link the secretary
// sends, whose fragment carries the erratum's text (target, correction,
// reason). The page shows that text beside what it corrects, numbers it
// from the chain (the meeting's next erratum), computes its hash here
// (./chain.ts erratumHash) and signs it with the member key on this device.
// The signature goes on chain (assembly/chair-sign-erratum), where the
// secretary's page finds it under the same hash and files the erratum.
import { useEffect, useState } from "preact/hooks";
import type { StoredKey } from "../lib/keystore";
import { Problem, Title } from "../pages/common";
import { erratumHash, erratumSignature, mandatesOf, meetingRecord, type ChairSignature, type Mandate, type MeetingRecord } from "./chain";
import { isSittingChair, useChairSigning } from "./chair";
import { useC } from "./i18n";

export function ErratumSign({ id, params, memberKey }: { id: string; params: URLSearchParams; memberKey: StoredKey }) {
  const { c, cw, date } = useC();
  const target = params.get("target") ?? "";
  const correction = params.get("correction") ?? "";
  const reason = params.get("reason") ?? "";
  const [rec, setRec] = useState<MeetingRecord | null>(null);
  const [mandates, setMandates] = useState<Mandate[]>([]);
  const [sig, setSig] = useState<ChairSignature | null>(null);
  const [error, setError] = useState<unknown>(null);
  const draft = (r: MeetingRecord) => ({ meeting: r.meeting.id, no: r.meeting.errata + 1, target, correction, reason });
  const load = async () => {
    setError(null);
    try {
      const r = await meetingRecord(id);
      const [ms, s] = await Promise.all([mandatesOf(r.meeting.body), erratumSignature(id, erratumHash(draft(r)))]);
      setRec(r);
      setMandates(ms);
      setSig(s);
    } catch (e) {
      setError(e);
    }
  };
  const { busy, done, sign } = useChairSigning(memberKey, setError, load);
  useEffect(() => {
    load();
  }, [id, target, correction, reason]);
  if (!rec) return <section><Title>{c("eSignTitle")}</Title>{error ? <Problem error={error} onRetry={load} /> : <p role="status">…</p>}</section>;
  const m = rec.meeting;
  const d = draft(rec);
  const mine = erratumHash(d);
  const isChair = isSittingChair(mandates, memberKey.memberId);
  const complete = target !== "" && correction.trim() !== "" && reason.trim() !== "";
  const motion = target.startsWith("motion:") ? rec.motions.find((mo) => `motion:${mo.no}` === target) : undefined;
  return (
    <section>
      <Title>{c("eSignTitle")}</Title>
      <p>{c("eSignIntro")}</p>
      <div class="card record" data-testid="erratum">
        <p class="card-head">{m.title}</p>
        <dl class="facts">
          <dt>{c("mWhen")}</dt><dd>{date(m.scheduled_at)}</dd>
          <dt>{c("mState")}</dt><dd>{cw("mst", m.state)}</dd>
          <dt>{c("eNo")}</dt><dd data-testid="erratum-no">{d.no}</dd>
          <dt>{c("eTarget")}</dt><dd data-testid="erratum-target">{target}</dd>
          {motion && <><dt>{c("eCurrent")}</dt><dd>{motion.title}: {motion.text}</dd></>}
          <dt>{c("eCorrection")}</dt><dd data-testid="erratum-correction"><pre class="minutes" tabIndex={0} role="region" aria-label={c("eCorrection")}>{correction}</pre></dd>
          <dt>{c("eReason")}</dt><dd data-testid="erratum-reason">{reason}</dd>
        </dl>
        <p class="small">{c("eHash")}: <span class="mono" data-testid="erratum-hash">{mine}</span></p>
      </div>
      {error ? <Problem error={error} /> : null}
      {m.state !== "finalized" ? <p>{c("eNotFinal", { state: cw("mst", m.state) })}</p>
        : !complete ? <p class="field-error">{c("eIncomplete")}</p>
        : !isChair ? <p class="field-error" data-testid="not-chair">{c("signNotChair")}</p>
        : done || (sig && sig.chair === memberKey.memberId) ? <p class="ok" role="status" data-testid="signed">{done ? c("signed") : c("signedAlready")}</p>
        : <button type="button" disabled={busy} onClick={() => sign("erratum", m.id, mine)}>{c("eSignBtn")}</button>}
    </section>
  );
}
