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
  },
  {
    entry: { "cli/main": "src/cli/main.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20",
    banner: { js: "#!/usr/bin/env node" },
  },
]);
