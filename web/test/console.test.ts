// The officials' console: its words exist in both languages, every role
// the chain knows is named and explained, and the meeting record hash the
// chair signs is the one modules/assembly computes (a record the Go side
// hashed, as the node served it).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONSOLE_MESSAGES } from "../src/console/i18n";
import { cosignMessage, erratumHash, kstInput, recordHash, ROLES, scheduleBody, scopeOf, type MeetingRecord } from "../src/console/chain";

describe("console words", () => {
  it("has every key in Korean and English, none empty", () => {
    const ko = Object.keys(CONSOLE_MESSAGES.ko).sort();
    expect(Object.keys(CONSOLE_MESSAGES.en).sort()).toEqual(ko);
    for (const l of ["ko", "en"] as const) for (const [k, v] of Object.entries(CONSOLE_MESSAGES[l])) expect(v, `${l}.${k}`).not.toBe("");
  });
  it("names and explains every role", () => {
    for (const r of ROLES) {
      expect(CONSOLE_MESSAGES.ko).toHaveProperty(`role_${r}`);
      expect(CONSOLE_MESSAGES.ko).toHaveProperty(`about_${r}`);
    }
  });
});

describe("console chain helpers", () => {
  it("reads a datetime-local value as Korea time", () => {
    expect(kstInput("2026-12-01T19:00")).toBe(Date.UTC(2026, 11, 1, 10, 0) / 1000);
    expect(kstInput("2026-12-01")).toBeNaN();
  });
  it("writes the schedule body in the Go struct's order", () => {
    expect(new TextDecoder().decode(scheduleBody({ body: "b", title: "<t>", scheduledAt: 5, agenda: ["예산"], expected: 0 })))
      .toBe('{"body":"b","title":"\\u003ct\\u003e","scheduled_at":5,"agenda":[{"no":1,"title":"예산"}],"expected_attendees":0}');
  });
  it("finds a grant's scope down the chapter tree", () => {
    const tree = [{ id: "hq", name: "중앙당" }, { id: "seoul", name: "서울", parent: "hq" }, { id: "gangnam", name: "강남", parent: "seoul" }, { id: "busan", name: "부산", parent: "hq" }];
    const g = { member: "m", role: "secretary" as const, chapter: "seoul", granted_by: "", granted_at: 0, height: 0 };
    expect(scopeOf(tree, [g], "secretary").map((c) => c.id)).toEqual(["seoul", "gangnam"]);
    expect(scopeOf(tree, [g], "registrar")).toEqual([]);
  });
  // testdata/assembly/record-vectors.json: records as the node serves them,
  // written by Go (go test ./modules/assembly -run TestRecordVectors -update).
  const vectors = JSON.parse(readFileSync(new URL("../../testdata/assembly/record-vectors.json", import.meta.url), "utf8")).records as (MeetingRecord & { name: string })[];
  for (const v of vectors) {
    it(`hashes a meeting record as modules/assembly does: ${v.name}`, () => {
      expect(recordHash(v)).toBe(v.record_hash);
      // A finalized record hashes as it stood when signed.
      const final = structuredClone(v);
      final.meeting.state = "finalized";
      final.meeting.finalization = { hash: v.record_hash, chair: "m1" };
      final.meeting.errata = 2;
      expect(recordHash(final)).toBe(v.record_hash);
      // Any change shows.
      const changed = structuredClone(v);
      changed.present += 1;
      expect(recordHash(changed)).not.toBe(v.record_hash);
    });
  }
  // testdata/assembly/erratum-vectors.json, written by Go
  // (go test ./modules/assembly -run TestErratumVectors -update).
  const errata = JSON.parse(readFileSync(new URL("../../testdata/assembly/erratum-vectors.json", import.meta.url), "utf8")).errata as
    { name: string; meeting: string; no: number; target: string; correction: string; reason: string; erratum_hash: string }[];
  for (const v of errata) {
    it(`hashes an erratum as modules/assembly does: ${v.name}`, () => {
      expect(erratumHash(v)).toBe(v.erratum_hash);
      expect(erratumHash({ ...v, no: v.no + 1 })).not.toBe(v.erratum_hash);
    });
  }
  it("signs the co-signature message modules/assembly checks", () => {
    expect(new TextDecoder().decode(cosignMessage("pnyx-1", "finalize", "c.1", "ab"))).toBe("pnyx/assembly-cosign/v1\0pnyx-1\0finalize\0c.1\0ab");
  });
});
