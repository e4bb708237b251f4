// The officials' console in a real browser against a real node (issue 15):
// Debian's Chromium through playwright-core, a node started here on free
// ports, the setup an administrator would do made with the Go CLI. Each
// official joins on their own device (a browser context of their own).
//
// - The console shows each official their roles, read from the chain, and
//   is not offered to a member without one.
// - A secretary calls a meeting, opens it, records the paper register while
//   the quorum indicator follows, tables a motion and records its decision,
//   closes the meeting and uploads the minutes; the chair opens the link on
//   their device, reviews the record and signs it there; the signature
//   reaches the secretary's page through the chain and the secretary
//   finalizes.
// - A registrar issues codes printed as QR sheets, imports a CSV with row
//   errors, and changes a member's standing with reason codes.
// - An election commissioner creates an election in the wizard and follows
//   it to its published tally, the trustees and the issuer in the CLI.
// - A chapter administrator grants and revokes roles within scope and
//   creates a chapter below.
// - The secretary answers petitions over their threshold, overdue first.
// - A page forced to offer a body outside the secretary's scope gets the
//   chain's refusal, shown as a sentence.
//
// axe-core runs on every console page (no serious or critical violation);
// screenshots at 390 and 1280 px go to web/artifacts/.
//
// PNYX_BIN names a built pnyx binary; otherwise the test builds one.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DESKTOP, PHONE, artifacts, axe, explained, freePort, launchChromium, repo, shoot, sleep, waiter } from "./harness.mjs";
import { createHash, generateKeyPairSync } from "node:crypto";

const LONG = { timeout: 30_000 };


let tmp, bin, node, base, browser;
const procs = [];
const nodeLog = [];
const waitFor = waiter(nodeLog);
// A failing step says what the pages showed and how the node's log ended.
const step = (name, fn) => it(name, explained(() => browser, nodeLog, fn));
const who = {}; // name → { code, memberId }

function cli(...args) {
  return execFileSync(bin, ["--home", join(tmp, "home"), "--api", base, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}


const api = async (path) => (await fetch(base + path)).json();

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "pnyx-console-e2e-"));
  mkdirSync(artifacts, { recursive: true });
  bin = process.env.PNYX_BIN;
  if (!bin) {
    bin = join(tmp, "pnyx");
    execFileSync("go", ["build", "-o", bin, "./cmd/pnyx"], { cwd: repo, stdio: "inherit" });
  }
  const [apiPort, p2p] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${apiPort}`;
  const home = join(tmp, "home");
  execFileSync(bin, ["init", "--home", home, "--chain-id", "pnyx-console-e2e", "--p2p-addr", `tcp://127.0.0.1:${p2p}`], { stdio: "ignore" });
  node = spawn(bin, ["start", "--home", home, "--api-addr", `127.0.0.1:${apiPort}`, "--p2p-addr", `tcp://127.0.0.1:${p2p}`, "--log-level", "error"], { stdio: ["ignore", "pipe", "pipe"] });
  node.stdout.on("data", (d) => nodeLog.push(String(d)));
  node.stderr.on("data", (d) => nodeLog.push(String(d)));
  await waitFor(async () => (await api("/v1/status")).height > 0, "the node");

  // What HQ's administrator sets up: two chapters, enrollment codes in
  // Seoul, two committee members joining with the CLI, and a committee in
  // each chapter (Seoul's: two members now, its chair once the chair joins).
  cli("chapter", "create", "seoul", "--name", "서울특별시당", "--parent", "hq");
  cli("chapter", "create", "busan", "--name", "부산광역시당", "--parent", "hq");
  cli("chapter", "create", "seoul-gangnam", "--name", "강남구 갑 당원협의회", "--parent", "seoul");
  const out = cli("member", "enroll", "--chapter", "seoul", "--count", "7");
  const codes = [...out.matchAll(/^([A-Z2-7]{5}(?:-[A-Z2-7]{5}){3}),(m[0-9a-f]{20}),seoul$/gm)].map((m) => ({ code: m[1], memberId: m[2] }));
  assert.equal(codes.length, 7, `enroll printed:\n${out}`);
  ["secretary", "chair", "lee", "park", "registrar", "commissioner", "seouladmin"].forEach((n, i) => (who[n] = codes[i]));
  // Two trustees and a credential issuer at hq, each with a key of their own.
  for (const [name, role] of [["t1", "trustee"], ["t2", "trustee"], ["i1", "credential_issuer"]]) {
    const pub = cli("keys", "new", name).trim().split(/\s+/)[1];
    cli("member", "approve", pub, "--chapter", "hq");
    const id = cli("keys", "show", name).match(/(m[0-9a-f]{20})/)[1];
    cli("role", "grant", id, role, "hq");
    who[name] = { memberId: id };
  }
  const busan = cli("member", "enroll", "--chapter", "busan", "--count", "1").match(/^([A-Z2-7]{5}(?:-[A-Z2-7]{5}){3}),(m[0-9a-f]{20}),busan$/m);
  who.busan = { code: busan[1], memberId: busan[2] };
  cli("keys", "new", "busan-member");
  cli("--key", "busan-member", "member", "redeem", who.busan.code);
  for (const n of ["lee", "park"]) {
    cli("keys", "new", n);
    cli("--key", n, "member", "redeem", who[n].code);
  }
  cli("assembly", "body-create", "seoul-cttee", "--chapter", "seoul", "--kind", "chapter_committee", "--name", "서울시당 운영위원회");
  cli("assembly", "body-create", "busan-cttee", "--chapter", "busan", "--kind", "chapter_committee", "--name", "부산시당 운영위원회");
  cli("assembly", "mandate", "seoul-cttee", who.lee.memberId, "member");
  cli("assembly", "mandate", "seoul-cttee", who.park.memberId, "member");

  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const p of procs) if (p.exitCode === null) p.kill("SIGTERM");
  if (node && node.exitCode === null) {
    node.kill("SIGTERM");
    await new Promise((r) => { node.once("exit", r); setTimeout(r, 10_000); });
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// axe runs through the DevTools protocol (page.evaluate), which the page's
// CSP does not govern; nothing is injected as a script element.


/** device opens a browser context for one person and joins them by their link. */
async function device(name) {
  const ctx = await browser.newContext({ viewport: PHONE, locale: "ko-KR" });
  await ctx.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await ctx.newPage();
  page.problems = [];
  page.on("console", (m) => { if (m.type() === "error") page.problems.push(m.text()); });
  page.on("pageerror", (e) => page.problems.push(String(e)));
  await page.goto(`${base}/#/join?code=${encodeURIComponent(who[name].code)}`);
  await page.locator("button[type=submit]").first().click();
  await page.getByRole("heading", { name: "가입이 완료되었습니다." }).waitFor(LONG);
  return { ctx, page };
}

const clean = async (page) => {
  assert.deepEqual(await page.evaluate(() => window.__csp), [], "CSP violations");
  assert.deepEqual(page.problems.filter((p) => !/status of 4\d\d/.test(p)), [], "console errors");
};

describe("officials' console in Chromium", () => {
  let sec, chair;

  step("shows each official their roles from the chain, and the console only to officials", async () => {
    sec = await device("secretary");
    chair = await device("chair");
    cli("role", "grant", who.secretary.memberId, "secretary", "seoul");
    cli("assembly", "mandate", "seoul-cttee", who.chair.memberId, "chair");
    const p = sec.page;
    try {
      await p.goto(`${base}/#/`);
      await p.reload();
      await p.getByRole("link", { name: "임원 콘솔" }).click();
      await p.getByRole("heading", { level: 1, name: "임원 콘솔" }).waitFor(LONG);
      const mine = p.getByTestId("my-roles");
      await mine.getByText("서기 (회의·청원 답변) · 서울특별시당 및 하위 조직").waitFor(LONG);
      assert.equal(await mine.locator("li").count(), 1);
      assert.equal(await mine.locator("li").getAttribute("data-role"), "secretary");
      // Every role is explained; the one held is marked.
      assert.equal(await p.locator("dl.roles .role").count(), 9);
      assert.equal(await p.locator("dl.roles .role.held").count(), 1);
      await p.getByTestId("pages").getByRole("link", { name: "회의 진행 (서기)" }).waitFor();
      await axe(p, "console home (ko)");
      await shoot(p, "console-home");
      // In English too.
      await p.getByRole("button", { name: "English" }).click();
      await p.getByRole("heading", { level: 1, name: "Officials' console" }).waitFor();
      await p.getByText("Secretary (meetings, petition answers) · 서울특별시당 and every chapter below it").waitFor();
      await axe(p, "console home (en)");
      await shoot(p, "console-home-en");
      await p.getByRole("button", { name: "한국어" }).click();
      await p.getByRole("heading", { level: 1, name: "임원 콘솔" }).waitFor();

      // The chair holds a mandate but no official role: no console in the
      // nav, and the console says so.
      const c = chair.page;
      await c.goto(`${base}/#/`);
      await c.reload();
      await c.getByRole("link", { name: "할 일" }).first().waitFor();
      assert.equal(await c.getByRole("link", { name: "임원 콘솔" }).count(), 0);
      await c.goto(`${base}/#/console`);
      await c.getByTestId("no-roles").waitFor(LONG);
      await axe(c, "console without roles");
    } catch (e) {
      await p.screenshot({ path: join(artifacts, "console-failure-shell.png"), fullPage: true }).catch(() => {});
      throw e;
    }
  });

  step("runs a meeting to a record finalized with the chair's signature from the chair's device, then an erratum signed the same way", async () => {
    const p = sec.page;
    const c = chair.page;
    try {
      await p.goto(`${base}/#/console/meetings`);
      await p.getByRole("heading", { level: 1, name: "회의 진행" }).waitFor(LONG);
      // Only the bodies in scope are offered.
      await p.locator("#s-body option").first().waitFor({ state: "attached", timeout: 30_000 });
      assert.deepEqual(await p.locator("#s-body option").evaluateAll((os) => os.map((o) => o.value)), ["seoul-cttee"]);
      await p.locator("#s-title").fill("제1차 서울시당 운영위원회");
      await p.locator("#s-when").fill("2026-12-01T19:00");
      await p.locator("#s-agenda").fill("2027년 예산안\n청년위원회 구성");
      await axe(p, "meetings");
      await shoot(p, "console-meetings");
      await p.getByRole("button", { name: "회의 소집하기" }).click();
      await p.getByText("회의를 소집했습니다: seoul-cttee.1").waitFor(LONG);
      const called = (await api("/v1/assembly/meetings/seoul-cttee.1")).meeting;
      // 19:00 KST is 10:00 UTC, whatever the browser's time zone.
      assert.equal(called.scheduled_at, Date.UTC(2026, 11, 1, 10, 0) / 1000);
      assert.deepEqual(called.agenda.map((a) => a.title), ["2027년 예산안", "청년위원회 구성"]);

      await p.getByRole("link", { name: "제1차 서울시당 운영위원회" }).click();
      await p.getByRole("heading", { level: 1, name: "제1차 서울시당 운영위원회" }).waitFor(LONG);
      assert.equal(await p.getByTestId("meeting-state").textContent(), "소집됨 (개회 전)");
      await p.getByTestId("quorum-line").filter({ hasText: "출석 0명 / 기준 3명" }).waitFor(LONG);
      await p.getByRole("button", { name: "개회하기" }).click();
      await p.getByTestId("meeting-state").filter({ hasText: "진행 중" }).waitFor(LONG);

      // The paper register, one name at a time; the quorum follows.
      await p.locator("#a-ids").fill("m123");
      await p.getByRole("button", { name: "출석 기록하기" }).click();
      await p.getByText("당원 번호는 m으로 시작하는 21자입니다: m123").waitFor();
      await p.locator("#a-ids").fill(who.lee.memberId);
      await p.getByRole("button", { name: "출석 기록하기" }).click();
      await p.getByTestId("quorum-line").filter({ hasText: "출석 1명 / 기준 3명" }).waitFor(LONG);
      assert.match(await p.getByTestId("quorum").textContent(), /정족수 미달/);
      await p.locator("#a-ids").fill(who.park.memberId.toUpperCase().replace(/^M/, "m"));
      await p.getByRole("button", { name: "출석 기록하기" }).click();
      await p.getByTestId("quorum-line").filter({ hasText: "출석 2명 / 기준 3명" }).waitFor(LONG);
      assert.match(await p.getByTestId("quorum").textContent(), /정족수 충족/);
      // Recording the same member twice: the chain's code, as a sentence.
      await p.locator("#a-ids").fill(who.lee.memberId);
      await p.getByRole("button", { name: "출석 기록하기" }).click();
      await p.getByText("이미 출석했습니다.").waitFor(LONG);

      // A motion and its decision; a decision contradicting its counts is refused.
      await p.locator("#mo-item").selectOption("1");
      await p.locator("#mo-title").fill("2027년 예산안 승인");
      await p.locator("#mo-text").fill("2027년 서울시당 예산안을 원안대로 승인한다.");
      await p.getByRole("button", { name: "의안 상정하기" }).click();
      await p.getByTestId("motion-1").waitFor(LONG);
      await p.locator("#d-1").selectOption("adopted");
      await p.locator("#d-1-for").fill("0");
      await p.locator("#d-1-against").fill("2");
      await p.getByRole("button", { name: "결정 기록하기" }).click();
      await p.locator("[data-code='8']").waitFor(LONG);
      assert.match(await p.locator("[data-code='8']").textContent(), /입력한 값이 올바르지 않습니다/);
      await p.locator("#d-1-for").fill("2");
      await p.locator("#d-1-against").fill("0");
      await p.getByRole("button", { name: "결정 기록하기" }).click();
      await p.getByTestId("decision-1").filter({ hasText: "가결" }).waitFor(LONG);
      await axe(p, "runbook, open meeting");
      await shoot(p, "console-runbook-open");

      await p.getByRole("button", { name: "폐회하기" }).click();
      await p.getByTestId("meeting-state").filter({ hasText: "폐회" }).waitFor(LONG);
      assert.match(await p.getByTestId("quorum-at-close").textContent(), /출석 2명 \/ 기준 3명 · 정족수 충족/);
      // Over the 64 KiB that go on chain inline: the console uploads them to
      // the node's blob store (a signed PUT) and puts their hash on chain.
      const minutes = "제1차 서울시당 운영위원회 회의록\n1. 2027년 예산안 승인: 가결 (찬성 2, 반대 0)\n" +
        "토론 요지: 지역 사무소 운영비와 청년 위원회 활동비를 분리해 집행한다.\n".repeat(1200);
      await p.locator("#mi-text").fill(minutes);
      await p.getByRole("button", { name: "회의록 올리기" }).click();
      await p.getByTestId("minutes-on-chain").waitFor(LONG);
      await p.getByTestId("chair-wait").waitFor(LONG);
      assert.equal(await p.getByRole("button", { name: "서기로 서명하고 기록 확정하기" }).isDisabled(), true);
      const link = await p.locator("#chair-link").inputValue();
      assert.match(link, /#\/console\/sign\/seoul-cttee\.1$/);
      await axe(p, "runbook, closed meeting waiting for the chair");
      await shoot(p, "console-runbook-closed");

      // The chair, on their own device, opens the link and reviews the record.
      await c.goto(link);
      await c.getByRole("heading", { level: 1, name: "회의 기록 서명 (의장)" }).waitFor(LONG);
      await c.getByTestId("sign-motion-1").getByText("2027년 예산안 승인").waitFor(LONG);
      assert.match(await c.getByTestId("sign-motion-1").textContent(), /가결 · 찬성 2 · 반대 0 · 기권 0/);
      assert.equal(await c.getByTestId("sign-present").textContent(), "2명");
      await c.getByRole("button", { name: "회의록 보기" }).click();
      assert.equal(await c.getByTestId("minutes-text").textContent(), minutes);
      const record = await api("/v1/assembly/meetings/seoul-cttee.1");
      assert.equal(record.meeting.minutes.inline, false, "minutes over 64 KiB go to the blob store, only their hash on chain");
      assert.equal(await c.getByTestId("sign-hash").textContent(), record.record_hash, "the chair's page computes the node's record hash");
      assert.match(await c.getByTestId("hash-check").textContent(), /같습니다/);
      await axe(c, "chair's signing page");
      await shoot(c, "console-chair-sign");
      await c.getByRole("button", { name: "이 기록에 의장으로 서명하기" }).click();
      await c.getByTestId("signed").waitFor(LONG);
      const onChain = await api("/v1/assembly/meetings/seoul-cttee.1/chair-signature");
      assert.equal(onChain.record.chair, who.chair.memberId);
      assert.equal(onChain.record.hash, record.record_hash);

      // The signature reaches the secretary's page through the chain.
      await p.getByTestId("chair-signed").waitFor(LONG);
      await p.getByRole("button", { name: "서기로 서명하고 기록 확정하기" }).click();
      await p.getByTestId("finalized").waitFor(LONG);
      const final = (await api("/v1/assembly/meetings/seoul-cttee.1")).meeting;
      assert.equal(final.state, "finalized");
      assert.equal(final.finalization.chair, who.chair.memberId);
      assert.equal(final.finalization.secretary, who.secretary.memberId);
      assert.equal(final.finalization.chair_sig, onChain.record.chair_sig);
      assert.equal(final.finalization.hash, record.record_hash);
      await axe(p, "runbook, finalized");
      await shoot(p, "console-runbook-final");

      // An erratum to the final record is co-signed the same way: the
      // chair's link carries its text, the chair's page hashes it itself,
      // and the signature reaches the secretary through the chain.
      await p.locator("#e-target").selectOption("motion:1");
      const correction = "찬성 2, 반대 0, 기권 0 (기권 수 누락) <정정> & 확인";
      await p.locator("#e-correction").fill(correction);
      await p.locator("#e-reason").fill("표결 수 누락");
      await p.getByTestId("erratum-wait").waitFor(LONG);
      assert.equal(await p.getByRole("button", { name: "정오표 제출" }).isDisabled(), true);
      const eLink = await p.locator("#erratum-link").inputValue();
      assert.match(eLink, /#\/console\/erratum\/seoul-cttee\.1\?/);
      const eHash = await p.getByTestId("erratum-hash").textContent();
      await axe(p, "runbook, erratum waiting for the chair");
      await c.goto(eLink);
      await c.getByRole("heading", { level: 1, name: "정오표 서명 (의장)" }).waitFor(LONG);
      await c.getByTestId("erratum-no").filter({ hasText: "1" }).waitFor(LONG);
      assert.equal(await c.getByTestId("erratum-correction").textContent(), correction);
      assert.equal(await c.getByTestId("erratum-target").textContent(), "motion:1");
      assert.equal(await c.getByTestId("erratum-hash").textContent(), eHash, "the chair's page hashes the same erratum");
      await axe(c, "chair's erratum page");
      await shoot(c, "console-chair-erratum");
      await c.getByRole("button", { name: "이 정오표에 의장으로 서명" }).click();
      await c.getByTestId("signed").waitFor(LONG);
      const eSig = await api(`/v1/assembly/meetings/seoul-cttee.1/erratum-signature/${eHash}`);
      assert.equal(eSig.record.chair, who.chair.memberId);
      await p.getByTestId("erratum-chair-signed").waitFor(LONG);
      await p.getByRole("button", { name: "정오표 제출" }).click();
      await p.getByTestId("errata").waitFor(LONG);
      const corrected = await api("/v1/assembly/meetings/seoul-cttee.1");
      assert.equal(corrected.meeting.errata, 1);
      assert.equal(corrected.errata[0].target, "motion:1");
      assert.equal(corrected.errata[0].correction, correction);
      assert.equal(corrected.errata[0].signatures.chair, who.chair.memberId);
      assert.equal(corrected.errata[0].signatures.chair_sig, eSig.record.chair_sig);
      assert.equal(corrected.errata[0].signatures.hash, eHash);
      await axe(p, "runbook, erratum filed");
      await shoot(p, "console-runbook-erratum");
      await clean(p);
      await clean(c);
    } catch (e) {
      await p.screenshot({ path: join(artifacts, "console-failure-secretary.png"), fullPage: true }).catch(() => {});
      await c.screenshot({ path: join(artifacts, "console-failure-chair.png"), fullPage: true }).catch(() => {});
      throw e;
    }
  });

  step("lets a registrar issue codes printed as QR sheets, import a CSV and manage a member's standing", async () => {
    const reg = await device("registrar");
    cli("role", "grant", who.registrar.memberId, "registrar", "seoul");
    const p = reg.page;
    p.on("dialog", (d) => d.accept());
    try {
      await p.goto(`${base}/#/console`);
      await p.getByTestId("pages").getByRole("link", { name: "당원 등록 (등록 담당)" }).click();
      await p.getByRole("heading", { level: 1, name: "당원 등록" }).waitFor(LONG);
      // Only the chapters in scope are offered.
      await p.locator("#e-chapter option").first().waitFor({ state: "attached" });
      assert.deepEqual(await p.locator("#e-chapter option").evaluateAll((os) => os.map((o) => o.value)), ["seoul", "seoul-gangnam"]);
      await axe(p, "registrar");

      // A batch of codes, printed as a sheet of QR cards.
      await p.locator("#e-count").fill("2");
      await p.getByRole("button", { name: "코드 발급하기" }).click();
      await p.getByTestId("issued").filter({ hasText: "가입 코드 2개를 발급했습니다." }).waitFor(LONG);
      const cards = p.getByTestId("sheet").locator(".sheet-card");
      assert.equal(await cards.count(), 2);
      const issued = await cards.evaluateAll((cs) => cs.map((c) => ({ code: c.dataset.code, id: c.querySelector(".sheet-id .mono").textContent })));
      for (const x of issued) {
        await p.getByRole("img", { name: `가입 링크 QR 코드 (${x.code})` }).waitFor(LONG);
      }
      assert.match(await cards.first().textContent(), /서울특별시당 · 일반당원.*휴대전화 카메라로 QR 코드를/);
      // A newcomer redeems one of the printed codes: the chain knew its hash.
      cli("keys", "new", "newcomer");
      cli("--key", "newcomer", "member", "redeem", issued[0].code);
      assert.match(cli("keys", "show", "newcomer"), new RegExp(issued[0].id));
      await axe(p, "registrar with the code sheet");
      await shoot(p, "console-registrar-codes");
      // Printed, only the cards remain.
      await p.emulateMedia({ media: "print" });
      assert.equal(await p.locator("header.top").evaluate((e) => getComputedStyle(e).display), "none");
      assert.equal(await p.locator("form.no-print").first().evaluate((e) => getComputedStyle(e).display), "none");
      assert.notEqual(await cards.first().evaluate((e) => getComputedStyle(e).display), "none");
      await p.setViewportSize(DESKTOP);
      await p.screenshot({ path: join(artifacts, "console-registrar-print.png"), fullPage: true });
      await p.setViewportSize(PHONE);
      await p.emulateMedia({ media: "screen" });

      // A CSV: checked line by line before anything is sent.
      const key = () => generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("hex");
      const [a, b, c, d] = [key(), key(), key(), key()];
      const csv = ["public_key,chapter,class", `${a},seoul,general`, `${b},seoul-gangnam,responsible`, "xyz,seoul,general", `${c},busan,general`, `${d},seoul,vip`, `${a},seoul,general`].join("\n");
      await p.setInputFiles("#csv-file", { name: "members.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
      await p.getByTestId("csv-summary").filter({ hasText: "6줄 중 2줄 등록 가능, 4줄 문제 있음" }).waitFor();
      const problems = await p.locator("[data-testid=csv-preview] tbody tr").evaluateAll((rs) => rs.map((r) => r.lastElementChild.textContent));
      assert.deepEqual(problems, ["문제 없음", "문제 없음", "공개키는 16진수 64자여야 합니다", "내 범위 밖의 조직입니다: busan", "당원 구분은 general 또는 responsible입니다: vip", "앞의 줄과 중복입니다"]);
      await axe(p, "registrar CSV preview");
      await p.getByRole("button", { name: "문제 없는 2줄 등록하기" }).click();
      await p.getByTestId("csv-done").filter({ hasText: "2명을 등록했습니다." }).waitFor(LONG);
      assert.equal(await p.getByTestId("csv-progress").evaluate((e) => [e.value, e.max].join("/")), "2/2");
      await shoot(p, "console-registrar-csv");
      const idOf = (hex) => "m" + createHash("sha256").update("pnyx/member-id/v1\0" + hex).digest("hex").slice(0, 20);

      // Find a member and change their standing, each with a reason code.
      await p.locator("#f-id").fill(idOf(a));
      await p.getByRole("button", { name: "찾기", exact: true }).click();
      await p.getByTestId("found-status").filter({ hasText: "활동" }).waitFor(LONG);
      assert.equal(await p.getByTestId("found-chapter").textContent(), "서울특별시당");
      await p.locator("#f-reason").selectOption("1");
      await p.getByRole("button", { name: "당원 자격 정지" }).click();
      await p.getByTestId("found-status").filter({ hasText: "정지" }).waitFor(LONG);
      assert.match(await p.getByTestId("found").textContent(), /사유당비 미납/);
      await p.getByRole("button", { name: "정지 해제 (복권)" }).click();
      await p.getByTestId("found-status").filter({ hasText: "활동" }).waitFor(LONG);
      await p.getByRole("button", { name: "책임당원(으)로 바꾸기" }).click();
      await p.getByTestId("found-class").filter({ hasText: "책임당원" }).waitFor(LONG);
      await p.locator("#f-to").selectOption("seoul-gangnam");
      await p.getByRole("button", { name: "이 조직으로 이관하기" }).click();
      await p.getByTestId("found-chapter").filter({ hasText: "강남구 갑 당원협의회" }).waitFor(LONG);
      await axe(p, "registrar member found");
      await shoot(p, "console-registrar-member");
      await p.locator("#f-reason").selectOption("4");
      await p.getByRole("button", { name: "제명하기" }).click();
      await p.getByTestId("found-status").filter({ hasText: "제명" }).waitFor(LONG);
      assert.equal(await p.getByRole("button", { name: "당원 자격 정지" }).count(), 0);
      const chainSays = cli("member", "show", idOf(a));
      assert.match(chainSays, /expelled/);

      // A member outside the registrar's scope: the node refuses the read,
      // and the page says so in a sentence.
      await p.locator("#f-id").fill(who.busan.memberId);
      await p.getByRole("button", { name: "찾기", exact: true }).click();
      const refusal = p.locator("[data-code='17']");
      await refusal.waitFor(LONG);
      assert.match(await refusal.textContent(), /본인 또는 권한 있는 담당자만 볼 수 있습니다/);
      await clean(p);
    } catch (e) {
      await p.screenshot({ path: join(artifacts, "console-failure-registrar.png"), fullPage: true }).catch(() => {});
      throw e;
    } finally {
      await reg.ctx.close();
    }
  });

  step("a commissioner creates an election in the wizard and follows it to its published and verified tally, the trustees, the issuer and two voters in the CLI", async () => {
    const com = await device("commissioner");
    cli("role", "grant", who.commissioner.memberId, "election_commissioner", "seoul");
    const p = com.page;
    const EL = "2026-seoul-chair";
    const kst = (unix) => new Date((unix + 9 * 3600) * 1000).toISOString().slice(0, 19);
    try {
      await p.goto(`${base}/#/console`);
      await p.getByTestId("pages").getByRole("link", { name: "선거 관리 (선거관리위원)" }).click();
      await p.getByRole("heading", { level: 1, name: "선거 관리" }).waitFor(LONG);
      // The electors are counted before anything is created.
      const expected = (await api("/v1/chapters/seoul/eligible")).eligible;
      assert.ok(expected >= 5, `seoul has ${expected} active members`);
      await p.getByTestId("eligible").filter({ hasText: `활동 당원 ${expected}명` }).waitFor(LONG);
      await p.locator("#el-class").selectOption("responsible");
      const responsible = (await api("/v1/chapters/seoul/eligible?class=responsible")).eligible;
      await p.getByTestId("eligible").filter({ hasText: `활동 당원 ${responsible}명` }).waitFor(LONG);
      await p.locator("#el-class").selectOption("");
      await p.getByTestId("eligible").filter({ hasText: `활동 당원 ${expected}명` }).waitFor(LONG);

      await p.locator("#el-id").fill(EL);
      await p.locator("#el-title").fill("2026 서울시당 위원장 선거");
      await p.locator("#ct-0").fill("시당위원장");
      await p.locator("#co-0").fill("김민지\n이서준");
      await p.getByRole("button", { name: "선출직 더하기" }).click();
      await p.locator("#ct-1").fill("정책 우선순위");
      await p.locator("#co-1").fill("청년 주거\n대중교통\n돌봄");
      await p.locator("#cc-1").fill("2");
      for (const t of ["t1", "t2"]) await p.getByLabel(new RegExp(who[t].memberId)).first().check();
      await p.locator("#el-threshold").fill("2");
      await p.locator("label.check").filter({ hasText: who.i1.memberId }).locator("input").check();
      const now = Math.floor(Date.now() / 1000);
      // The ceremony, the issuer, two requests and the credentials took 16 s
      // on a loaded 2-core machine, and voting is two CLI calls; the whole
      // test passed in 74 s at load 14. The windows leave a margin above
      // that and no more, as the test waits them out.
      const sched = { issueStart: now, issueEnd: now + 45, voteStart: now + 45, voteEnd: now + 75 };
      for (const [k, v] of Object.entries(sched)) await p.locator(`#el-${k}`).fill(kst(v));
      // A schedule out of order is caught on the page, in words.
      await p.locator("#el-voteEnd").fill(kst(now + 10));
      await p.getByTestId("el-problems").getByText("일정은 발급 시작").waitFor();
      await p.locator("#el-voteEnd").fill(kst(sched.voteEnd));
      await p.getByTestId("el-problems").waitFor({ state: "detached" });
      await axe(p, "election wizard");
      await shoot(p, "console-election-wizard");
      await p.getByRole("button", { name: `선거인 ${expected}명으로 선거 만들기` }).click();

      // The live view: the trustees, in the CLI, make the key.
      await p.getByTestId("el-phase").filter({ hasText: "키 생성 중" }).waitFor(LONG);
      const made = (await api(`/v1/elections/${EL}`)).record;
      assert.equal(made.eligible, expected);
      assert.deepEqual([made.trustees, made.threshold, made.issuers], [[who.t1.memberId, who.t2.memberId], 2, [who.i1.memberId]]);
      assert.deepEqual([made.issue_start, made.vote_end], [sched.issueStart, sched.voteEnd]);
      assert.equal(made.record_version, 4, "the wizard creates record-version-4 elections, which refuse the on-chain spoil");
      assert.equal(await p.getByTestId("el-trustees").getByText("완료").count(), 0);
      await axe(p, "election live, ceremony");
      for (const t of ["t1", "t2"]) {
        const proc = spawn(bin, ["--home", join(tmp, "home"), "--api", base, "--key", t, "election", "trustee", EL, "--wait", "--poll", "500ms", "--member", who[t].memberId], { stdio: ["ignore", "ignore", "ignore"] });
        procs.push(proc);
      }
      await p.getByTestId("el-joint").filter({ hasText: "선거 공동 키가 만들어졌습니다." }).waitFor({ timeout: 90_000 });
      await p.waitForFunction(() => document.querySelectorAll("[data-testid=el-trustees] tbody .ok").length === 8, null, { timeout: 60_000 });
      cli("--key", "i1", "election", "issuer", "key", EL);
      await p.locator("[data-testid=el-issuers] [data-issuer='1'] .ok").waitFor(LONG);
      await p.getByTestId("el-phase").filter({ hasText: "투표 자격 발급 중" }).waitFor(LONG);
      // Two electors ask for credentials (CLI); turnout follows.
      for (const n of ["lee", "park"]) cli("--key", n, "election", "request", EL);
      cli("--key", "i1", "election", "issuer", "issue", EL);
      await p.getByTestId("el-turnout").getByText(`${Math.round(2000 / expected) / 10}%`).waitFor(LONG);
      await shoot(p, "console-election-issuing");

      // Both vote with the CLI once voting opens, as the README's walkthrough does.
      for (const n of ["lee", "park"]) cli("--key", n, "election", "credentials", EL);
      const opens = (sched.voteStart + 1) * 1000 - Date.now();
      if (opens > 0) await new Promise((r) => setTimeout(r, opens));
      const vote = (n, ...choices) => execFileSync(bin, ["--home", join(tmp, "home"), "--api", base, "--key", n, "election", "vote", EL, ...choices.flatMap((ch) => ["--choice", ch]), "--max-delay", "0"],
        { encoding: "utf8", input: "cast\n", stdio: ["pipe", "pipe", "pipe"] });
      assert.match(vote("lee", "김민지", "청년 주거,대중교통"), /tracking code/);
      assert.match(vote("park", "2", "1,3"), /tracking code/);
      await waitFor(async () => (await api(`/v1/elections/${EL}/tally`)).record.cast === 2, "two ballots cast");

      // After voting closes the trustees post their shares and the result is published.
      const wait = (sched.voteEnd + 1) * 1000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      cli("token", "burn", "1");
      cli("token", "burn", "1");
      await p.getByTestId("el-phase").filter({ hasText: "결과 공표됨" }).waitFor({ timeout: 120_000 });
      await p.getByTestId("el-shares").filter({ hasText: "해독 몫 2개 제출" }).waitFor(LONG);
      // The tally by option name, and the page's own check of it.
      assert.match(await p.getByTestId("el-results-0").textContent(), /김민지1이서준1/);
      assert.match(await p.getByTestId("el-results-1").textContent(), /청년 주거2대중교통1돌봄1/);
      const tally = (await api(`/v1/elections/${EL}/tally`)).record;
      assert.deepEqual(tally.results, [[1, 1], [2, 1, 1]]);
      await p.locator("[data-testid=el-verified][data-ok=true]").waitFor({ timeout: 60_000 });
      assert.match(await p.getByTestId("el-verified").textContent(), /검증됨: .*투표 2표/);
      assert.match(cli("election", "show", EL), /published/);
      await axe(p, "election live, published");
      await shoot(p, "console-election-published");
      await clean(p);
    } catch (e) {
      await p.screenshot({ path: join(artifacts, "console-failure-election.png"), fullPage: true }).catch(() => {});
      throw e;
    } finally {
      await com.ctx.close();
    }
  });

  step("lets a chapter administrator see the tree, grant and revoke roles within scope and create a chapter below", async () => {
    const adm = await device("seouladmin");
    cli("role", "grant", who.seouladmin.memberId, "admin", "seoul");
    const p = adm.page;
    try {
      await p.goto(`${base}/#/console`);
      await p.getByTestId("pages").getByRole("link", { name: "조직 관리 (조직 관리자)" }).click();
      await p.getByRole("heading", { level: 1, name: "조직 관리" }).waitFor(LONG);
      const tree = p.getByTestId("tree");
      await tree.getByRole("button", { name: /서울특별시당/ }).waitFor(LONG);
      assert.deepEqual(await tree.locator("button .mono").allTextContents(), ["seoul", "seoul-gangnam"]);
      // Seoul's officials, from the chain.
      await p.getByTestId("officials").locator(`[data-member='${who.secretary.memberId}'][data-role=secretary]`).waitFor(LONG);
      // Admin at Seoul is granted only from above: not offered here, offered below.
      const roleValues = () => p.locator("#g-role option").evaluateAll((os) => os.map((o) => o.value));
      assert.ok(!(await roleValues()).includes("admin"));
      await tree.getByRole("button", { name: /강남구 갑/ }).click();
      await p.getByTestId("selected").filter({ hasText: "강남구 갑 당원협의회" }).waitFor();
      assert.ok((await roleValues()).includes("admin"));
      await tree.getByRole("button", { name: /서울특별시당/ }).click();

      // A new constituency chapter below Seoul.
      await p.locator("#c-id").fill("seoul-jongno");
      await p.locator("#c-name").fill("종로구 당원협의회");
      await p.getByRole("button", { name: "하위 조직 만들기" }).click();
      await tree.getByRole("button", { name: /종로구 당원협의회/ }).waitFor(LONG);
      await tree.getByRole("button", { name: /종로구 당원협의회/ }).click();
      await p.getByTestId("selected").filter({ hasText: "종로구 당원협의회" }).waitFor();

      // Grant a role there, with its explanation shown, then revoke it.
      await p.locator("#g-member").fill(who.lee.memberId);
      await p.locator("#g-role").selectOption("moderator");
      assert.match(await p.getByTestId("role-about").textContent(), /신고된 댓글을 검토해/);
      await axe(p, "chapter administrator");
      await shoot(p, "console-chapters");
      await p.getByRole("button", { name: "종로구 당원협의회에 역할 부여하기" }).click();
      await p.getByTestId("officials").locator(`[data-member='${who.lee.memberId}'][data-role=moderator]`).waitFor(LONG);
      assert.ok((await api(`/v1/members/${who.lee.memberId}/roles`)).grants.some((g) => g.role === "moderator" && g.chapter === "seoul-jongno"));
      await p.getByRole("button", { name: "댓글 관리자 역할 회수" }).click();
      await p.getByTestId("ch-done").filter({ hasText: "역할을 회수했습니다" }).waitFor(LONG);
      assert.ok(!(await api(`/v1/members/${who.lee.memberId}/roles`)).grants.some((g) => g.role === "moderator"));
      // A role for someone who is no active member: the chain's code, as a sentence.
      await p.locator("#g-member").fill("m" + "0".repeat(20));
      await p.getByRole("button", { name: "종로구 당원협의회에 역할 부여하기" }).click();
      await p.locator("[data-code='11']").filter({ hasText: "지금 상태에서는 할 수 없는 작업입니다." }).waitFor(LONG);
      await axe(p, "chapter administrator after a refusal");
      await clean(p);
    } catch (e) {
      await p.screenshot({ path: join(artifacts, "console-failure-chapters.png"), fullPage: true }).catch(() => {});
      throw e;
    } finally {
      await adm.ctx.close();
    }
  });

  step("shows the secretary the petitions over their threshold, overdue first, and posts the answer", async () => {
    const p = sec.page;
    try {
      // Small thresholds in Seoul; the first petition's answer is due in 10 seconds.
      const raise = (id, title) => {
        cli("--key", "lee", "petition", "create", "--id", id, "--chapter", "seoul", "--category", "youth", "--title", title, "--body", `${title}을(를) 요청합니다.`);
        cli("--key", "lee", "petition", "open", id);
        cli("--key", "lee", "petition", "agree", id);
        cli("--key", "park", "petition", "agree", id);
      };
      cli("petition", "params", "seoul", "--pre", "1", "--threshold", "2", "--answer-days", String(10 / 86400));
      raise("youth-centre", "청년 센터 설립");
      cli("petition", "params", "seoul", "--pre", "1", "--threshold", "2", "--answer-days", "30");
      raise("night-bus", "심야 버스 증편");
      await new Promise((r) => setTimeout(r, 11_000));
      cli("token", "burn", "1");

      await p.goto(`${base}/#/console`);
      await p.getByTestId("pages").getByRole("link", { name: "청원 답변 (서기)" }).click();
      await p.getByRole("heading", { level: 1, name: "청원 답변" }).waitFor(LONG);
      const due = p.getByTestId("pa-due");
      await due.locator("[data-petition=night-bus]").waitFor(LONG);
      // Overdue is judged at the index's latest block time: reload until a
      // block past the deadline is indexed.
      await waitFor(async () => {
        if (/기한 지남/.test(await due.locator("[data-petition=youth-centre] [data-testid=pa-deadline]").textContent())) return true;
        cli("token", "burn", "1");
        await p.reload();
        await due.locator("[data-petition=night-bus]").waitFor(LONG);
      }, "the overdue flag", 60_000);
      assert.deepEqual(await due.locator("li").evaluateAll((ls) => ls.map((l) => l.dataset.petition)), ["youth-centre", "night-bus"], "overdue first");
      assert.match(await due.locator("[data-petition=youth-centre] [data-testid=pa-deadline]").textContent(), /답변 기한 .* KST · 기한 지남/);
      assert.doesNotMatch(await due.locator("[data-petition=night-bus] [data-testid=pa-deadline]").textContent(), /기한 지남/);
      await axe(p, "petition answers");
      await shoot(p, "console-petitions");
      await p.locator("#pa-night-bus").fill("다음 달부터 심야 버스를 두 노선 늘리겠습니다.");
      await due.locator("[data-petition=night-bus]").getByRole("button", { name: "답변 올리기" }).click();
      await p.getByTestId("pa-answered").locator("[data-petition=night-bus]").waitFor(LONG);
      assert.equal(await due.locator("[data-petition=night-bus]").count(), 0);
      await p.locator("#pa-youth-centre").fill("청년 센터 부지를 검토하고 있습니다.");
      await due.locator("[data-petition=youth-centre]").getByRole("button", { name: "답변 올리기" }).click();
      await p.getByTestId("pa-answered").locator("[data-petition=youth-centre]").filter({ hasText: "기한 후 답변" }).waitFor(LONG);
      const answered = await api("/v1/petitions/night-bus");
      assert.equal(answered.petition.state, "answered");
      await axe(p, "petition answers, answered");
      await clean(p);
    } catch (e) {
      await p.screenshot({ path: join(artifacts, "console-failure-petitions.png"), fullPage: true }).catch(() => {});
      throw e;
    }
  });

  step("gives a moderator the reported comments in context, hidden and restored in bulk with a reason code", async () => {
    const p = sec.page;
    try {
      cli("role", "grant", who.secretary.memberId, "moderator", "seoul");
      cli("--key", "park", "comment", "post", "night-bus", "--id", "c-bus-1", "--stance", "for", "--body", "심야 버스가 꼭 필요합니다.");
      cli("--key", "lee", "comment", "post", "night-bus", "--id", "c-bus-2", "--parent", "c-bus-1", "--stance", "against", "--body", "광고: 싼 전세 매물 있습니다.");
      cli("--key", "lee", "comment", "post", "night-bus", "--id", "c-bus-3", "--stance", "neutral", "--body", "노선도가 궁금합니다.");
      cli("--key", "park", "comment", "report", "c-bus-2", "spam");
      cli("--key", "newcomer", "comment", "report", "c-bus-2", "spam");
      cli("--key", "park", "comment", "report", "c-bus-3", "off_topic");

      await p.goto(`${base}/#/console`);
      await p.reload();
      await p.getByTestId("pages").getByRole("link", { name: "댓글 관리 (댓글 관리자)" }).click();
      await p.getByRole("heading", { level: 1, name: "댓글 관리" }).waitFor(LONG);
      const q = p.getByTestId("mod-queue");
      await q.locator("[data-comment=c-bus-3]").waitFor(LONG);
      // Most reported first; the unreported comment is not in the queue; a reply shows what it answers.
      assert.deepEqual(await q.locator("li").evaluateAll((ls) => ls.map((l) => l.dataset.comment)), ["c-bus-2", "c-bus-3"]);
      const spam = q.locator("[data-comment=c-bus-2]");
      assert.match(await spam.textContent(), /이 댓글이 답한 글: 심야 버스가 꼭 필요합니다\..*광고: 싼 전세 매물 있습니다\..*신고 2건/);
      await axe(p, "moderation queue");
      await shoot(p, "console-moderation");
      // Both hidden in one go, for spam.
      await spam.getByRole("checkbox").check();
      await q.locator("[data-comment=c-bus-3]").getByRole("checkbox").check();
      await p.locator("#mod-reason").selectOption("1");
      await p.getByRole("button", { name: "선택한 2개 숨기기" }).click();
      await q.locator("[data-comment=c-bus-2][data-hidden='1']").waitFor(LONG);
      await q.locator("[data-comment=c-bus-3][data-hidden='1']").waitFor(LONG);
      assert.match(await q.locator("[data-comment=c-bus-2] [data-testid=mod-state]").textContent(), /숨겨짐 \(사유: 스팸\)/);
      assert.equal(await p.getByTestId("mod-trail").locator("li").count(), 2);
      assert.equal((await api("/v1/comments/c-bus-2")).chain.record.hidden_reason, 1);
      // The off-topic one comes back, with its own reason.
      await q.locator("[data-comment=c-bus-3]").getByRole("checkbox").check();
      await p.locator("#mod-reason").selectOption("9");
      await p.getByRole("button", { name: "선택한 1개 되살리기" }).click();
      await q.locator("[data-comment=c-bus-3][data-hidden='0']").waitFor(LONG);
      assert.equal((await api("/v1/comments/c-bus-3")).chain.record.hidden ?? false, false);
      assert.match(await p.getByTestId("mod-trail").textContent(), /c-bus-3 되살림 · 기타/);
      await axe(p, "moderation after actions");
      await clean(p);
    } catch (e) {
      await p.screenshot({ path: join(artifacts, "console-failure-moderation.png"), fullPage: true }).catch(() => {});
      throw e;
    }
  });

  step("a page forced to offer a body outside the secretary's scope gets the chain's refusal as a sentence", async () => {
    const p = sec.page;
    try {
      // The page is tricked into believing the secretary also serves Busan:
      // the roles read is answered with a grant the chain never made.
      const forged = await api(`/v1/members/${who.secretary.memberId}/roles`);
      forged.grants.push({ ...forged.grants.find((g) => g.role === "secretary"), chapter: "busan" });
      await p.route(`**/v1/members/${who.secretary.memberId}/roles`, (r) => r.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(forged) }));
      await p.goto(`${base}/#/console/meetings`);
      await p.reload();
      await p.locator("#s-body option[value=busan-cttee]").waitFor({ state: "attached", timeout: 30_000 });
      await p.locator("#s-body").selectOption("busan-cttee");
      await p.locator("#s-title").fill("부산시당 운영위원회");
      await p.locator("#s-when").fill("2026-12-02T19:00");
      await p.locator("#s-agenda").fill("예산");
      await p.getByRole("button", { name: "회의 소집하기" }).click();
      const refusal = p.locator("[data-code='7']");
      await refusal.waitFor(LONG);
      assert.equal(await refusal.textContent(), "이 작업을 할 권한이 없습니다.");
      const busan = await api("/v1/assembly/meetings?chapter=busan");
      assert.deepEqual(busan.meetings, [], "nothing was scheduled in Busan");
      await axe(p, "refused out-of-scope request");
      await shoot(p, "console-refused");
      await p.unroute(`**/v1/members/${who.secretary.memberId}/roles`);
    } finally {
      await sec?.ctx.close();
      await chair?.ctx.close();
    }
  });
});
