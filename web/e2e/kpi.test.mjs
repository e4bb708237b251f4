// The KPI scorecard in a real browser against a real node: the KPI
// module's own scenario files (`pnyx demo --module kpi`) adopt rule sets by
// certified decisions on this node; two members (Korean, English) read
// their scorecard and their chapter's for the period in force. axe-core on
// the page, screenshots at 390 and 1280 px. The node runs with one
// --cors-origin, and answers that origin's preflight and no other's.
//
// PNYX_BIN names a built pnyx binary; otherwise the test builds one.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DESKTOP, PHONE, artifacts, axe, enrollInSeoul, launchChromium, shoot, sleep, startNode, waiter } from "./harness.mjs";
import { request } from "node:http";

// Another front end's origin, allowed by the node's --cors-origin.
const FRIEND = "http://127.0.0.1:9";


let tmp, bin, node, base, browser, codes;
const nodeLog = [];
const waitFor = waiter(nodeLog);


function cli(...args) {
  return execFileSync(bin, ["--home", join(tmp, "home"), "--api", base, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
// CheckTx judges the windows by the last block's time and an idle chain
// makes a block every 30 s: two transactions bring block time to now.
function bump() {
  cli("token", "burn", "1");
  cli("token", "burn", "1");
}
async function until(unix) {
  const ms = unix * 1000 - Date.now();
  if (ms > 0) await sleep(ms);
}

before(async () => {
  ({ tmp, bin, base, node } = await startNode("pnyx-kpi", nodeLog, ["--cors-origin", FRIEND]));
  codes = enrollInSeoul(cli);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (node && node.exitCode === null) {
    node.kill("SIGTERM");
    await new Promise((r) => { node.once("exit", r); setTimeout(r, 10_000); });
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});



describe("the KPI scorecard in Chromium", () => {
  it("the node started with --cors-origin answers that origin only", async () => {
    const ask = (origin) => new Promise((resolve, reject) => {
      const u = new URL(`${base}/v1/kpi/versions`);
      request({ host: u.hostname, port: u.port, path: u.pathname, method: "OPTIONS", headers: { Origin: origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization" } }, (res) => {
        res.resume();
        resolve([res.statusCode, res.headers["access-control-allow-origin"], res.headers["access-control-allow-headers"]]);
      }).on("error", reject).end();
    });
    assert.deepEqual(await ask(FRIEND), [204, FRIEND, "Authorization, Content-Type"]);
    assert.deepEqual(await ask("http://127.0.0.1:10"), [403, undefined, undefined]);
  });
  it("rule sets are adopted on chain by the KPI scenarios", () => {
    const out = cli("demo", "--module", "kpi");
    assert.match(out, /0 failed/, out);
  });
  for (const [i, lang] of [[0, "ko"], [1, "en"]]) {
    it(`a member reads their scorecard (${lang})`, async () => {
      const ctx = await browser.newContext({ viewport: PHONE, locale: lang === "ko" ? "ko-KR" : "en-GB" });
      await ctx.addInitScript(() => {
        window.__csp = [];
        document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      const page = await ctx.newPage();
      const problems = [];
      page.on("pageerror", (e) => problems.push(String(e)));
      try {
        await page.goto(`${base}/#/join?code=${encodeURIComponent(codes[i].code)}`);
        if (lang === "en") await page.getByRole("button", { name: "English" }).click();
        await page.locator("button[type=submit]").first().click();
        await page.getByRole("heading", { name: lang === "ko" ? "가입이 완료되었습니다." : "You have joined." }).waitFor({ timeout: 30_000 });
        await page.getByRole("link", { name: "KPI" }).click();
        const mine = page.getByTestId("kpi-member");
        await mine.waitFor({ timeout: 30_000 });
        assert.match(await page.getByTestId("kpi-period").textContent(), /2030-01.*KST/);
        assert.match(await page.getByTestId("kpi-score-member").textContent(), lang === "ko" ? /점수: 0점 \/ 100점/ : /Score: 0 of 100/);
        for (const rule of ["attend", "register", "dues", "volunteer"]) await mine.getByRole("row", { name: new RegExp(rule) }).waitFor();
        await axe(page, `${lang} kpi`);
        await shoot(page, `${lang}-kpi`);
        assert.deepEqual(await page.evaluate(() => window.__csp), [], "CSP violations");
        assert.deepEqual(problems, [], "page errors");
      } finally {
        await ctx.close();
      }
    });
  }
});
