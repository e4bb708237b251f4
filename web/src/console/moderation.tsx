// The moderator's queue: reported or hidden comments on the petitions in
// scope, each in its context (the petition, the comment it answers), with
// bulk hide and unhide under a reason code (moderation/hide, unhide; one
// transaction each, with progress). Reports and the hidden state are read
// from each comment's chain record.
//
// The queue is gathered with the public reads (petitions per chapter, each
// thread, each comment's record): enough for a chapter's recent petitions,
// not for the whole party; a server-side queue is left for later. The trail
// lists the actions taken on this page with their transaction hashes, and
// each comment's standing reason from the chain.
import { useEffect, useState } from "preact/hooks";
import { publicGet, type Petition } from "../lib/api";
import { canonicalBytes } from "../lib/canon";
import type { StoredKey } from "../lib/keystore";
import { sendTx } from "../lib/send";
import { Problem, Title } from "../pages/common";
import { scopeOf } from "./chain";
import { useC } from "./i18n";
import type { Official } from "./index";

interface Comment { id: string; petition: string; parent?: string; author: string; body: string; hidden?: boolean; deleted?: boolean; created_at: number }
interface ChainComment { reports: number; hidden?: boolean; hidden_reason?: number }
interface Item { c: Comment; chain: ChainComment; petition: Petition; parent?: Comment }
interface Action { at: number; kind: string; id: string; reason: number; hash: string }

/** moderation/hide, moderation/unhide: petition.HideBody. */
export const hideBody = (kind: "comment" | "petition", id: string, reason: number) => canonicalBytes({ kind, id, reason });
export const MOD_REASONS = [1, 2, 3, 4, 5, 9] as const;

export function Moderation({ official, memberKey }: { official: Official; memberKey: StoredKey }) {
  const { c, cw, date } = useC();
  const scope = scopeOf(official.tree, official.grants, "moderator");
  const [items, setItems] = useState<Item[] | null>(null);
  const [picked, setPicked] = useState<string[]>([]);
  const [reason, setReason] = useState("1");
  const [trail, setTrail] = useState<Action[]>([]);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = async () => {
    try {
      const pages = await Promise.all(scope.map((ch) => publicGet<{ petitions: Petition[] | null }>(`/v1/petitions?chapter=${encodeURIComponent(ch.id)}&limit=50`)));
      const petitions = pages.flatMap((p) => p.petitions ?? []);
      const out: Item[] = [];
      for (const p of petitions) {
        const thread = (await publicGet<{ comments: Comment[] | null }>(`/v1/petitions/${encodeURIComponent(p.id)}/comments?limit=100`)).comments ?? [];
        const records = await Promise.all(thread.map((x) => publicGet<{ chain: { record: ChainComment } }>(`/v1/comments/${encodeURIComponent(x.id)}`)));
        thread.forEach((x, i) => {
          const chain = records[i].chain.record;
          if (chain.reports > 0 || chain.hidden) out.push({ c: x, chain, petition: p, parent: thread.find((y) => y.id === x.parent) });
        });
      }
      // Most reported first.
      out.sort((a, b) => b.chain.reports - a.chain.reports);
      setItems(out);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    load();
  }, [official]);
  if (scope.length === 0) return <section><Title>{c("modTitle")}</Title><p>{c("outOfScope")}</p><p><a href="#/console">{c("back")}</a></p></section>;
  const apply = async (kind: "hide" | "unhide") => {
    setError(null);
    const chosen = (items ?? []).filter((x) => picked.includes(x.c.id) && !!x.chain.hidden === (kind === "unhide"));
    setProgress({ done: 0, total: chosen.length });
    try {
      for (let i = 0; i < chosen.length; i++) {
        const r = await sendTx(memberKey, `moderation/${kind}`, hideBody("comment", chosen[i].c.id, +reason));
        setTrail((t) => [{ at: Math.floor(Date.now() / 1000), kind, id: chosen[i].c.id, reason: +reason, hash: r.hash }, ...t]);
        setProgress({ done: i + 1, total: chosen.length });
      }
      setPicked([]);
      await load();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section>
      <Title>{c("modTitle")}</Title>
      <p>{c("modIntro")}</p>
      <p><a href="#/console">{c("back")}</a></p>
      {error ? <Problem error={error} onRetry={load} /> : null}
      {!items ? <p role="status">…</p> : items.length === 0 ? <p data-testid="mod-empty">{c("modEmpty")}</p> : (
        <>
          <ul class="list" data-testid="mod-queue">
            {items.map((x) => (
              <li key={x.c.id} data-comment={x.c.id} data-hidden={x.chain.hidden ? "1" : "0"}>
                <label class="check">
                  <input type="checkbox" checked={picked.includes(x.c.id)} onChange={(e) => setPicked((e.target as HTMLInputElement).checked ? [...picked, x.c.id] : picked.filter((y) => y !== x.c.id))} />
                  {c("modPick", { id: x.c.id })}
                </label>
                <span class="meta">{c("modOn")} <a href={`#/petitions/${encodeURIComponent(x.petition.id)}`}>{x.petition.title}</a></span>
                {x.parent && <blockquote class="context">{c("modReplyTo")}: {x.parent.body || c("modNoText")}</blockquote>}
                <p class="mod-body">{x.c.body || c("modNoText")}</p>
                <span class="meta" data-testid="mod-state">
                  {c("modReports", { n: x.chain.reports })} · {date(x.c.created_at)}
                  {x.chain.hidden ? ` · ${c("modHidden", { reason: cw("modreason", String(x.chain.hidden_reason ?? 0)) })}` : ""}
                </span>
              </li>
            ))}
          </ul>
          <label for="mod-reason">{c("fReason")}</label>
          <select id="mod-reason" value={reason} onChange={(e) => setReason((e.target as HTMLSelectElement).value)}>
            {MOD_REASONS.map((r) => <option key={r} value={String(r)}>{cw("modreason", String(r))}</option>)}
          </select>
          <div class="actions">
            <button type="button" disabled={picked.length === 0} onClick={() => apply("hide")}>{c("modHide", { n: picked.length })}</button>
            <button type="button" class="secondary" disabled={picked.length === 0} onClick={() => apply("unhide")}>{c("modUnhide", { n: picked.length })}</button>
          </div>
          {progress && (
            <>
              <label for="mod-progress">{c("csvProgress", { done: progress.done, total: progress.total })}</label>
              <progress id="mod-progress" max={progress.total} value={progress.done} />
            </>
          )}
        </>
      )}
      <h2>{c("modTrail")}</h2>
      {trail.length === 0 ? <p>{c("modNoTrail")}</p> : (
        <ul class="list" data-testid="mod-trail">
          {trail.map((a) => (
            <li key={a.hash}>
              <span>{date(a.at)} · {a.kind === "hide" ? c("modDidHide", { id: a.id }) : c("modDidUnhide", { id: a.id })} · {cw("modreason", String(a.reason))}</span>
              <span class="mono small">tx {a.hash}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
