// The portal's door to the officials' console: the one file app.tsx
// imports. It is small and loads with the portal; the console itself
// (./index.tsx and its pages) is a separate chunk fetched only when a
// member opens it, so members who are not officials never download it.
import { useEffect, useState } from "preact/hooks";
import type { ComponentType } from "preact";
import { publicGet } from "../lib/api";
import type { StoredKey } from "../lib/keystore";

export interface ConsoleProps { path: string; params: URLSearchParams; memberKey: StoredKey | null | undefined }

/** isConsolePath says whether a hash route belongs to the console. */
export const isConsolePath = (path: string) => path === "/console" || path.startsWith("/console/");

/** consoleLabel is the nav entry's words (the portal's i18n.ts is not the console's). */
export const consoleLabel = (lang: "ko" | "en") => (lang === "ko" ? "임원 콘솔" : "Officials");

/**
 * useOfficial reports whether the member holds any official role, read
 * from the chain (GET /v1/members/{id}/roles): the nav shows the console
 * only to them. The chain, not this answer, decides what they may do.
 */
export function useOfficial(memberKey: StoredKey | null | undefined): boolean {
  const [official, setOfficial] = useState(false);
  useEffect(() => {
    setOfficial(false);
    if (!memberKey?.memberId) return;
    let live = true;
    publicGet<{ grants: unknown[] | null }>(`/v1/members/${encodeURIComponent(memberKey.memberId)}/roles`)
      .then((r) => live && setOfficial((r.grants ?? []).length > 0), () => {});
    return () => {
      live = false;
    };
  }, [memberKey?.memberId]);
  return official;
}

let loaded: ComponentType<ConsoleProps> | null = null;

/** ConsoleEntry loads the console's chunk on first use and renders it. */
export function ConsoleEntry(props: ConsoleProps) {
  const [C, setC] = useState<ComponentType<ConsoleProps> | null>(() => loaded);
  useEffect(() => {
    if (C) return;
    import("./index").then((m) => {
      loaded = m.Console;
      setC(() => m.Console);
    });
  }, []);
  return C ? <C {...props} /> : <p role="status">…</p>;
}
