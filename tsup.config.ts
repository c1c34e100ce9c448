import { defineConfig } from "tsup";

export default defineConfig([
  {
    // vitest.ts is the `s3-cse/vitest` subpath export; vitest itself comes from the test project.
    entry: { index: "src/index.ts", vitest: "src/vitest.ts" },
    external: ["vitest"],
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
