/**
 * Runs the official-client driver programs (test/interop/<client>/) as child processes. A
 * missing runtime is a test failure whose message names the Debian packages to install.
 */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, beforeEach } from "vitest";

export const INTEROP_DIR = fileURLToPath(new URL("..", import.meta.url));

export interface DriverReply {
  ok: boolean;
  bytes?: number;
  sha256?: string;
  error?: string;
  message?: string;
}

/** Throws unless `check` runs successfully; the message names the apt packages that provide it. */
export function requireRuntime(what: string, check: [string, ...string[]], aptPackages: string[]): void {
  const [cmd, ...args] = check;
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000 });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ");
    throw new Error(
      `${what} is not available (${why}). The interop tests need it: ` +
        `apt-get install -y ${aptPackages.join(" ")} (.ci/run installs them)`,
    );
  }
}

/**
 * Makes every test of the calling file fail (rather than be reported as skipped, as a failing
 * `beforeAll` would) with the runtime's message when one of `checks` throws.
 */
export function failEveryTestUnless(...checks: (() => unknown)[]): void {
  let missing: unknown;
  beforeAll(() => {
    try {
      for (const check of checks) check();
    } catch (err) {
      missing = err;
    }
  }, 120_000);
  beforeEach(() => {
    if (missing) throw missing;
  });
}

/** A driver that did not answer within its time budget (it was killed). */
export class DriverTimeoutError extends Error {
  override readonly name = "DriverTimeoutError";
}

/** Runs `cmd args` with `request` as JSON on stdin and parses the single JSON line it prints. */
export function runDriver(
  cmd: string,
  args: string[],
  request: object,
  timeoutMs = 15_000,
): Promise<DriverReply> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split("\n").pop() ?? "";
      if (timedOut) {
        reject(new DriverTimeoutError(`${cmd} ${args.join(" ")} killed after ${timeoutMs} ms:\n${stderr}`));
        return;
      }
      try {
        resolve(JSON.parse(line) as DriverReply);
      } catch {
        reject(
          new Error(
            `${cmd} ${args.join(" ")} exited ${code ?? signal} without a JSON reply:\n${stdout}\n${stderr}`,
          ),
        );
      }
    });
    child.stdin.end(JSON.stringify(request));
  });
}

/** Like {@link runDriver}, but a reply with ok=false is an error carrying the driver's message. */
export async function runDriverOk(cmd: string, args: string[], request: object): Promise<DriverReply> {
  const reply = await runDriver(cmd, args, request);
  if (!reply.ok) throw new Error(`${cmd} driver failed: ${reply.error}: ${reply.message}`);
  return reply;
}
