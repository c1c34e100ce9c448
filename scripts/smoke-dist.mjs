#!/usr/bin/env node
// Smoke-checks the built package through its own package.json `exports` (as an installed
// package is loaded): the CJS and ESM entry points load and export the public API and none of
// the internals, the `s3-cse/vitest` subpath loads in both, and the CLI binary runs.
// Run after `npm run build`.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const cjs = require("s3-cse");
const esm = await import("s3-cse");
const PUBLIC = [
  "encryptAndUpload",
  "encryptAndUploadFile",
  "downloadToFile",
  "openDecryptedStream",
  "getDecryptedRange",
  "KmsKeyring",
  "RawAesKeyring",
  "RawRsaKeyring",
  "S3EncryptionClient",
  "S3CseError",
  "inspectObject",
  "verifyObject",
  "decodeContentMetadata",
];
// Internals that an `export *` barrel used to leak: SDK command classes and helpers.
const INTERNAL = [
  "PutObjectCommand",
  "GenerateDataKeyCommand",
  "encryptParts",
  "uploadParts",
  "s3Error",
  "Keys",
];
for (const [name, mod] of [
  ["cjs", cjs],
  ["esm", esm],
]) {
  for (const fn of PUBLIC) {
    if (typeof mod[fn] !== "function") throw new Error(`${name} build does not export ${fn}`);
  }
  for (const internal of INTERNAL) {
    if (internal in mod) throw new Error(`${name} build exports the internal ${internal}`);
  }
}
const vitestCjs = require.resolve("s3-cse/vitest");
const vitestEsm = import.meta.resolve("s3-cse/vitest");
if (!vitestCjs.endsWith("dist/vitest.cjs") || !vitestEsm.endsWith("dist/vitest.js"))
  throw new Error(`s3-cse/vitest resolves to ${vitestCjs} / ${vitestEsm}`);
// Loads (registers the matchers) under ESM; vitest itself refuses require(), so the CJS build
// of this subpath is only resolved here.
await import("s3-cse/vitest");
const version = execFileSync(process.execPath, ["dist/cli/main.js", "--version"], {
  encoding: "utf8",
}).trim();
if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`CLI --version printed ${JSON.stringify(version)}`);
console.log(
  `dist ok: cjs + esm export ${Object.keys(esm).length} names (no internals), s3-cse/vitest loads, CLI ${version}`,
);
