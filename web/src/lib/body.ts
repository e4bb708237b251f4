// Body builders for the transactions the portal sends. Each writes its
// fields in the order of the Go body struct (x-pnyx-transactions in
// /openapi.json gives the schema), so canonicalBytes matches json.Marshal.
import { canonicalBytes } from "./canon";

/** member/redeem: members.RedeemBody. */
export const redeemBody = (code: string): Uint8Array => canonicalBytes({ code });

/** petition/open, agree, unagree, withdraw: petition.RefBody. */
export const petitionRefBody = (petition: string): Uint8Array => canonicalBytes({ petition });

/** petition/agree: petition.RefBody. */
export const agreeBody = petitionRefBody;

/** petition/create: petition.CreateBody. The client picks the ID. */
export const createPetitionBody = (b: { id: string; chapter: string; category: string; title: string; body: string }): Uint8Array =>
  canonicalBytes({ id: b.id, chapter: b.chapter, category: b.category, title: b.title, body: b.body });

/** comment/post: petition.CommentBody (parent and on_answer are omitempty). */
export const commentBody = (b: { id: string; petition: string; parent?: string; onAnswer?: boolean; stance: string; body: string }): Uint8Array =>
  canonicalBytes({ id: b.id, petition: b.petition, parent: b.parent || undefined, on_answer: b.onAnswer || undefined, stance: b.stance, body: b.body });

/** comment/vote: petition.VoteBody (vote is up, down or none). */
export const voteBody = (comment: string, vote: "up" | "down" | "none"): Uint8Array => canonicalBytes({ comment, vote });

/** comment/report: petition.ReportBody (reason is spam, offensive or off_topic). */
export const reportBody = (comment: string, reason: string): Uint8Array => canonicalBytes({ comment, reason });

/** assembly/check-in: assembly.MeetingBody. */
export const checkInBody = (meeting: string): Uint8Array => canonicalBytes({ meeting });
