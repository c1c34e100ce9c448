#!/usr/bin/env node
// Smoke-checks the built package: the CJS and ESM entry points load and export the API, the
// vitest subpath loads, and the CLI binary runs. Run after `npm run build`.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const cjs = require("../dist/index.cjs");
const esm = await import("../dist/index.js");
for (const [name, mod] of [
  ["cjs", cjs],
  ["esm", esm],
]) {
  for (const fn of [
    "encryptAndUpload",
    "downloadToFile",
    "KmsKeyring",
    "S3EncryptionClient",
    "decodeContentMetadata",
  ]) {
    if (typeof mod[fn] !== "function") throw new Error(`${name} build does not export ${fn}`);
  }
}
const version = execFileSync(process.execPath, ["dist/cli/main.js", "--version"], {
  encoding: "utf8",
}).trim();
if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`CLI --version printed ${JSON.stringify(version)}`);
console.log(`dist ok: cjs + esm exports, CLI ${version}`);
