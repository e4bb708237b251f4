// The assembly pages' words in Korean and English (test/i18n.test.ts holds
// both halves to the same keys).
import { useI18n, type Lang } from "../../i18n";

const ko = {
  asmTitle: "회의",
  asmIntro: "우리 시도당·당협과 그 위 조직의 회의 일정입니다 (지난 60일부터 앞으로 90일까지).",
  asmNone: "이 기간에 회의가 없습니다.",
  asmOpenNow: "지금 출석 체크를 받고 있습니다",
  mstate_scheduled: "예정",
  mstate_open: "진행 중 (출석 체크 중)",
  mstate_closed: "폐회",
  mstate_finalized: "회의록 확정",
  mstate_cancelled: "취소",
  asmWhen: "일시",
  asmState: "상태",
  asmBody: "회의체",
  asmAgenda: "안건",
  asmNoAgenda: "안건이 없습니다.",
  asmPresent: "출석 {n}명",
  asmExpected: "(예상 {n}명)",
  asmCheckIn: "출석 체크",
  asmCheckedIn: "출석했습니다.",
  asmDecisions: "의결",
  asmNoMotions: "아직 상정된 안건이 없습니다.",
  asmMotion: "제{no}호 의안",
  decision_adopted: "가결",
  decision_rejected: "부결",
  decision_withdrawn: "철회",
  decision_deferred: "보류",
  decision_: "표결 전",
  asmVotes: "찬성 {f} · 반대 {a} · 기권 {b}",
  asmQuorum: "정족수: 출석 {present}명 / 기준 {base}명 — {met}",
  asmQuorumMet: "충족",
  asmQuorumNotMet: "미달",
  asmMinutes: "회의록",
  asmNoMinutes: "회의록이 아직 없습니다.",
  asmMinutesHash: "해시(SHA-256) {h}",
  asmFinalized: "의장과 서기가 회의 기록에 서명해 확정했습니다.",
  asmCertificate: "의결 증명서 내려받기 (제{no}호)",
  asmCertificateNote: "증명서에는 검증인 서명과 머클 증명이 들어 있어, 노드를 믿지 않고도 `pnyx verify record 파일`로 확인할 수 있습니다.",
  asmCertificateSaved: "증명서를 내려받았습니다: {file}",
  asmErrata: "정정",
};

const en: typeof ko = {
  asmTitle: "Meetings",
  asmIntro: "Meetings of your chapter and the chapters above it, from 60 days ago to 90 days ahead.",
  asmNone: "No meetings in this period.",
  asmOpenNow: "Check-in is open now",
  mstate_scheduled: "Scheduled",
  mstate_open: "In session (check-in open)",
  mstate_closed: "Closed",
  mstate_finalized: "Record final",
  mstate_cancelled: "Cancelled",
  asmWhen: "When",
  asmState: "State",
  asmBody: "Body",
  asmAgenda: "Agenda",
  asmNoAgenda: "No agenda.",
  asmPresent: "{n} present",
  asmExpected: "({n} expected)",
  asmCheckIn: "Check in",
  asmCheckedIn: "You are checked in.",
  asmDecisions: "Decisions",
  asmNoMotions: "No motions yet.",
  asmMotion: "Motion {no}",
  decision_adopted: "Adopted",
  decision_rejected: "Rejected",
  decision_withdrawn: "Withdrawn",
  decision_deferred: "Deferred",
  decision_: "Not yet decided",
  asmVotes: "For {f} · against {a} · abstaining {b}",
  asmQuorum: "Quorum: {present} present of {base} required — {met}",
  asmQuorumMet: "met",
  asmQuorumNotMet: "not met",
  asmMinutes: "Minutes",
  asmNoMinutes: "No minutes yet.",
  asmMinutesHash: "SHA-256 {h}",
  asmFinalized: "The chair and the secretary signed the meeting's record: it is final.",
  asmCertificate: "Download the resolution certificate (motion {no})",
  asmCertificateNote: "The certificate carries the validators' signatures and Merkle proofs: `pnyx verify record FILE` checks it without trusting any node.",
  asmCertificateSaved: "Certificate downloaded: {file}",
  asmErrata: "Corrections",
};

export const ASSEMBLY_WORDS: Record<Lang, typeof ko> = { ko, en };
export type AssemblyWord = keyof typeof ko;

export const useAsmWords = () => {
  const i = useI18n();
  const m = ASSEMBLY_WORDS[i.lang];
  return { ...i, w: (k: AssemblyWord, vars?: Record<string, string | number>) => m[k].replace(/\{(\w+)\}/g, (_, v) => String(vars?.[v] ?? "")) };
};
