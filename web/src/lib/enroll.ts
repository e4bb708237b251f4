// Enrollment codes and member IDs, as package members computes them.
import { sha256 } from "@noble/hashes/sha2.js";
import { toHex, utf8 } from "./bytes";

/**
 * normalizeCode turns what a person typed or a link carried into the code
 * the registrar issued. Codes are base32 (A-Z, 2-7) in groups of five joined
 * by hyphens ("ABCDE-FGHIJ-KLMNO-PQRST"); typing is case-insensitive and
 * forgiving: spaces, dots and underscores are dropped, and 20 characters
 * without hyphens are regrouped.
 */
export function normalizeCode(input: string): string {
  let s = input.normalize("NFKC").toUpperCase().replace(/[\s._]+/g, "").replace(/[\u2010-\u2015\u2212]/g, "-");
  if (/^[A-Z2-7]{20}$/.test(s)) s = `${s.slice(0, 5)}-${s.slice(5, 10)}-${s.slice(10, 15)}-${s.slice(15)}`;
  return s;
}

/** codeLooksValid says whether a normalized code has the registrar's shape. */
export const codeLooksValid = (code: string): boolean => /^[A-Z2-7]{5}(-[A-Z2-7]{5}){3}$/.test(code);

/** enrollmentCodeHash is hex SHA-256("pnyx/enroll/v1\0" ‖ chainID ‖ "\0" ‖ code). */
export const enrollmentCodeHash = (chainId: string, code: string): string =>
  toHex(sha256(utf8("pnyx/enroll/v1\0" + chainId + "\0" + code)));

/** deriveMemberId is "m" and 20 hex digits of SHA-256("pnyx/member-id/v1\0" ‖ source). */
export const deriveMemberId = (source: string): string =>
  "m" + toHex(sha256(utf8("pnyx/member-id/v1\0" + source)).slice(0, 10));
