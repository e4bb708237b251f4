import { useEffect, useRef, useState } from "preact/hooks";
import { I18nContext, initialLang, makeI18n, rememberLang, type Lang } from "./i18n";
import { useRoute } from "./route";
import { Home } from "./pages/home";
import { Join } from "./pages/join";
import { Card } from "./pages/card";
import { NotFound } from "./pages/notfound";
import { PetitionDetail, PetitionList, PetitionNew } from "./pages/petitions";
import { loadKey, type StoredKey } from "./lib/keystore";
import { ConsoleEntry, consoleLabel, isConsolePath, useOfficial } from "./console/entry";
import { Lazy } from "./pages/lazy";

const elections = () => import("./pages/elections/index");
const assemblies = () => import("./pages/assemblies/index");
const kpi = () => import("./pages/kpi/index");
const verifyPage = () => import("./pages/cardproof");

export function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const [large, setLarge] = useState(false);
  const [key, setKey] = useState<StoredKey | null | undefined>(undefined);
  const route = useRoute();
  const i18n = makeI18n(lang);
  const main = useRef<HTMLElement>(null);
  const official = useOfficial(key);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = i18n.t("appName");
    rememberLang(lang);
  }, [lang]);
  useEffect(() => {
    document.documentElement.classList.toggle("large", large);
  }, [large]);
  const reloadKey = () => loadKey().then((k) => setKey(k?.joined ? k : null), () => setKey(null));
  useEffect(() => {
    reloadKey();
  }, []);
  useEffect(() => {
    // Move focus to the new page's heading, so a screen reader announces it.
    main.current?.querySelector("h1")?.focus();
  }, [route.path, key === undefined]);

  let page;
  switch (route.path) {
    case "/":
      page = <Home memberKey={key} />;
      break;
    case "/join":
      page = <Join code={route.params.get("code") ?? ""} memberKey={key} onJoined={reloadKey} />;
      break;
    case "/me":
      page = <Card memberKey={key} />;
      break;
    case "/petitions":
      page = <PetitionList memberKey={key} />;
      break;
    case "/petitions/new":
      page = <PetitionNew memberKey={key} />;
      break;
    default:
      if (isConsolePath(route.path)) {
        page = <ConsoleEntry path={route.path} params={route.params} memberKey={key} />;
        break;
      }
      if (route.path === "/elections" || route.path.startsWith("/elections/")) {
        page = <Lazy load={elections} props={{ path: route.path, params: route.params, memberKey: key }} />;
        break;
      }
      if (route.path === "/assemblies" || route.path.startsWith("/assemblies/")) {
        page = <Lazy load={assemblies} props={{ path: route.path, memberKey: key }} />;
        break;
      }
      if (route.path === "/verify") {
        page = <Lazy load={verifyPage} props={{}} />;
        break;
      }
      if (route.path === "/kpi") {
        page = <Lazy load={kpi} props={{ params: route.params, memberKey: key }} />;
        break;
      }
      page = route.path.startsWith("/petitions/") ? <PetitionDetail id={decodeURIComponent(route.path.slice("/petitions/".length))} memberKey={key} /> : <NotFound />;
  }
  const nav = [
    { path: "/", label: i18n.t("navHome") },
    { path: "/petitions", label: i18n.t("navPetitions") },
    { path: "/assemblies", label: i18n.t("navAssemblies") },
    { path: "/elections", label: i18n.t("navElections") },
    { path: "/kpi", label: i18n.t("navKpi") },
    key ? { path: "/me", label: i18n.t("navCard") } : { path: "/join", label: i18n.t("navJoin") },
    ...(official ? [{ path: "/console", label: consoleLabel(lang) }] : []),
  ];
  return (
    <I18nContext.Provider value={i18n}>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); main.current?.querySelector("h1")?.focus(); }}>{i18n.t("skip")}</a>
      <header class="top">
        <a class="brand" href="#/">{i18n.t("appName")}</a>
        <div class="tools">
          <button type="button" class="toggle" aria-pressed={large} onClick={() => setLarge(!large)}>{i18n.t("largeText")}</button>
          <button type="button" class="toggle" lang={lang === "ko" ? "en" : "ko"} title={i18n.t("langToggleLabel")} onClick={() => setLang(lang === "ko" ? "en" : "ko")}>
            {i18n.t("langToggle")}
          </button>
        </div>
      </header>
      <nav class="tabs" aria-label={i18n.t("appName")}>
        {nav.map((n) => (
          <a href={"#" + n.path} aria-current={route.path === n.path || (n.path !== "/" && route.path.startsWith(n.path + "/")) ? "page" : undefined}>{n.label}</a>
        ))}
      </nav>
      <main id="main" ref={main}>
        {key === undefined ? <p role="status">{i18n.t("loading")}</p> : page}
      </main>
    </I18nContext.Provider>
  );
}
