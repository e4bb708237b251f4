// The portal in a real browser against a real node: Debian's Chromium driven
// by playwright-core (no browser download), a node started here on free
// ports, a registrar's code made with the Go CLI. A member joins by the link,
// saves the encrypted backup, reads their card and their to-do page, in
// Korean and in English; axe-core runs on every page (no serious or critical
// violation), screenshots at phone and desktop widths go to web/artifacts/.
//
// PNYX_BIN names a built pnyx binary; otherwise the test builds one.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DESKTOP, PHONE, artifacts, axe, freePort, launchChromium, repo, shoot, sleep, waiter } from "./harness.mjs";
import { webcrypto, createPrivateKey, createPublicKey } from "node:crypto";



let tmp, bin, node, base, browser, codes, figures = {};
const nodeLog = [];
const waitFor = waiter(nodeLog);

function cli(...args) {
  return execFileSync(bin, ["--home", join(tmp, "home"), "--api", base, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}


before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "pnyx-portal-e2e-"));
  mkdirSync(artifacts, { recursive: true });
  bin = process.env.PNYX_BIN;
  if (!bin) {
    bin = join(tmp, "pnyx");
    execFileSync("go", ["build", "-o", bin, "./cmd/pnyx"], { cwd: repo, stdio: "inherit" });
  }
  const [api, p2p] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${api}`;
  const home = join(tmp, "home");
  execFileSync(bin, ["init", "--home", home, "--chain-id", "pnyx-e2e", "--p2p-addr", `tcp://127.0.0.1:${p2p}`], { stdio: "ignore" });
  node = spawn(bin, ["start", "--home", home, "--api-addr", `127.0.0.1:${api}`, "--p2p-addr", `tcp://127.0.0.1:${p2p}`, "--log-level", "error"], { stdio: ["ignore", "pipe", "pipe"] });
  node.stdout.on("data", (d) => nodeLog.push(String(d)));
  node.stderr.on("data", (d) => nodeLog.push(String(d)));
  await waitFor(async () => (await fetch(`${base}/v1/status`)).ok && (await (await fetch(`${base}/v1/status`)).json()).height > 0, "the node");

  // HQ builds a chapter; the admin (registrar at hq) issues codes there.
  cli("chapter", "create", "seoul", "--name", "서울특별시당", "--parent", "hq");
  const out = cli("member", "enroll", "--chapter", "seoul", "--count", "3");
  codes = [...out.matchAll(/^([A-Z2-7]{5}(?:-[A-Z2-7]{5}){3}),(m[0-9a-f]{20}),seoul$/gm)].map((m) => ({ code: m[1], memberId: m[2] }));
  assert.equal(codes.length, 3, `enroll printed:\n${out}`);
  // Another member (through the CLI) raises a petition in Seoul, so the
  // to-do page has something to list.
  cli("keys", "new", "kim");
  cli("--key", "kim", "member", "redeem", codes[2].code);
  const created = cli("--key", "kim", "petition", "create", "--id", "youth-housing", "--chapter", "seoul", "--category", "youth", "--title", "청년 주거 지원 확대", "--body", "당원들의 요청으로 청년 주거 정책 확대를 제안합니다.");
  assert.match(created + "", /youth-housing|committed|hash/i);
  cli("--key", "kim", "petition", "open", "youth-housing");
  cli("--key", "kim", "comment", "post", "youth-housing", "--stance", "for", "--body", "청년 당원 모임에서 나온 제안입니다.");
  // The admin, as Seoul's secretary, opens a convention any Seoul member may attend.
  const adminId = cli("keys", "show", "admin").match(/member:\s+(m[0-9a-f]{20})/)[1];
  cli("role", "grant", adminId, "secretary", "seoul");
  cli("assembly", "body-create", "seoul-convention", "--chapter", "seoul", "--kind", "chapter_convention", "--name", "서울시당 당원대회", "--open-attendance");
  cli("assembly", "schedule", "seoul-convention", "--title", "제1차 서울시당 당원대회", "--at", new Date().toISOString().replace(/\.\d+Z$/, "Z"), "--agenda", "청년 정책", "--expected", "100");
  cli("assembly", "open", "seoul-convention.1");

  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (node && node.exitCode === null) {
    node.kill("SIGTERM");
    await new Promise((r) => { node.once("exit", r); setTimeout(r, 10_000); });
  }
  if (Object.keys(figures).length) writeFileSync(join(artifacts, "figures.json"), JSON.stringify(figures, null, 2) + "\n");
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// axe runs through the DevTools protocol (page.evaluate), which the page's
// CSP does not govern; nothing is injected as a script element.


function openBackup(json, passphrase) {
  const b = JSON.parse(json);
  const aad = new TextEncoder().encode([b.format, b.chain_id, b.member_id, b.public_key].join("\0"));
  return webcrypto.subtle
    .importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2", false, ["deriveKey"])
    .then((k) => webcrypto.subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt: Buffer.from(b.kdf.salt, "base64"), iterations: b.kdf.iterations }, k, { name: "AES-GCM", length: 256 }, false, ["decrypt"]))
    .then((k) => webcrypto.subtle.decrypt({ name: "AES-GCM", iv: Buffer.from(b.nonce, "base64"), additionalData: aad }, k, Buffer.from(b.ciphertext, "base64")))
    .then((seed) => {
      const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(seed)]);
      const pub = createPublicKey(createPrivateKey({ key: der, format: "der", type: "pkcs8" })).export({ format: "der", type: "spki" }).subarray(-32);
      return { backup: b, publicKey: pub.toString("hex") };
    });
}

const WORDS = {
  ko: { joined: "가입이 완료되었습니다.", active: "활동", general: "일반당원", card: "내 당원증", todo: "할 일", badCode: "가입 코드는" , notFound: "찾을 수 없습니다" },
  en: { joined: "You have joined.", active: "Active", general: "General member", card: "My membership", todo: "To do", badCode: "An enrollment code has", notFound: "Not found" },
};

describe("member portal in Chromium", () => {
  it("the node serves the portal and keeps its API", async () => {
    const r = await fetch(`${base}/`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-security-policy"), /default-src 'self'/);
    assert.equal((await fetch(`${base}/v1/nope`)).status, 404);
    assert.equal((await fetch(`${base}/metrics`)).status, 200);
    assert.equal((await fetch(`${base}/openapi.json`)).status, 200);
  });

  for (const [i, lang] of [[0, "ko"], [1, "en"]]) {
    it(`joins by link and reads the card (${lang})`, async () => {
      const w = WORDS[lang];
      const ctx = await browser.newContext({ viewport: PHONE, acceptDownloads: true, locale: lang === "ko" ? "ko-KR" : "en-GB" });
      // Every Content-Security-Policy violation the page meets is recorded.
      await ctx.addInitScript(() => {
        window.__csp = [];
        document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      const page = await ctx.newPage();
      const problems = [];
      page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
      page.on("pageerror", (e) => problems.push(String(e)));
      try {

      // First page usable: from navigation to the heading on screen.
      await page.goto(`${base}/#/`);
      await page.locator("h1").waitFor();
      const firstRender = () => page.evaluate(() => Math.round(performance.getEntriesByName("pnyx-first-render")[0]?.startTime ?? -1));
      figures[`first_render_cold_ms_${lang}`] = await firstRender();
      await page.reload();
      await page.locator("h1").waitFor();
      figures[`first_render_cached_ms_${lang}`] = await firstRender();
      if (lang === "en") {
        await page.getByRole("button", { name: "English" }).click();
        await page.getByRole("heading", { name: "To do" }).waitFor();
      }
      await page.waitForFunction((l) => document.documentElement.lang === l, lang, { timeout: 5000 });
      await axe(page, `${lang} home (not joined)`);
      await shoot(page, `${lang}-home-new`);

      // A mistyped code is caught before anything is signed.
      await page.goto(`${base}/#/join`);
      await page.locator("#code").fill("abc");
      await page.locator("button[type=submit]").first().click();
      await page.getByText(w.badCode).waitFor();
      // A well-formed code that was never issued: the node's error, as a sentence.
      await page.locator("#code").fill("zzzzz-zzzzz-zzzzz-zzzzz");
      await page.locator("button[type=submit]").first().click();
      await page.getByText(w.notFound).first().waitFor({ timeout: 30_000 });
      await page.evaluate(() => new Promise((r) => { const q = indexedDB.deleteDatabase("pnyx"); q.onsuccess = q.onerror = q.onblocked = () => r(); }));

      // The registrar's link, typed in lower case by the member's phone.
      const { code, memberId } = codes[i];
      await page.goto(`${base}/#/join?code=${encodeURIComponent(code.toLowerCase())}`);
      await page.reload();
      assert.equal(await page.locator("#code").inputValue(), code.toLowerCase());
      await axe(page, `${lang} join`);
      await shoot(page, `${lang}-join`);
      await page.locator("button[type=submit]").first().click();
      await page.getByRole("heading", { name: w.joined }).waitFor({ timeout: 30_000 });
      assert.equal(await page.getByTestId("member-id").textContent(), memberId);

      // The key is in IndexedDB as a non-extractable WebCrypto key.
      const stored = await page.evaluate(() => new Promise((resolve) => {
        const q = indexedDB.open("pnyx");
        q.onsuccess = () => {
          const g = q.result.transaction("keys").objectStore("keys").get("member");
          g.onsuccess = () => resolve({ kind: g.result.kind, extractable: g.result.privateKey?.extractable, seed: "seed" in g.result, publicKey: g.result.publicKey });
        };
      }));
      assert.deepEqual([stored.kind, stored.extractable, stored.seed], ["webcrypto", false, false]);

      // The encrypted backup: downloaded, and it opens to this very key.
      await page.locator("#p1").fill("correct horse battery");
      await page.locator("#p2").fill("correct horse battery");
      const [download] = await Promise.all([page.waitForEvent("download"), page.locator("form button[type=submit]").click()]);
      const file = join(tmp, `backup-${lang}.json`);
      await download.saveAs(file);
      const opened = await openBackup(readFileSync(file, "utf8"), "correct horse battery");
      assert.equal(opened.publicKey, stored.publicKey);
      assert.equal(opened.backup.member_id, memberId);
      await page.getByRole("img", { name: lang === "ko" ? "암호화된 키 백업 QR 코드" : "QR code of the encrypted key backup" }).waitFor();
      await axe(page, `${lang} joined + backup`);
      await shoot(page, `${lang}-joined`);

      // The card: a signed read made in the browser.
      await page.goto(`${base}/#/me`);
      await page.getByTestId("status").waitFor({ timeout: 30_000 });
      assert.equal(await page.getByTestId("member-id").textContent(), memberId);
      assert.equal((await page.getByTestId("status").textContent()).trim(), w.active);
      assert.equal((await page.getByTestId("class").textContent()).trim(), w.general);
      assert.match(await page.getByTestId("chapter").textContent(), /서울특별시당/);
      assert.equal((await page.getByTestId("points").textContent()).trim(), "100");
      assert.equal((await page.getByTestId("credential").textContent()).trim(), w.active);
      await axe(page, `${lang} card`);
      await shoot(page, `${lang}-card`);

      // Home: the open meeting to check in to, and the petitions of my chapter.
      await page.goto(`${base}/#/`);
      await page.getByText("청년 주거 지원 확대").waitFor({ timeout: 30_000 });
      const meeting = page.getByTestId("meeting-seoul-convention.1");
      await meeting.getByText("제1차 서울시당 당원대회").waitFor();
      await meeting.getByRole("button", { name: lang === "ko" ? "출석 체크" : "Check in" }).click();
      await meeting.getByText(lang === "ko" ? "출석했습니다." : "You are checked in.").waitFor({ timeout: 30_000 });
      const present = await (await fetch(`${base}/v1/assembly/meetings/seoul-convention.1/attendance`)).text();
      assert.match(present, new RegExp(memberId), "the check-in is on chain");
      await axe(page, `${lang} home`);
      await shoot(page, `${lang}-home`);

      // Another member's petition: agree, vote a comment up, report it.
      await page.getByRole("link", { name: "청년 주거 지원 확대" }).click();
      await page.getByRole("heading", { level: 1, name: "청년 주거 지원 확대" }).waitFor();
      await page.getByRole("button", { name: lang === "ko" ? "이 청원에 동의하기" : "Agree to this petition" }).click();
      await page.getByTestId("agreed").waitFor({ timeout: 30_000 });
      const kimComment = page.locator(".comment").filter({ hasText: "청년 당원 모임에서 나온 제안입니다." });
      await kimComment.getByRole("button", { name: lang === "ko" ? `추천 ${i}` : `Up ${i}`, exact: true }).click();
      await kimComment.getByRole("button", { name: lang === "ko" ? `추천 ${i + 1}` : `Up ${i + 1}`, exact: true }).waitFor({ timeout: 30_000 });
      await kimComment.getByText(lang === "ko" ? "신고" : "Report", { exact: true }).click();
      await kimComment.locator("select").selectOption(lang === "ko" ? "offensive" : "spam");
      await kimComment.getByRole("button", { name: lang === "ko" ? "신고하기" : "Send the report" }).click();
      await page.getByText(lang === "ko" ? "신고가 접수되었습니다." : "Your report is received.").waitFor({ timeout: 30_000 });
      // Reporting twice is refused with a sentence, not a code.
      await kimComment.getByText(lang === "ko" ? "신고" : "Report", { exact: true }).click();
      await kimComment.getByRole("button", { name: lang === "ko" ? "신고하기" : "Send the report" }).click();
      await page.getByText(lang === "ko" ? "이미 신고했습니다." : "You have already reported this.").waitFor({ timeout: 30_000 });
      await axe(page, `${lang} petition of another member`);

      // Petitions: create, agree, comment, reply, and find it by search.
      const P = lang === "ko"
        ? { title: "청년 정책 토론회 개최 요청", body: "당원들이 직접 참여하는 청년 정책 토론회를 열어 주세요.", search: "토론회", comment: "좋은 제안입니다. 꼭 열렸으면 합니다.", reply: "저도 같은 생각입니다.", newBtn: "청원 올리기", agree: "이 청원에 동의하기", agreed: "이 청원에 동의했습니다.", post: "올리기", replyBtn: "답글 달기", searchBtn: "검색" }
        : { title: "Open the party budget to members", body: "Publish the chapter budget every quarter so members can follow it.", search: "budget", comment: "Members deserve to see the numbers.", reply: "Agreed, every quarter.", newBtn: "Start a petition", agree: "Agree to this petition", agreed: "You agreed to this petition.", post: "Post", replyBtn: "Reply", searchBtn: "Search" };
      await page.goto(`${base}/#/petitions`);
      await page.getByRole("heading", { level: 1 }).waitFor();
      await axe(page, `${lang} petitions`);
      await page.getByRole("link", { name: P.newBtn }).click();
      await page.locator("#pt").fill(P.title);
      await page.locator("#pc").selectOption("youth");
      await page.locator("#pb").fill(P.body);
      await axe(page, `${lang} new petition`);
      await shoot(page, `${lang}-petition-new`);
      await page.locator("form button[type=submit]").click();
      await page.getByRole("heading", { level: 1, name: P.title }).waitFor({ timeout: 30_000 });
      await page.getByRole("button", { name: P.agree }).click();
      await page.getByTestId("agreed").waitFor({ timeout: 30_000 });
      assert.equal(await page.getByTestId("agreed").textContent(), P.agreed);
      assert.match(await page.getByTestId("pet-agreements").textContent(), /1/);
      await page.locator("#body-c-new").fill(P.comment);
      await page.locator(".comment-form").last().getByRole("button", { name: P.post }).click();
      await page.locator(".comment").getByText(P.comment).waitFor({ timeout: 30_000 });
      await page.locator(".comment").first().getByRole("button", { name: P.replyBtn }).click();
      const replyForm = page.locator(".comment .comment-form");
      await replyForm.locator("textarea").fill(P.reply);
      await replyForm.locator("input[value=for]").check();
      await replyForm.getByRole("button", { name: P.post }).click();
      await page.locator(".comment.depth-2").getByText(P.reply).waitFor({ timeout: 30_000 });
      await axe(page, `${lang} petition`);
      await shoot(page, `${lang}-petition`);
      await page.goto(`${base}/#/petitions`);
      await page.locator("#q").fill(P.search);
      await page.getByRole("button", { name: P.searchBtn }).click();
      await page.getByRole("link", { name: P.title }).waitFor({ timeout: 30_000 });
      // The hit shows why it matched: its excerpt with the word marked.
      assert.equal(await page.locator(".snippet mark").first().textContent(), P.search);
      await axe(page, `${lang} petitions search`);
      await shoot(page, `${lang}-petitions-search`);
      if (lang === "ko") {
        // A comment's words find the comment, marked, with a link to its petition.
        await page.locator("#q").fill("제안");
        await page.getByRole("button", { name: P.searchBtn }).click();
        await page.getByTestId("comment-hits").locator("mark", { hasText: "제안" }).first().waitFor({ timeout: 30_000 });
        // A one-letter typo finds nothing, and the index offers the word it holds.
        await page.locator("#q").fill("토론휘");
        await page.getByRole("button", { name: P.searchBtn }).click();
        await page.getByRole("button", { name: "토론회" }).click({ timeout: 30_000 });
        await page.getByRole("link", { name: P.title }).waitFor({ timeout: 30_000 });
      }

      // Large-text mode and keyboard: the toggle is reachable and works.
      await page.getByRole("button", { name: lang === "ko" ? "큰 글씨" : "Large text" }).click();
      await page.waitForFunction(() => document.documentElement.classList.contains("large"), null, { timeout: 5000 });
      await axe(page, `${lang} home, large text`);

      // A new device: the backup brings the same membership back.
      const ctx2 = await browser.newContext({ viewport: PHONE });
      const p2 = await ctx2.newPage();
      await p2.goto(`${base}/#/join`);
      if (lang === "en") await p2.getByRole("button", { name: "English" }).click();
      // Korean: the file; English: the text a scanned QR code gives.
      if (lang === "ko") await p2.setInputFiles("#backup-file", file);
      else await p2.locator("#backup-text").fill(readFileSync(file, "utf8"));
      await p2.locator("#backup-pass").fill("wrong passphrase");
      await p2.getByRole("button", { name: lang === "ko" ? "키 되살리기" : "Restore my key" }).click();
      await p2.getByText(lang === "ko" ? "암호가 틀렸거나" : "The passphrase is wrong").waitFor();
      await p2.locator("#backup-pass").fill("correct horse battery");
      await p2.getByRole("button", { name: lang === "ko" ? "키 되살리기" : "Restore my key" }).click();
      await p2.getByTestId("status").waitFor({ timeout: 30_000 });
      assert.equal(await p2.getByTestId("member-id").textContent(), memberId);
      await ctx2.close();

      assert.deepEqual(await page.evaluate(() => window.__csp), [], "CSP violations");
      assert.deepEqual(problems.filter((p) => !/status of 4\d\d/.test(p)), [], "console errors (a CSP violation would show here)");
      } catch (e) {
        await page.screenshot({ path: join(artifacts, `${lang}-failure.png`), fullPage: true }).catch(() => {});
        throw e;
      } finally {
        await ctx.close();
      }
    });
  }
});
