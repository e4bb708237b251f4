import { useEffect, useRef, useState } from "preact/hooks";
import { useI18n } from "../i18n";
import { publicGet, signedGet, type Member, type Petition, type PetitionPage, type RecordAnswer } from "../lib/api";
import { agreeBody, commentBody, createPetitionBody, petitionRefBody, reportBody, voteBody } from "../lib/body";
import { signerOf, type StoredKey } from "../lib/keystore";
import { afterWrite, randomId, sendTx } from "../lib/send";
import { go } from "../route";
import { Problem, Title, useAction } from "./common";
import { snippetParts } from "../lib/snippet";

interface Comment { id: string; petition: string; parent?: string; depth: number; author: string; stance: string; body: string; up: number; down: number; hidden?: boolean; deleted?: boolean; created_at: number }
interface CommentPage { comments: Comment[] | null; next?: string }
type Hit<T> = T & { snippet?: string };
interface SearchResult { petitions?: Hit<Petition>[] | null; petitions_next?: string; comments?: Hit<Comment>[] | null; did_you_mean?: string }

// Snippet shows why a search hit matched: its excerpt with the matched words
// marked (never as HTML: see lib/snippet).
function Snippet({ text }: { text?: string }) {
  if (!text) return null;
  return <span class="snippet">{snippetParts(text).map((p) => (p.mark ? <mark>{p.text}</mark> : p.text))}</span>;
}
interface PetitionView { petition: Petition & { answer?: string; answered_at?: number }; agreements_by_chapter: { chapter: string; count: number }[] | null }

const CATEGORIES = ["general", "youth", "housing", "welfare", "economy", "environment", "party"];
const MAX_DEPTH = 3;

async function myChapter(key: StoredKey): Promise<string> {
  const m = await signedGet<RecordAnswer<Member>>(signerOf(key), `/v1/members/${key.memberId}`);
  return m.record.chapter;
}

export function PetitionList({ memberKey }: { memberKey: StoredKey | null | undefined }) {
  const { t, word, date } = useI18n();
  const [q, setQ] = useState("");
  const [mine, setMine] = useState(true);
  const [items, setItems] = useState<Hit<Petition>[] | null>(null);
  const [next, setNext] = useState<string | undefined>();
  const [comments, setComments] = useState<Hit<Comment>[]>([]);
  const [suggest, setSuggest] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [chapter, setChapter] = useState<string | null>(null);

  useEffect(() => {
    if (memberKey) myChapter(memberKey).then(setChapter, () => setChapter(null));
  }, [memberKey?.memberId]);

  const load = async (cursor?: string, query = q) => {
    setError(null);
    const p = new URLSearchParams({ limit: "20" });
    if (query.trim()) {
      p.set("q", query.trim());
      p.set("sort", "relevance");
    }
    if (mine && chapter) p.set("chapter", chapter);
    if (cursor) p.set("cursor", cursor);
    try {
      if (!query.trim()) {
        const page = await publicGet<PetitionPage>(`/v1/petitions?${p}`);
        setItems((cursor ? items ?? [] : []).concat(page.petitions ?? []));
        setNext(page.next);
        setComments([]);
        setSuggest(undefined);
        return;
      }
      // A search finds petitions and comments at once; further pages are
      // petitions only.
      p.set("kind", cursor ? "petitions" : "all");
      const r = await publicGet<SearchResult>(`/v1/search?${p}`);
      setItems((cursor ? items ?? [] : []).concat(r.petitions ?? []));
      setNext(r.petitions_next);
      if (!cursor) {
        setComments(r.comments ?? []);
        setSuggest(r.did_you_mean);
      }
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    load();
  }, [mine, chapter]);

  return (
    <section>
      <Title>{t("petitionsTitle")}</Title>
      {memberKey && <p><a class="button" href="#/petitions/new">{t("petNew")}</a></p>}
      <form role="search" onSubmit={(e) => { e.preventDefault(); load(undefined, q); }}>
        <label for="q">{t("petSearch")}</label>
        <input id="q" type="search" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} aria-describedby="q-hint" />
        <p id="q-hint" class="hint">{t("petSearchHint")}</p>
        {memberKey && chapter && (
          <label class="check"><input type="checkbox" checked={mine} onChange={(e) => setMine((e.target as HTMLInputElement).checked)} /> {t("petMine")}</label>
        )}
        <button type="submit">{t("petSearchButton")}</button>
      </form>
      {suggest && (
        <p role="status" class="suggest">
          {t("searchDidYouMean")}{" "}
          <button type="button" class="link" onClick={() => { setQ(suggest); load(undefined, suggest); }}>{suggest}</button>
        </p>
      )}
      {error ? <Problem error={error} onRetry={() => load()} /> : !items ? <p role="status">{t("loading")}</p> : items.length === 0 && comments.length === 0 ? <p role="status">{t("petNone")}</p> : (
        <ul class="list" aria-live="polite">
          {items.map((p) => (
            <li key={p.id}>
              <a class="item-title" href={`#/petitions/${p.id}`}>{p.title}</a>
              <Snippet text={p.snippet} />
              <span class="meta">{word("state", p.state)} · {t("homeAgreements", { n: p.agreements })} · {date(p.created_at)}</span>
            </li>
          ))}
        </ul>
      )}
      {next && <button type="button" onClick={() => load(next)}>{t("more")}</button>}
      {comments.length > 0 && (
        <section aria-labelledby="comment-hits">
          <h2 id="comment-hits">{t("searchComments")}</h2>
          <ul class="list" data-testid="comment-hits">
            {comments.map((c) => (
              <li key={c.id}>
                <a href={`#/petitions/${c.petition}`}>{t("searchInPetition")}</a>
                <Snippet text={c.snippet || c.body} />
                <span class="meta">{date(c.created_at)}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}

export function PetitionNew({ memberKey }: { memberKey: StoredKey | null | undefined }) {
  const { t } = useI18n();
  const [title, setTitle] = useState("");
  const [body, setBody] = useState("");
  const [category, setCategory] = useState("general");
  const a = useAction();
  if (!memberKey) return <NeedKey />;
  const onSubmit = (e: Event) => {
    e.preventDefault();
    return a.run(async () => {
      const chapter = await myChapter(memberKey);
      const id = randomId("p");
      await sendTx(memberKey, "petition/create", createPetitionBody({ id, chapter, category, title: title.trim(), body: body.trim() }));
      // Opening publishes the draft for its first agreements.
      await sendTx(memberKey, "petition/open", petitionRefBody(id));
      go(`/petitions/${id}`);
    });
  };
  return (
    <section>
      <Title>{t("petNew")}</Title>
      <p>{t("petNewIntro")}</p>
      <form onSubmit={onSubmit}>
        <label for="pt">{t("petTitle")}</label>
        <input id="pt" required maxLength={200} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
        <label for="pc">{t("petCategory")}</label>
        <select id="pc" value={category} onChange={(e) => setCategory((e.target as HTMLSelectElement).value)}>
          {CATEGORIES.map((c) => <option value={c}>{t(`cat_${c}` as any)}</option>)}
        </select>
        <label for="pb">{t("petBody")}</label>
        <textarea id="pb" required rows={8} maxLength={20000} value={body} onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} />
        <button type="submit" disabled={a.busy}>{a.busy ? t("sending") : t("petSubmit")}</button>
      </form>
      {a.error ? <Problem error={a.error} /> : null}
    </section>
  );
}

function NeedKey() {
  const { t } = useI18n();
  return <section><Title>{t("petitionsTitle")}</Title><p>{t("cardNoKey")}</p><p><a class="button" href="#/join">{t("homeJoinCta")}</a></p></section>;
}

export function PetitionDetail({ id, memberKey }: { id: string; memberKey: StoredKey | null | undefined }) {
  const { t, word, date } = useI18n();
  const [view, setView] = useState<PetitionView | null>(null);
  const [agreed, setAgreed] = useState<boolean | null>(null);
  const [comments, setComments] = useState<Comment[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const a = useAction();

  const loadComments = async (cursor?: string) => {
    const page = await publicGet<CommentPage>(`/v1/petitions/${encodeURIComponent(id)}/comments?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    setComments((c) => (cursor ? c : []).concat(page.comments ?? []));
    setNext(page.next);
  };
  const load = async () => {
    setError(null);
    try {
      setView(await afterWrite(() => publicGet<PetitionView>(`/v1/petitions/${encodeURIComponent(id)}`)));
      await loadComments();
      if (memberKey) {
        const a = await signedGet<{ agreed: boolean }>(signerOf(memberKey), `/v1/petitions/${encodeURIComponent(id)}/agreement`).catch(() => null);
        setAgreed(a?.agreed ?? null);
      }
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    load();
  }, [id, memberKey?.memberId]);

  const act: Act = (f, message) => a.run(async () => {
    await f();
    await load();
    return message;
  });

  if (error) return <section><Title>{t("petitionsTitle")}</Title><Problem error={error} onRetry={load} /></section>;
  if (!view) return <section><Title>{t("petitionsTitle")}</Title><p role="status">{t("loading")}</p></section>;
  const p = view.petition;
  return (
    <section>
      <Title>{p.title}</Title>
      <p class="meta">
        <span data-testid="pet-state">{word("state", p.state)}</span> · <span data-testid="pet-agreements">{t("homeAgreements", { n: p.agreements })}</span>
        {p.deadline ? <> · {t("petDeadline")} {date(p.deadline)}</> : null}
      </p>
      <div class="pet-body">{p.body.split("\n").map((line) => <p>{line}</p>)}</div>
      {p.answer && <div class="answer"><h2>{t("petAnswer")}</h2><p>{p.answer}</p></div>}
      {memberKey && (
        <div>
          {agreed ? <p class="ok" data-testid="agreed">{t("petAgreed")}</p> : (
            <button type="button" disabled={a.busy} onClick={() => act(() => sendTx(memberKey, "petition/agree", agreeBody(p.id)), t("petAgreedNow"))}>{t("petAgree")}</button>
          )}
        </div>
      )}
      {a.done && <p role="status" class="ok">{a.done}</p>}
      {a.error ? <Problem error={a.error} /> : null}
      <h2>{t("petComments")}</h2>
      {comments.length === 0 ? <p>{t("petNoComments")}</p> : (
        <ul class="thread">
          {comments.map((c) => <CommentItem key={c.id} c={c} memberKey={memberKey} petition={p.id} busy={a.busy} act={act} />)}
        </ul>
      )}
      {next && <button type="button" onClick={() => loadComments(next)}>{t("more")}</button>}
      {memberKey && <CommentForm petition={p.id} memberKey={memberKey} busy={a.busy} act={act} />}
    </section>
  );
}

type Act = (f: () => Promise<unknown>, message: string) => Promise<void>;

function CommentItem({ c, memberKey, petition, busy, act }: { c: Comment; memberKey: StoredKey | null | undefined; petition: string; busy: boolean; act: Act }) {
  const { t, word, date } = useI18n();
  const [replying, setReplying] = useState(false);
  return (
    <li class={`comment depth-${Math.min(c.depth, MAX_DEPTH)}`}>
      <p class="meta"><span class={`stance stance-${c.stance}`}>{word("stance", c.stance)}</span> · <span class="mono">{c.author}</span> · {date(c.created_at)}</p>
      <p>{c.hidden ? t("petHidden") : c.deleted ? t("petDeleted") : c.body}</p>
      {memberKey && !c.hidden && !c.deleted && (
        <div class="comment-actions">
          {c.author !== memberKey.memberId && (
            <>
              <button type="button" class="link" disabled={busy} onClick={() => act(() => sendTx(memberKey, "comment/vote", voteBody(c.id, "up")), t("petVoted"))}>{t("petUp", { n: c.up })}</button>
              <button type="button" class="link" disabled={busy} onClick={() => act(() => sendTx(memberKey, "comment/vote", voteBody(c.id, "down")), t("petVoted"))}>{t("petDown", { n: c.down })}</button>
            </>
          )}
          {c.depth < MAX_DEPTH && !replying && <button type="button" class="link" onClick={() => setReplying(true)}>{t("petReply")}</button>}
          {c.author !== memberKey.memberId && <ReportForm comment={c.id} memberKey={memberKey} busy={busy} act={act} />}
        </div>
      )}
      {memberKey && replying && <CommentForm petition={petition} parent={c.id} memberKey={memberKey} busy={busy} act={act} onDone={() => setReplying(false)} />}
    </li>
  );
}

function ReportForm({ comment, memberKey, busy, act }: { comment: string; memberKey: StoredKey; busy: boolean; act: Act }) {
  const { t } = useI18n();
  const [reason, setReason] = useState("spam");
  const box = useRef<HTMLDetailsElement>(null);
  return (
    <details class="report" ref={box}>
      <summary>{t("petReport")}</summary>
      <label for={`reason-${comment}`}>{t("petReportReason")}</label>
      <select id={`reason-${comment}`} value={reason} onChange={(e) => setReason((e.target as HTMLSelectElement).value)}>
        {["spam", "offensive", "off_topic"].map((r) => <option value={r}>{t(`reason_${r}` as any)}</option>)}
      </select>
      <button type="button" disabled={busy} onClick={() => act(() => sendTx(memberKey, "comment/report", reportBody(comment, reason)), t("petReported")).then(() => box.current?.removeAttribute("open"))}>{t("petReportSend")}</button>
    </details>
  );
}

function CommentForm({ petition, parent, memberKey, busy, act, onDone }: { petition: string; parent?: string; memberKey: StoredKey; busy: boolean; act: Act; onDone?: () => void }) {
  const { t } = useI18n();
  const [stance, setStance] = useState("neutral");
  const [body, setBody] = useState("");
  const idp = parent ? `r-${parent}` : "c-new";
  return (
    <form class="comment-form" onSubmit={(e) => {
      e.preventDefault();
      act(() => sendTx(memberKey, "comment/post", commentBody({ id: randomId("c"), petition, parent, stance, body: body.trim() })), t("petCommented")).then(() => {
        setBody("");
        onDone?.();
      });
    }}>
      <fieldset>
        <legend>{parent ? t("petReply") : t("petWriteComment")}</legend>
        <div class="stances">
          {["for", "neutral", "against"].map((s) => (
            <label class="check"><input type="radio" name={`stance-${idp}`} value={s} checked={stance === s} onChange={() => setStance(s)} /> {t(`stance_${s}` as any)}</label>
          ))}
        </div>
        <label for={`body-${idp}`}>{t("petCommentBody")}</label>
        <textarea id={`body-${idp}`} required rows={3} maxLength={5000} value={body} onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} />
        <button type="submit" disabled={busy || !body.trim()}>{t("petPost")}</button>
      </fieldset>
    </form>
  );
}
