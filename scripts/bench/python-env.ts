/**
 * The Python baselines' environments. The official S3 Encryption Client v4 comes from the venv the
 * interop tests install (test/interop/support/v4-peers.ts, pinned in python-v4/requirements.txt);
 * the aws CLI v1 gets its own venv, pinned in python/awscli-requirements.txt, cached under
 * node_modules/.cache/s3cse-bench. Either one that cannot be installed is reported and its
 * configurations are skipped (the rest of the run goes on).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePythonPeer, pinnedVenv, REPO_DIR } from "../../test/interop/support/v4-peers.js";

export const DRIVER = fileURLToPath(new URL("./python/driver.py", import.meta.url));
const AWSCLI_REQUIREMENTS = fileURLToPath(new URL("./python/awscli-requirements.txt", import.meta.url));
const CACHE = join(REPO_DIR, "node_modules/.cache/s3cse-bench");

export type PythonEnv = { readonly python: string } | { readonly skipped: string };

const why = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The S3EC v4 venv's python (installs it on first use). */
export function s3ecPython(): PythonEnv {
  try {
    return { python: ensurePythonPeer().cmd };
  } catch (err) {
    return { skipped: `the Python S3 Encryption Client v4 could not be installed: ${why(err)}` };
  }
}

/** The aws CLI venv's python (installs it on first use). */
export function awscliPython(): PythonEnv {
  try {
    const pinned = readFileSync(AWSCLI_REQUIREMENTS);
    const py = spawnSync("python3", ["--version"], { encoding: "utf8" }).stdout.trim();
    const hash = createHash("sha256").update(pinned).update(py).digest("hex").slice(0, 16);
    return { python: pinnedVenv(join(CACHE, `awscli-${hash}`), AWSCLI_REQUIREMENTS, "the aws CLI") };
  } catch (err) {
    return { skipped: `the aws CLI could not be installed: ${why(err)}` };
  }
}
