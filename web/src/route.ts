// Hash routes (#/join?code=…): the code in a join link stays in the
// fragment, which browsers never send to a server or in a Referer.
import { useEffect, useState } from "preact/hooks";

export interface Route {
  path: string;
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const h = hash.replace(/^#/, "") || "/";
  const q = h.indexOf("?");
  const path = q < 0 ? h : h.slice(0, q);
  return { path: path.startsWith("/") ? path : "/" + path, params: new URLSearchParams(q < 0 ? "" : h.slice(q + 1)) };
}

export function useRoute(): Route {
  const [r, setR] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setR(parseHash(location.hash));
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return r;
}

export const go = (path: string) => {
  location.hash = "#" + path;
};
