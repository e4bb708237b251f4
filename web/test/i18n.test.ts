import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERRORS, errorSentence } from "../src/errors";
import { MESSAGES } from "../src/i18n";
import { ELECTION_WORDS } from "../src/pages/elections/words";
import { ASSEMBLY_WORDS } from "../src/pages/assemblies/words";
import { KPI_WORDS } from "../src/pages/kpi/words";

const codes: { code: number; name: string }[] = JSON.parse(readFileSync(new URL("../../testdata/tx/codes.json", import.meta.url), "utf8"));

describe("error sentences", () => {
  it("cover every code the node can answer, in Korean and English", () => {
    expect(codes.length).toBeGreaterThan(20);
    const missing = codes.filter((c) => c.code !== 0 && !(ERRORS[c.code]?.ko && ERRORS[c.code]?.en)).map((c) => `${c.code} ${c.name}`);
    expect(missing).toEqual([]);
  });
  it("name no code that does not exist", () => {
    const known = new Set(codes.map((c) => c.code));
    expect(Object.keys(ERRORS).map(Number).filter((c) => !known.has(c))).toEqual([]);
  });
  it("Korean sentences are Korean and English ones are not", () => {
    for (const [code, e] of Object.entries(ERRORS)) {
      expect(/[가-힣]/.test(e.ko), `code ${code} ko`).toBe(true);
      expect(/[가-힣]/.test(e.en), `code ${code} en`).toBe(false);
    }
  });
  it("falls back to a sentence naming the code", () => {
    expect(errorSentence(12345, "en")).toContain("12345");
    expect(errorSentence(12345, "ko")).toContain("12345");
  });
});

describe("UI messages", () => {
  it("exist in both languages with the same placeholders", () => {
    const ko = MESSAGES.ko as Record<string, string>;
    const en = MESSAGES.en as Record<string, string>;
    expect(Object.keys(en).sort()).toEqual(Object.keys(ko).sort());
    const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join();
    for (const k of Object.keys(ko)) {
      expect(en[k].length, k).toBeGreaterThan(0);
      expect(vars(en[k]), k).toBe(vars(ko[k]));
    }
  });
});

describe("lazy pages' words", () => {
  for (const [name, words] of [["elections", ELECTION_WORDS], ["assemblies", ASSEMBLY_WORDS], ["kpi", KPI_WORDS]] as const)
  it(`${name}: exist in both languages with the same placeholders, Korean in Korean`, () => {
    const ko = words.ko as Record<string, string>;
    const en = words.en as Record<string, string>;
    expect(Object.keys(en).sort()).toEqual(Object.keys(ko).sort());
    const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join();
    for (const k of Object.keys(ko)) {
      expect(vars(en[k]), k).toBe(vars(ko[k]));
      if (/[A-Za-z가-힣]/.test(ko[k].replace(/\{\w+\}/g, ""))) expect(/[가-힣]/.test(ko[k]), `${k} ko`).toBe(true);
      expect(/[가-힣]/.test(en[k]), `${k} en`).toBe(false);
    }
  });
});
