// What every browser test shares: Debian's Chromium started the way the
// project's rules ask (never a browser a test tool downloads), free ports,
// polling with the node's log on timeout, axe-core with zero serious or
// critical violations, and screenshots at phone and desktop widths into
// web/artifacts/. Each test file starts its own node; see any *.test.mjs.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository's root. */
export const repo = join(here, "..", "..");
/** Where screenshots and figures go (a CI artifact). */
export const artifacts = join(here, "..", "artifacts");
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** launchChromium starts Debian's Chromium headless, with no network of its own. */
export function launchChromium() {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** freePort asks the kernel for a port nobody listens on. */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * waiter returns waitFor(f, what, ms): it polls f until it returns a truthy
 * value (errors count as "not yet") and on timeout fails with the end of
 * the node's log, which the test collects in log.
 */
export function waiter(log) {
  return async function waitFor(f, what, ms = 60_000) {
    const end = Date.now() + ms;
    for (;;) {
      try {
        const v = await f();
        if (v) return v;
      } catch {
        /* not yet */
      }
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; node log:\n${log.join("").slice(-3000)}`);
      await sleep(250);
    }
  };
}

/**
 * explained wraps a test step so that, when it fails, the error also says
 * what every open page shows (its address and visible text) and how the
 * node's log ends: a failure on CI is then understood from CI's output
 * alone, where the screen and the node are gone.
 */
export function explained(getBrowser, log, step) {
  return async (...args) => {
    try {
      return await step(...args);
    } catch (err) {
      const seen = [];
      for (const page of getBrowser()?.contexts().flatMap((c) => c.pages()) ?? []) {
        try {
          const main = page.locator("main");
          const text = await ((await main.count()) ? main : page.locator("body")).first().innerText({ timeout: 2_000 });
          seen.push(`--- page at ${page.url()}:\n${text.slice(0, 1_500)}`);
        } catch (e) {
          seen.push(`--- page at ${page.url()}: unreadable (${e})`);
        }
      }
      const detail = `${seen.join("\n")}\n--- node log ends:\n${log.join("").slice(-2_000)}`;
      // The test reporter prints the stack, which holds the message as it
      // was when the error was made.
      if (err instanceof Error) err.stack = `${err.stack}\n${detail}`;
      throw err;
    }
  };
}

/** axe runs axe-core on the page and fails on any serious or critical violation. */
export async function axe(page, name) {
  const result = await page.evaluate(async (src) => {
    (0, eval)(src);
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) }));
  }, axeSource);
  const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad, [], `${name}: axe found serious or critical violations`);
  return result;
}

/** shoot saves the page at phone and desktop widths, then goes back to phone. */
export async function shoot(page, name) {
  for (const [w, size] of [["phone", PHONE], ["desktop", DESKTOP]]) {
    await page.setViewportSize(size);
    await page.screenshot({ path: join(artifacts, `${name}-${w}.png`), fullPage: true });
  }
  await page.setViewportSize(PHONE);
}

/**
 * startNode makes a one-validator home in a new temporary folder and starts
 * `pnyx start` on free ports (PNYX_BIN, or a binary built here), its output
 * collected in log. It resolves once the chain has a block.
 */
export async function startNode(chainId, log, extraArgs = []) {
  const tmp = mkdtempSync(join(tmpdir(), `${chainId}-e2e-`));
  mkdirSync(artifacts, { recursive: true });
  let bin = process.env.PNYX_BIN;
  if (!bin) {
    bin = join(tmp, "pnyx");
    execFileSync("go", ["build", "-o", bin, "./cmd/pnyx"], { cwd: repo, stdio: "inherit" });
  }
  const [api, p2p] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${api}`;
  const home = join(tmp, "home");
  execFileSync(bin, ["init", "--home", home, "--chain-id", chainId, "--p2p-addr", `tcp://127.0.0.1:${p2p}`], { stdio: "ignore" });
  const node = spawn(bin, ["start", "--home", home, "--api-addr", `127.0.0.1:${api}`, "--p2p-addr", `tcp://127.0.0.1:${p2p}`, "--log-level", "error", ...extraArgs], { stdio: ["ignore", "pipe", "pipe"] });
  node.stdout.on("data", (d) => log.push(String(d)));
  node.stderr.on("data", (d) => log.push(String(d)));
  await waiter(log)(async () => (await (await fetch(`${base}/v1/status`)).json()).height > 0, "the node");
  return { tmp, bin, base, node };
}

/**
 * enrollInSeoul creates the chapter seoul under hq and enrolls n members
 * there through the CLI, returning their codes and member IDs.
 */
export function enrollInSeoul(cli, n = 2) {
  cli("chapter", "create", "seoul", "--name", "서울특별시당", "--parent", "hq");
  const out = cli("member", "enroll", "--chapter", "seoul", "--count", String(n));
  const codes = [...out.matchAll(/^([A-Z2-7]{5}(?:-[A-Z2-7]{5}){3}),(m[0-9a-f]{20}),seoul$/gm)].map((m) => ({ code: m[1], memberId: m[2] }));
  assert.equal(codes.length, n, `enroll printed:\n${out}`);
  return codes;
}
