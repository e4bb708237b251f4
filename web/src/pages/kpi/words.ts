// The KPI scorecard page's words in Korean and English.
import { useI18n, type Lang } from "../../i18n";

const ko = {
  kpiTitle: "KPI 성과표",
  kpiIntro: "당 KPI 규칙은 확정된 회의 결정으로만 정해집니다. 내 성과표는 나와 권한 있는 담당자만 볼 수 있습니다.",
  kpiNone: "아직 채택된 KPI 규칙이 없습니다.",
  kpiPeriod: "기간",
  kpiShow: "보기",
  kpiPeriodRange: "{from} ~ {to}",
  kpiState: "상태",
  pstate_future: "시작 전",
  pstate_open: "진행 중",
  pstate_grace: "마감 유예 중",
  pstate_closed: "마감",
  pstate_final: "확정",
  kpiVersion: "규칙 버전 {v}",
  kpiMine: "내 성과표",
  kpiChapter: "우리 당협 성과표",
  kpiScore: "점수",
  kpiScoreValue: "{p}점 / 100점",
  kpiReward: "보상 {n} 포인트",
  kpiRule: "항목",
  kpiValue: "실적",
  kpiTarget: "목표",
  kpiWeight: "비중",
  kpiRuleScore: "항목 점수",
  kpiNotApplicable: "해당 없음",
  kpiPending: "확인 대기 중인 실적 {n}건",
  kpiPast: "지난 기간",
  kpiPastNone: "지난 기간 기록이 없습니다.",
  kpiNoCard: "이 기간에는 이 성과표가 없습니다.",
  agg_count: "횟수",
  agg_sum: "합계",
  agg_ratio: "비율",
  agg_streak: "연속 개월",
  agg_distinct_days: "서로 다른 날",
};

const en: typeof ko = {
  kpiTitle: "KPI scorecard",
  kpiIntro: "The party's KPI rules are set only by a finalized assembly decision. Your scorecard is visible to you and to officials with scope only.",
  kpiNone: "No KPI rules have been adopted yet.",
  kpiPeriod: "Period",
  kpiShow: "Show",
  kpiPeriodRange: "{from} to {to}",
  kpiState: "State",
  pstate_future: "Not started",
  pstate_open: "Open",
  pstate_grace: "In its grace period",
  pstate_closed: "Closed",
  pstate_final: "Final",
  kpiVersion: "Rule set version {v}",
  kpiMine: "My scorecard",
  kpiChapter: "My chapter's scorecard",
  kpiScore: "Score",
  kpiScoreValue: "{p} of 100",
  kpiReward: "Reward: {n} points",
  kpiRule: "Item",
  kpiValue: "Record",
  kpiTarget: "Target",
  kpiWeight: "Weight",
  kpiRuleScore: "Item score",
  kpiNotApplicable: "not applicable",
  kpiPending: "{n} record(s) awaiting a second attestor",
  kpiPast: "Earlier periods",
  kpiPastNone: "No earlier periods.",
  kpiNoCard: "This scorecard does not exist for this period.",
  agg_count: "count",
  agg_sum: "sum",
  agg_ratio: "ratio",
  agg_streak: "months in a row",
  agg_distinct_days: "distinct days",
};

export const KPI_WORDS: Record<Lang, typeof ko> = { ko, en };
export type KpiWord = keyof typeof ko;
export const useKpiWords = () => {
  const i = useI18n();
  const m = KPI_WORDS[i.lang];
  return { ...i, w: (k: KpiWord, vars?: Record<string, string | number>) => (m[k] ?? k).replace(/\{(\w+)\}/g, (_, v) => String(vars?.[v] ?? "")) };
};
