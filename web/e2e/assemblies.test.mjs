// Assemblies in a real browser against a real node: a Seoul convention is
// scheduled and opened with the CLI; two members (Korean, English) find it
// in their calendar by its KST date, open its agenda and check in while it
// is open. The secretary puts a motion, records the decision, closes the
// meeting, files the minutes, and the chair and secretary finalize it; the
// members then read the decision, its votes and quorum, the minutes, and
// download the resolution certificate, which `pnyx verify record` accepts.
// axe-core on every page, screenshots at 390 and 1280 px.
//
// PNYX_BIN names a built pnyx binary; otherwise the test builds one.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DESKTOP, PHONE, artifacts, axe, enrollInSeoul, launchChromium, shoot, sleep, startNode, waiter } from "./harness.mjs";



let tmp, bin, node, base, browser, codes, chairId;
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
  ({ tmp, bin, base, node } = await startNode("pnyx-asm", nodeLog));
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



const W = {
  ko: { joined: "가입이 완료되었습니다.", cal: "회의", checkIn: "출석 체크", checkedIn: "출석했습니다.", adopted: "가결", votes: "찬성 2 · 반대 0 · 기권 0", cert: "의결 증명서 내려받기 (제1호)", saved: "증명서를 내려받았습니다", finalized: "회의록 확정", open: "진행 중 (출석 체크 중)" },
  en: { joined: "You have joined.", cal: "Meetings", checkIn: "Check in", checkedIn: "You are checked in.", adopted: "Adopted", votes: "For 2 · against 0 · abstaining 0", cert: "Download the resolution certificate (motion 1)", saved: "Certificate downloaded", finalized: "Record final", open: "In session (check-in open)" },
};
const MTG = "seoul-convention.1";

describe("assemblies in Chromium", () => {
  const pages = {};
  const problems = [];
  it("two members join; a convention is scheduled and opened", async () => {
    for (const [i, lang] of [[0, "ko"], [1, "en"]]) {
      const ctx = await browser.newContext({ viewport: PHONE, acceptDownloads: true, locale: lang === "ko" ? "ko-KR" : "en-GB" });
      await ctx.addInitScript(() => {
        window.__csp = [];
        document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      const page = await ctx.newPage();
      page.on("pageerror", (e) => problems.push(String(e)));
      pages[lang] = page;
      await page.goto(`${base}/#/join?code=${encodeURIComponent(codes[i].code)}`);
      if (lang === "en") await page.getByRole("button", { name: "English" }).click();
      await page.locator("button[type=submit]").first().click();
      await page.getByRole("heading", { name: W[lang].joined }).waitFor({ timeout: 30_000 });
    }
    const adminId = cli("keys", "show", "admin").match(/member:\s+(m[0-9a-f]{20})/)[1];
    cli("role", "grant", adminId, "secretary", "seoul");
    cli("assembly", "body-create", "seoul-convention", "--chapter", "seoul", "--kind", "chapter_convention", "--name", "서울시당 당원대회", "--open-attendance");
    const pub = cli("keys", "new", "chair").trim().split(/\s+/)[1];
    cli("member", "approve", pub, "--chapter", "seoul");
    chairId = cli("keys", "show", "chair").match(/(m[0-9a-f]{20})/)[1];
    cli("assembly", "mandate", "seoul-convention", chairId, "chair");
    cli("assembly", "schedule", "seoul-convention", "--title", "제1차 서울시당 당원대회", "--at", new Date().toISOString().replace(/\.\d+Z$/, "Z"), "--agenda", "청년 정책", "--agenda", "예산 보고", "--expected", "2");
    cli("assembly", "open", MTG);
  });

  it("each member finds it in the calendar, reads the agenda and checks in", async () => {
    for (const lang of ["ko", "en"]) {
      const page = pages[lang], w = W[lang];
      await page.goto(`${base}/#/assemblies`);
      const item = page.getByTestId(`cal-${MTG}`);
      await item.waitFor({ timeout: 30_000 });
      assert.match(await page.locator("h2").first().textContent(), /KST/);
      await axe(page, `${lang} calendar`);
      await shoot(page, `${lang}-assemblies`);
      await item.getByRole("link").click();
      await page.getByRole("heading", { level: 1, name: "제1차 서울시당 당원대회" }).waitFor();
      assert.equal(await page.getByTestId("meeting-state").textContent(), w.open);
      await page.getByText("예산 보고").waitFor();
      await page.getByRole("button", { name: w.checkIn, exact: true }).click();
      await page.getByText(w.checkedIn).waitFor({ timeout: 30_000 });
      await axe(page, `${lang} meeting (open)`);
      await shoot(page, `${lang}-meeting-open`);
    }
    const present = await (await fetch(`${base}/v1/assembly/meetings/${MTG}/attendance`)).json();
    assert.equal(present.present, 2);
  });

  it("the secretary records the decision and the minutes; chair and secretary finalize", async () => {
    cli("assembly", "motion", MTG, "--item", "1", "--title", "청년 주거 지원안", "--text", "청년 당원 주거 지원 예산을 늘린다.");
    cli("assembly", "decide", MTG, "1", "--decision", "adopted", "--for", "2", "--against", "0", "--abstain", "0");
    cli("assembly", "close", MTG);
    const file = join(tmp, "minutes.txt");
    writeFileSync(file, "제1차 서울시당 당원대회 회의록\n\n1. 청년 주거 지원안: 찬성 2, 반대 0, 기권 0으로 가결.\n");
    cli("assembly", "minutes", MTG, file);
    // The chair signs from their own key (the signature goes on chain); the secretary finalizes.
    cli("--key", "chair", "assembly", "sign", MTG);
    cli("assembly", "finalize", MTG);
  });

  it("each member reads the decision and the minutes and downloads a certificate that pnyx verify accepts", async () => {
    for (const lang of ["ko", "en"]) {
      const page = pages[lang], w = W[lang];
      await page.goto(`${base}/#/assemblies/${MTG}`);
      await page.reload();
      await page.getByTestId("meeting-state").getByText(w.finalized).waitFor({ timeout: 30_000 });
      const motion = page.getByTestId("motion-1");
      assert.match(await motion.textContent(), new RegExp(w.adopted));
      assert.match(await motion.textContent(), new RegExp(w.votes));
      assert.match(await page.getByTestId("minutes").textContent(), /가결/);
      await axe(page, `${lang} meeting (finalized)`);
      await shoot(page, `${lang}-meeting-final`);
      const [download] = await Promise.all([page.waitForEvent("download"), motion.getByRole("button", { name: w.cert }).click()]);
      const cert = join(tmp, `cert-${lang}.json`);
      await download.saveAs(cert);
      await page.getByTestId("cert-saved").waitFor();
      assert.match(await page.getByTestId("cert-check").textContent(), lang === "ko" ? /✓ 이 브라우저에서 검증했습니다.*가결/ : /✓ Verified in this browser.*Adopted/);
      await axe(page, `${lang} certificate verified`);
      await shoot(page, `${lang}-certificate-verified`);
      copyFileSync(cert, join(artifacts, `certificate-${lang}.json`));
      if (lang === "ko") copyFileSync(join(tmp, "home", "config", "genesis.json"), join(artifacts, "certificate-genesis.json"));
      const out = execFileSync(bin, ["verify", "record", cert, "--genesis", join(tmp, "home", "config", "genesis.json")], { encoding: "utf8" });
      assert.match(out, /OK|adopted|가결/i, out);
      assert.deepEqual(await page.evaluate(() => window.__csp), [], "CSP violations");
    }
    assert.deepEqual(problems, [], "page errors");
  });
});
