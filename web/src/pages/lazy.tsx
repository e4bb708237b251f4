// Lazy pages: a heavy page (the election pages carry the ballot
// cryptography) is a separate chunk, fetched the first time it is shown, so
// the member pages everyone opens stay small.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { useI18n } from "../i18n";
import { Problem } from "./common";

export function Lazy<P extends object>({ load, props }: { load: () => Promise<{ default: ComponentType<P> }>; props: P }) {
  const { t } = useI18n();
  const [C, setC] = useState<ComponentType<P> | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    load().then((m) => setC(() => m.default), setError);
  }, [load]);
  if (error) return <Problem error={error} />;
  return C ? <C {...props} /> : <p role="status">{t("loading")}</p>;
}
