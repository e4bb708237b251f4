// The assembly pages, loaded as their own chunk: the meetings of the
// member's chapters by date (KST), and a meeting's record — agenda,
// check-in while open, decisions with their votes and quorum, minutes, and
// resolution certificates to download.
import { useEffect, useState } from "preact/hooks";
import { publicGet, signedGet, type Chapter, type Member, type RecordAnswer } from "../../lib/api";
import { checkInBody } from "../../lib/body";
import { signerOf, type StoredKey } from "../../lib/keystore";
import { sendTx } from "../../lib/send";
import { verifyStateProof, type ProofCheck } from "../../lib/proof";
import { Problem, Title, useAction } from "../common";
import { useAsmWords, type AssemblyWord } from "./words";

interface Meeting {
  id: string; body: string; chapter: string; title: string; scheduled_at: number; agenda: { no: number; title: string }[] | null;
  expected_attendees?: number; state: string; motions: number; minutes?: { hash: string; size: number; inline: boolean }; finalization?: { hash: string; chair: string }; errata: number;
}
interface Motion { no: number; agenda_item: number; title: string; text: string; decision: string; for: number; against: number; abstain: number; conclusions?: string; quorum?: { present: number; base: number; met: boolean } }
interface MeetingRecord { height: number; meeting: Meeting; present: number; motions: Motion[]; errata: { no: number; correction: string; reason: string }[]; record_hash: string }

export default function Assemblies({ path, memberKey }: { path: string; memberKey: StoredKey | null | undefined }) {
  const rest = path.slice("/assemblies".length).replace(/^\//, "");
  return rest ? <MeetingPage id={decodeURIComponent(rest)} memberKey={memberKey} /> : <Calendar memberKey={memberKey} />;
}

const kstDay = (unix: number, lang: string) =>
  new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-GB", { timeZone: "Asia/Seoul", dateStyle: "full" }).format(new Date(unix * 1000));

function Calendar({ memberKey }: { memberKey: StoredKey | null | undefined }) {
  const { t, w, date, lang } = useAsmWords();
  const [data, setData] = useState<{ meetings: Meeting[]; names: Record<string, string> } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = async () => {
    if (!memberKey) return;
    setError(null);
    try {
      const me = (await signedGet<RecordAnswer<Member>>(signerOf(memberKey), `/v1/members/${memberKey.memberId}`)).record;
      const chain: Chapter[] = [];
      for (let id: string | undefined = me.chapter; id && chain.length < 6; ) {
        const c: Chapter = (await publicGet<RecordAnswer<Chapter>>(`/v1/chapters/${encodeURIComponent(id)}`)).record;
        chain.push(c);
        id = c.parent;
      }
      const now = Math.floor(Date.now() / 1000);
      const lists = await Promise.all(chain.map((c) => publicGet<{ meetings: Meeting[] }>(`/v1/assembly/meetings?chapter=${encodeURIComponent(c.id)}&from=${now - 60 * 86400}&to=${now + 90 * 86400}&limit=200`)));
      const meetings = lists.flatMap((l) => l.meetings ?? []).sort((a, b) => a.scheduled_at - b.scheduled_at);
      setData({ meetings, names: Object.fromEntries(chain.map((c) => [c.id, c.name])) });
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => { load(); }, [memberKey?.memberId]);
  if (!memberKey) return <section><Title>{w("asmTitle")}</Title><p><a class="button" href="#/join">{t("homeJoinCta")}</a></p></section>;
  // Grouped by KST day: a calendar that reads as a list on a phone.
  const days: [string, Meeting[]][] = [];
  for (const m of data?.meetings ?? []) {
    const d = kstDay(m.scheduled_at, lang);
    if (days.length && days[days.length - 1][0] === d) days[days.length - 1][1].push(m);
    else days.push([d, [m]]);
  }
  return (
    <section>
      <Title>{w("asmTitle")}</Title>
      <p>{w("asmIntro")}</p>
      {error ? <Problem error={error} onRetry={load} /> : !data ? <p role="status">{t("loading")}</p> : days.length === 0 ? <p>{w("asmNone")}</p> : days.map(([d, ms]) => (
        <>
          <h2>{d} <span class="meta">({t("kst")})</span></h2>
          <ul class="list">
            {ms.map((m) => (
              <li key={m.id} data-testid={`cal-${m.id}`}>
                <a class="item-title" href={`#/assemblies/${encodeURIComponent(m.id)}`}>{m.title}</a>
                <span class="meta">{data.names[m.chapter] ?? m.chapter} · {date(m.scheduled_at)} · {w(`mstate_${m.state}` as AssemblyWord)}</span>
              </li>
            ))}
          </ul>
        </>
      ))}
    </section>
  );
}

function MeetingPage({ id, memberKey }: { id: string; memberKey: StoredKey | null | undefined }) {
  const { t, w, date } = useAsmWords();
  const [rec, setRec] = useState<MeetingRecord | null>(null);
  const [minutes, setMinutes] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const a = useAction();
  const [checkedIn, setCheckedIn] = useState(false);
  const [saved, setSaved] = useState("");
  const [check, setCheck] = useState<{ no: number; r: ProofCheck; decision?: string } | null>(null);
  const load = async () => {
    setError(null);
    try {
      const r = await publicGet<MeetingRecord>(`/v1/assembly/meetings/${encodeURIComponent(id)}`);
      setRec(r);
      if (r.meeting.minutes) {
        const res = await fetch(`/v1/assembly/meetings/${encodeURIComponent(id)}/minutes`, { credentials: "omit", cache: "no-store" });
        setMinutes(res.ok ? await res.text() : null);
      }
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => { load(); }, [id]);
  if (error) return <section><Title>{w("asmTitle")}</Title><Problem error={error} onRetry={load} /></section>;
  if (!rec) return <section><Title>{w("asmTitle")}</Title><p role="status">{t("loading")}</p></section>;
  const m = rec.meeting;
  const checkIn = () => a.run(async () => {
    await sendTx(memberKey!, "assembly/check-in", checkInBody(m.id));
    setCheckedIn(true);
    await load();
  });
  const download = (no: number) => a.run(async () => {
    const res = await fetch(`/v1/assembly/meetings/${encodeURIComponent(m.id)}/motions/${no}/certificate`, { credentials: "omit", cache: "no-store" });
    const text = await res.text();
    if (!res.ok) {
      const e = JSON.parse(text).error;
      throw Object.assign(new Error(e?.message ?? `HTTP ${res.status}`), { code: e?.code });
    }
    const file = `${m.id}-motion-${no}.certificate.json`;
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    link.download = file;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    setSaved(file);
    // Checked here too, with no trust in this node: signatures, validator
    // set, Merkle proofs (lib/proof.ts), and the proven motion's decision.
    const cert = JSON.parse(text);
    const r = verifyStateProof(cert.proof);
    const mo = r.entries?.find((e) => e.key === `asm/motion/${m.id}/${String(no).padStart(4, "0")}`);
    setCheck({ no, r, decision: mo ? JSON.parse(new TextDecoder().decode(mo.value)).decision : undefined });
  });
  return (
    <section>
      <Title>{m.title}</Title>
      <dl class="facts">
        <dt>{w("asmWhen")}</dt><dd>{date(m.scheduled_at)}</dd>
        <dt>{w("asmState")}</dt><dd data-testid="meeting-state">{w(`mstate_${m.state}` as AssemblyWord)}</dd>
        <dt>{w("asmBody")}</dt><dd>{m.body}</dd>
      </dl>
      <p data-testid="present">{w("asmPresent", { n: rec.present })} {m.expected_attendees ? w("asmExpected", { n: m.expected_attendees }) : ""}</p>
      {a.error ? <Problem error={a.error} /> : null}
      {m.state === "open" && memberKey && (checkedIn ? <p class="ok" role="status">{w("asmCheckedIn")}</p> : <button type="button" disabled={a.busy} onClick={checkIn}>{w("asmCheckIn")}</button>)}
      <h2>{w("asmAgenda")}</h2>
      {m.agenda?.length ? <ol>{m.agenda.map((a) => <li key={a.no}>{a.title}</li>)}</ol> : <p>{w("asmNoAgenda")}</p>}
      <h2>{w("asmDecisions")}</h2>
      {rec.motions.length === 0 ? <p>{w("asmNoMotions")}</p> : (
        <ul class="list">
          {rec.motions.map((mo) => (
            <li key={mo.no} data-testid={`motion-${mo.no}`}>
              <span class="item-title">{w("asmMotion", { no: mo.no })}: {mo.title}</span>
              <span>{mo.text}</span>
              <span class="meta"><strong>{w(`decision_${mo.decision ?? ""}` as AssemblyWord) ?? mo.decision}</strong>{mo.decision === "adopted" || mo.decision === "rejected" ? ` · ${w("asmVotes", { f: mo.for, a: mo.against, b: mo.abstain })}` : ""}</span>
              {mo.quorum && <span class="meta">{w("asmQuorum", { present: mo.quorum.present, base: mo.quorum.base, met: mo.quorum.met ? w("asmQuorumMet") : w("asmQuorumNotMet") })}</span>}
              {m.state === "finalized" && mo.decision && <button type="button" class="secondary" onClick={() => download(mo.no)}>{w("asmCertificate", { no: mo.no })}</button>}
            </li>
          ))}
        </ul>
      )}
      {m.state === "finalized" && <p class="meta">{w("asmFinalized")} {w("asmCertificateNote")}</p>}
      {saved && <p class="ok" role="status" data-testid="cert-saved">{w("asmCertificateSaved", { file: saved })}</p>}
      {check && (
        <div data-testid="cert-check" role="status">
          {check.r.ok && check.decision ? (
            <>
              <p class="ok">✓ {w("asmCertOk", { no: check.no, decision: w(`decision_${check.decision}` as AssemblyWord), h: check.r.height ?? 0 })}</p>
              <p class="meta mono small">{w("asmCertValidators", { hash: check.r.validatorsHash ?? "" })}</p>
            </>
          ) : <p class="bad">✗ {w("asmCertBad", { step: check.r.step ?? "", detail: check.r.detail ?? "" })}</p>}
        </div>
      )}
      <h2>{w("asmMinutes")}</h2>
      {m.minutes && minutes !== null ? (
        <>
          <pre class="minutes" data-testid="minutes">{minutes}</pre>
          <p class="meta mono small">{w("asmMinutesHash", { h: m.minutes.hash })}</p>
        </>
      ) : <p>{w("asmNoMinutes")}</p>}
      {rec.errata.length > 0 && (<><h2>{w("asmErrata")}</h2><ul>{rec.errata.map((e) => <li key={e.no}>{e.correction} <span class="meta">({e.reason})</span></li>)}</ul></>)}
    </section>
  );
}
