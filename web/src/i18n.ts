// The portal's words in Korean (the default) and English. Every key exists
// in both languages (test/i18n.test.ts checks), and dates are shown in KST,
// labelled, whatever the device's time zone.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { errorSentence } from "./errors";

export type Lang = "ko" | "en";

const ko = {
  appName: "pnyx 당원 포털",
  skip: "본문으로 건너뛰기",
  navHome: "할 일",
  navCard: "내 당원증",
  navJoin: "가입",
  navPetitions: "청원",
  langToggle: "English",
  langToggleLabel: "Switch the portal to English",
  largeText: "큰 글씨",
  loading: "불러오는 중…",
  retry: "다시 시도",
  errorTitle: "문제가 생겼습니다",
  errorDetail: "자세한 내용",
  homeTitle: "할 일",
  homeWelcome: "pnyx 당원 포털에 오신 것을 환영합니다.",
  homeNotJoined: "아직 이 기기에 당원 키가 없습니다. 등록 담당자에게 받은 가입 코드로 가입하세요.",
  homeJoinCta: "가입 코드로 가입하기",
  homePetitions: "우리 시도당·당협의 청원",
  homeNoPetitions: "지금 우리 지역에 올라온 청원이 없습니다.",
  homeAgreements: "동의 {n}명",
  homeCardCta: "내 당원증 보기",
  joinTitle: "가입하기",
  joinIntro: "등록 담당자에게 받은 가입 코드를 입력하세요. 이 기기에서 당원 키가 만들어지며, 키는 기기 밖으로 나가지 않습니다.",
  joinCodeLabel: "가입 코드",
  joinCodeHint: "예: ABCDE-FGHIJ-KLMNO-PQRST (대소문자 구분 없음)",
  joinCodeInvalid: "가입 코드는 영문과 숫자 20자(5자씩 4묶음)입니다. 다시 확인해 주세요.",
  joinSubmit: "키를 만들고 가입하기",
  joinWorking: "키를 만들고 가입 중입니다…",
  joinAlready: "이 기기에는 이미 당원 키가 있습니다 ({id}).",
  joinDone: "가입이 완료되었습니다.",
  joinMemberId: "당원 번호",
  joinKeyKind: "키 보관 방식",
  keyWebcrypto: "브라우저 보안 저장소 (밖으로 꺼낼 수 없음)",
  keySeed: "브라우저 저장소",
  backupTitle: "키 백업 (암호화)",
  backupIntro: "이 기기를 잃어버려도 당원 자격을 이어갈 수 있도록, 암호로 잠근 키 백업 파일을 내려받아 안전한 곳에 보관하세요. 이 화면을 떠나면 백업을 다시 만들 수 없습니다.",
  backupPass: "백업 암호 (10자 이상)",
  backupPass2: "백업 암호 확인",
  backupMismatch: "두 암호가 같지 않습니다.",
  backupShort: "암호는 10자 이상이어야 합니다.",
  backupDownload: "암호화된 백업 내려받기",
  backupSaved: "백업 파일을 만들었습니다: {file}",
  recoveryTitle: "키를 잃어버렸다면",
  recoveryText: "백업 파일과 암호가 있으면 새 기기에서 키를 되살릴 수 있습니다. 둘 다 잃었다면 소속 시도당의 등록 담당자에게 신분을 확인받으세요. 담당자가 새 기기에서 만든 키로 당원 자격을 옮겨 줍니다(당원 번호와 기록은 그대로이며, 예전 키는 다시 쓸 수 없습니다). 백업 암호는 누구에게도 알려 주지 마세요. 당 직원도 묻지 않습니다.",
  continueCard: "내 당원증으로",
  cardTitle: "내 당원증",
  cardNoKey: "이 기기에 당원 키가 없습니다.",
  cardMemberId: "당원 번호",
  cardStatus: "상태",
  cardClass: "당원 구분",
  cardChapter: "소속",
  cardPoints: "당원 포인트",
  cardCredential: "당원 자격 증명",
  cardJoined: "가입일",
  cardKey: "공개 키",
  cardHeight: "블록 {h} 기준",
  status_active: "활동",
  status_suspended: "정지",
  status_withdrawn: "탈당",
  status_expelled: "제명",
  status_revoked: "취소",
  status_ended: "종료",
  class_general: "일반당원",
  class_responsible: "책임당원",
  petitionsTitle: "청원",
  state_draft: "초안",
  state_pre_agreement: "사전 동의 중",
  state_collecting: "동의 모집 중",
  state_threshold_reached: "기준 달성",
  state_answered: "답변 완료",
  state_expired: "기간 만료",
  state_withdrawn: "철회",
  state_hidden: "숨김",
  kst: "KST",
  notFoundTitle: "페이지를 찾을 수 없습니다",
  backHome: "할 일로 돌아가기",
};

type Messages = typeof ko;
export type MessageKey = keyof Messages;

const en: Messages = {
  appName: "pnyx member portal",
  skip: "Skip to content",
  navHome: "To do",
  navCard: "My membership",
  navJoin: "Join",
  navPetitions: "Petitions",
  langToggle: "한국어",
  langToggleLabel: "포털을 한국어로 보기",
  largeText: "Large text",
  loading: "Loading…",
  retry: "Try again",
  errorTitle: "Something went wrong",
  errorDetail: "Details",
  homeTitle: "To do",
  homeWelcome: "Welcome to the pnyx member portal.",
  homeNotJoined: "This device holds no member key yet. Join with the enrollment code your registrar gave you.",
  homeJoinCta: "Join with an enrollment code",
  homePetitions: "Petitions in my chapter",
  homeNoPetitions: "No petitions in your chapter right now.",
  homeAgreements: "{n} agreements",
  homeCardCta: "Show my membership card",
  joinTitle: "Join",
  joinIntro: "Enter the enrollment code your registrar gave you. Your member key is made on this device and never leaves it.",
  joinCodeLabel: "Enrollment code",
  joinCodeHint: "For example ABCDE-FGHIJ-KLMNO-PQRST (not case-sensitive)",
  joinCodeInvalid: "An enrollment code has 20 letters and digits in four groups of five. Please check it.",
  joinSubmit: "Make my key and join",
  joinWorking: "Making your key and joining…",
  joinAlready: "This device already holds a member key ({id}).",
  joinDone: "You have joined.",
  joinMemberId: "Member ID",
  joinKeyKind: "How the key is kept",
  keyWebcrypto: "Browser's secure key store (cannot be exported)",
  keySeed: "Browser storage",
  backupTitle: "Key backup (encrypted)",
  backupIntro: "So that you keep your membership if you lose this device, download a passphrase-locked backup of your key and keep it somewhere safe. Once you leave this page the backup cannot be made again.",
  backupPass: "Backup passphrase (at least 10 characters)",
  backupPass2: "Repeat the passphrase",
  backupMismatch: "The two passphrases differ.",
  backupShort: "The passphrase needs at least 10 characters.",
  backupDownload: "Download the encrypted backup",
  backupSaved: "Backup file made: {file}",
  recoveryTitle: "If you lose your key",
  recoveryText: "With the backup file and its passphrase you can restore your key on a new device. If you have lost both, ask the registrar of your chapter to confirm who you are; they move your membership to a key made on your new device (your member ID and records stay; the old key can never be used again). Never tell anyone your backup passphrase; party staff will not ask for it.",
  continueCard: "Go to my membership",
  cardTitle: "My membership",
  cardNoKey: "This device holds no member key.",
  cardMemberId: "Member ID",
  cardStatus: "Status",
  cardClass: "Class",
  cardChapter: "Chapter",
  cardPoints: "Party points",
  cardCredential: "Membership credential",
  cardJoined: "Joined",
  cardKey: "Public key",
  cardHeight: "as of block {h}",
  status_active: "Active",
  status_suspended: "Suspended",
  status_withdrawn: "Withdrawn",
  status_expelled: "Expelled",
  status_revoked: "Revoked",
  status_ended: "Ended",
  class_general: "General member",
  class_responsible: "Responsible member (책임당원)",
  petitionsTitle: "Petitions",
  state_draft: "Draft",
  state_pre_agreement: "Gathering first agreements",
  state_collecting: "Collecting agreements",
  state_threshold_reached: "Threshold reached",
  state_answered: "Answered",
  state_expired: "Expired",
  state_withdrawn: "Withdrawn",
  state_hidden: "Hidden",
  kst: "KST",
  notFoundTitle: "Page not found",
  backHome: "Back to my to-do list",
};

export const MESSAGES: Record<Lang, Messages> = { ko, en };

export interface I18n {
  lang: Lang;
  t: (k: MessageKey, vars?: Record<string, string | number>) => string;
  /** word translates a value from the chain (status, class, state) or shows it as is. */
  word: (prefix: string, v: string) => string;
  err: (code: number) => string;
  date: (unix: number) => string;
}

export function makeI18n(lang: Lang): I18n {
  const m = MESSAGES[lang];
  const fmt = new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-GB", { timeZone: "Asia/Seoul", dateStyle: "medium", timeStyle: "short" });
  return {
    lang,
    t: (k, vars) => m[k].replace(/\{(\w+)\}/g, (_, v) => String(vars?.[v] ?? "")),
    word: (prefix, v) => (m as Record<string, string>)[`${prefix}_${v}`] ?? v,
    err: (code) => errorSentence(code, lang),
    date: (unix) => `${fmt.format(new Date(unix * 1000))} ${m.kst}`,
  };
}

export const I18nContext = createContext<I18n>(makeI18n("ko"));
export const useI18n = () => useContext(I18nContext);

const LANG_KEY = "pnyx.lang";
export function initialLang(): Lang {
  try {
    const v = localStorage.getItem(LANG_KEY);
    if (v === "ko" || v === "en") return v;
  } catch {
    /* storage may be off */
  }
  return "ko";
}
export function rememberLang(l: Lang) {
  try {
    localStorage.setItem(LANG_KEY, l);
  } catch {
    /* ignore */
  }
}
