import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { useI18n } from "../i18n";
import { ApiError } from "../lib/api";

export function Title({ children }: { children: ComponentChildren }) {
  return <h1 tabIndex={-1}>{children}</h1>;
}

/** Problem shows an error as a sentence in the member's language, with the node's message below. */
export function Problem({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t, err } = useI18n();
  const e = error instanceof ApiError ? error : null;
  return (
    <div class="problem" role="alert">
      <p class="problem-title">{t("errorTitle")}</p>
      <p data-code={e?.code ?? ""}>{e ? err(e.code) : String((error as Error)?.message ?? error)}</p>
      {e && (
        <details>
          <summary>{t("errorDetail")}</summary>
          <p class="mono">{e.code} {e.name}: {e.message}</p>
        </details>
      )}
      {onRetry && <button type="button" onClick={onRetry}>{t("retry")}</button>}
    </div>
  );
}

/**
 * Action is one step a member or official takes (a signed transaction, an
 * upload, a check), run one at a time: busy while it runs (buttons bound to
 * it stay disabled, so a double click does not sign twice), then either
 * the error it threw or the message it returned.
 */
export interface Action {
  busy: boolean;
  error: unknown;
  done: string;
  /** run runs f; a string it returns becomes done. */
  run(f: () => Promise<string | void>): Promise<void>;
  /** fail reports an error found before anything was sent (a bad field). */
  fail(e: unknown): void;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState("");
  const run = async (f: () => Promise<string | void>) => {
    setBusy(true);
    setError(null);
    setDone("");
    try {
      setDone((await f()) ?? "");
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const fail = (e: unknown) => {
    setDone("");
    setError(e);
  };
  return { busy, error, done, run, fail };
}

/** Outcome shows an action's error or its message. */
export function Outcome({ a }: { a: Action }) {
  return (
    <>
      {a.error ? <Problem error={a.error} /> : null}
      {a.done && <p class="ok" role="status">{a.done}</p>}
    </>
  );
}
