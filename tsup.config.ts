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
  },
  {
    entry: { "cli/main": "src/cli/main.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20",
    banner: { js: "#!/usr/bin/env node" },
  },
]);
