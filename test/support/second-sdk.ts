import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

/**
 * Installs (once, cached under node_modules/.cache/s3-cse-second-sdk/<version>) a real, separate copy of
 * `@aws-sdk/client-s3` at `version` from the npm registry, and loads it. Its classes are not ours:
 * `instanceof` across the two copies is false, as in a monorepo with two SDK versions.
 */
export function loadSecondClientS3(version: string): typeof import("@aws-sdk/client-s3") {
  const dir = resolve("node_modules/.cache/s3-cse-second-sdk", version);
  const marker = join(dir, "node_modules/@aws-sdk/client-s3/package.json");
  if (!existsSync(marker)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "second-sdk", private: true }));
    execFileSync(
      "npm",
      ["install", "--no-audit", "--no-fund", "--no-package-lock", `@aws-sdk/client-s3@${version}`],
      { cwd: dir, stdio: "ignore", timeout: 300_000 },
    );
  }
  return createRequire(join(dir, "package.json"))("@aws-sdk/client-s3");
}
