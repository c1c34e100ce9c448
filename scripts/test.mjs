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
// The full run is two vitest runs: the unit tests with coverage of src/ (thresholds in
// vitest.config.ts), then everything else. With arguments, one run of exactly what was asked.
const runs = args.length
  ? [{ name: "vitest", report: REPORT, extra: args }]
  : [
      {
        name: "vitest: unit tests, with coverage",
        report: ".vitest-report-unit.json",
        extra: ["test/unit", "--coverage"],
      },
      { name: "vitest: integration and interop", report: REPORT, extra: ["--exclude", "test/unit/**"] },
    ];
let passed = 0;
let failedTests = 0;
let skipped = 0;
let code = 0;
for (const r of runs) {
  process.stdout.write(`\n== ${r.name}\n`);
  rmSync(r.report, { force: true });
  const runCode = npx("vitest", [
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile=${r.report}`,
    ...r.extra,
  ]);
  let runFailed = 0;
  let suitesFailed = 0;
  if (existsSync(r.report)) {
    const report = JSON.parse(readFileSync(r.report, "utf8"));
    passed += report.numPassedTests ?? 0;
    runFailed = report.numFailedTests ?? 0;
    suitesFailed = report.numFailedTestSuites ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  }
  if (runCode !== 0 && runFailed === 0) {
    if (r.extra.includes("--coverage") && existsSync(r.report) && suitesFailed === 0) {
      console.error("coverage is below the thresholds in vitest.config.ts (see the lines above)");
      failed = true;
    } else {
      runFailed = 1; // a suite-level failure (import error, hook) counts
    }
  }
  failedTests += runFailed;
  if (runCode !== 0) code = runCode;
}
console.log(`\ntests: ${passed} passed, ${failedTests} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed || code !== 0 ? 1 : 0);
