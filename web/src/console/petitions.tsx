// Petition answers (the secretary's role): the petitions in scope that
// reached their threshold, each with its answer deadline and an overdue
// flag, and the official answer posted from here (petition/answer). Answered
// ones stay listed, marked late when they were.
import { useEffect, useState } from "preact/hooks";
import { publicGet, type Petition } from "../lib/api";
import type { StoredKey } from "../lib/keystore";
import { sendTx } from "../lib/send";
import { canonicalBytes } from "../lib/canon";
import { Problem, Title, useAction } from "../pages/common";
import { scopeOf } from "./chain";
import { useC } from "./i18n";
import type { Official } from "./index";

type P = Petition & { answer_due?: number; overdue?: boolean; answer?: string; answered_at?: number; answered_late?: boolean };

/** petition/answer: petition.AnswerBody. */
export const answerBody = (petition: string, body: string) => canonicalBytes({ petition, body });

export function PetitionAnswers({ official, memberKey }: { official: Official; memberKey: StoredKey }) {
  const { c, date } = useC();
  const scope = scopeOf(official.tree, official.grants, "secretary");
  const [due, setDue] = useState<P[] | null>(null);
  const [answered, setAnswered] = useState<P[]>([]);
  const [text, setText] = useState<Record<string, string>>({});
  const a = useAction();
  const load = async (): Promise<P[] | null> => {
    try {
      const q = (state: string) => Promise.all(scope.map((ch) => publicGet<{ petitions: P[] | null }>(`/v1/petitions?chapter=${encodeURIComponent(ch.id)}&state=${state}&limit=100`)));
      const [d, a] = await Promise.all([q("threshold_reached"), q("answered")]);
      const list = d.flatMap((x) => x.petitions ?? []);
      // Overdue first, then the nearest deadline.
      list.sort((x, y) => Number(!!y.overdue) - Number(!!x.overdue) || (x.answer_due ?? 0) - (y.answer_due ?? 0));
      setDue(list);
      setAnswered(a.flatMap((x) => x.petitions ?? []));
      return list;
    } catch (e) {
      a.fail(e);
      return null;
    }
  };
  useEffect(() => {
    load();
  }, [official]);
  const name = (id: string) => official.tree.find((x) => x.id === id)?.name ?? id;
  if (scope.length === 0) return <section><Title>{c("paTitle")}</Title><p>{c("outOfScope")}</p><p><a href="#/console">{c("back")}</a></p></section>;
  const post = (p: P) => {
    const body = (text[p.id] ?? "").trim();
    if (!body) return a.fail(new Error(c("needField")));
    return a.run(async () => {
      await sendTx(memberKey, "petition/answer", answerBody(p.id, body));
      // The index follows the block a moment later.
      for (let i = 0; i < 20; i++) {
        const now = await load();
        if (now && !now.some((x) => x.id === p.id)) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      return c("paAnswered", { title: p.title });
    });
  };
  return (
    <section>
      <Title>{c("paTitle")}</Title>
      <p>{c("paIntro")}</p>
      <p><a href="#/console">{c("back")}</a></p>
      {a.error ? <Problem error={a.error} onRetry={load} /> : null}
      {a.done && <p class="ok" role="status" data-testid="pa-done">{a.done}</p>}
      <h2>{c("paDue")}</h2>
      {!due ? <p role="status">…</p> : due.length === 0 ? <p data-testid="pa-none">{c("paNone")}</p> : (
        <ul class="list" data-testid="pa-due">
          {due.map((p) => (
            <li key={p.id} data-petition={p.id}>
              <a class="item-title" href={`#/petitions/${encodeURIComponent(p.id)}`}>{p.title}</a>
              <span class="meta">{name(p.chapter)} · {c("paAgreements", { n: p.agreements })}</span>
              <span class={p.overdue ? "field-error" : "meta"} data-testid="pa-deadline">
                {p.answer_due ? c("paDueAt", { date: date(p.answer_due) }) : ""}{p.overdue ? ` · ${c("paOverdue")}` : ""}
              </span>
              <label for={`pa-${p.id}`}>{c("paAnswerLabel")}</label>
              <textarea id={`pa-${p.id}`} rows={5} value={text[p.id] ?? ""} onInput={(e) => setText({ ...text, [p.id]: (e.target as HTMLTextAreaElement).value })} />
              <button type="button" disabled={a.busy} onClick={() => post(p)}>{c("paPost")}</button>
            </li>
          ))}
        </ul>
      )}
      <h2>{c("paDone")}</h2>
      {answered.length === 0 ? <p>{c("paNoneAnswered")}</p> : (
        <ul class="list" data-testid="pa-answered">
          {answered.map((p) => (
            <li key={p.id} data-petition={p.id}>
              <a class="item-title" href={`#/petitions/${encodeURIComponent(p.id)}`}>{p.title}</a>
              <span class="meta">{p.answered_at ? c("paAnsweredAt", { date: date(p.answered_at) }) : ""}{p.answered_late ? ` · ${c("paLate")}` : ""}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
