#!/usr/bin/env node
// The whole test suite: typecheck, lint, layering check, then every vitest test (unit,
// integration against moto_server, interop with the official clients when installed).
// Ends with the plain line "tests: N passed, N failed" that CI reads.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const REPORT = ".vitest-report.json";
const args = process.argv.slice(2);
const run = (cmd, cmdArgs) => spawnSync(cmd, cmdArgs, { stdio: "inherit", shell: false }).status ?? 1;
const npx = (bin, binArgs) => run("node", [`node_modules/.bin/${bin}`, ...binArgs].map(String));

let failed = false;
if (!args.length) {
  for (const [name, bin, binArgs] of [
    ["typecheck", "tsc", ["--noEmit", "-p", "."]],
    ["lint", "biome", ["check", "src", "test", "scripts", "examples"]],
    ["layers", "depcruise", ["src", "--config", ".dependency-cruiser.cjs"]],
    // Every `/* Precondition: … */` in src/ has a test of the same name (scripts/preconditions-pending.txt
    // lists the known gaps; it may only shrink).
    ["preconditions", null, ["scripts/check-preconditions.mjs"]],
    // No Math.random and no real-time waits in test/unit (seeded PRNG, fast-check seed, fake timers).
    ["unit determinism", null, ["scripts/check-unit-determinism.mjs"]],
    ["build", "tsup", []],
    // The public API report (etc/s3-cse.api.md) must match the build: a change to the API
    // fails here until it is reviewed and committed (`npm run api -- --local` updates it).
    ["api report", "api-extractor", ["run"]],
  ]) {
    process.stdout.write(`\n== ${name}\n`);
    const code = bin ? npx(bin, binArgs) : run("node", binArgs);
    if (code !== 0) {
      console.error(`${name} failed (exit ${code})`);
      failed = true;
    }
  }
}
if (!args.length && !failed) {
  process.stdout.write("\n== dist smoke test\n");
  if (run("node", ["scripts/smoke-dist.mjs"]) !== 0) failed = true;
}
process.stdout.write("\n== vitest\n");
rmSync(REPORT, { force: true });
const code = npx("vitest", [
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile=${REPORT}`,
  ...args,
]);
let passed = 0;
let failedTests = 0;
let skipped = 0;
if (existsSync(REPORT)) {
  const r = JSON.parse(readFileSync(REPORT, "utf8"));
  passed = r.numPassedTests ?? 0;
  failedTests = r.numFailedTests ?? 0;
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}
if (code !== 0 && failedTests === 0) failedTests = 1; // a suite-level failure (import error, hook) counts
console.log(`\ntests: ${passed} passed, ${failedTests} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed || code !== 0 ? 1 : 0);
