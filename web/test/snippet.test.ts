// The index's snippets, read the way the portal shows them: the same cases
// the Go index must write (internal/index TestSnippetMarksMatches).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { snippetParts, unescapeHTML } from "../src/lib/snippet";

const file = JSON.parse(readFileSync(new URL("../../testdata/search/snippets.json", import.meta.url), "utf8")) as {
  vectors: { query: string; snippet: string; marks: string[]; text: string }[];
};

describe("search snippets", () => {
  it("has vectors", () => expect(file.vectors.length).toBeGreaterThan(0));
  for (const v of file.vectors) {
    it(`marks what ${v.query} matched, and shows the text as written`, () => {
      const parts = snippetParts(v.snippet);
      expect(parts.filter((p) => p.mark).map((p) => p.text)).toEqual(v.marks);
      expect(parts.map((p) => p.text).join("")).toBe(v.text);
    });
  }
  it("leaves unknown or out-of-range escapes as written", () => {
    expect(unescapeHTML("&nbsp; &#0; &#x110000; &amp;lt;")).toBe("&nbsp; &#0; &#x110000; &lt;");
  });
  it("never turns escaped markup into tags", () => {
    const parts = snippetParts("&lt;mark&gt;x&lt;/mark&gt; <mark>y</mark>");
    expect(parts).toEqual([{ text: "<mark>x</mark> ", mark: false }, { text: "y", mark: true }]);
  });
});
