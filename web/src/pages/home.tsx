import { useEffect, useState } from "preact/hooks";
import { useI18n } from "../i18n";
import { publicGet, signedGet, type Member, type PetitionPage, type RecordAnswer } from "../lib/api";
import { signerOf, type StoredKey } from "../lib/keystore";
import { Problem, Title } from "./common";

export function Home({ memberKey }: { memberKey: StoredKey | null | undefined }) {
  const { t, word } = useI18n();
  const [page, setPage] = useState<PetitionPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = async () => {
    if (!memberKey) return;
    setError(null);
    try {
      const m = await signedGet<RecordAnswer<Member>>(signerOf(memberKey), `/v1/members/${memberKey.memberId}`);
      setPage(await publicGet<PetitionPage>(`/v1/petitions?chapter=${encodeURIComponent(m.record.chapter)}&limit=20`));
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
  const petitions = page?.petitions ?? [];
  return (
    <section>
      <Title>{t("homeTitle")}</Title>
      <p><a href="#/me">{t("homeCardCta")}</a></p>
      <h2>{t("homePetitions")}</h2>
      {error ? <Problem error={error} onRetry={load} /> : !page ? <p role="status">{t("loading")}</p> : petitions.length === 0 ? (
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
