// The registrar's page: enrollment codes issued in batches and printed as
// QR sheets (one card per newcomer, with the chapter and the steps in
// Korean; console.css has the print stylesheet), a CSV import with a
// preview, row errors and a progress bar, and a member found by ID with
// the registrar's actions on them (transfer, class, suspend, reinstate,
// expel with reason codes, key recovery).
//
// Codes are made here, in the browser, and only their hashes go on chain
// (member/enroll); the codes themselves exist only on this page and on the
// printed sheet.
import { useState } from "preact/hooks";
import { chain, signedGet, type Member, type RecordAnswer } from "../lib/api";
import { deriveMemberId, enrollmentCodeHash } from "../lib/enroll";
import { signerOf, type StoredKey } from "../lib/keystore";
import { sendTx } from "../lib/send";
import { Problem, Title, useAction } from "../pages/common";
import { QR } from "../pages/qr";
import { approveBody, enrollBody, recoverBody, scopeOf, setClassBody, statusBody, transferBody, MEMBER_ID, REASONS } from "./chain";
import { useC } from "./i18n";
import type { Official } from "./index";

const MAX_BATCH = 500;
const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** newCode makes a one-time enrollment code: 20 random base32 characters in groups of five. */
export function newCode(): string {
  const b = crypto.getRandomValues(new Uint8Array(20));
  const s = Array.from(b, (x) => B32[x & 31]).join("");
  return `${s.slice(0, 5)}-${s.slice(5, 10)}-${s.slice(10, 15)}-${s.slice(15)}`;
}

interface Issued { code: string; memberId: string; chapter: string; cls: string }

export function Registrar({ official, memberKey }: { official: Official; memberKey: StoredKey }) {
  const { c } = useC();
  const scope = scopeOf(official.tree, official.grants, "registrar");
  if (scope.length === 0) return <section><Title>{c("regTitle")}</Title><p>{c("outOfScope")}</p><p><a href="#/console">{c("back")}</a></p></section>;
  return (
    <section>
      <Title>{c("regTitle")}</Title>
      <p class="no-print">{c("regIntro")}</p>
      <p class="no-print"><a href="#/console">{c("back")}</a></p>
      <Codes official={official} memberKey={memberKey} />
      <Import official={official} memberKey={memberKey} />
      <FindMember official={official} memberKey={memberKey} />
    </section>
  );
}

function ChapterSelect({ id, official, value, onChange }: { id: string; official: Official; value: string; onChange: (v: string) => void }) {
  const scope = scopeOf(official.tree, official.grants, "registrar");
  return (
    <select id={id} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
      {scope.map((ch) => <option key={ch.id} value={ch.id}>{ch.name} ({ch.id})</option>)}
    </select>
  );
}

function Codes({ official, memberKey }: { official: Official; memberKey: StoredKey }) {
  const { c, word } = useC();
  const scope = scopeOf(official.tree, official.grants, "registrar");
  const [chapter, setChapter] = useState(scope[0]?.id ?? "");
  const [cls, setCls] = useState("general");
  const [count, setCount] = useState("10");
  const [issued, setIssued] = useState<Issued[]>([]);
  const a = useAction();
  const name = (id: string) => official.tree.find((x) => x.id === id)?.name ?? id;
  const issue = (e: Event) => {
    e.preventDefault();
    const n = Math.floor(+count);
    if (!(n >= 1 && n <= MAX_BATCH)) return a.fail(new Error(c("regCountRange", { max: MAX_BATCH })));
    return a.run(async () => {
      const chainId = await chain();
      const codes = Array.from({ length: n }, newCode);
      const hashes = codes.map((code) => enrollmentCodeHash(chainId, code));
      await sendTx(memberKey, "member/enroll", enrollBody(hashes.map((h) => ({ codeHash: h, chapter, cls }))));
      setIssued(codes.map((code, i) => ({ code, memberId: deriveMemberId(hashes[i]), chapter, cls })));
    });
  };
  const link = (code: string) => `${location.origin}${location.pathname}#/join?code=${code}`;
  return (
    <>
      <h2 class="no-print">{c("codesTitle")}</h2>
      <form class="no-print" onSubmit={issue} noValidate>
        <p>{c("codesIntro")}</p>
        <label for="e-chapter">{c("fChapter")}</label>
        <ChapterSelect id="e-chapter" official={official} value={chapter} onChange={setChapter} />
        <label for="e-class">{c("fClass")}</label>
        <select id="e-class" value={cls} onChange={(e) => setCls((e.target as HTMLSelectElement).value)}>
          <option value="general">{word("class", "general")}</option>
          <option value="responsible">{word("class", "responsible")}</option>
        </select>
        <label for="e-count">{c("fCount")}</label>
        <input id="e-count" type="number" min="1" max={MAX_BATCH} inputMode="numeric" value={count} onInput={(e) => setCount((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={a.busy}>{c("issueBtn")}</button>
      </form>
      {a.error ? <Problem error={a.error} /> : null}
      {issued.length > 0 && (
        <>
          <div class="no-print">
            <p class="ok" role="status" data-testid="issued">{c("issued", { n: issued.length })}</p>
            <p class="field-error">{c("codesOnce")}</p>
            <button type="button" onClick={() => print()}>{c("printBtn")}</button>
          </div>
          <ul class="sheet" data-testid="sheet" aria-label={c("sheetLabel")}>
            {issued.map((x) => (
              <li class="sheet-card" key={x.code} data-code={x.code}>
                <p class="sheet-party">{c("sheetHead")}</p>
                <p class="sheet-chapter">{name(x.chapter)} · {word("class", x.cls)}</p>
                <QR text={link(x.code)} label={c("sheetQr", { code: x.code })} />
                <p class="sheet-code mono">{x.code}</p>
                <ol class="sheet-steps">
                  <li>{c("sheetStep1")}</li>
                  <li>{c("sheetStep2")}</li>
                  <li>{c("sheetStep3")}</li>
                </ol>
                <p class="sheet-id small">{c("sheetMemberId")}: <span class="mono">{x.memberId}</span></p>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

interface Row { line: number; key: string; chapter: string; cls: string; problem: string }

/** parseCsv reads the simple CSV the import takes: a header, then rows; quotes around a field are dropped. */
export function parseCsv(text: string): string[][] {
  return text.replace(/^\uFEFF/, "").split(/\r?\n/).filter((l) => l.trim() !== "").map((l) => l.split(",").map((f) => f.trim().replace(/^"(.*)"$/, "$1")));
}

function Import({ official, memberKey }: { official: Official; memberKey: StoredKey }) {
  const { c } = useC();
  const scope = new Set(scopeOf(official.tree, official.grants, "registrar").map((x) => x.id));
  const [rows, setRows] = useState<Row[] | null>(null);
  const [kind, setKind] = useState<"public_key" | "code_hash">("public_key");
  const [headerError, setHeaderError] = useState("");
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState("");
  const load = async (e: Event) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    setRows(null);
    setHeaderError("");
    setResult("");
    setError(null);
    setProgress(null);
    if (!f) return;
    const [head, ...data] = parseCsv(await f.text());
    const col = (n: string) => (head ?? []).indexOf(n);
    const k = col("public_key") >= 0 ? "public_key" : "code_hash";
    if (!head || col("chapter") < 0 || col("class") < 0 || (col("public_key") >= 0) === (col("code_hash") >= 0)) {
      setHeaderError(c("csvHeader"));
      return;
    }
    setKind(k);
    const seen = new Set<string>();
    setRows(data.map((r, i) => {
      const row = { line: i + 2, key: (r[col(k)] ?? "").toLowerCase(), chapter: r[col("chapter")] ?? "", cls: r[col("class")] ?? "", problem: "" };
      if (!/^[0-9a-f]{64}$/.test(row.key)) row.problem = c(k === "public_key" ? "csvBadKey" : "csvBadHash");
      else if (seen.has(row.key)) row.problem = c("csvDuplicate");
      else if (!official.tree.some((x) => x.id === row.chapter)) row.problem = c("csvNoChapter", { chapter: row.chapter });
      else if (!scope.has(row.chapter)) row.problem = c("csvOutOfScope", { chapter: row.chapter });
      else if (row.cls !== "general" && row.cls !== "responsible") row.problem = c("csvBadClass", { cls: row.cls });
      seen.add(row.key);
      return row;
    }));
  };
  const good = rows?.filter((r) => !r.problem) ?? [];
  const run = async () => {
    setError(null);
    setResult("");
    setProgress({ done: 0, total: good.length });
    try {
      for (let lo = 0; lo < good.length; lo += MAX_BATCH) {
        const batch = good.slice(lo, lo + MAX_BATCH);
        const body = kind === "public_key"
          ? approveBody(batch.map((r) => ({ publicKey: r.key, chapter: r.chapter, cls: r.cls })))
          : enrollBody(batch.map((r) => ({ codeHash: r.key, chapter: r.chapter, cls: r.cls })));
        try {
          await sendTx(memberKey, kind === "public_key" ? "member/approve" : "member/enroll", body);
        } catch (err) {
          // The chain names the entry it refused: point at the CSV line.
          const m = /entry (\d+)/.exec((err as Error).message ?? "");
          if (m) (err as Error).message = `${c("csvLine", { line: batch[+m[1]]?.line ?? "?" })}: ${(err as Error).message}`;
          throw err;
        }
        setProgress({ done: lo + batch.length, total: good.length });
      }
      setResult(c("csvDone", { n: good.length }));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div class="no-print">
      <h2>{c("csvTitle")}</h2>
      <p>{c("csvIntro")}</p>
      <label for="csv-file">{c("csvFile")}</label>
      <input id="csv-file" type="file" accept=".csv,text/csv" onChange={load} />
      {headerError && <p class="field-error" role="alert">{headerError}</p>}
      {rows && (
        <>
          <p role="status" data-testid="csv-summary">{c("csvSummary", { total: rows.length, good: good.length, bad: rows.length - good.length })}</p>
          <div class="table-wrap" tabIndex={0} role="region" aria-label={c("csvPreview")}>
            <table data-testid="csv-preview">
              <caption>{c("csvPreview")}</caption>
              <thead><tr><th scope="col">{c("csvLineH")}</th><th scope="col">{kind}</th><th scope="col">{c("fChapter")}</th><th scope="col">{c("fClass")}</th><th scope="col">{c("csvCheck")}</th></tr></thead>
              <tbody>
                {rows.slice(0, 200).map((r) => (
                  <tr key={r.line} class={r.problem ? "bad" : ""} data-line={r.line}>
                    <td>{r.line}</td><td class="mono small">{r.key.slice(0, 16)}…</td><td>{r.chapter}</td><td>{r.cls}</td>
                    <td>{r.problem ? <span class="field-error">{r.problem}</span> : <span class="ok">{c("csvOk")}</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <button type="button" disabled={good.length === 0 || (progress !== null && progress.done < progress.total && !error)} onClick={run}>{c("csvImport", { n: good.length })}</button>
        </>
      )}
      {progress && (
        <>
          <label for="csv-progress">{c("csvProgress", { done: progress.done, total: progress.total })}</label>
          <progress id="csv-progress" max={progress.total} value={progress.done} data-testid="csv-progress" />
        </>
      )}
      {error ? <Problem error={error} /> : null}
      {result && <p class="ok" role="status" data-testid="csv-done">{result}</p>}
    </div>
  );
}

function FindMember({ official, memberKey }: { official: Official; memberKey: StoredKey }) {
  const { c, cw, word, date } = useC();
  const [id, setId] = useState("");
  const [m, setM] = useState<Member | null>(null);
  const a = useAction();
  const [to, setTo] = useState("");
  const [reason, setReason] = useState("1");
  const [newKey, setNewKey] = useState("");
  const scope = scopeOf(official.tree, official.grants, "registrar");
  const name = (x: string) => official.tree.find((y) => y.id === x)?.name ?? x;
  const lookUp = async (q: string) => {
    try {
      const r = await signedGet<RecordAnswer<Member>>(signerOf(memberKey), `/v1/members/${q}`);
      setM(r.record);
      setTo(scope.find((x) => x.id !== r.record.chapter)?.id ?? "");
    } catch (err) {
      setM(null);
      throw err;
    }
  };
  const find = (e: Event) => {
    e.preventDefault();
    const q = id.trim().toLowerCase();
    if (!MEMBER_ID.test(q)) {
      setM(null);
      return a.fail(new Error(c("badIds", { ids: q || "—" })));
    }
    return a.run(() => lookUp(q));
  };
  // After a change the card is read again; a failed read is shown beside
  // the change's message, since the change itself went through.
  const act = (type: string, body: Uint8Array, ok: string) => a.run(async () => {
    await sendTx(memberKey, type, body);
    await lookUp(id.trim().toLowerCase()).catch(a.fail);
    return ok;
  });
  return (
    <div class="no-print">
      <h2>{c("findTitle")}</h2>
      <form onSubmit={find}>
        <label for="f-id">{c("findLabel")}</label>
        <input id="f-id" class="mono" value={id} onInput={(e) => setId((e.target as HTMLInputElement).value)} autoComplete="off" />
        <button type="submit">{c("findBtn")}</button>
      </form>
      {a.error ? <Problem error={a.error} /> : null}
      {a.done && <p class="ok" role="status" data-testid="reg-done">{a.done}</p>}
      {m && (
        <div class="card" data-testid="found">
          <dl class="facts">
            <dt>{c("sheetMemberId")}</dt><dd class="mono">{m.id}</dd>
            <dt>{c("mState")}</dt><dd data-testid="found-status">{word("status", m.status)}</dd>
            <dt>{c("fClass")}</dt><dd data-testid="found-class">{word("class", m.class)}</dd>
            <dt>{c("fChapter")}</dt><dd data-testid="found-chapter">{name(m.chapter)}</dd>
            <dt>{c("joined")}</dt><dd>{date(m.joined_at)}</dd>
            {m.status_reason ? <><dt>{c("fReason")}</dt><dd>{cw("reason", String(m.status_reason))}</dd></> : null}
          </dl>
          {m.status === "active" || m.status === "suspended" ? (
            <>
              <fieldset>
                <legend>{c("transferTitle")}</legend>
                <label for="f-to">{c("fChapter")}</label>
                <ChapterSelect id="f-to" official={official} value={to} onChange={setTo} />
                <button type="button" disabled={a.busy || !to || to === m.chapter} onClick={() => act("member/transfer", transferBody(m.id, to), c("transferred", { chapter: name(to) }))}>{c("transferBtn")}</button>
              </fieldset>
              <fieldset>
                <legend>{c("classTitle")}</legend>
                <button type="button" disabled={a.busy} onClick={() => { const cls = m.class === "general" ? "responsible" : "general"; act("member/set-class", setClassBody(m.id, cls), c("classChanged", { cls: word("class", cls) })); }}>
                  {c("classBtn", { cls: word("class", m.class === "general" ? "responsible" : "general") })}
                </button>
              </fieldset>
              <fieldset>
                <legend>{c("statusTitle")}</legend>
                <label for="f-reason">{c("fReason")}</label>
                <select id="f-reason" value={reason} onChange={(e) => setReason((e.target as HTMLSelectElement).value)}>
                  {REASONS.map((r) => <option key={r} value={String(r)}>{cw("reason", String(r))}</option>)}
                </select>
                {m.status === "active"
                  ? <button type="button" disabled={a.busy} onClick={() => act("member/suspend", statusBody(m.id, +reason), c("suspended"))}>{c("suspendBtn")}</button>
                  : <button type="button" disabled={a.busy} onClick={() => act("member/reinstate", statusBody(m.id, 0), c("reinstated"))}>{c("reinstateBtn")}</button>}
                <button type="button" class="danger" disabled={a.busy} onClick={() => confirm(c("expelConfirm")) && act("member/expel", statusBody(m.id, +reason), c("expelled"))}>{c("expelBtn")}</button>
              </fieldset>
              <fieldset>
                <legend>{c("recoverTitle")}</legend>
                <p class="small">{c("recoverIntro")}</p>
                <label for="f-key">{c("fNewKey")}</label>
                <input id="f-key" class="mono" value={newKey} onInput={(e) => setNewKey((e.target as HTMLInputElement).value.trim().toLowerCase())} />
                <button type="button" disabled={a.busy || !/^[0-9a-f]{64}$/.test(newKey)} onClick={() => act("member/recover-key", recoverBody(m.id, newKey), c("recovered"))}>{c("recoverBtn")}</button>
              </fieldset>
            </>
          ) : <p>{c("finalStatus")}</p>}
        </div>
      )}
    </div>
  );
}
