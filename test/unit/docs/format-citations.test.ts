/**
 * Citations of the format notes: every `docs/formats.md#<anchor>` in src/, test/, scripts/ and
 * examples/, every `formats.md#<anchor>` link in docs/*.md, README.md and CONTRIBUTING.md, and
 * every `(#anchor)` link inside docs/formats.md names a heading of docs/formats.md (GitHub's
 * anchors). Citations of the format reference by section number, which is not in the repository,
 * are gone.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, … */
function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const m = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (!m) continue;
    const base = m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

function filesUnder(dir: string, ext: RegExp): string[] {
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return [];
  const out: string[] = [];
  for (const name of readdirSync(abs)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const path = join(abs, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(relative(ROOT, path), ext));
    else if (ext.test(name)) out.push(relative(ROOT, path));
  }
  return out;
}

const anchors = headingAnchors(read("docs/formats.md"));
const code = ["src", "test", "scripts", "examples"].flatMap((d) => filesUnder(d, /\.(ts|mts|mjs|js)$/));
const docs = [
  ...filesUnder("docs", /\.md$/).filter((f) => !f.startsWith("docs/notes/")),
  "README.md",
  "CONTRIBUTING.md",
].filter((f) => existsSync(join(ROOT, f)));

/** [file, anchor] for each citation found by `pattern` (group 1 is the anchor). */
function citations(files: string[], pattern: RegExp): [string, string][] {
  return files.flatMap((f) => [...read(f).matchAll(pattern)].map((m): [string, string] => [f, m[1]!]));
}

describe("format-note citations", () => {
  it("the anchor rule matches GitHub's", () => {
    expect([
      ...headingAnchors("# A b\n## Where `@x/y` fits\n### V1 metadata\n### A b\n```\n# no\n```"),
    ]).toEqual(["a-b", "where-xy-fits", "v1-metadata", "a-b-1"]);
  });

  it("docs/formats.md has the format notes the code cites", () => {
    for (const a of [
      "format-notes",
      "algorithm-suites",
      "format-detection",
      "key-commitment",
      "ranged-reads",
    ]) {
      expect(anchors).toContain(a);
    }
  });

  it("every docs/formats.md#<anchor> in code and tests names a heading", () => {
    const found = citations(code, /docs\/formats\.md#([\w-]+)/g);
    expect(found.length).toBeGreaterThan(30);
    expect(found.filter(([, a]) => !anchors.has(a))).toEqual([]);
  });

  it("every formats.md#<anchor> link in the docs, and every (#<anchor>) inside formats.md, names a heading", () => {
    const found = [
      ...citations(docs, /\]\((?:\.\/)?(?:docs\/)?formats\.md#([\w-]+)\)/g),
      ...citations(["docs/formats.md"], /\]\(#([\w-]+)\)/g),
    ];
    expect(found.length).toBeGreaterThan(10);
    expect(found.filter(([, a]) => !anchors.has(a))).toEqual([]);
  });

  it("nothing cites the format reference by section number", () => {
    const bySection = new RegExp(`spec ${"\u00a7"}|SPEC ${"\u00a7"}`);
    const stale = [...code, ...docs].filter((f) => bySection.test(read(f)));
    expect(stale).toEqual([]);
  });
});
