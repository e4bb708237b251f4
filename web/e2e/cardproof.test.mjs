// The membership card's offline-checkable proof in a real browser against
// a real node: a member (Korean, then English) makes the proof of their
// credential, the browser checks it (validators' signatures, Merkle proof),
// shows it as a QR code; another browser context with no key pastes the QR
// text into #/verify and checks it again, and `pnyx verify proof` accepts
// the same proof decoded; the compact form (entries only, the header from
// the node) is checked there and by `pnyx verify proof --api`, and refused
// with a changed record. axe-core and screenshots at 390 and 1280 px.
//
// PNYX_BIN names a built pnyx binary; otherwise the test builds one.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { DESKTOP, PHONE, artifacts, axe, enrollInSeoul, launchChromium, shoot, sleep, startNode, waiter } from "./harness.mjs";



let tmp, bin, node, base, browser, codes;
const figures = {};
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
  ({ tmp, bin, base, node } = await startNode("pnyx-proof", nodeLog));
  codes = enrollInSeoul(cli);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (node && node.exitCode === null) {
    node.kill("SIGTERM");
    await new Promise((r) => { node.once("exit", r); setTimeout(r, 10_000); });
  }
  if (Object.keys(figures).length) writeFileSync(join(artifacts, "proof-figures.json"), JSON.stringify(figures, null, 2) + "\n");
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});



describe("the card's proof in Chromium", () => {
  for (const [i, lang] of [[0, "ko"], [1, "en"]]) {
    it(`a member's card proof, checked in the browser and as a QR text elsewhere (${lang})`, async () => {
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
        await page.goto(`${base}/#/me`);
        await page.getByRole("button", { name: lang === "ko" ? "당원증 증명 만들기" : "Make my card's proof" }).click();
        // A proof needs the next block's header; two transactions bring it now.
        cli("token", "burn", "1");
        cli("token", "burn", "1");
        const result = page.getByTestId("proof-result");
        await result.waitFor({ timeout: 60_000 });
        assert.match(await result.textContent(), new RegExp(`✓.*${codes[i].memberId}`));
        await page.getByRole("img", { name: lang === "ko" ? "당원증 증명 QR 코드" : "QR code of my card's proof" }).waitFor();
        const text = await page.getByTestId("proof-text").textContent();
        assert.ok(text.startsWith("pnyx-proof:1:"), text.slice(0, 40));
        figures[`card_proof_qr_chars_${lang}`] = text.length;
        await axe(page, `${lang} card with proof`);
        await shoot(page, `${lang}-card-proof`);

        // Elsewhere, with no key and no login: paste what a QR scanner read.
        const other = await browser.newContext({ viewport: PHONE });
        const p2 = await other.newPage();
        await p2.goto(`${base}/#/verify`);
        if (lang === "en") await p2.getByRole("button", { name: "English" }).click();
        await p2.locator("#proof-in").fill(text);
        await p2.getByRole("button", { name: lang === "ko" ? "확인하기" : "Check", exact: true }).click();
        await p2.getByTestId("proof-result").waitFor();
        assert.match(await p2.getByTestId("proof-result").textContent(), /✓/);
        // One character changed in the record's proof: refused.
        const json = await p2.evaluate(async (t) => {
          const b = Uint8Array.from(atob(t.slice(13).replace(/-/g, "+").replace(/_/g, "/") + "===".slice((t.length - 13 + 3) % 4)), (c) => c.charCodeAt(0));
          return await new Response(new Blob([b]).stream().pipeThrough(new DecompressionStream("deflate-raw"))).text();
        }, text);
        const proofFile = join(tmp, `card-proof-${lang}.json`);
        writeFileSync(proofFile, json);
        const out = execFileSync(bin, ["verify", "proof", proofFile, "--genesis", join(tmp, "home", "config", "genesis.json")], { encoding: "utf8" });
        assert.match(out, /^OK/, out);
        const bad = JSON.parse(json);
        bad.signed_header.header.app_hash = "00" + bad.signed_header.header.app_hash.slice(2);
        await p2.locator("#proof-in").fill(JSON.stringify(bad));
        await p2.getByRole("button", { name: lang === "ko" ? "확인하기" : "Check", exact: true }).click();
        await p2.getByText("✗").waitFor();
        // The compact form a chain of many validators puts in the QR code:
        // the records and Merkle proofs only; #/verify fetches the signed
        // header from its node (GET /v1/anchors/{state_version+1}).
        const whole = JSON.parse(json);
        const compact = (entries) => "pnyx-proof:2:" + deflateRawSync(Buffer.from(JSON.stringify({ format: whole.format, chain_id: whole.chain_id, state_version: whole.state_version, entries }))).toString("base64url");
        await p2.locator("#proof-in").fill(compact(whole.entries));
        await p2.getByRole("button", { name: lang === "ko" ? "확인하기" : "Check", exact: true }).click();
        await p2.getByText(new RegExp(`✓.*${codes[i].memberId}`)).waitFor();
        figures[`card_proof_compact_chars_${lang}`] = compact(whole.entries).length;
        // The CLI reads the same QR text, fetching the header from --api.
        const compactFile = join(tmp, `card-proof-${lang}.qr.txt`);
        writeFileSync(compactFile, compact(whole.entries));
        const outCompact = execFileSync(bin, ["--api", base, "verify", "proof", compactFile, "--genesis", join(tmp, "home", "config", "genesis.json")], { encoding: "utf8" });
        assert.match(outCompact, /^OK/, outCompact);
        assert.match(outCompact, /header from: +http/, outCompact);
        assert.match(outCompact, new RegExp(codes[i].memberId), outCompact);
        const changed = whole.entries.map((e) => ({ ...e, value: Buffer.from(Buffer.from(e.value, "base64").toString("utf8").replace('"active"', '"expelled"')).toString("base64") }));
        await p2.locator("#proof-in").fill(compact(changed));
        await p2.getByRole("button", { name: lang === "ko" ? "확인하기" : "Check", exact: true }).click();
        await p2.getByText("✗").waitFor();
        await axe(p2, `${lang} verify page`);
        await shoot(p2, `${lang}-verify`);
        await other.close();
        assert.deepEqual(await page.evaluate(() => window.__csp), [], "CSP violations");
        assert.deepEqual(problems, [], "page errors");
      } finally {
        await ctx.close();
      }
    });
  }
});
