// The secretary's meetings: the bodies and meetings in scope, calling a
// meeting, and one meeting's runbook — open, paper-register attendance
// with a live quorum, motions and decisions, close, minutes, and the
// finalization the chair co-signs from their own device (./sign.tsx): the
// chair's signature arrives here through the chain (assembly/chair-sign).
// Errata to a finalized record go the same way: the chair's link carries
// the erratum's text (./erratum.tsx), and the signature arrives through
// assembly/chair-sign-erratum under the erratum's hash.
import { useEffect, useState } from "preact/hooks";
import { chain, putBlob } from "../lib/api";
import { utf8 } from "../lib/bytes";
import { signerOf, type StoredKey } from "../lib/keystore";
import { sendTx } from "../lib/send";
import { type Action, Outcome, Problem, Title, useAction } from "../pages/common";
import {
  attendanceBody, bodiesAt, bodyOf, chairSignature, cosignMessage, decideBody, erratumBody, erratumHash, erratumLink, erratumSignature, finalizeBody, kstInput, meetingBody, meetingQuorum, meetingRecord,
  meetingsAt, MEMBER_ID, minutesBody, motionBody, recordHash, scheduleBody, scopeOf, sha256Hex,
  type Body, type ChairSignature, type Meeting, type MeetingRecord, type Quorum, type QuorumCheck,
} from "./chain";
import { useC } from "./i18n";
import type { Official } from "./index";
import { toHex } from "../lib/bytes";

const MAX_INLINE = 64 << 10;

export function Meetings({ official, memberKey }: { official: Official; memberKey: StoredKey }) {
  const { c, date } = useC();
  const scope = scopeOf(official.tree, official.grants, "secretary");
  const [bodies, setBodies] = useState<Body[] | null>(null);
  const [meetings, setMeetings] = useState<Meeting[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [form, setForm] = useState({ body: "", title: "", when: "", agenda: "", expected: "" });
  const a = useAction();
  const load = async () => {
    try {
      const bs = (await Promise.all(scope.map((ch) => bodiesAt(ch.id)))).flat();
      const ms = (await Promise.all(scope.map((ch) => meetingsAt(ch.id)))).flat();
      ms.sort((x, y) => y.scheduled_at - x.scheduled_at);
      setBodies(bs);
      setMeetings(ms);
      setForm((f) => (f.body || !bs.length ? f : { ...f, body: bs[0].id }));
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    load();
  }, [official]);
  const chosen = bodies?.find((b) => b.id === form.body);
  const chapterName = (id: string) => official.tree.find((x) => x.id === id)?.name ?? id;
  const submit = (e: Event) => {
    e.preventDefault();
    const at = kstInput(form.when);
    const agenda = form.agenda.split("\n").map((s) => s.trim()).filter(Boolean);
    if (!chosen || !form.title.trim() || !Number.isFinite(at) || agenda.length === 0 || (chosen.open_attendance && !(+form.expected > 0))) {
      a.run(async () => {
        throw new Error(c("needField"));
      });
      return;
    }
    a.run(async () => {
      await sendTx(memberKey, "assembly/schedule", scheduleBody({ body: chosen.id, title: form.title.trim(), scheduledAt: at, agenda, expected: chosen.open_attendance ? +form.expected : 0 }));
      const id = `${chosen.id}.${chosen.meetings + 1}`;
      await load();
      return c("scheduled", { id });
    });
  };
  if (scope.length === 0) return <section><Title>{c("meetingsTitle")}</Title><p>{c("outOfScope")}</p><p><a href="#/console">{c("back")}</a></p></section>;
  return (
    <section>
      <Title>{c("meetingsTitle")}</Title>
      <p>{c("meetingsIntro")}</p>
      <p><a href="#/console">{c("back")}</a></p>
      {error ? <Problem error={error} onRetry={load} /> : null}
      <h2>{c("scheduleTitle")}</h2>
      {bodies && bodies.length === 0 ? <p>{c("noBodies")}</p> : (
        <form onSubmit={submit} noValidate>
          <label for="s-body">{c("fBody")}</label>
          <select id="s-body" value={form.body} onChange={(e) => setForm({ ...form, body: (e.target as HTMLSelectElement).value })}>
            {(bodies ?? []).map((b) => <option key={b.id} value={b.id}>{b.name} ({chapterName(b.chapter)})</option>)}
          </select>
          <label for="s-title">{c("fTitle")}</label>
          <input id="s-title" value={form.title} onInput={(e) => setForm({ ...form, title: (e.target as HTMLInputElement).value })} />
          <label for="s-when">{c("fWhen")}</label>
          <input id="s-when" type="datetime-local" value={form.when} onInput={(e) => setForm({ ...form, when: (e.target as HTMLInputElement).value })} />
          <label for="s-agenda">{c("fAgenda")}</label>
          <textarea id="s-agenda" rows={4} aria-describedby="s-agenda-hint" value={form.agenda} onInput={(e) => setForm({ ...form, agenda: (e.target as HTMLTextAreaElement).value })} />
          <p class="hint" id="s-agenda-hint">{c("fAgendaHint")}</p>
          {chosen?.open_attendance && (
            <>
              <label for="s-expected">{c("fExpected")}</label>
              <input id="s-expected" type="number" min="1" inputMode="numeric" aria-describedby="s-expected-hint" value={form.expected} onInput={(e) => setForm({ ...form, expected: (e.target as HTMLInputElement).value })} />
              <p class="hint" id="s-expected-hint">{c("fExpectedHint")}</p>
            </>
          )}
          <button type="submit" disabled={a.busy}>{c("scheduleSubmit")}</button>
          <Outcome a={a} />
        </form>
      )}
      <h2>{c("meetingsList")}</h2>
      {meetings.length === 0 ? <p>{c("noMeetings")}</p> : (
        <ul class="list" data-testid="meetings">
          {meetings.map((m) => (
            <li key={m.id}>
              <a class="item-title" href={`#/console/meetings/${encodeURIComponent(m.id)}`}>{m.title}</a>
              <span class="meta">{chapterName(m.chapter)} · {date(m.scheduled_at)} · <StateWord state={m.state} /></span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function StateWord({ state }: { state: string }) {
  const { cw } = useC();
  return <span data-state={state}>{cw("mst", state)}</span>;
}

/** QuorumMeter is the live quorum: present against the base, and whether it is met. */
export function QuorumMeter({ q, rule }: { q: QuorumCheck; rule: Quorum }) {
  const { c } = useC();
  // The share of the base needed, as a whole number of people.
  const need = Math.max(1, rule.more_than ? Math.floor((q.base * rule.bp) / 10000) + 1 : Math.ceil((q.base * rule.bp) / 10000));
  return (
    <div class={q.met ? "quorum met" : "quorum"} role="status" aria-live="polite" data-testid="quorum">
      <p class="quorum-head">{q.met ? c("quorumMet") : c("quorumNotMet")}</p>
      <p data-testid="quorum-line">{c("quorumLine", { present: q.present, base: q.base })}</p>
      <meter min={0} max={Math.max(need, q.present)} low={need - 0.5} optimum={need} value={Math.min(q.present, Math.max(need, q.present))} aria-label={c("quorumLabel")} />
      <p class="meta">{c("quorumRule", { pct: rule.bp / 100, op: rule.more_than ? c("opMore") : c("opAtLeast") })}</p>
    </div>
  );
}

export function MeetingRunbook({ id, official, memberKey }: { id: string; official: Official; memberKey: StoredKey }) {
  const { c, cw, date } = useC();
  const [rec, setRec] = useState<MeetingRecord | null>(null);
  const [body, setBody] = useState<Body | null>(null);
  const [quorum, setQuorum] = useState<{ rule: Quorum; quorum: QuorumCheck } | null>(null);
  const [sig, setSig] = useState<ChairSignature | null>(null);
  const [error, setError] = useState<unknown>(null);
  const a = useAction();
  const load = async () => {
    try {
      const [r, q, s] = await Promise.all([meetingRecord(id), meetingQuorum(id), chairSignature(id)]);
      setRec(r);
      setQuorum(q);
      setSig(s);
      setError(null);
      if (!body || body.id !== r.meeting.body) setBody(await bodyOf(r.meeting.body));
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    load();
    // Live: check-ins from members' phones, the chair's signature.
    const t = setInterval(load, 2000);
    return () => clearInterval(t);
  }, [id]);
  if (!rec) return <section><Title>{c("meetingsTitle")}</Title>{error ? <Problem error={error} onRetry={load} /> : <p role="status">…</p>}</section>;
  const m = rec.meeting;
  const inScope = scopeOf(official.tree, official.grants, "secretary").some((ch) => ch.id === m.chapter);
  const step = (f: () => Promise<unknown>, ok: string) => a.run(async () => {
    await f();
    await load();
    return ok;
  });
  return (
    <section>
      <Title>{m.title}</Title>
      <p><a href="#/console/meetings">{c("meetingsTitle")}</a></p>
      <dl class="facts">
        <dt>{c("mBody")}</dt><dd>{body?.name ?? m.body}</dd>
        <dt>{c("mWhen")}</dt><dd>{date(m.scheduled_at)}</dd>
        <dt>{c("mState")}</dt><dd data-testid="meeting-state"><StateWord state={m.state} /></dd>
        <dt>{c("mAgenda")}</dt><dd><ol class="agenda">{m.agenda.map((it) => <li key={it.no}>{it.title}</li>)}</ol></dd>
      </dl>
      {error ? <Problem error={error} /> : null}
      {!inScope ? <p class="problem" data-testid="out-of-scope">{c("outOfScope")}</p> : (
        <>
          <Outcome a={a} />
          {quorum && (m.state === "open" || m.state === "scheduled") && (
            <>
              <h2>{c("quorumTitle")}</h2>
              <QuorumMeter q={quorum.quorum} rule={quorum.rule} />
            </>
          )}
          {m.state === "scheduled" && (
            <>
              <h2>{c("step1")}</h2>
              <button type="button" disabled={a.busy} onClick={() => step(() => sendTx(memberKey, "assembly/open", meetingBody(m.id)), c("opened"))}>{c("openBtn")}</button>
            </>
          )}
          {m.state === "open" && <Attendance meeting={m.id} busy={a.busy} onRecord={(ids) => step(() => sendTx(memberKey, "assembly/record-attendance", attendanceBody(m.id, ids)), c("attended", { n: ids.length }))} onBad={(bad) => a.run(async () => { throw new Error(c("badIds", { ids: bad.join(", ") })); })} />}
          {(m.state === "open" || rec.motions.length > 0) && <Motions rec={rec} memberKey={memberKey} a={a} reload={load} />}
          {m.state === "open" && (
            <>
              <h2>{c("step4")}</h2>
              <button type="button" disabled={a.busy} onClick={() => step(() => sendTx(memberKey, "assembly/close", meetingBody(m.id)), c("closed"))}>{c("closeBtn")}</button>
            </>
          )}
          {m.quorum_at_close && <p data-testid="quorum-at-close">{c("quorumAtClose")}: {c("quorumLine", { present: m.quorum_at_close.present, base: m.quorum_at_close.base })} · {m.quorum_at_close.met ? c("quorumMet") : c("quorumNotMet")}</p>}
          {(m.state === "open" || m.state === "closed") && <Minutes m={m} memberKey={memberKey} a={a} reload={load} />}
          {m.state === "closed" && <Finalize rec={rec} sig={sig} memberKey={memberKey} a={a} reload={load} />}
          {m.state === "finalized" && <p class="ok" data-testid="finalized">{c("finalized")}</p>}
          {m.state === "finalized" && inScope && <Errata rec={rec} memberKey={memberKey} a={a} reload={load} />}
          {(m.state === "closed" || m.state === "finalized") && <p class="small">{c("recordHash")}: <span class="mono" data-testid="record-hash">{rec.record_hash}</span></p>}
        </>
      )}
      <p class="meta">{cw("mst", m.state)}</p>
    </section>
  );
}

function Attendance({ meeting, busy, onRecord, onBad }: { meeting: string; busy: boolean; onRecord: (ids: string[]) => void; onBad: (bad: string[]) => void }) {
  const { c } = useC();
  const [text, setText] = useState("");
  const submit = (e: Event) => {
    e.preventDefault();
    const ids = text.split(/[\s,]+/).map((s) => s.trim().toLowerCase()).filter(Boolean);
    const bad = ids.filter((x) => !MEMBER_ID.test(x));
    if (bad.length || ids.length === 0) return onBad(bad.length ? bad : [text]);
    onRecord([...new Set(ids)]);
    setText("");
  };
  return (
    <form onSubmit={submit} data-meeting={meeting}>
      <h2>{c("step2")}</h2>
      <p>{c("attendIntro")}</p>
      <label for="a-ids">{c("fMembers")}</label>
      <textarea id="a-ids" rows={4} class="mono" value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      <button type="submit" disabled={busy}>{c("attendBtn")}</button>
    </form>
  );
}

function Motions({ rec, memberKey, a, reload }: { rec: MeetingRecord; memberKey: StoredKey; a: Action; reload: () => Promise<void> }) {
  const { c, cw } = useC();
  const m = rec.meeting;
  const [f, setF] = useState({ item: "1", title: "", text: "" });
  const [d, setD] = useState<Record<number, { decision: string; for: string; against: string; abstain: string; conclusions: string }>>({});
  const open = m.state === "open";
  const add = (e: Event) => {
    e.preventDefault();
    if (!f.title.trim() || !f.text.trim()) return a.run(async () => { throw new Error(c("needField")); });
    a.run(async () => {
      await sendTx(memberKey, "assembly/motion", motionBody({ meeting: m.id, item: +f.item, title: f.title.trim(), text: f.text.trim() }));
      setF({ item: f.item, title: "", text: "" });
      await reload();
      return c("motionAdded");
    });
  };
  const decide = (no: number) => {
    const x = d[no] ?? { decision: "adopted", for: "", against: "", abstain: "", conclusions: "" };
    const voted = x.decision === "adopted" || x.decision === "rejected";
    a.run(async () => {
      await sendTx(memberKey, "assembly/decide", decideBody({ meeting: m.id, motion: no, decision: x.decision, for: voted ? +x.for || 0 : 0, against: voted ? +x.against || 0 : 0, abstain: voted ? +x.abstain || 0 : 0, conclusions: x.conclusions.trim() }));
      await reload();
      return c("decided");
    });
  };
  return (
    <>
      <h2>{c("step3")}</h2>
      {rec.motions.length === 0 ? <p>{c("noMotions")}</p> : (
        <ol class="motions" data-testid="motions">
          {rec.motions.map((mo) => {
            const x = d[mo.no] ?? { decision: "adopted", for: "", against: "", abstain: "", conclusions: "" };
            const set = (k: string, v: string) => setD({ ...d, [mo.no]: { ...x, [k]: v } });
            const pending = mo.decision === "pending" || mo.decision === "deferred";
            return (
              <li key={mo.no} data-testid={`motion-${mo.no}`}>
                <p class="item-title">{c("motionNo", { no: mo.no })}: {mo.title}</p>
                <p>{mo.text}</p>
                <p class="meta"><span data-testid={`decision-${mo.no}`}>{cw("dec", mo.decision)}</span>{(mo.decision === "adopted" || mo.decision === "rejected") && <> · {c("votes", { for: mo.for, against: mo.against, abstain: mo.abstain })}</>}</p>
                {open && pending && (
                  <fieldset>
                    <legend>{c("fDecision")} — {c("motionNo", { no: mo.no })}</legend>
                    <label for={`d-${mo.no}`}>{c("fDecision")}</label>
                    <select id={`d-${mo.no}`} value={x.decision} onChange={(e) => set("decision", (e.target as HTMLSelectElement).value)}>
                      {["adopted", "rejected", "withdrawn", "deferred"].map((k) => <option key={k} value={k}>{cw("dec", k)}</option>)}
                    </select>
                    {(x.decision === "adopted" || x.decision === "rejected") && (
                      <div class="votes">
                        {(["for", "against", "abstain"] as const).map((k) => (
                          <span key={k}>
                            <label for={`d-${mo.no}-${k}`}>{c(k === "for" ? "fFor" : k === "against" ? "fAgainst" : "fAbstain")}</label>
                            <input id={`d-${mo.no}-${k}`} type="number" min="0" inputMode="numeric" value={x[k]} onInput={(e) => set(k, (e.target as HTMLInputElement).value)} />
                          </span>
                        ))}
                      </div>
                    )}
                    <label for={`d-${mo.no}-c`}>{c("fConclusions")}</label>
                    <input id={`d-${mo.no}-c`} value={x.conclusions} onInput={(e) => set("conclusions", (e.target as HTMLInputElement).value)} />
                    <button type="button" disabled={a.busy} onClick={() => decide(mo.no)}>{c("decideBtn")}</button>
                  </fieldset>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {open && (
        <form onSubmit={add}>
          <label for="mo-item">{c("fItem")}</label>
          <select id="mo-item" value={f.item} onChange={(e) => setF({ ...f, item: (e.target as HTMLSelectElement).value })}>
            {m.agenda.map((it) => <option key={it.no} value={String(it.no)}>{it.no}. {it.title}</option>)}
          </select>
          <label for="mo-title">{c("fMotionTitle")}</label>
          <input id="mo-title" value={f.title} onInput={(e) => setF({ ...f, title: (e.target as HTMLInputElement).value })} />
          <label for="mo-text">{c("fMotionText")}</label>
          <textarea id="mo-text" rows={3} value={f.text} onInput={(e) => setF({ ...f, text: (e.target as HTMLTextAreaElement).value })} />
          <button type="submit" disabled={a.busy}>{c("motionBtn")}</button>
        </form>
      )}
    </>
  );
}

function Minutes({ m, memberKey, a, reload }: { m: Meeting; memberKey: StoredKey; a: Action; reload: () => Promise<void> }) {
  const { c } = useC();
  const [text, setText] = useState("");
  const upload = (e: Event) => {
    e.preventDefault();
    const bytes = utf8(text);
    if (bytes.length === 0) return a.run(async () => { throw new Error(c("needField")); });
    a.run(async () => {
      const hash = sha256Hex(bytes);
      let content = text;
      if (bytes.length > MAX_INLINE) {
        // Large minutes go to the node's blob store first, in a request
        // signed like a read (an active secretary's), then on chain by hash.
        await putBlob(signerOf(memberKey), hash, bytes);
        content = "";
      }
      await sendTx(memberKey, "assembly/minutes", minutesBody({ meeting: m.id, hash, size: bytes.length, content }));
      await reload();
      return c("minutesDone", { hash: hash.slice(0, 16) });
    });
  };
  const file = async (e: Event) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) setText(await f.text());
  };
  return (
    <form onSubmit={upload}>
      <h2>{c("step5")}</h2>
      {m.minutes && <p data-testid="minutes-on-chain">{c("minutesOnChain", { size: m.minutes.size, hash: m.minutes.hash.slice(0, 16) })}</p>}
      <label for="mi-text">{c("fMinutes")}</label>
      <textarea id="mi-text" rows={6} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      <label for="mi-file">{c("fMinutesFile")}</label>
      <input id="mi-file" type="file" accept=".txt,.md,text/plain" onChange={file} />
      <button type="submit" disabled={a.busy}>{c("minutesBtn")}</button>
    </form>
  );
}

function Finalize({ rec, sig, memberKey, a, reload }: { rec: MeetingRecord; sig: ChairSignature | null; memberKey: StoredKey; a: Action; reload: () => Promise<void> }) {
  const { c } = useC();
  const m = rec.meeting;
  const link = `${location.origin}${location.pathname}#/console/sign/${encodeURIComponent(m.id)}`;
  // The page checks the record hash itself rather than trusting the node's.
  const mine = recordHash(rec);
  const current = sig && sig.hash === rec.record_hash && sig.hash === mine;
  const finalize = () => a.run(async () => {
    if (!sig) throw new Error(c("waitingChair"));
    const signer = signerOf(memberKey);
    const secretarySig = toHex(await signer.sign(cosignMessage(await chain(), "finalize", m.id, mine)));
    await sendTx(memberKey, "assembly/finalize", finalizeBody({ meeting: m.id, recordHash: mine, chair: sig.chair, chairSig: sig.chair_sig, secretarySig }));
    await reload();
    return c("finalized");
  });
  return (
    <>
      <h2>{c("step6")}</h2>
      <p>{c("chairLinkIntro")}</p>
      <label for="chair-link">{c("chairLink")}</label>
      <input id="chair-link" readOnly value={link} class="mono" onFocus={(e) => (e.target as HTMLInputElement).select()} />
      <p><a href={`#/console/sign/${encodeURIComponent(m.id)}`}>{c("chairLink")}</a></p>
      {!sig ? <p role="status" data-testid="chair-wait">{c("waitingChair")}</p>
        : current ? <p class="ok" role="status" data-testid="chair-signed">{c("chairSigned", { chair: sig.chair })}</p>
        : <p class="field-error" role="status" data-testid="chair-stale">{c("chairStale")}</p>}
      <button type="button" disabled={a.busy || !current} onClick={finalize}>{c("finalizeBtn")}</button>
    </>
  );
}

/**
 * Errata drafts an erratum to a finalized record, gives the chair a link
 * carrying its exact text, polls the chain for the chair's signature over
 * the hash this page computes, and files it (assembly/erratum without
 * chair_sig: the chain carries the chair's signature itself).
 */
function Errata({ rec, memberKey, a, reload }: { rec: MeetingRecord; memberKey: StoredKey; a: Action; reload: () => Promise<void> }) {
  const { c } = useC();
  const m = rec.meeting;
  const [target, setTarget] = useState("meeting");
  const [correction, setCorrection] = useState("");
  const [reason, setReason] = useState("");
  const [sig, setSig] = useState<ChairSignature | null>(null);
  const ready = correction.trim() !== "" && reason.trim() !== "";
  const draft = { meeting: m.id, no: m.errata + 1, target, correction, reason };
  const hash = erratumHash(draft);
  useEffect(() => {
    setSig(null);
    if (!ready) return;
    let live = true;
    const poll = async () => {
      try {
        const s = await erratumSignature(m.id, hash);
        if (live) setSig(s);
      } catch {
        // The next poll tries again.
      }
    };
    poll();
    const t = setInterval(poll, 2000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [hash, ready]);
  const link = erratumLink(`${location.origin}${location.pathname}`, draft);
  const file = () => a.run(async () => {
    const secretarySig = toHex(await signerOf(memberKey).sign(cosignMessage(await chain(), "erratum", m.id, hash)));
    await sendTx(memberKey, "assembly/erratum", erratumBody({ meeting: m.id, target, correction, reason, secretarySig }));
    setCorrection("");
    setReason("");
    await reload();
    return c("eFiled", { no: draft.no });
  });
  const targets = ["meeting", ...(m.minutes ? ["minutes"] : []), ...rec.motions.map((mo) => `motion:${mo.no}`)];
  return (
    <>
      <h2>{c("eTitle")}</h2>
      {(rec.errata ?? []).length > 0 && (
        <ol class="errata" data-testid="errata">
          {(rec.errata ?? []).map((e) => <li key={e.no}>{e.target}: {e.correction} ({e.reason})</li>)}
        </ol>
      )}
      <p>{c("eIntro")}</p>
      <label for="e-target">{c("eTarget")}</label>
      <select id="e-target" value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
        {targets.map((t) => <option key={t} value={t}>{t}</option>)}
      </select>
      <label for="e-correction">{c("eCorrection")}</label>
      <textarea id="e-correction" rows={3} value={correction} onInput={(e) => setCorrection((e.target as HTMLTextAreaElement).value)} />
      <label for="e-reason">{c("eReason")}</label>
      <input id="e-reason" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
      {ready && (
        <>
          <label for="erratum-link">{c("eLink")}</label>
          <input id="erratum-link" readOnly value={link} class="mono" onFocus={(e) => (e.target as HTMLInputElement).select()} />
          <p class="small">{c("eHash")}: <span class="mono" data-testid="erratum-hash">{hash}</span></p>
          {sig ? <p class="ok" role="status" data-testid="erratum-chair-signed">{c("chairSigned", { chair: sig.chair })}</p>
            : <p role="status" data-testid="erratum-wait">{c("waitingChair")}</p>}
        </>
      )}
      <button type="button" disabled={a.busy || !ready || !sig} onClick={file}>{c("eFileBtn")}</button>
    </>
  );
}
