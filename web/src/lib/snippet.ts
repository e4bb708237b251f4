// Search snippets, as the node's index writes them (internal/index): the
// text HTML-escaped, each match wrapped in <mark>…</mark>. The portal never
// hands them to innerHTML; it splits them into plain text and marked parts,
// so a snippet can mark words but never inject markup. Format and cases:
// testdata/search/snippets.json.

export interface SnippetPart {
  text: string;
  mark: boolean;
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

// unescapeHTML undoes what Go's html.EscapeString does (and numeric escapes
// in general); anything it does not recognise is left as written.
export function unescapeHTML(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (all, ref: string) => {
    if (ref[0] === "#") {
      const n = ref[1] === "x" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : all;
    }
    return NAMED[ref] ?? all;
  });
}

// snippetParts splits a snippet into its plain and marked runs, in order,
// with the escapes undone. Empty runs are dropped.
export function snippetParts(snippet: string): SnippetPart[] {
  const out: SnippetPart[] = [];
  let mark = false;
  for (const piece of snippet.split(/(<mark>|<\/mark>)/)) {
    if (piece === "<mark>") mark = true;
    else if (piece === "</mark>") mark = false;
    else if (piece) out.push({ text: unescapeHTML(piece), mark });
  }
  return out;
}
