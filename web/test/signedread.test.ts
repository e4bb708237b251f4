// A signed read is accepted once (package auth refuses a signature it has
// seen), and the same key signing the same URI in the same second makes the
// same signature. A member who reloads a page, or has it open in two tabs,
// signs again from a fresh page that does not know the time the other one
// used: the portal must sign again with a later time when the node says
// the read was replayed, as the Go client does (client.replayed). An
// upload to the blob store is signed the same way, so the same holds for it.
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { seedSigner } from "../src/lib/signer";

const REPLAYED = JSON.parse(readFileSync(new URL("../../testdata/tx/go-vectors.json", import.meta.url), "utf8")).read_replayed as string;

// node answers like the API: /v1/status, and a member record for a signed
// read whose signature it has not seen, a 403 "forbidden" naming the
// replay for one it has.
function node() {
  const seen = new Set<string>();
  const times: number[] = [];
  const bodies: string[] = [];
  const fetch = vi.fn(async (uri: string, init?: RequestInit) => {
    if (uri === "/v1/status") return new Response(JSON.stringify({ chain_id: "pnyx-test", height: 3, block_time: "" }));
    const auth = new Headers(init?.headers).get("Authorization") ?? "";
    const sig = /sig=([0-9a-f]+)/.exec(auth)?.[1] ?? "";
    times.push(Number(/time=(\d+)/.exec(auth)?.[1]));
    if (seen.has(sig)) return new Response(JSON.stringify({ error: { code: 17, name: "forbidden", message: REPLAYED } }), { status: 403 });
    seen.add(sig);
    if (init?.method === "PUT") {
      bodies.push(new TextDecoder().decode(init.body as Uint8Array));
      return new Response(JSON.stringify({ hash: uri.slice("/v1/blobs/".length), size: bodies.at(-1)!.length }), { status: 201 });
    }
    return new Response(JSON.stringify({ height: 3, key: "mem/m/m1", record: { id: "m1" } }));
  });
  return { fetch, times, bodies };
}

describe("signed reads", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-12-02T10:00:00.200Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it("sign again with a later time when a reloaded page repeats a read within the second", async () => {
    const n = node();
    vi.stubGlobal("fetch", n.fetch);
    const signer = seedSigner(new Uint8Array(32).fill(7));
    const first = await import("../src/lib/api");
    expect((await first.signedGet<{ record: { id: string } }>(signer, "/v1/members/m1")).record.id).toBe("m1");
    // The page reloads: the module starts again, in the same second.
    vi.resetModules();
    const reloaded = await import("../src/lib/api");
    expect((await reloaded.signedGet<{ record: { id: string } }>(signer, "/v1/members/m1")).record.id).toBe("m1");
    const now = Math.floor(Date.now() / 1000);
    expect(n.times).toEqual([now, now, now + 1]);
  });

  it("sign an upload again with a later time when a reloaded console repeats it within the second", async () => {
    const n = node();
    vi.stubGlobal("fetch", n.fetch);
    const signer = seedSigner(new Uint8Array(32).fill(7));
    const minutes = new TextEncoder().encode("minutes of the 3rd assembly");
    const hash = "ab".repeat(32);
    const first = await import("../src/lib/api");
    await first.putBlob(signer, hash, minutes);
    // The secretary's answer was lost; the console reloads and sends again.
    vi.resetModules();
    const reloaded = await import("../src/lib/api");
    await reloaded.putBlob(signer, hash, minutes);
    const now = Math.floor(Date.now() / 1000);
    expect(n.times).toEqual([now, now, now + 1]);
    expect(n.bodies).toEqual(["minutes of the 3rd assembly", "minutes of the 3rd assembly"]);
  });

  it("still report a refusal that is not a replay", async () => {
    vi.stubGlobal("fetch", vi.fn(async (uri: string) =>
      uri === "/v1/status"
        ? new Response(JSON.stringify({ chain_id: "pnyx-test", height: 3, block_time: "" }))
        : new Response(JSON.stringify({ error: { code: 17, name: "forbidden", message: "no scope over member m1" } }), { status: 403 })));
    const api = await import("../src/lib/api");
    await expect(api.signedGet(seedSigner(new Uint8Array(32).fill(7)), "/v1/members/m1")).rejects.toMatchObject({ code: 17, message: "no scope over member m1" });
  });
});
