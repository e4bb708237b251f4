// Canonical JSON: the one byte form a pnyx transaction body may take, which is
// what Go's encoding/json.Marshal writes for the body struct (docs/tx-format.md).
//
// Objects keep their keys in insertion order, which must be the Go struct's
// field order (the body builders in body.ts write them so). Strings are
// escaped exactly as Go escapes them, HTML-safe: <, > and & become \u003c,
// \u003e, \u0026; U+2028 and U+2029 become \u2028, \u2029; control
// characters take \b \f \n \r \t or \u00XX (lowercase hex); everything else,
// Hangul included, is written as UTF-8. Numbers must be safe integers (the
// portal never sends a float or an integer beyond 2^53-1). undefined fields
// are left out, which is how a Go field tagged omitempty is absent.

const HEX = "0123456789abcdef";

export function canonicalString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      // A surrogate must be half of a valid pair: Go would replace a lone
      // one with U+FFFD, so a body holding one could not round-trip.
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i] + s[i + 1];
        i++;
        continue;
      }
      throw new Error("canonical JSON: lone surrogate in string");
    }
    switch (c) {
      case 0x22: out += '\\"'; continue;
      case 0x5c: out += "\\\\"; continue;
      case 0x08: out += "\\b"; continue;
      case 0x0c: out += "\\f"; continue;
      case 0x0a: out += "\\n"; continue;
      case 0x0d: out += "\\r"; continue;
      case 0x09: out += "\\t"; continue;
      case 0x3c: case 0x3e: case 0x26: case 0x2028: case 0x2029:
        out += "\\u" + HEX[(c >> 12) & 15] + HEX[(c >> 8) & 15] + HEX[(c >> 4) & 15] + HEX[c & 15];
        continue;
    }
    if (c < 0x20) {
      out += "\\u00" + HEX[c >> 4] + HEX[c & 15];
      continue;
    }
    out += s[i];
  }
  return out + '"';
}

export function canonicalJSON(v: unknown): string {
  if (v === null) return "null";
  switch (typeof v) {
    case "boolean":
      return v ? "true" : "false";
    case "number":
      if (!Number.isSafeInteger(v)) throw new Error(`canonical JSON: ${v} is not a safe integer`);
      return Object.is(v, -0) ? "0" : String(v);
    case "bigint":
      return v.toString();
    case "string":
      return canonicalString(v);
    case "object": {
      if (Array.isArray(v)) return "[" + v.map(canonicalJSON).join(",") + "]";
      const parts: string[] = [];
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (x === undefined) continue;
        parts.push(canonicalString(k) + ":" + canonicalJSON(x));
      }
      return "{" + parts.join(",") + "}";
    }
  }
  throw new Error(`canonical JSON: cannot encode a ${typeof v}`);
}

/** canonicalBytes is the UTF-8 of canonicalJSON(v): a transaction body. */
export const canonicalBytes = (v: unknown): Uint8Array => new TextEncoder().encode(canonicalJSON(v));
