// The chapter administrator's page: the chapter tree in scope, each
// chapter's officials, granting and revoking roles there with each role
// explained, and new chapters below. The admin role itself is granted only
// from strictly above (modules/org), so the page offers it only at chapters
// below the administrator's own; the chain refuses it anywhere else.
import { useEffect, useState } from "preact/hooks";
import { publicGet, type Chapter } from "../lib/api";
import type { StoredKey } from "../lib/keystore";
import { sendTx } from "../lib/send";
import { Problem, Title, useAction } from "../pages/common";
import { chapterBody, MEMBER_ID, roleBody, ROLES, scopeOf, type Grant, type Role } from "./chain";
import { useC } from "./i18n";
import type { Official } from "./index";

export function Chapters({ official, memberKey, reload }: { official: Official; memberKey: StoredKey; reload: () => Promise<void> }) {
  const { c, cw, date } = useC();
  const scope = scopeOf(official.tree, official.grants, "admin");
  const roots = scope.filter((ch) => !scope.some((x) => x.id === ch.parent));
  const [sel, setSel] = useState(roots[0]?.id ?? "");
  const [grants, setGrants] = useState<Grant[] | null>(null);
  const [member, setMember] = useState("");
  const [role, setRole] = useState<Role>("secretary");
  const [child, setChild] = useState({ id: "", name: "" });
  const a = useAction();
  const load = async () => {
    if (!sel) return;
    try {
      setGrants((await publicGet<{ grants: Grant[] | null }>(`/v1/chapters/${encodeURIComponent(sel)}/roles`)).grants ?? []);
    } catch (e) {
      a.fail(e);
    }
  };
  useEffect(() => {
    setGrants(null);
    load();
  }, [sel]);
  if (scope.length === 0) return <section><Title>{c("chTitle")}</Title><p>{c("outOfScope")}</p><p><a href="#/console">{c("back")}</a></p></section>;
  const chapter = official.tree.find((x) => x.id === sel);
  // Admin at sel needs admin strictly above it: at one of sel's ancestors.
  const ancestors: string[] = [];
  for (let id = chapter?.parent; id; id = official.tree.find((x) => x.id === id)?.parent) ancestors.push(id);
  const adminAbove = official.grants.some((g) => g.role === "admin" && ancestors.includes(g.chapter));
  const roles = ROLES.filter((r) => r !== "admin" || adminAbove);
  const act = (f: () => Promise<unknown>, ok: string) => a.run(async () => {
    await f();
    await load();
    return ok;
  });
  const grant = (e: Event) => {
    e.preventDefault();
    const m = member.trim().toLowerCase();
    if (!MEMBER_ID.test(m)) return a.fail(new Error(c("badIds", { ids: m || "—" })));
    act(() => sendTx(memberKey, "role/grant", roleBody(m, role, sel)), c("granted", { role: cw("role", role), member: m }));
  };
  const create = (e: Event) => {
    e.preventDefault();
    if (!/^[a-z0-9][a-z0-9-]{0,47}$/.test(child.id) || !child.name.trim()) return a.fail(new Error(c("chBadChild")));
    act(async () => {
      await sendTx(memberKey, "chapter/create", chapterBody(child.id, child.name.trim(), sel));
      setChild({ id: "", name: "" });
      await reload();
    }, c("chCreated", { name: child.name.trim() }));
  };
  const tree = (ch: Chapter, depth: number): preact.JSX.Element => (
    <li key={ch.id}>
      <button type="button" class={ch.id === sel ? "tree-item current" : "tree-item"} aria-pressed={ch.id === sel} onClick={() => setSel(ch.id)}>
        {ch.name} <span class="mono small">{ch.id}</span> <span class="meta">{cw("level", ch.level ?? "")}</span>
      </button>
      {scope.some((x) => x.parent === ch.id) && <ul class="tree">{scope.filter((x) => x.parent === ch.id).map((x) => tree(x, depth + 1))}</ul>}
    </li>
  );
  return (
    <section>
      <Title>{c("chTitle")}</Title>
      <p>{c("chIntro")}</p>
      <p><a href="#/console">{c("back")}</a></p>
      <h2>{c("chapterTree")}</h2>
      <ul class="tree" data-testid="tree">{roots.map((r) => tree(r, 0))}</ul>
      {chapter && (
        <>
          <h2 data-testid="selected">{chapter.name}</h2>
          {a.error ? <Problem error={a.error} /> : null}
          {a.done && <p class="ok" role="status" data-testid="ch-done">{a.done}</p>}
          <h3>{c("chOfficials")}</h3>
          {!grants ? <p role="status">…</p> : grants.length === 0 ? <p>{c("chNoOfficials")}</p> : (
            <ul class="list" data-testid="officials">
              {grants.map((g) => (
                <li key={g.member + g.role} data-member={g.member} data-role={g.role}>
                  <span class="item-title">{cw("role", g.role)} · <span class="mono">{g.member}</span></span>
                  <span class="meta">{c("grantedAt", { date: date(g.granted_at) })}</span>
                  {(g.role !== "admin" || adminAbove) && (
                    <button type="button" class="secondary" disabled={a.busy} onClick={() => act(() => sendTx(memberKey, "role/revoke", roleBody(g.member, g.role, sel)), c("revoked", { role: cw("role", g.role), member: g.member }))}>
                      {c("revokeBtn", { role: cw("role", g.role) })}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          <h3>{c("grantTitle")}</h3>
          <form onSubmit={grant}>
            <label for="g-member">{c("findLabel")}</label>
            <input id="g-member" class="mono" value={member} onInput={(e) => setMember((e.target as HTMLInputElement).value)} autoComplete="off" />
            <label for="g-role">{c("grantRole")}</label>
            <select id="g-role" value={role} aria-describedby="g-role-about" onChange={(e) => setRole((e.target as HTMLSelectElement).value as Role)}>
              {roles.map((r) => <option key={r} value={r}>{cw("role", r)}</option>)}
            </select>
            <p class="hint" id="g-role-about" data-testid="role-about">{cw("about", role)}</p>
            <button type="submit" disabled={a.busy}>{c("grantBtn", { chapter: chapter.name })}</button>
          </form>
          {chapter.level !== "constituency" && (
            <>
              <h3>{c("chChildTitle")}</h3>
              <form onSubmit={create}>
                <label for="c-id">{c("chChildId")}</label>
                <input id="c-id" class="mono" value={child.id} onInput={(e) => setChild({ ...child, id: (e.target as HTMLInputElement).value.trim() })} />
                <label for="c-name">{c("chChildName")}</label>
                <input id="c-name" value={child.name} onInput={(e) => setChild({ ...child, name: (e.target as HTMLInputElement).value })} />
                <button type="submit" disabled={a.busy}>{c("chChildBtn")}</button>
              </form>
            </>
          )}
        </>
      )}
    </section>
  );
}
