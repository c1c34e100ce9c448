import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("../../../scripts/check-preconditions.mjs", import.meta.url));

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A fixture tree: { "src/a.ts": "...", "test/a.test.ts": "..." }; returns its root. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "s3cse-preconditions-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function check(root: string, ...extra: string[]) {
  const r = spawnSync(process.execPath, [SCRIPT, "--src", "src", "--test", "test", ...extra], {
    cwd: root,
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const SRC = [
  "export function f(n: number) {",
  "  /* Precondition: n is a positive integer. */",
  "  if (!(n > 0)) throw new Error();",
  "  /* Precondition: the name is",
  "   * at most 10   characters */",
  "  return n;",
  "}",
  "",
].join("\n");

describe("scripts/check-preconditions.mjs", () => {
  it("passes when every precondition has a test whose title contains it (case, whitespace, trailing punctuation normalised)", () => {
    const root = tree({
      "src/f.ts": SRC,
      "test/f.test.ts": [
        'it("Precondition: N is a positive   integer — 0 is refused", () => {});',
        "test(`precondition: the name is at most 10 characters!`, () => {});",
      ].join("\n"),
    });
    const r = check(root);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("preconditions: 2 of 2 have a test of the same name");
  });

  it("fails with a clear list (file:line and text) when a precondition has no test", () => {
    const root = tree({
      "src/f.ts": SRC,
      "src/deep/g.ts": "/* Precondition: g has a test */\nexport const g = 1;\n",
      "test/f.test.ts":
        'it("Precondition: n is a positive integer", () => {});\nit("g has a test", () => {});\n',
    });
    const r = check(root);
    expect(r.code).toBe(1);
    expect(r.err).toContain("preconditions without a test of the same name (1):");
    expect(r.err).toContain("src/f.ts:4  the name is at most 10 characters");
    expect(r.err).not.toContain("g has a test");
    expect(r.out).toContain("preconditions: 2 of 3");
  });

  it("counts it.each / test.each / skipIf titles and template literals, but not skipped, todo or describe titles", () => {
    const tested = tree({
      "src/f.ts": SRC,
      "test/f.test.ts": [
        'it.each([1, 2])("Precondition: n is a positive integer (%s)", () => {});',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the fixture is source text with a template literal
        'it.skipIf(false)(`the name is at most 10 characters ${"x"}`, () => {});',
      ].join("\n"),
    });
    expect(check(tested).code).toBe(0);

    const untested = tree({
      "src/f.ts": SRC,
      "test/f.test.ts": [
        'describe("Precondition: n is a positive integer", () => {',
        '  it.skip("Precondition: the name is at most 10 characters", () => {});',
        '  it.todo("n is a positive integer");',
        "});",
        // A substitution never stands in for the precondition's own words.
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the fixture is source text with a template literal
        'it(`the name is ${"at most"} 10 characters`, () => {});',
      ].join("\n"),
    });
    const r = check(untested);
    expect(r.code).toBe(1);
    expect(r.err).toContain("src/f.ts:2  n is a positive integer");
    expect(r.err).toContain("src/f.ts:4  the name is at most 10 characters");
  });

  it("a pending entry excuses a missing test; an entry whose test now exists fails the check", () => {
    const root = tree({
      "src/f.ts": SRC,
      "test/f.test.ts": 'it("n is a positive integer", () => {});\n',
      "pending.txt": "# known gaps\nsrc/f.ts\tThe name is at most 10 characters.\n",
      "stale.txt": "src/f.ts\tthe name is at most 10 characters\nsrc/f.ts\tn is a positive integer\n",
    });
    const ok = check(root, "--pending", "pending.txt");
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("1 more are on the pending list");

    const stale = check(root, "--pending", "stale.txt");
    expect(stale.code).toBe(1);
    expect(stale.err).toContain("pending entries that now have a test or no longer exist");
    expect(stale.err).toContain("src/f.ts  n is a positive integer");
  });
});
