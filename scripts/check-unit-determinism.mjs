#!/usr/bin/env node
// Unit tests are deterministic: no Math.random (use test/support/seeded-random.ts or a fast-check
// arbitrary, whose seed test/support/fast-check-seed.ts fixes) and no real-time waits (setTimeout,
// setInterval, node:timers/promises) unless the file runs on vi.useFakeTimers(). Wait for the event
// itself (events.once, setImmediate turns) instead of a delay. Exits 1 with the list of offenders.
//
//   node scripts/check-unit-determinism.mjs [DIR]   (default: test/unit)
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const SOURCE_FILE = /\.(?:[cm]?ts|[cm]?js)$/;
const RULES = [
  {
    pattern: /\bMath\.random\b/,
    message: "Math.random without a seed (use seededRandom from test/support/seeded-random.ts)",
  },
  {
    pattern: /\b(?:setTimeout|setInterval)\b|["']node:timers\/promises["']|["']timers\/promises["']/,
    message: "a real-time wait (use vi.useFakeTimers(), or wait for the event itself)",
    unlessFile: /\bvi\.useFakeTimers\(/,
  },
];

function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (SOURCE_FILE.test(entry.name)) out.push(path);
  }
  return out.sort();
}

/** A line without its one-line string literals: words inside a string are not code. */
const withoutStrings = (line) => line.replace(/(["'`])(?:\\.|(?!\1).)*\1/g, '""');

/** Every offending line under `dir`: { file, line, message }. Comments and strings are not code. */
export function findOffenders(dir) {
  const offenders = [];
  for (const file of filesUnder(dir)) {
    const lines = readFileSync(file, "utf8").split("\n").map(withoutStrings);
    const code = lines.join("\n");
    for (const rule of RULES) {
      if (rule.unlessFile?.test(code)) continue;
      lines.forEach((text, i) => {
        const code = text.trim();
        if (code.startsWith("//") || code.startsWith("*") || code.startsWith("/*")) return;
        if (rule.pattern.test(code)) offenders.push({ file, line: i + 1, message: rule.message });
      });
    }
  }
  return offenders;
}

function main(argv) {
  const dir = argv[0] ?? "test/unit";
  const offenders = findOffenders(dir);
  if (offenders.length) {
    console.error(`unit tests that are not deterministic (${offenders.length}):`);
    for (const o of offenders) console.error(`  ${relative(".", o.file)}:${o.line}  ${o.message}`);
    return 1;
  }
  console.log(`unit determinism: no Math.random and no real-time waits in ${dir}`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main(process.argv.slice(2)));
