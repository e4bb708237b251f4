// The TypeScript half of the opening vectors (testdata/election/openings.json,
// written by go test ./election/ballot -run TestOpeningVectors): Go's valid
// opening checks here with its code and choices, and each broken one is
// refused for the reason Go gives. An opening made here goes to
// testdata/ballot/ts-vectors.json (ballot.test.ts), which Go checks.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fromHex, toHex, utf8 } from "../src/lib/bytes";
import { encrypt, makeElection, oneTimeKey, shortTracking } from "../src/lib/election/ballot";
import { base, enc, type Rand } from "../src/lib/election/group";
import { encryptionCode, makeOpening, OpeningError, verifyOpening } from "../src/lib/election/opening";

const v = JSON.parse(readFileSync(new URL("../../testdata/election/openings.json", import.meta.url), "utf8"));

let ctr = 0;
const rand: Rand = (n) => Uint8Array.from({ length: n }, () => (ctr = (ctr * 1103515245 + 12345) >>> 0) & 0xff);

describe("Go's openings", () => {
  for (const o of v.openings) {
    it(o.name, () => {
      const raw = fromHex(o.opening);
      if (!o.error) {
        const got = verifyOpening(raw);
        expect(toHex(got.code)).toBe(v.encryption_code);
        expect(shortTracking(got.code)).toBe(v.short_code);
        expect(got.choices).toEqual(v.choices);
        expect(toHex(got.jointKey)).toBe(v.joint_key);
        expect(toHex(got.manifest.electionId)).toBe(v.election_id);
        return;
      }
      expect(() => verifyOpening(raw)).toThrow(OpeningError);
      expect(() => verifyOpening(raw)).toThrow(o.error);
    });
  }
});

describe("an opening made here", () => {
  const go = verifyOpening(fromHex(v.openings[0].opening));
  const e = makeElection(go.manifest, go.jointKey, [256]);
  const key = oneTimeKey(4242n);
  const creds = [new Uint8Array(256).fill(9)];

  it("has the code shown before the choice, opens to the choices, and names nobody", () => {
    const b = encrypt(rand, e, key, creds, [[0, 0, 1], [1, 1, 0]]);
    const code = encryptionCode(e, b.bytes);
    const raw = makeOpening(rand, e, b);
    const got = verifyOpening(raw);
    expect(toHex(got.code)).toBe(toHex(code));
    expect(got.choices).toEqual([[0, 0, 1], [1, 1, 0]]);
    expect(toHex(raw)).not.toContain(toHex(key.bytes));
    expect(toHex(raw)).not.toContain(toHex(creds[0].subarray(0, 32)));
    // The code covers the ciphertexts only: a second encryption of the
    // same choices has another code.
    const again = encrypt(rand, e, key, creds, [[0, 0, 1], [1, 1, 0]]);
    expect(toHex(encryptionCode(e, again.bytes))).not.toBe(toHex(code));
  });

  it("is refused when it is altered, under another key, or over the limits", () => {
    const b = encrypt(rand, e, key, creds, [[1, 0, 0], [0, 1, 1]]);
    const raw = makeOpening(rand, e, b);
    const sigByte = raw.slice();
    sigByte[raw.length - 1] ^= 1;
    expect(() => verifyOpening(sigByte)).toThrow("signature");
    const manLen = 8 + 4 + go.manifest.encoded.length;
    const otherKey = raw.slice();
    otherKey.set(enc(base(7n)), manLen);
    expect(() => verifyOpening(otherKey)).toThrow("not the encryption of its revealed choice");
    expect(() => verifyOpening(new Uint8Array([...raw, 0]))).toThrow("trailing");
    expect(() => verifyOpening(raw.subarray(0, raw.length - 1))).toThrow(OpeningError);
    expect(() => verifyOpening(utf8("PNYXOPN0"))).toThrow("magic");
    const twoChairs = { ...b, reveal: { ...b.reveal, choices: [[1, 1, 0], [0, 1, 1]] } };
    expect(() => verifyOpening(makeOpening(rand, e, twoChairs))).toThrow("exceed");
  });
});
