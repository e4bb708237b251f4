// What the console reads from and sends to the node, with no UI: the
// member's grants and scope, assembly records, the assembly transactions'
// bodies (fields in the Go structs' order, modules/assembly), and the
// meeting record hash and co-signature message, computed here exactly as
// modules/assembly computes them so the chair signs what the page shows.
import { sha256 } from "@noble/hashes/sha2.js";
import { publicGet, type Chapter } from "../lib/api";
import { concat, toHex, u32, utf8 } from "../lib/bytes";
import { canonicalBytes } from "../lib/canon";

export const ROLES = ["admin", "registrar", "secretary", "moderator", "election_commissioner", "kpi_attestor", "treasurer", "credential_issuer", "trustee"] as const;
export type Role = (typeof ROLES)[number];

export interface Grant { member: string; role: Role; chapter: string; granted_by: string; granted_at: number; height: number }
export interface Quorum { bp: number; more_than: boolean }
export interface Body { id: string; chapter: string; kind: string; name: string; quorum: Quorum; open_attendance: boolean; meetings: number }
export interface Mandate { body: string; member: string; position: string; from: number; until?: number }
export interface AgendaItem { no: number; title: string }
export interface QuorumCheck { present: number; base: number; met: boolean; at: number }
export interface Meeting {
  id: string; body: string; chapter: string; title: string; scheduled_at: number; agenda: AgendaItem[]; expected_attendees?: number;
  state: string; opened_at?: number; closed_at?: number; quorum_at_close?: QuorumCheck; motions: number;
  minutes?: { hash: string; size: number; inline: boolean }; finalization?: { hash: string; chair: string }; errata: number; secretary: string;
}
export interface Motion { meeting: string; no: number; agenda_item: number; title: string; text: string; decision: string; for: number; against: number; abstain: number; conclusions?: string }
export interface Erratum { meeting: string; no: number; target: string; correction: string; reason: string; signatures: { chair: string; secretary: string } }
export interface MeetingRecord { height: number; meeting: Meeting; present: number; motions: Motion[]; errata?: Erratum[] | null; record_hash: string }
export interface ChairSignature { meeting: string; hash: string; chair: string; chair_key: string; chair_sig: string; at: number }

export const grantsOf = async (member: string): Promise<Grant[]> =>
  (await publicGet<{ grants: Grant[] | null }>(`/v1/members/${encodeURIComponent(member)}/roles`)).grants ?? [];

export const chapterTree = async (): Promise<Chapter[]> => (await publicGet<{ chapters: Chapter[] }>("/v1/chapters")).chapters ?? [];

/** subtree lists a chapter and every chapter below it, from the tree. */
export function subtree(tree: Chapter[], root: string): Chapter[] {
  const out: Chapter[] = [];
  const walk = (id: string) => {
    const c = tree.find((x) => x.id === id);
    if (!c) return;
    out.push(c);
    tree.filter((x) => x.parent === id).forEach((x) => walk(x.id));
  };
  walk(root);
  return out;
}

/** scopeOf lists the chapters where grants of role reach, without repeats. */
export function scopeOf(tree: Chapter[], grants: Grant[], role: Role): Chapter[] {
  const seen = new Map<string, Chapter>();
  for (const g of grants) if (g.role === role) for (const c of subtree(tree, g.chapter)) seen.set(c.id, c);
  return [...seen.values()];
}

export const bodiesAt = async (chapter: string): Promise<Body[]> =>
  (await publicGet<{ bodies: Body[] | null }>(`/v1/assembly/bodies?chapter=${encodeURIComponent(chapter)}`)).bodies ?? [];
export const meetingsAt = async (chapter: string): Promise<Meeting[]> =>
  (await publicGet<{ meetings: Meeting[] | null }>(`/v1/assembly/meetings?chapter=${encodeURIComponent(chapter)}&limit=100`)).meetings ?? [];
export const meetingRecord = (id: string) => publicGet<MeetingRecord>(`/v1/assembly/meetings/${encodeURIComponent(id)}`);
export const meetingQuorum = (id: string) => publicGet<{ state: string; rule: Quorum; quorum: QuorumCheck }>(`/v1/assembly/meetings/${encodeURIComponent(id)}/quorum`);
export const mandatesOf = async (body: string): Promise<Mandate[]> =>
  (await publicGet<{ mandates: Mandate[] | null }>(`/v1/assembly/bodies/${encodeURIComponent(body)}/mandates`)).mandates ?? [];
export const bodyOf = async (id: string): Promise<Body> => (await publicGet<{ record: Body }>(`/v1/assembly/bodies/${encodeURIComponent(id)}`)).record;
export async function chairSignature(meeting: string): Promise<ChairSignature | null> {
  try {
    return (await publicGet<{ record: ChairSignature }>(`/v1/assembly/meetings/${encodeURIComponent(meeting)}/chair-signature`)).record;
  } catch (e) {
    if ((e as { code?: number }).code === 9) return null;
    throw e;
  }
}

/** erratumSignature reads the chair's signature over an erratum hash (assembly/chair-sign-erratum), or null. */
export async function erratumSignature(meeting: string, hash: string): Promise<ChairSignature | null> {
  try {
    return (await publicGet<{ record: ChairSignature }>(`/v1/assembly/meetings/${encodeURIComponent(meeting)}/erratum-signature/${hash}`)).record;
  } catch (e) {
    if ((e as { code?: number }).code === 9) return null;
    throw e;
  }
}

// Bodies of the assembly transactions (modules/assembly), fields in order.
export const scheduleBody = (b: { body: string; title: string; scheduledAt: number; agenda: string[]; expected: number }) =>
  canonicalBytes({ body: b.body, title: b.title, scheduled_at: b.scheduledAt, agenda: b.agenda.map((title, i) => ({ no: i + 1, title })), expected_attendees: b.expected });
export const meetingBody = (meeting: string) => canonicalBytes({ meeting });
export const attendanceBody = (meeting: string, members: string[]) => canonicalBytes({ meeting, members });
export const motionBody = (b: { meeting: string; item: number; title: string; text: string }) =>
  canonicalBytes({ meeting: b.meeting, agenda_item: b.item, title: b.title, text: b.text });
export const decideBody = (b: { meeting: string; motion: number; decision: string; for: number; against: number; abstain: number; conclusions: string }) =>
  canonicalBytes({ meeting: b.meeting, motion: b.motion, decision: b.decision, for: b.for, against: b.against, abstain: b.abstain, election: "", conclusions: b.conclusions });
export const minutesBody = (b: { meeting: string; hash: string; size: number; content: string }) =>
  canonicalBytes({ meeting: b.meeting, hash: b.hash, size: b.size, content: b.content });
export const chairSignBody = (b: { meeting: string; recordHash: string; chairSig: string }) =>
  canonicalBytes({ meeting: b.meeting, record_hash: b.recordHash, chair_sig: b.chairSig });
export const finalizeBody = (b: { meeting: string; recordHash: string; chair: string; chairSig: string; secretarySig: string }) =>
  canonicalBytes({ meeting: b.meeting, record_hash: b.recordHash, chair: b.chair, chair_sig: b.chairSig, secretary_sig: b.secretarySig });

export const chairSignErratumBody = (b: { meeting: string; erratumHash: string; chairSig: string }) =>
  canonicalBytes({ meeting: b.meeting, erratum_hash: b.erratumHash, chair_sig: b.chairSig });
/** assembly/erratum without chair_sig: the chain carries the chair's signature from assembly/chair-sign-erratum. */
export const erratumBody = (b: { meeting: string; target: string; correction: string; reason: string; secretarySig: string }) =>
  canonicalBytes({ meeting: b.meeting, target: b.target, correction: b.correction, reason: b.reason, new_minutes: null, new_minutes_content: "", chair: "", chair_sig: "", secretary_sig: b.secretarySig });

/** An erratum as the console drafts it (no new minutes). */
export interface ErratumDraft { meeting: string; no: number; target: string; correction: string; reason: string }

/**
 * erratumHash is assembly.ErratumHash: SHA-256 of "pnyx/assembly-erratum/v1\0"
 * and the erratum's JSON with its signatures empty, fields in the Go
 * struct's order (new_minutes is omitempty and the console files none).
 */
export function erratumHash(e: ErratumDraft): string {
  const signatures = { hash: "", chair: "", chair_key: "", chair_sig: "", secretary: "", secretary_key: "", secretary_sig: "", at: 0, height: 0 };
  const j = canonicalBytes({ meeting: e.meeting, no: e.no, target: e.target, correction: e.correction, reason: e.reason, signatures });
  return toHex(sha256(concat(utf8("pnyx/assembly-erratum/v1\0"), j)));
}

/** erratumLink is the chair's page for an erratum: its text travels in the fragment, and the page hashes it itself. */
export const erratumLink = (base: string, e: { meeting: string; target: string; correction: string; reason: string }) =>
  `${base}#/console/erratum/${encodeURIComponent(e.meeting)}?${new URLSearchParams({ target: e.target, correction: e.correction, reason: e.reason }).toString()}`;

/**
 * recordHash computes assembly.ComputeRecordHash from the record as the node
 * gave it: SHA-256 over "pnyx/assembly-record/v1\0" and, each after its
 * length as a u32, the meeting's JSON as it stood when signed (closed, no
 * finalization, no errata), the count present in decimal, and every motion's
 * JSON. JSON.parse keeps the keys in the order Go wrote them, and
 * canonicalBytes writes them back byte for byte as Go's json.Marshal.
 */
export function recordHash(rec: MeetingRecord): string {
  const m: Record<string, unknown> = { ...rec.meeting };
  if (m.state === "finalized") m.state = "closed";
  m.finalization = undefined;
  m.errata = 0;
  const parts = [canonicalBytes(m), utf8(String(rec.present)), ...rec.motions.map((x) => canonicalBytes(x))];
  return toHex(sha256(concat(utf8("pnyx/assembly-record/v1\0"), ...parts.flatMap((p) => [u32(p.length), p]))));
}

/** cosignMessage is assembly.CosignMessage: what the chair and the secretary sign. */
export const cosignMessage = (chainId: string, kind: "finalize" | "erratum", meeting: string, hashHex: string): Uint8Array =>
  utf8("pnyx/assembly-cosign/v1\0" + chainId + "\0" + kind + "\0" + meeting + "\0" + hashHex);

/** kstInput turns a datetime-local value read as Korea time into Unix seconds. */
export function kstInput(v: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v);
  if (!m) return NaN;
  return Math.floor(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4] - 9, +m[5], +(m[6] ?? 0)) / 1000);
}

/** sha256Hex is the hex SHA-256 of a document (minutes). */
export const sha256Hex = (b: Uint8Array): string => toHex(sha256(b));

export const MEMBER_ID = /^m[0-9a-f]{20}$/;

// Bodies of the registrar's transactions (modules/members), fields in order.
export const enrollBody = (entries: { codeHash: string; chapter: string; cls: string }[]) =>
  canonicalBytes({ entries: entries.map((e) => ({ code_hash: e.codeHash, chapter: e.chapter, class: e.cls })) });
export const approveBody = (entries: { publicKey: string; chapter: string; cls: string }[]) =>
  canonicalBytes({ entries: entries.map((e) => ({ public_key: e.publicKey, chapter: e.chapter, class: e.cls })) });
export const transferBody = (member: string, chapter: string) => canonicalBytes({ member, chapter });
export const setClassBody = (member: string, cls: string) => canonicalBytes({ member, class: cls });
/** member/suspend, reinstate, expel: members.StatusBody (reason is omitempty). */
export const statusBody = (member: string, reason: number) => canonicalBytes({ member, reason: reason || undefined });
export const recoverBody = (member: string, newKey: string) => canonicalBytes({ member, new_key: newKey });

/** The reason codes of members.ReasonNames. */
export const REASONS = [1, 2, 3, 4, 5, 9] as const;

/** election/create: election.CreateBody, fields in order (class and the optional tail are omitempty).
 * The console creates record-version-4 elections, as the CLI does: their record carries every
 * request's, answer's and ballot's height and the issuers' blind signatures, and the chain refuses
 * the old on-chain spoil, which published a voter's own one-time key (issue 11, finding 6). */
export const createElectionBody = (b: {
  id: string; chapter: string; cls: string; title: string;
  contests: { title: string; selectionLimit: number; optionLimit: number; options: string[] }[];
  trustees: string[]; threshold: number; issuers: string[]; issueStart: number; issueEnd: number; voteStart: number; voteEnd: number; allowOverlap: boolean;
}) => canonicalBytes({
  id: b.id, chapter: b.chapter, class: b.cls || undefined, title: b.title,
  contests: b.contests.map((c) => ({ title: c.title, selection_limit: c.selectionLimit, option_limit: c.optionLimit, options: c.options })),
  trustees: b.trustees, threshold: b.threshold, issuers: b.issuers,
  issue_start: b.issueStart, issue_end: b.issueEnd, vote_start: b.voteStart, vote_end: b.voteEnd, allow_overlap: b.allowOverlap || undefined,
  record_version: 4,
});

/** role/grant, role/revoke: org.RoleBody. chapter/create: org.CreateChapterBody. */
export const roleBody = (member: string, role: string, chapter: string) => canonicalBytes({ member, role, chapter });
export const chapterBody = (id: string, name: string, parent: string) => canonicalBytes({ id, name, parent });
