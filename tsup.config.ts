import { defineConfig } from "tsup";

export default defineConfig([
  {
    // vitest.ts and jest.ts are the `s3-cse/vitest` and `s3-cse/jest` subpath exports; the runners come from the test project.
    entry: { index: "src/index.ts", vitest: "src/vitest.ts", jest: "src/jest.ts" },
    external: ["vitest", "jest", "@jest/globals"],
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    // import.meta.url in the CJS build (it locates the encryption worker's module).
    shims: true,
  },
  {
    // The encryption worker thread's module (src/pipeline/worker-script.ts finds it next to the bundles).
    entry: { "pipeline/encrypt-worker": "src/pipeline/encrypt-worker.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20",
  },
  {
    entry: { "cli/main": "src/cli/main.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20",
    banner: { js: "#!/usr/bin/env node" },
  },
]);
