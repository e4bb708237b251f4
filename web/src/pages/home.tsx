import { useEffect, useState } from "preact/hooks";
import { useI18n } from "../i18n";
import { publicGet, signedGet, type Chapter, type Member, type PetitionPage, type RecordAnswer } from "../lib/api";
import { checkInBody } from "../lib/body";
import { fromHex } from "../lib/bytes";
import { signerOf, type StoredKey } from "../lib/keystore";
import { sendTx } from "../lib/send";
import { Problem, Title, useAction } from "./common";

interface Meeting { id: string; body: string; chapter: string; title: string; scheduled_at: number; state: string }

/**
 * meetingsFor lists the meetings of the member's chapter and every chapter
 * above it (a convention of the metropolitan chapter is open to its
 * constituency chapters' members), from a day ago on, open ones first.
 */
async function meetingsFor(chapter: string): Promise<{ meetings: Meeting[]; names: Record<string, string> }> {
  const chain: Chapter[] = [];
  for (let id: string | undefined = chapter; id && chain.length < 6; ) {
    const c: Chapter = (await publicGet<RecordAnswer<Chapter>>(`/v1/chapters/${encodeURIComponent(id)}`)).record;
    chain.push(c);
    id = c.parent;
  }
  const from = Math.floor(Date.now() / 1000) - 86400;
  const lists = await Promise.all(chain.map((c) => publicGet<{ meetings: Meeting[] }>(`/v1/assembly/meetings?chapter=${encodeURIComponent(c.id)}&from=${from}&limit=50`)));
  const meetings = lists.flatMap((l) => l.meetings ?? []).filter((m) => m.state === "open" || m.state === "scheduled");
  meetings.sort((a, b) => (a.state === b.state ? a.scheduled_at - b.scheduled_at : a.state === "open" ? -1 : 1));
  return { meetings, names: Object.fromEntries(chain.map((c) => [c.id, c.name])) };
}

interface ElectionSeen { id: string; title: string; phase: string }
interface ElectionRecord { id: string; chapter: string; class?: string; manifest: string; status: string; vote_start: number; vote_end: number; eligible_at: number }

function summarize(e: ElectionRecord, now: number): ElectionSeen {
  // The manifest starts "PNYXMAN1" ‖ election ID[32] ‖ u32 length ‖ title.
  const raw = fromHex(e.manifest);
  const n = new DataView(raw.buffer).getUint32(40);
  const title = new TextDecoder().decode(raw.subarray(44, 44 + n));
  const phase = e.status !== "ready" ? e.status : now < e.vote_start ? "issuing" : now < e.vote_end ? "voting" : "tallying";
  return { id: e.id, title, phase };
}

/**
 * electionsFor lists the elections the member may vote in: those held at
 * the member's chapter or above it (GET /v1/elections?chapter=), of the
 * member's class, whose register was frozen after the member joined, not
 * cancelled and not yet published. The election's own page says for sure.
 * Elections this device opened by link come after them.
 */
async function electionsFor(m: Member): Promise<ElectionSeen[]> {
  const now = Math.floor(Date.now() / 1000);
  const out: ElectionSeen[] = [];
  const listed = await publicGet<{ elections: ElectionRecord[] | null }>(`/v1/elections?chapter=${encodeURIComponent(m.chapter)}`);
  for (const e of listed.elections ?? []) {
    if ((e.class && e.class !== m.class) || m.joined_height > e.eligible_at) continue;
    const s = summarize(e, now);
    if (s.phase !== "cancelled" && s.phase !== "published") out.push(s);
  }
  let ids: string[] = [];
  try {
    ids = JSON.parse(localStorage.getItem("pnyx.elections") ?? "[]");
  } catch {
    /* storage off */
  }
  const seen = await Promise.all(ids.filter((id) => !out.some((e) => e.id === id)).slice(0, 10).map(async (id) => {
    try {
      return summarize((await publicGet<RecordAnswer<ElectionRecord>>(`/v1/elections/${encodeURIComponent(id)}`)).record, now);
    } catch {
      return null;
    }
  }));
  return out.concat(seen.filter((x): x is ElectionSeen => x !== null && x.phase !== "cancelled"));
}

export function Home({ memberKey }: { memberKey: StoredKey | null | undefined }) {
  const { t, word, date } = useI18n();
  const [page, setPage] = useState<PetitionPage | null>(null);
  const [meetings, setMeetings] = useState<{ meetings: Meeting[]; names: Record<string, string> } | null>(null);
  const [checkedIn, setCheckedIn] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<unknown>(null);
  const a = useAction();
  const [elections, setElections] = useState<ElectionSeen[]>([]);
  const load = async () => {
    if (!memberKey) return;
    setError(null);
    try {
      const m = await signedGet<RecordAnswer<Member>>(signerOf(memberKey), `/v1/members/${memberKey.memberId}`);
      const [p, ms] = await Promise.all([
        publicGet<PetitionPage>(`/v1/petitions?chapter=${encodeURIComponent(m.record.chapter)}&limit=20`),
        meetingsFor(m.record.chapter),
      ]);
      setPage(p);
      setMeetings(ms);
      setElections(await electionsFor(m.record));
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    load();
  }, [memberKey?.memberId]);

  if (!memberKey) {
    return (
      <section>
        <Title>{t("homeTitle")}</Title>
        <p>{t("homeWelcome")}</p>
        <p>{t("homeNotJoined")}</p>
        <p><a class="button" href="#/join">{t("homeJoinCta")}</a></p>
      </section>
    );
  }
  const checkIn = (id: string) => a.run(async () => {
    await sendTx(memberKey, "assembly/check-in", checkInBody(id));
    setCheckedIn({ ...checkedIn, [id]: true });
  });
  const petitions = page?.petitions ?? [];
  return (
    <section>
      <Title>{t("homeTitle")}</Title>
      <p><a href="#/me">{t("homeCardCta")}</a></p>
      {error ? <Problem error={error} onRetry={load} /> : null}
      {elections.length > 0 && (
        <>
          <h2>{t("homeElections")}</h2>
          <ul class="list">
            {elections.map((e) => (
              <li key={e.id} data-testid={`home-election-${e.id}`}>
                <a class="item-title" href={`#/elections/${encodeURIComponent(e.id)}`}>{e.title}</a>
                <span class="meta">{word("elphase", e.phase)}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>{t("homeMeetings")}</h2>
      {a.error ? <Problem error={a.error} /> : null}
      {!meetings ? (!error && <p role="status">{t("loading")}</p>) : meetings.meetings.length === 0 ? <p>{t("homeNoMeetings")}</p> : (
        <ul class="list">
          {meetings.meetings.map((m) => (
            <li key={m.id} data-testid={`meeting-${m.id}`}>
              <span class="item-title">{m.title}</span>
              <span class="meta">{meetings.names[m.chapter] ?? m.chapter} · {date(m.scheduled_at)} · {word("meeting", m.state)}</span>
              {m.state === "open" && (checkedIn[m.id]
                ? <span class="ok" role="status">{t("homeCheckedIn")}</span>
                : <button type="button" disabled={a.busy} onClick={() => checkIn(m.id)}>{t("homeCheckIn")}</button>)}
            </li>
          ))}
        </ul>
      )}
      <h2>{t("homePetitions")}</h2>
      {!page ? (!error && <p role="status">{t("loading")}</p>) : petitions.length === 0 ? (
        <p>{t("homeNoPetitions")}</p>
      ) : (
        <ul class="list">
          {petitions.map((p) => (
            <li key={p.id}>
              <a class="item-title" href={`#/petitions/${p.id}`}>{p.title}</a>
              <span class="meta">{word("state", p.state)} · {t("homeAgreements", { n: p.agreements })}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
