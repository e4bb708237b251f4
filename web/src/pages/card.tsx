import { useEffect, useState } from "preact/hooks";
import { useI18n } from "../i18n";
import { credentialStatus, publicGet, signedGet, type Chapter, type Member, type RecordAnswer } from "../lib/api";
import { signerOf, type StoredKey } from "../lib/keystore";
import { Problem, Title } from "./common";
import { Lazy } from "./lazy";

const cardProof = () => import("./cardproof").then((m) => ({ default: m.CardProof }));

interface CardData {
  member: RecordAnswer<Member>;
  chapter: Chapter | null;
}

export function Card({ memberKey }: { memberKey: StoredKey | null | undefined }) {
  const { t, word, date, lang } = useI18n();
  const [data, setData] = useState<CardData | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = async () => {
    if (!memberKey) return;
    setError(null);
    try {
      const s = signerOf(memberKey);
      const id = memberKey.memberId;
      // One signed read: the member record holds the standing the
      // credential is read off and the points.
      const member = await signedGet<RecordAnswer<Member>>(s, `/v1/members/${id}`);
      const chapter = await publicGet<RecordAnswer<Chapter>>(`/v1/chapters/${encodeURIComponent(member.record.chapter)}`).then((r) => r.record, () => null);
      setData({ member, chapter });
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
        <Title>{t("cardTitle")}</Title>
        <p>{t("cardNoKey")}</p>
        <p><a class="button" href="#/join">{t("homeJoinCta")}</a></p>
      </section>
    );
  }
  const m = data?.member.record;
  return (
    <section>
      <Title>{t("cardTitle")}</Title>
      {error ? <Problem error={error} onRetry={load} /> : !m ? <p role="status">{t("loading")}</p> : (
        <article class="card" aria-labelledby="card-name">
          <p class="card-head" id="card-name">{t("appName")}</p>
          <dl class="facts">
            <dt>{t("cardMemberId")}</dt>
            <dd class="mono" data-testid="member-id">{m.id}</dd>
            <dt>{t("cardStatus")}</dt>
            <dd data-testid="status"><span class={`badge badge-${m.status}`}>{word("status", m.status)}</span></dd>
            <dt>{t("cardClass")}</dt>
            <dd data-testid="class">{word("class", m.class)}</dd>
            <dt>{t("cardChapter")}</dt>
            <dd data-testid="chapter">{data!.chapter?.name ?? m.chapter} <span class="meta">({m.chapter})</span></dd>
            <dt>{t("cardPoints")}</dt>
            <dd data-testid="points">{(m.points ?? 0).toLocaleString(lang === "ko" ? "ko-KR" : "en-GB")}</dd>
            <dt>{t("cardCredential")}</dt>
            <dd data-testid="credential">{word("status", credentialStatus(m.status))}</dd>
            <dt>{t("cardJoined")}</dt>
            <dd>{date(m.joined_at)}</dd>
            <dt>{t("cardKey")}</dt>
            <dd class="mono small">{m.public_key.slice(0, 16)}…</dd>
          </dl>
          <p class="meta">{t("cardHeight", { h: data!.member.height })}</p>
        </article>
      )}
      {m && <Lazy load={cardProof} props={{ memberKey }} />}
    </section>
  );
}
