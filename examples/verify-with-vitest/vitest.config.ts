import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// No alias: `s3-cse/vitest` resolves as in a user's project (here through the package's own
// "exports", i.e. the built dist/).
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  test: { include: ["*.test.ts"], testTimeout: 30_000 },
});
