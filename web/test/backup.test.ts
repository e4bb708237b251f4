import { describe, expect, it } from "vitest";
import { BACKUP_FORMAT, openBackup, sealBackup } from "../src/lib/backup";
import { fromHex, toHex } from "../src/lib/bytes";
import { seedSigner } from "../src/lib/signer";

const seed = fromHex("2a".repeat(32));
const ITER = 1000; // the portal uses 600,000; the format carries the count

describe("key backup", () => {
  it("opens with its passphrase to the same key", async () => {
    const b = await sealBackup(seed, "correct horse battery", "pnyx-1", "m0011", ITER);
    expect(b.format).toBe(BACKUP_FORMAT);
    expect(b.public_key).toBe(toHex(seedSigner(seed).publicKey));
    expect(b.kdf.iterations).toBe(ITER);
    expect(toHex(await openBackup(b, "correct horse battery"))).toBe(toHex(seed));
  });
  it("refuses a wrong passphrase, a relabelled file and a short passphrase", async () => {
    const b = await sealBackup(seed, "correct horse battery", "pnyx-1", "m0011", ITER);
    await expect(openBackup(b, "correct horse batterY")).rejects.toThrow();
    await expect(openBackup({ ...b, member_id: "m9999" }, "correct horse battery")).rejects.toThrow();
    await expect(openBackup({ ...b, chain_id: "pnyx-2" }, "correct horse battery")).rejects.toThrow();
    await expect(openBackup({ ...b, format: "other" }, "correct horse battery")).rejects.toThrow("not a pnyx key backup");
    await expect(sealBackup(seed, "short", "pnyx-1", "m0011", ITER)).rejects.toThrow();
  });
  it("uses a fresh salt and nonce every time", async () => {
    const a = await sealBackup(seed, "correct horse battery", "pnyx-1", "m0011", ITER);
    const b = await sealBackup(seed, "correct horse battery", "pnyx-1", "m0011", ITER);
    expect(a.kdf.salt).not.toBe(b.kdf.salt);
    expect(a.nonce).not.toBe(b.nonce);
  });
});
