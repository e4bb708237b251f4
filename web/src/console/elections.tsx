// The election commissioner's pages: a wizard that creates an election
// (contests and options, who may vote with the count of eligible members
// shown before creating, trustees and issuers among the members holding
// those roles, the windows as Korea-time dates), and a live view of the
// election's ceremony, issuance, turnout and tally with each trustee's and
// issuer's status. The trustees' and issuers' own work stays in the CLI
// (`pnyx election trustee --wait`, `pnyx election issuer`); this page only
// shows where each of them is.
import { useEffect, useState } from "preact/hooks";
import { publicGet } from "../lib/api";
import { fromHex } from "../lib/bytes";
import { decodeManifest, type Manifest } from "../lib/election/ballot";
import { verifyTally, type TallyCheck } from "../lib/election/tally";
import { allBallots, getElection, getTally, pad12, stateValue } from "../lib/election/voter";
import type { StoredKey } from "../lib/keystore";
import { sendTx } from "../lib/send";
import { Problem, Title, useAction } from "../pages/common";
import { createElectionBody, kstInput, scopeOf, type Grant } from "./chain";
import { useC } from "./i18n";
import type { Official } from "./index";

interface ContestForm { title: string; options: string; choose: string }
export interface ElectionRec {
  id: string; chapter: string; class?: string; title?: string; manifest: string; trustees: string[]; threshold: number; issuers: string[];
  issue_start: number; issue_end: number; vote_start: number; vote_end: number; status: string; eligible: number;
  hpke_keys: string[]; dealt: boolean[]; checked: boolean[]; acks: string[]; issuer_keys: string[]; joint_key?: string; qualified?: number[];
}
interface Tally { requests: number; cast: number; counted: number; spoiled: number; shares: number[]; results?: number[][] }

const ID = /^[a-z0-9][a-z0-9-]{0,47}$/;

/** rolesUpTree lists the grants of role at chapter and above: who may serve an election there. */
async function rolesUpTree(official: Official, chapter: string, role: string): Promise<Grant[]> {
  const chain: string[] = [];
  for (let id: string | undefined = chapter; id && chain.length < 8; id = official.tree.find((x) => x.id === id)?.parent) chain.push(id);
  const lists = await Promise.all(chain.map((ch) => publicGet<{ grants: Grant[] | null }>(`/v1/chapters/${encodeURIComponent(ch)}/roles`)));
  const seen = new Set<string>();
  return lists.flatMap((l) => l.grants ?? []).filter((g) => g.role === role && !seen.has(g.member) && seen.add(g.member));
}

export function ElectionWizard({ official, memberKey }: { official: Official; memberKey: StoredKey }) {
  const { c, word } = useC();
  const scope = scopeOf(official.tree, official.grants, "election_commissioner");
  const [f, setF] = useState({ id: "", title: "", chapter: scope[0]?.id ?? "", cls: "", threshold: "1", issueStart: "", issueEnd: "", voteStart: "", voteEnd: "", overlap: false });
  const [contests, setContests] = useState<ContestForm[]>([{ title: "", options: "", choose: "1" }]);
  const [eligible, setEligible] = useState<number | null>(null);
  const [trustees, setTrustees] = useState<Grant[]>([]);
  const [issuers, setIssuers] = useState<Grant[]>([]);
  const [pickT, setPickT] = useState<string[]>([]);
  const [pickI, setPickI] = useState<string[]>([]);
  const a = useAction();
  const [created, setCreated] = useState("");
  const [openId, setOpenId] = useState("");
  useEffect(() => {
    if (!f.chapter) return;
    setEligible(null);
    publicGet<{ eligible: number }>(`/v1/chapters/${encodeURIComponent(f.chapter)}/eligible${f.cls ? `?class=${f.cls}` : ""}`).then((r) => setEligible(r.eligible), a.fail);
  }, [f.chapter, f.cls]);
  useEffect(() => {
    if (!f.chapter) return;
    rolesUpTree(official, f.chapter, "trustee").then(setTrustees, a.fail);
    rolesUpTree(official, f.chapter, "credential_issuer").then(setIssuers, a.fail);
  }, [f.chapter]);
  if (scope.length === 0) return <section><Title>{c("elTitle")}</Title><p>{c("outOfScope")}</p><p><a href="#/console">{c("back")}</a></p></section>;
  const set = (k: keyof typeof f, v: string | boolean) => setF({ ...f, [k]: v });
  const toggle = (list: string[], id: string, on: boolean) => (on ? [...list, id] : list.filter((x) => x !== id));
  const parsed = contests.map((x) => ({ title: x.title.trim(), options: x.options.split("\n").map((o) => o.trim()).filter(Boolean), choose: Math.floor(+x.choose) }));
  const times = [f.issueStart, f.issueEnd, f.voteStart, f.voteEnd].map(kstInput);
  const problems: string[] = [];
  if (!ID.test(f.id)) problems.push(c("elBadId"));
  if (!f.title.trim()) problems.push(c("elNeedTitle"));
  parsed.forEach((x, i) => {
    if (!x.title || x.options.length < 2 || !(x.choose >= 1 && x.choose <= x.options.length)) problems.push(c("elBadContest", { n: i + 1 }));
  });
  if (pickT.length === 0 || !(+f.threshold >= 1 && +f.threshold <= pickT.length)) problems.push(c("elBadTrustees"));
  if (pickI.length === 0) problems.push(c("elBadIssuers"));
  if (pickT.some((t) => pickI.includes(t))) problems.push(c("elDistinct"));
  const [is, ie, vs, ve] = times;
  if (times.some((x) => !Number.isFinite(x)) || !(is < ie && vs < ve && is <= vs && ie <= ve && (f.overlap || ie <= vs))) problems.push(c("elBadSchedule"));
  if (eligible === 0) problems.push(c("elNoElectors"));
  const create = (e: Event) => {
    e.preventDefault();
    if (problems.length) return;
    return a.run(async () => {
      await sendTx(memberKey, "election/create", createElectionBody({
        id: f.id, chapter: f.chapter, cls: f.cls, title: f.title.trim(),
        contests: parsed.map((x) => ({ title: x.title, selectionLimit: x.choose, optionLimit: 1, options: x.options })),
        trustees: pickT, threshold: +f.threshold, issuers: pickI, issueStart: is, issueEnd: ie, voteStart: vs, voteEnd: ve, allowOverlap: f.overlap,
      }));
      setCreated(f.id);
      location.hash = `#/console/elections/${encodeURIComponent(f.id)}`;
    });
  };
  const name = (id: string) => official.tree.find((x) => x.id === id)?.name ?? id;
  return (
    <section>
      <Title>{c("elTitle")}</Title>
      <p>{c("elIntro")}</p>
      <p><a href="#/console">{c("back")}</a></p>
      <form onSubmit={(e) => { e.preventDefault(); if (ID.test(openId)) location.hash = `#/console/elections/${openId}`; }}>
        <label for="el-open">{c("elOpenLabel")}</label>
        <input id="el-open" class="mono" value={openId} onInput={(e) => setOpenId((e.target as HTMLInputElement).value.trim())} />
        <button type="submit" class="secondary">{c("open")}</button>
      </form>
      <h2>{c("elNew")}</h2>
      <form onSubmit={create} noValidate>
        <fieldset>
          <legend>{c("elStep1")}</legend>
          <label for="el-id">{c("elId")}</label>
          <input id="el-id" class="mono" aria-describedby="el-id-hint" value={f.id} onInput={(e) => set("id", (e.target as HTMLInputElement).value.trim())} />
          <p class="hint" id="el-id-hint">{c("elIdHint")}</p>
          <label for="el-title">{c("elName")}</label>
          <input id="el-title" value={f.title} onInput={(e) => set("title", (e.target as HTMLInputElement).value)} />
        </fieldset>
        <fieldset>
          <legend>{c("elStep2")}</legend>
          {contests.map((x, i) => (
            <div class="contest" key={i} data-testid={`contest-${i + 1}`}>
              <p class="item-title">{c("elContestN", { n: i + 1 })}</p>
              <label for={`ct-${i}`}>{c("elContestTitle")}</label>
              <input id={`ct-${i}`} value={x.title} onInput={(e) => setContests(contests.map((y, j) => (j === i ? { ...y, title: (e.target as HTMLInputElement).value } : y)))} />
              <label for={`co-${i}`}>{c("elOptions")}</label>
              <textarea id={`co-${i}`} rows={4} value={x.options} onInput={(e) => setContests(contests.map((y, j) => (j === i ? { ...y, options: (e.target as HTMLTextAreaElement).value } : y)))} />
              <label for={`cc-${i}`}>{c("elChoose")}</label>
              <input id={`cc-${i}`} type="number" min="1" inputMode="numeric" value={x.choose} onInput={(e) => setContests(contests.map((y, j) => (j === i ? { ...y, choose: (e.target as HTMLInputElement).value } : y)))} />
              {contests.length > 1 && <button type="button" class="secondary" onClick={() => setContests(contests.filter((_, j) => j !== i))}>{c("elRemoveContest", { n: i + 1 })}</button>}
            </div>
          ))}
          <button type="button" class="secondary" onClick={() => setContests([...contests, { title: "", options: "", choose: "1" }])}>{c("elAddContest")}</button>
        </fieldset>
        <fieldset>
          <legend>{c("elStep3")}</legend>
          <label for="el-chapter">{c("fChapter")}</label>
          <select id="el-chapter" value={f.chapter} onChange={(e) => set("chapter", (e.target as HTMLSelectElement).value)}>
            {scope.map((ch) => <option key={ch.id} value={ch.id}>{ch.name} ({ch.id})</option>)}
          </select>
          <label for="el-class">{c("fClass")}</label>
          <select id="el-class" value={f.cls} onChange={(e) => set("cls", (e.target as HTMLSelectElement).value)}>
            <option value="">{c("elEveryClass")}</option>
            <option value="general">{word("class", "general")}</option>
            <option value="responsible">{word("class", "responsible")}</option>
          </select>
          <p class={eligible === 0 ? "field-error" : "ok"} role="status" data-testid="eligible">{eligible === null ? "…" : c("elEligible", { n: eligible.toLocaleString(), chapter: name(f.chapter) })}</p>
        </fieldset>
        <fieldset>
          <legend>{c("elStep4")}</legend>
          <p class="hint">{c("elPeopleHint")}</p>
          <p class="item-title">{c("elTrustees")}</p>
          {trustees.length === 0 ? <p class="field-error">{c("elNoTrustees")}</p> : trustees.map((g) => (
            <label class="check" key={g.member}><input type="checkbox" checked={pickT.includes(g.member)} onChange={(e) => setPickT(toggle(pickT, g.member, (e.target as HTMLInputElement).checked))} /> <span class="mono">{g.member}</span> ({name(g.chapter)})</label>
          ))}
          <label for="el-threshold">{c("elThreshold")}</label>
          <input id="el-threshold" type="number" min="1" inputMode="numeric" aria-describedby="el-threshold-hint" value={f.threshold} onInput={(e) => set("threshold", (e.target as HTMLInputElement).value)} />
          <p class="hint" id="el-threshold-hint">{c("elThresholdHint")}</p>
          <p class="item-title">{c("elIssuers")}</p>
          {issuers.length === 0 ? <p class="field-error">{c("elNoIssuers")}</p> : issuers.map((g) => (
            <label class="check" key={g.member}><input type="checkbox" checked={pickI.includes(g.member)} onChange={(e) => setPickI(toggle(pickI, g.member, (e.target as HTMLInputElement).checked))} /> <span class="mono">{g.member}</span> ({name(g.chapter)})</label>
          ))}
        </fieldset>
        <fieldset>
          <legend>{c("elStep5")}</legend>
          {(["issueStart", "issueEnd", "voteStart", "voteEnd"] as const).map((k) => (
            <span key={k}>
              <label for={`el-${k}`}>{c(k)}</label>
              <input id={`el-${k}`} type="datetime-local" step="1" value={f[k]} onInput={(e) => set(k, (e.target as HTMLInputElement).value)} />
            </span>
          ))}
          <label class="check"><input type="checkbox" checked={f.overlap} onChange={(e) => set("overlap", (e.target as HTMLInputElement).checked)} /> {c("elOverlap")}</label>
        </fieldset>
        {problems.length > 0 && (
          <div class="todo" data-testid="el-problems">
            <p class="item-title">{c("elTodo")}</p>
            <ul>{problems.map((p) => <li key={p}>{p}</li>)}</ul>
          </div>
        )}
        <button type="submit" disabled={a.busy || problems.length > 0}>{c("elCreate", { n: eligible ?? 0 })}</button>
      </form>
      {a.error ? <Problem error={a.error} /> : null}
      {created && <p class="ok" role="status">{c("elCreated", { id: created })}</p>}
    </section>
  );
}

export function ElectionLive({ id }: { id: string }) {
  const { c, cw, date } = useC();
  const [e, setE] = useState<ElectionRec | null>(null);
  const [t, setT] = useState<Tally | null>(null);
  const [man, setMan] = useState<Manifest | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [now, setNow] = useState(Date.now() / 1000);
  const [checks, setChecks] = useState<TallyCheck[] | null>(null);
  const load = async () => {
    try {
      const [er, tr] = await Promise.all([
        publicGet<{ record: ElectionRec }>(`/v1/elections/${encodeURIComponent(id)}`),
        publicGet<{ record: Tally }>(`/v1/elections/${encodeURIComponent(id)}/tally`),
      ]);
      setE(er.record);
      setT(tr.record);
      setNow(Date.now() / 1000);
      setError(null);
      if (!man) setMan(decodeManifest(fromHex(er.record.manifest)));
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    load();
    const timer = setInterval(load, 2000);
    return () => clearInterval(timer);
  }, [id]);
  const published = e?.status === "published" && !!t?.results;
  // Once published, the page checks the tally itself with the portal's
  // browser-side check (lib/election/tally.ts): the aggregate of the counted
  // ballots, every trustee's decryption proof, and the published counts.
  useEffect(() => {
    if (!published || checks) return;
    (async () => {
      try {
        const [er, tr] = await Promise.all([getElection(id), getTally(id)]);
        const el = er.record, ta = tr.record;
        const m = decodeManifest(fromHex(el.manifest));
        const shares = await Promise.all((ta.shares ?? []).map(async (l) => ({ trustee: l, raw: (await stateValue(`el/${el.id}/dec/${pad12(l)}`))! })));
        setChecks(verifyTally({
          electionId: fromHex(el.election_id), threshold: el.threshold, publicShares: (el.public_shares ?? []).map(fromHex),
          aggregate: fromHex(ta.aggregate), ballots: await allBallots(el.id), shares, results: ta.results!, optionCounts: m.contests.map((x) => x.options.length),
        }));
      } catch (err) {
        setChecks([{ name: "results", ok: false, detail: String(err) }]);
      }
    })();
  }, [published, id]);
  if (!e) return <section><Title>{c("elTitle")}</Title>{error ? <Problem error={error} onRetry={load} /> : <p role="status">…</p>}</section>;
  const phase = e.status === "cancelled" || e.status === "published" || e.status === "ceremony" ? e.status
    : now < e.issue_start ? "ready" : now < e.vote_start ? "issuing" : now < e.vote_end ? "voting" : "tallying";
  const yes = (ok: boolean) => <span class={ok ? "ok" : "meta"}>{ok ? c("elDone") : c("elWaiting")}</span>;
  return (
    <section>
      <Title>{man?.title ?? e.id}</Title>
      <p><a href="#/console/elections">{c("elTitle")}</a></p>
      <dl class="facts">
        <dt>{c("elId")}</dt><dd class="mono">{e.id}</dd>
        <dt>{c("elPhase")}</dt><dd data-testid="el-phase" data-phase={phase}>{cw("phase", phase)}</dd>
        <dt>{c("elElectors")}</dt><dd data-testid="el-eligible">{e.eligible.toLocaleString()}</dd>
        <dt>{c("elIssueWindow")}</dt><dd>{date(e.issue_start)} – {date(e.issue_end)}</dd>
        <dt>{c("elVoteWindow")}</dt><dd>{date(e.vote_start)} – {date(e.vote_end)}</dd>
      </dl>
      <h2>{c("elCeremony")}</h2>
      <p>{c("elCeremonyIntro", { k: e.threshold, n: e.trustees.length })}</p>
      <div class="table-wrap" tabIndex={0} role="region" aria-label={c("elTrustees")}>
        <table data-testid="el-trustees">
          <caption>{c("elTrustees")}</caption>
          <thead><tr><th scope="col">#</th><th scope="col">{c("sheetMemberId")}</th><th scope="col">{c("elKey")}</th><th scope="col">{c("elDealt")}</th><th scope="col">{c("elChecked")}</th><th scope="col">{c("elAck")}</th></tr></thead>
          <tbody>
            {e.trustees.map((m, i) => (
              <tr key={m} data-trustee={i + 1}>
                <td>{i + 1}</td><td class="mono small">{m}</td><td>{yes(!!e.hpke_keys[i])}</td><td>{yes(!!e.dealt[i])}</td><td>{yes(!!e.checked[i])}</td><td>{yes(!!e.acks[i])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p data-testid="el-joint">{e.joint_key ? c("elJointKey") : c("elNoJointKey")}</p>
      <h2>{c("elIssuance")}</h2>
      <div class="table-wrap" tabIndex={0} role="region" aria-label={c("elIssuers")}>
        <table data-testid="el-issuers">
          <caption>{c("elIssuers")}</caption>
          <thead><tr><th scope="col">#</th><th scope="col">{c("sheetMemberId")}</th><th scope="col">{c("elIssuerKey")}</th></tr></thead>
          <tbody>{e.issuers.map((m, i) => <tr key={m} data-issuer={i + 1}><td>{i + 1}</td><td class="mono small">{m}</td><td>{yes(!!e.issuer_keys[i])}</td></tr>)}</tbody>
        </table>
      </div>
      {t && (
        <>
          <h2>{c("elTurnout")}</h2>
          <dl class="facts" data-testid="el-turnout">
            <dt>{c("elRequests")}</dt><dd>{t.requests}</dd>
            <dt>{c("elCast")}</dt><dd>{t.cast}</dd>
            <dt>{c("elCounted")}</dt><dd>{t.counted}</dd>
            <dt>{c("elSpoiled")}</dt><dd>{t.spoiled}</dd>
            <dt>{c("elTurnoutPct")}</dt><dd>{e.eligible ? `${Math.round((t.requests * 1000) / e.eligible) / 10}%` : "—"}</dd>
          </dl>
          <h2>{c("elTally")}</h2>
          <p data-testid="el-shares">{c("elShares", { n: t.shares.length, k: e.threshold })}</p>
          {t.results && man && man.contests.map((ct, i) => (
            <div class="table-wrap" tabIndex={0} role="region" aria-label={ct.title} key={i}>
              <table data-testid={`el-results-${i}`}>
                <caption>{ct.title}</caption>
                <tbody>{ct.options.map((o, j) => <tr key={o}><th scope="row">{o}</th><td>{t.results![i]?.[j] ?? 0}</td></tr>)}</tbody>
              </table>
            </div>
          ))}
          {published && (
            <p role="status" data-testid="el-verified" data-ok={checks ? String(checks.every((x) => x.ok)) : undefined}
              class={!checks ? "meta" : checks.every((x) => x.ok) ? "ok" : "field-error"}>
              {!checks ? c("elChecking") : checks.every((x) => x.ok) ? c("elVerifiedOk", { counted: t.counted }) : c("elVerifiedBad", { failed: checks.filter((x) => !x.ok).map((x) => x.name).join(", ") })}
            </p>
          )}
        </>
      )}
      {error ? <Problem error={error} /> : null}
    </section>
  );
}
