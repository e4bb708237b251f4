// The election pages, loaded only when a member opens one (app.tsx): the
// list of elections seen on this device, an election's page (eligibility,
// credentials, my ballots, tracking, results with a verify button) and the
// booth (booth.tsx).
import { useEffect, useState } from "preact/hooks";
import { publicGet, signedGet, type Chapter, type Member, type RecordAnswer } from "../../lib/api";
import { fromBase64, fromHex, toHex } from "../../lib/bytes";
import { signerOf, type StoredKey } from "../../lib/keystore";
import { decodeManifest } from "../../lib/election/ballot";
import { verifyTally, type TallyCheck } from "../../lib/election/tally";
import { allBallots, credentials, getElection, getTally, issuanceOpen, loadVoter, phase, requestCredentials, requestSeq, stateValue, track, votingOpen, pad12, type ElectionRecord, type TallyRecord, type TrackingAnswer, type VoterState } from "../../lib/election/voter";
import { Problem, Title, useAction } from "../common";
import { Booth } from "./booth";
import { useWords, type ElectionWord } from "./words";


const RECENT = "pnyx.elections";
function recent(): string[] {
  try {
    return JSON.parse(localStorage.getItem(RECENT) ?? "[]");
  } catch {
    return [];
  }
}
function remember(id: string) {
  try {
    localStorage.setItem(RECENT, JSON.stringify([id, ...recent().filter((x) => x !== id)].slice(0, 20)));
  } catch {
    /* storage off */
  }
}

export default function Elections({ path, params, memberKey }: { path: string; params: URLSearchParams; memberKey: StoredKey | null | undefined }) {
  const rest = path.slice("/elections".length).replace(/^\//, "");
  if (!rest) return <ElectionList />;
  const [id, sub] = rest.split("/").map(decodeURIComponent);
  if (sub === "vote") return <Booth id={id} memberKey={memberKey} />;
  return <ElectionPage id={id} memberKey={memberKey} trackCode={params.get("track") ?? ""} />;
}

function ElectionList() {
  const { w } = useWords();
  const [id, setId] = useState("");
  const list = recent();
  return (
    <section>
      <Title>{w("elTitle")}</Title>
      <p>{w("elIntro")}</p>
      <form class="row" onSubmit={(e) => { e.preventDefault(); if (id.trim()) location.hash = `#/elections/${encodeURIComponent(id.trim())}`; }}>
        <label for="eid">{w("elOpenId")}</label>
        <input id="eid" value={id} onInput={(e) => setId((e.target as HTMLInputElement).value)} autocomplete="off" />
        <button type="submit">{w("elOpen")}</button>
      </form>
      <h2>{w("elRecent")}</h2>
      {list.length === 0 ? <p>{w("elNone")}</p> : (
        <ul class="list">{list.map((x) => <li key={x}><a class="item-title" href={`#/elections/${encodeURIComponent(x)}`}>{x}</a></li>)}</ul>
      )}
    </section>
  );
}

/** eligibility mirrors the chain's snapshot rule for the member as now registered. */
async function eligibility(key: StoredKey, e: ElectionRecord): Promise<{ ok: boolean; why?: ElectionWord }> {
  const m = (await signedGet<RecordAnswer<Member>>(signerOf(key), `/v1/members/${key.memberId}`)).record;
  if (m.status !== "active") return { ok: false, why: "whyStatus" };
  if (e.class && e.class !== m.class) return { ok: false, why: "whyClass" };
  for (let id: string | undefined = m.chapter, n = 0; id && n < 8; n++) {
    if (id === e.chapter) return { ok: true };
    id = (await publicGet<RecordAnswer<Chapter>>(`/v1/chapters/${encodeURIComponent(id)}`)).record.parent;
  }
  return { ok: false, why: "whyChapter" };
}

function ElectionPage({ id, memberKey, trackCode }: { id: string; memberKey: StoredKey | null | undefined; trackCode: string }) {
  const { t, w, date, lang } = useWords();
  const [e, setE] = useState<ElectionRecord | null>(null);
  const [tally, setTally] = useState<TallyRecord | null>(null);
  const [elig, setElig] = useState<{ ok: boolean; why?: ElectionWord } | null>(null);
  const [voter, setVoter] = useState<VoterState | null>(null);
  const [cred, setCred] = useState<"none" | "requested" | "ready" | "other">("none");
  const [error, setError] = useState<unknown>(null);
  const a = useAction();
  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000));

  const load = async () => {
    setError(null);
    try {
      const rec = (await getElection(id)).record;
      setE(rec);
      remember(id);
      setTally((await getTally(id)).record);
      if (memberKey) {
        const v = (await loadVoter(id, memberKey.memberId)) ?? null;
        setVoter(v);
        // Once the credentials are on this device, the page makes no request
        // that names the member (no signed read, no look-up of the member's
        // request): during voting nothing on the connection links the member
        // to the ballot that follows.
        if (v?.credentials) {
          setElig({ ok: true });
          setCred("ready");
          return;
        }
        setElig(await eligibility(memberKey, rec));
        const seq = await requestSeq(id, memberKey.memberId);
        if (seq === null) setCred("none");
        else if (!v) setCred("other");
        else setCred((await credentials(memberKey, rec)) ? "ready" : "requested");
      }
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    load();
  }, [id, memberKey?.memberId]);
  // The phase follows the clock: the page moves on by itself when a window
  // opens or closes, and while the trustees count it looks for the result.
  useEffect(() => {
    const tick = setInterval(() => {
      const t = Math.floor(Date.now() / 1000);
      setNow(t);
      if (e && (phase(e, t) === "tallying" || phase(e, t) === "ceremony") && t % 15 < 5) load();
    }, 5000);
    return () => clearInterval(tick);
  }, [e]);

  if (error) return <section><Title>{w("elTitle")}</Title><Problem error={error} onRetry={load} /></section>;
  if (!e) return <section><Title>{w("elTitle")}</Title><p role="status">{t("loading")}</p></section>;
  const m = decodeManifest(fromHex(e.manifest));
  const ph = phase(e, now);
  const request = () => a.run(async () => {
    await requestCredentials(memberKey!, e);
    await load();
  });
  const cast = voter?.ballots.filter((b) => b.kind === "cast").length ?? 0;
  return (
    <section>
      <Title>{m.title}</Title>
      <dl class="facts">
        <dt>{w("elPhase")}</dt>
        <dd data-testid="phase">{w(`phase_${ph}` as ElectionWord) ?? ph}</dd>
        <dt>{w("elIssuance")}</dt>
        <dd>{w("elScheduleRange", { from: date(e.issue_start), to: date(e.issue_end) })}</dd>
        <dt>{w("elVoting")}</dt>
        <dd>{w("elScheduleRange", { from: date(e.vote_start), to: date(e.vote_end) })}</dd>
      </dl>
      {memberKey && (
        <>
          <h2>{w("elEligibility")}</h2>
          {!elig ? <p role="status">{t("loading")}</p> : <p data-testid="eligibility">{elig.ok ? w("elEligible") : w("elNotEligible", { why: w(elig.why!) })}</p>}
          <p class="meta">{w("elEligibleNote", { n: e.eligible })}</p>
          <h2>{w("elCredTitle")}</h2>
          {a.error ? <Problem error={a.error} /> : null}
          {cred === "ready" ? <p class="ok" data-testid="cred-state">{w("elCredReady")}</p>
            : cred === "other" ? <p data-testid="cred-state">{w("elCredOtherDevice")}</p>
            : cred === "requested" ? <p data-testid="cred-state">{w("elCredRequested")} <button type="button" onClick={load}>{w("elCredCheck")}</button></p>
            : issuanceOpen(e, now) ? (<><p>{w("elCredIntro")}</p><button type="button" disabled={a.busy || elig?.ok === false} onClick={request}>{a.busy ? w("boothSending") : w("elCredRequest")}</button></>)
            : <p data-testid="cred-state">{w("elCredClosed")}</p>}
          {cred === "ready" && votingOpen(e, now) && <p><a class="button" href={`#/elections/${encodeURIComponent(id)}/vote`}>{w("elGoVote")}</a></p>}
          {cast > 0 && <p>{w("elVoted", { n: cast })}</p>}
          {voter && voter.ballots.length > 0 && (
            <>
              <h2>{w("elMyBallots")}</h2>
              <ul class="list">
                {voter.ballots.map((b) => <li key={b.tracking}><span class="mono">{short(b.tracking)}</span> <span class="meta">{w(`ballot_${b.kind}` as ElectionWord)} · {date(b.at)}</span></li>)}
              </ul>
            </>
          )}
        </>
      )}
      <Track id={id} voter={voter} initial={trackCode} />
      <Results e={e} tally={tally} lang={lang} />
    </section>
  );
}

const short = (full: string) => full.slice(0, 20).match(/.{4}/g)!.join("-");

function Track({ id, voter, initial }: { id: string; voter: VoterState | null; initial: string }) {
  const { w } = useWords();
  const [code, setCode] = useState(initial ? short(initial) : "");
  const [ans, setAns] = useState<TrackingAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const find = async (ev?: Event) => {
    ev?.preventDefault();
    setError(null);
    setAns(null);
    const c = code.trim().toLowerCase().replace(/[-\s]/g, "");
    let full = c;
    if (c.length !== 64) {
      full = voter?.ballots.find((b) => b.tracking.startsWith(c))?.tracking ?? "";
      if (!full || c.length < 8) return setError(new Error(w("elTrackUnknown")));
    }
    setBusy(true);
    try {
      setAns(await track(id, full));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    if (initial) find();
  }, [initial]);
  const proofBytes = ans?.proof ? JSON.stringify(ans.proof).length : 0;
  return (
    <>
      <h2>{w("elTrack")}</h2>
      <form class="row" onSubmit={find}>
        <label for="track">{w("elTrackLabel")}</label>
        <input id="track" class="mono" value={code} onInput={(e) => setCode((e.target as HTMLInputElement).value)} autocomplete="off" spellcheck={false} />
        <button type="submit" disabled={busy}>{w("elTrackButton")}</button>
      </form>
      {error ? <Problem error={error} /> : null}
      {ans && (
        <div data-testid="track-result" role="status">
          {ans.kind === "spoiled" ? <p>{w("elTrackSpoiled")}</p> : (
            <>
              <p>{w("elTrackCast", { h: ans.record.height ?? ans.height })}</p>
              <p data-testid="track-counted">{ans.replaced ? w("elTrackReplaced") : w("elTrackCounted")}</p>
            </>
          )}
          {ans.proof ? <p class="meta" data-testid="track-proof">{w("elTrackProof", { h: ans.height, n: proofBytes })}</p> : null}
        </div>
      )}
    </>
  );
}

function Results({ e, tally, lang }: { e: ElectionRecord; tally: TallyRecord | null; lang: string }) {
  const { w } = useWords();
  const [checks, setChecks] = useState<TallyCheck[] | null>(null);
  const a = useAction();
  const m = decodeManifest(fromHex(e.manifest));
  if (e.status !== "published" || !tally?.results) return (<><h2>{w("elResults")}</h2><p>{w("elResultsWait")}</p></>);
  const verify = () => a.run(async () => {
    const shares = await Promise.all((tally.shares ?? []).map(async (l) => ({ trustee: l, raw: (await stateValue(`el/${e.id}/dec/${pad12(l)}`))! })));
    setChecks(verifyTally({
      electionId: fromHex(e.election_id), threshold: e.threshold, publicShares: (e.public_shares ?? []).map(fromHex),
      aggregate: fromHex(tally.aggregate), ballots: await allBallots(e.id), shares, results: tally.results!, optionCounts: m.contests.map((c) => c.options.length),
    }));
  });
  const fmt = (n: number) => n.toLocaleString(lang === "ko" ? "ko-KR" : "en-GB");
  const ok = checks?.every((c) => c.ok);
  return (
    <>
      <h2>{w("elResults")}</h2>
      <p>{w("elCounted", { counted: tally.counted, cast: tally.cast, replaced: tally.cast - tally.counted })}</p>
      {m.contests.map((c, i) => (
        <table class="results" data-testid={`results-${i}`}>
          <caption>{c.title}</caption>
          <thead><tr><th scope="col">{w("elOption")}</th><th scope="col">{w("elVotes")}</th></tr></thead>
          <tbody>{c.options.map((o, j) => <tr><th scope="row">{o}</th><td>{fmt(tally.results![i][j])}</td></tr>)}</tbody>
        </table>
      ))}
      <p><button type="button" disabled={a.busy} onClick={verify}>{a.busy ? w("elVerifying") : w("elVerify")}</button></p>
      {a.error ? <Problem error={a.error} /> : null}
      {checks && (
        <div role="status" data-testid="verify-result">
          <ul class="checks">{checks.map((c) => <li class={c.ok ? "ok" : "bad"}>{c.ok ? "✓" : "✗"} {w(`check_${c.name}` as ElectionWord, { detail: c.detail ?? "" })}</li>)}</ul>
          <p class={ok ? "ok" : "bad"} data-testid="verify-verdict">{ok ? w("elVerifyOk") : w("elVerifyFail")}</p>
        </div>
      )}
    </>
  );
}

export { fromBase64, toHex };
