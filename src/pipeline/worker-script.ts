/**
 * Where the encryption worker's module is. Built (dist/): `dist/pipeline/encrypt-worker.js`, a
 * tsup entry next to the bundle that starts it (dist/index.js, dist/chunk-*.js, dist/index.cjs or
 * dist/cli/main.js). From source (tests, `npm run bench`): src/pipeline/encrypt-worker.ts, loaded
 * through tsx's loader, which is then a dev dependency that is installed.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { WorkerOptions } from "node:worker_threads";
import { EnvironmentError, ErrorCodes } from "../errors.js";

const CANDIDATES = [
  "./pipeline/encrypt-worker.js",
  "../pipeline/encrypt-worker.js",
  "./encrypt-worker.js",
  "./encrypt-worker.ts",
];

export interface WorkerScript {
  /** A file URL, or (from source) the code of an eval worker that registers tsx first. */
  readonly script: URL | string;
  readonly options: Pick<WorkerOptions, "eval" | "execArgv">;
}

let found: WorkerScript | undefined;

/** @param base the module looking for it (default: this one); the result for the default is cached. */
export function encryptWorkerScript(base: string = import.meta.url): WorkerScript {
  if (found && base === import.meta.url) return found;
  const url = CANDIDATES.map((c) => new URL(c, base)).find((u) => existsSync(fileURLToPath(u)));
  /* Precondition: the encryption worker's module is installed next to the library. */
  if (!url) {
    throw new EnvironmentError(
      ErrorCodes.WORKER_FAILURE,
      `the encryption worker module (pipeline/encrypt-worker.js) was not found next to ${base}: reinstall s3-cse, or upload without encryptInWorker`,
    );
  }
  // The parent's flags, except those that only apply to a main script (`node --input-type=module -e …`).
  const execArgv = process.execArgv.filter((a) => !a.startsWith("--input-type"));
  let script: WorkerScript = { script: url, options: { execArgv } };
  if (url.pathname.endsWith(".ts")) {
    // tsx's ESM API (its "tsx/esm/api" import condition), located through its package.json.
    const tsxDir = dirname(createRequire(base).resolve("tsx/package.json"));
    const tsx = pathToFileURL(join(tsxDir, "dist/esm/api/index.mjs")).href;
    script = {
      script: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`,
      options: { eval: true, execArgv },
    };
  }
  if (base === import.meta.url) found = script;
  return script;
}
