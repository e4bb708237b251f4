// Encrypting the booth's ballot (two contests, 3 + 7 = 10 options, limit
// 1 each, choose 1 and up to 2) with this code, in Node's V8 (the engine
// of Chromium): npx vitest bench --run bench/ballot.bench.ts. The browser
// figure comes from e2e/booth.test.mjs (artifacts/booth-figures.json).
import { bench } from "vitest";
import { readFileSync } from "node:fs";
import { concat, fromHex, u16, u32, utf8 } from "../src/lib/bytes";
import { decodeManifest, encrypt, makeElection, oneTimeKey } from "../src/lib/election/ballot";
import { cryptoRand } from "../src/lib/election/group";

const str = (s: string) => concat(u32(utf8(s).length), utf8(s));
const go = JSON.parse(readFileSync(new URL("../../testdata/ballot/go-vectors.json", import.meta.url), "utf8"));
const v = go.ballots[1]; // one issuer
const opts1 = ["김민지", "이서준", "박하늘"], opts2 = ["청년 주거", "대중교통", "돌봄", "기후", "일자리", "교육", "의료"];
const man = concat(utf8("PNYXMAN1"), new Uint8Array(32), str("2026 서울시당 선거"), u16(2), str("시당위원장"), u32(1), u32(1), u16(3), ...opts1.map(str),
  str("정책 우선순위"), u32(2), u32(1), u16(7), ...opts2.map(str));
const e = makeElection(decodeManifest(man), fromHex(v.joint_key), [256]);
const key = oneTimeKey(5n);
const cred = [fromHex(v.credentials[0])];

// On a busy machine wall time says little: the CPU time of this process per
// encryption is printed too (its last line, key=value).
let cpu = 0, n = 0;
bench("encrypt a 10-option ballot", () => {
  const c0 = process.cpuUsage();
  encrypt(cryptoRand, e, key, cred, [[0, 1, 0], [1, 0, 0, 0, 0, 1, 0]]);
  const c = process.cpuUsage(c0);
  cpu += c.user + c.system;
  n++;
}, { iterations: 20, warmupIterations: 3, teardown: (_t, mode) => {
  if (mode === "run") console.log(`ballot_options=10 encryptions=${n} cpu_ms_per_ballot=${Math.round(cpu / n / 1000)}`);
} });
