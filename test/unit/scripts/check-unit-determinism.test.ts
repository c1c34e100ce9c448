import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { seededInt, seededRandom } from "../../support/seeded-random.js";

const SCRIPT = fileURLToPath(new URL("../../../scripts/check-unit-determinism.mjs", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function check(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), "s3cse-determinism-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const r = spawnSync(process.execPath, [SCRIPT, "unit"], { cwd: root, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("scripts/check-unit-determinism.mjs", () => {
  it("passes seeded randomness, fake timers and setImmediate turns", () => {
    const r = check({
      "unit/a.test.ts": "const n = seededInt(1, 1, 9)();\n// Math.random is not used here\n",
      "unit/b.test.ts": "vi.useFakeTimers();\nsetTimeout(() => {}, 1000);\nvi.advanceTimersByTime(1000);\n",
      "unit/c.test.ts": "await new Promise((r) => setImmediate(r));\n",
    });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });

  it("fails on Math.random and on real-time waits, listing file:line", () => {
    const r = check({
      "unit/a.test.ts": "const x = 1;\nconst n = Math.floor(Math.random() * 10);\n",
      "unit/deep/b.test.ts": "await new Promise((r) => setTimeout(r, 20));\n",
      "unit/c.test.ts": 'import { setTimeout as sleep } from "node:timers/promises";\n',
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain("unit tests that are not deterministic (3):");
    expect(r.err).toContain("unit/a.test.ts:2  Math.random without a seed");
    expect(r.err).toMatch(/unit\/deep\/b\.test\.ts:1 {2}a real-time wait/);
    expect(r.err).toMatch(/unit\/c\.test\.ts:1 {2}a real-time wait/);
  });

  it("words inside strings are not code: a quoted Math.random or vi.useFakeTimers( neither fails nor exempts a file", () => {
    const r = check({
      "unit/a.test.ts": 'expect(msg).toContain("Math.random");\n',
      "unit/b.test.ts": 'const note = "vi.useFakeTimers()";\nawait new Promise((r) => setTimeout(r, 5));\n',
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain("unit tests that are not deterministic (1):");
    expect(r.err).toMatch(/unit\/b\.test\.ts:2 {2}a real-time wait/);
  });

  it("this repository's test/unit passes the check", () => {
    const r = spawnSync(process.execPath, [SCRIPT], { cwd: ROOT, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

describe("seeded randomness for tests", () => {
  it("seededRandom repeats its sequence for a seed and differs between seeds", () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const first = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(first);
    expect(Array.from({ length: 5 }, c)).not.toEqual(first);
    for (const x of first) expect(x >= 0 && x < 1).toBe(true);
  });

  it("seededInt stays within [min, max] and reaches both ends", () => {
    const next = seededInt(3, 1, 4);
    const seen = new Set(Array.from({ length: 200 }, next));
    expect([...seen].sort()).toEqual([1, 2, 3, 4]);
  });

  it("fast-check properties run from the fixed seed of test/support/fast-check-seed.ts", () => {
    expect(fc.readConfigureGlobal().seed).toBe(Number(process.env.FC_SEED ?? 20261204));
  });
});
