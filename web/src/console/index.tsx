// The officials' console (issue 15): pages for registrars, secretaries,
// moderators, election commissioners and chapter administrators, shown by
// the roles the chain says the member holds. The page hides what the
// member cannot do; the chain refuses it anyway (every module asks
// org.Authorize), and a refusal is shown as the error code's sentence.
//
// Routes (hash): #/console (roles and pages), #/console/meetings (the
// secretary's meetings), #/console/meetings/{id} (one meeting's runbook),
// #/console/sign/{id} (the chair signs a meeting record on their device),
// #/console/erratum/{id}?target=&correction=&reason= (the chair signs an
// erratum whose text the link carries),
// #/console/registrar (enrollment codes, CSV import, a member's standing),
// #/console/elections[/{id}] (the commissioner's wizard and live view),
// #/console/chapters (the chapter administrator's tree, officials, grants),
// #/console/petitions (petitions over their threshold, answered here),
// #/console/moderation (the moderator's queue of reported comments).
import { useEffect, useState } from "preact/hooks";
import type { Chapter, Member, RecordAnswer } from "../lib/api";
import { signedGet } from "../lib/api";
import { signerOf } from "../lib/keystore";
import { Problem, Title } from "../pages/common";
import type { ConsoleProps } from "./entry";
import { chapterTree, grantsOf, ROLES, type Grant, type Role } from "./chain";
import { useC, type CKey } from "./i18n";
import { Registrar } from "./registrar";
import { Chapters } from "./chapters";
import { PetitionAnswers } from "./petitions";
import { Moderation } from "./moderation";
import { ElectionLive, ElectionWizard } from "./elections";
import { Meetings, MeetingRunbook } from "./meetings";
import { ChairSign } from "./sign";
import { ErratumSign } from "./erratum";
import "./console.css";

export interface Official {
  me: Member;
  grants: Grant[];
  tree: Chapter[];
}

// Pages each role opens, and the CLI for roles whose work stays there.
const PAGES: Partial<Record<Role, { path: string; key: CKey; about: CKey }[]>> = {
  secretary: [
    { path: "/console/meetings", key: "page_meetings", about: "page_meetings_about" },
    { path: "/console/petitions", key: "page_petitions", about: "page_petitions_about" },
  ],
  registrar: [{ path: "/console/registrar", key: "page_registrar", about: "page_registrar_about" }],
  election_commissioner: [{ path: "/console/elections", key: "page_elections", about: "page_elections_about" }],
  admin: [{ path: "/console/chapters", key: "page_chapters", about: "page_chapters_about" }],
  moderator: [{ path: "/console/moderation", key: "page_moderation", about: "page_moderation_about" }],
};
const CLI: Partial<Record<Role, string>> = {
  kpi_attestor: "pnyx kpi attest BATCH FACTS.json",
  treasurer: "pnyx token · pnyx member show",
  credential_issuer: "pnyx election issuer key ID · pnyx election issuer issue ID",
  trustee: "pnyx election trustee ID --wait",
};

export function Console({ path, params, memberKey }: ConsoleProps) {
  const { c } = useC();
  const [official, setOfficial] = useState<Official | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = async () => {
    if (!memberKey) return;
    setError(null);
    try {
      const [me, grants, tree] = await Promise.all([
        signedGet<RecordAnswer<Member>>(signerOf(memberKey), `/v1/members/${memberKey.memberId}`),
        grantsOf(memberKey.memberId),
        chapterTree(),
      ]);
      setOfficial({ me: me.record, grants, tree });
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
        <Title>{c("consoleTitle")}</Title>
        <p>{c("noKey")}</p>
        <p><a class="button" href="#/join">{c("back")}</a></p>
      </section>
    );
  }
  if (path.startsWith("/console/erratum/")) return <ErratumSign id={decodeURIComponent(path.slice("/console/erratum/".length))} params={params} memberKey={memberKey} />;
  if (path.startsWith("/console/sign/")) return <ChairSign id={decodeURIComponent(path.slice("/console/sign/".length))} memberKey={memberKey} />;
  if (error) return <section><Title>{c("consoleTitle")}</Title><Problem error={error} onRetry={load} /></section>;
  if (!official) return <section><Title>{c("consoleTitle")}</Title><p role="status">…</p></section>;
  if (path === "/console/elections") return <ElectionWizard official={official} memberKey={memberKey} />;
  if (path.startsWith("/console/elections/")) return <ElectionLive id={decodeURIComponent(path.slice("/console/elections/".length))} />;
  if (path === "/console/moderation") return <Moderation official={official} memberKey={memberKey} />;
  if (path === "/console/petitions") return <PetitionAnswers official={official} memberKey={memberKey} />;
  if (path === "/console/chapters") return <Chapters official={official} memberKey={memberKey} reload={load} />;
  if (path === "/console/registrar") return <Registrar official={official} memberKey={memberKey} />;
  if (path === "/console/meetings") return <Meetings official={official} memberKey={memberKey} />;
  if (path.startsWith("/console/meetings/")) return <MeetingRunbook id={decodeURIComponent(path.slice("/console/meetings/".length))} official={official} memberKey={memberKey} />;
  return <Shell official={official} />;
}

function Shell({ official }: { official: Official }) {
  const { c, cw, date } = useC();
  const name = (id: string) => official.tree.find((x) => x.id === id)?.name ?? id;
  const held = new Set(official.grants.map((g) => g.role));
  return (
    <section>
      <Title>{c("consoleTitle")}</Title>
      <p>{c("consoleIntro")}</p>
      <h2>{c("myRoles")}</h2>
      {official.grants.length === 0 ? <p data-testid="no-roles">{c("noRoles")}</p> : (
        <ul class="list" data-testid="my-roles">
          {official.grants.map((g) => (
            <li key={g.role + g.chapter} data-role={g.role} data-chapter={g.chapter}>
              <span class="item-title">{c("roleAt", { role: cw("role", g.role), chapter: name(g.chapter) })}</span>
              <span class="meta">{cw("about", g.role)}</span>
              <span class="meta">{c("grantedAt", { date: date(g.granted_at) })}</span>
            </li>
          ))}
        </ul>
      )}
      {official.grants.length > 0 && (
        <>
          <h2>{c("pagesTitle")}</h2>
          <ul class="list" data-testid="pages">
            {[...held].map((r) => {
              const ps = PAGES[r];
              return ps ? ps.map((p) => (
                <li key={p.path}>
                  <a class="item-title" href={"#" + p.path}>{c(p.key)}</a>
                  <span class="meta">{c(p.about)}</span>
                </li>
              )) : (
                <li key={r}>
                  <span class="item-title">{cw("role", r)}</span>
                  <span class="meta">{c("cliOnly", { cmd: CLI[r] ?? "pnyx" })}</span>
                </li>
              );
            })}
          </ul>
        </>
      )}
      <h2>{c("allRolesTitle")}</h2>
      <p>{c("allRolesIntro")}</p>
      <dl class="roles">
        {ROLES.map((r) => (
          <div key={r} class={held.has(r) ? "role held" : "role"}>
            <dt>{cw("role", r)} <span class="mono small">{r}</span>{held.has(r) && <span class="badge badge-active">{c("held")}</span>}</dt>
            <dd>{cw("about", r)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
