// The KPI scorecard (modules/kpi): the member's own card (a signed read)
// and their chapter's, for a period, each rule with its record, target,
// weight and score, and earlier periods as a table (the text alternative a
// chart would need).
import { useEffect, useState } from "preact/hooks";
import { publicGet, signedGet, type Member, type RecordAnswer } from "../../lib/api";
import { signerOf, type StoredKey } from "../../lib/keystore";
import { Problem, Title } from "../common";
import { useKpiWords, type KpiWord } from "./words";

interface Version { version: number; rule_set: { period: string; effective_from: string; scorecards: { id: string; subject: string }[] } }
interface PeriodView { id: string; kind: string; start: number; end: number; version: number; state: string; scorecards: string[] }
interface RuleLine { rule: string; aggregation: string; value: number; target: number; score_bp: number; weight_bp: number; applicable: boolean; facts: unknown[] }
interface Card { period: string; scorecard: string; kind: string; subject: string; version: number; state: string; score_bp: number; reward: number; rules: RuleLine[]; pending: unknown[]; past: { period: string; score_bp: number }[] }

/** currentPeriod names the period of kind containing now, in KST (2026-12, 2026-Q4, 2026-H2, 2026). */
function currentPeriod(kind: string): string {
  const kst = new Date(Date.now() + 9 * 3600_000);
  const y = kst.getUTCFullYear(), m = kst.getUTCMonth() + 1;
  if (kind === "quarter") return `${y}-Q${Math.ceil(m / 3)}`;
  if (kind === "half") return `${y}-H${m <= 6 ? 1 : 2}`;
  if (kind === "year") return String(y);
  return `${y}-${String(m).padStart(2, "0")}`;
}

export default function Kpi({ params, memberKey }: { params: URLSearchParams; memberKey: StoredKey | null | undefined }) {
  const { t, w, date } = useKpiWords();
  const [period, setPeriod] = useState(params.get("period") ?? "");
  const [typed, setTyped] = useState(params.get("period") ?? "");
  const [view, setView] = useState<PeriodView | null>(null);
  const [cards, setCards] = useState<{ id: string; subject: string; card: Card | null }[] | null>(null);
  const [none, setNone] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const load = async () => {
    if (!memberKey) return;
    setError(null);
    try {
      let p = period;
      if (!p) {
        const vs = (await publicGet<{ versions: Version[] | null }>("/v1/kpi/versions")).versions ?? [];
        if (vs.length === 0) return setNone(true);
        const last = vs[vs.length - 1].rule_set;
        const cur = currentPeriod(last.period);
        p = cur < last.effective_from ? last.effective_from : cur;
        setPeriod(p);
        setTyped(p);
      }
      const v = await publicGet<PeriodView>(`/v1/kpi/periods/${encodeURIComponent(p)}`);
      setView(v);
      const me = (await signedGet<RecordAnswer<Member>>(signerOf(memberKey), `/v1/members/${memberKey.memberId}`)).record;
      const ver = (await publicGet<RecordAnswer<Version>>(`/v1/kpi/versions/${v.version}`)).record;
      const out = [];
      for (const sc of ver.rule_set.scorecards.filter((s) => v.scorecards.includes(s.id))) {
        const uri = sc.subject === "member"
          ? `/v1/kpi/periods/${encodeURIComponent(p)}/scorecards/${encodeURIComponent(sc.id)}/members/${memberKey.memberId}`
          : `/v1/kpi/periods/${encodeURIComponent(p)}/scorecards/${encodeURIComponent(sc.id)}/chapters/${encodeURIComponent(me.chapter)}`;
        const card = await (sc.subject === "member" ? signedGet<Card>(signerOf(memberKey), uri) : publicGet<Card>(uri)).catch(() => null);
        out.push({ id: sc.id, subject: sc.subject, card });
      }
      setCards(out);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => { load(); }, [memberKey?.memberId, period]);

  if (!memberKey) return <section><Title>{w("kpiTitle")}</Title><p><a class="button" href="#/join">{t("homeJoinCta")}</a></p></section>;
  const pct = (bp: number) => (bp / 100).toFixed(bp % 100 === 0 ? 0 : 2);
  return (
    <section>
      <Title>{w("kpiTitle")}</Title>
      <p>{w("kpiIntro")}</p>
      {none ? <p>{w("kpiNone")}</p> : null}
      <form class="row" onSubmit={(e) => { e.preventDefault(); setCards(null); setPeriod(typed.trim()); }}>
        <label for="period">{w("kpiPeriod")}</label>
        <input id="period" value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} autocomplete="off" />
        <button type="submit">{w("kpiShow")}</button>
      </form>
      {error ? <Problem error={error} onRetry={load} /> : null}
      {view && (
        <dl class="facts">
          <dt>{w("kpiPeriod")}</dt><dd data-testid="kpi-period">{view.id} · {w("kpiPeriodRange", { from: date(view.start), to: date(view.end) })}</dd>
          <dt>{w("kpiState")}</dt><dd>{w(`pstate_${view.state}` as KpiWord)} · {w("kpiVersion", { v: view.version })}</dd>
        </dl>
      )}
      {!cards ? (!error && !none && <p role="status">{t("loading")}</p>) : cards.map(({ id, subject, card }) => (
        <article class="card kpi" data-testid={`kpi-${id}`} aria-labelledby={`kpi-h-${id}`}>
          <h2 id={`kpi-h-${id}`}>{subject === "member" ? w("kpiMine") : w("kpiChapter")} <span class="meta">({id})</span></h2>
          {!card ? <p>{w("kpiNoCard")}</p> : (
            <>
              <p class="big" data-testid={`kpi-score-${id}`}>{w("kpiScore")}: {w("kpiScoreValue", { p: pct(card.score_bp) })}</p>
              {card.reward > 0 && <p>{w("kpiReward", { n: card.reward })}</p>}
              <table class="results">
                <thead><tr><th scope="col">{w("kpiRule")}</th><th scope="col">{w("kpiValue")}</th><th scope="col">{w("kpiTarget")}</th><th scope="col">{w("kpiWeight")}</th><th scope="col">{w("kpiRuleScore")}</th></tr></thead>
                <tbody>
                  {card.rules.map((r) => (
                    <tr>
                      <th scope="row">{r.rule} <span class="meta">({w(`agg_${r.aggregation}` as KpiWord)})</span></th>
                      <td>{r.applicable ? r.value : w("kpiNotApplicable")}</td>
                      <td>{r.target}</td>
                      <td>{pct(r.weight_bp)}%</td>
                      <td>{r.applicable ? pct(r.score_bp) : "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {card.pending?.length ? <p class="meta">{w("kpiPending", { n: card.pending.length })}</p> : null}
              <h3>{w("kpiPast")}</h3>
              {card.past?.length ? (
                <table class="results">
                  <thead><tr><th scope="col">{w("kpiPeriod")}</th><th scope="col">{w("kpiScore")}</th></tr></thead>
                  <tbody>{card.past.map((p) => <tr><th scope="row">{p.period}</th><td>{pct(p.score_bp)}</td></tr>)}</tbody>
                </table>
              ) : <p class="meta">{w("kpiPastNone")}</p>}
            </>
          )}
        </article>
      ))}
    </section>
  );
}
