import type { ComponentChildren } from "preact";
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
