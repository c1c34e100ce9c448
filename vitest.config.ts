import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

export default defineConfig({
  // Tests (and the docs examples they run) may import the package by name, as users do.
  resolve: {
    alias: [
      { find: /^s3-cse\/vitest$/, replacement: src("vitest.ts") },
      { find: /^s3-cse$/, replacement: src("index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // fast-check properties run from a fixed seed (FC_SEED=<n> to explore others).
    setupFiles: ["test/support/fast-check-seed.ts"],
    // `npm test` measures coverage of src/ on the unit tests (scripts/test.mjs); the thresholds sit
    // just under the figures measured on 2026-12-04 with main merged (docs/notes/s10a.md: 64.5,
    // 55.6, 65.5, 66.1 %), so a drop fails the run.
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      reporter: ["text-summary", "json-summary"],
      reportsDirectory: "coverage",
      thresholds: { statements: 64, branches: 55, functions: 65, lines: 65.5 },
    },
  },
});
