/**
 * The Python baselines' environments. The official S3 Encryption Client v4 comes from the venv the
 * interop tests install (test/interop/support/v4-peers.ts, pinned in python-v4/requirements.txt);
 * the aws CLI v1 gets its own venv, pinned in python/awscli-requirements.txt, cached under
 * node_modules/.cache/s3cse-bench. Either one that cannot be installed is reported and its
 * configurations are skipped (the rest of the run goes on).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePythonPeer, REPO_DIR } from "../../test/interop/support/v4-peers.js";

export const DRIVER = fileURLToPath(new URL("./python/driver.py", import.meta.url));
const AWSCLI_REQUIREMENTS = fileURLToPath(new URL("./python/awscli-requirements.txt", import.meta.url));
const CACHE = join(REPO_DIR, "node_modules/.cache/s3cse-bench");

export type PythonEnv = { readonly python: string } | { readonly skipped: string };

function run(what: string, cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 900_000 });
  if (r.error || r.status !== 0) {
    const out = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-3).join(" | ");
    throw new Error(`${what} failed (${r.error?.message ?? `exit ${r.status}`}): ${out}`);
  }
}

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
    const venv = join(CACHE, `awscli-${hash}`);
    const python = join(venv, "bin/python");
    if (!existsSync(join(venv, ".complete"))) {
      rmSync(venv, { recursive: true, force: true });
      mkdirSync(CACHE, { recursive: true });
      run("python3 -m venv", "python3", ["-m", "venv", venv]);
      run("pip install awscli (PyPI)", python, [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "-r",
        AWSCLI_REQUIREMENTS,
      ]);
      run("pip check", python, ["-m", "pip", "check"]);
      writeFileSync(join(venv, ".complete"), "");
    }
    return { python };
  } catch (err) {
    return { skipped: `the aws CLI could not be installed: ${why(err)}` };
  }
}
