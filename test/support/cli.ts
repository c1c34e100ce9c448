import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { PassThrough, Readable } from "node:stream";
import { EMULATOR_CREDENTIALS } from "../../scripts/support/moto-server.js";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/main.js";

/** The environment a built-binary run against moto_server needs (credentials and Region). */
export const EMULATOR_ENV: NodeJS.ProcessEnv = {
  AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  AWS_REGION: "us-east-1",
};

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The single JSON object printed with --json. */
  json(): Record<string, unknown>;
}

/** Runs the CLI in-process with captured output. */
export async function runCli(
  args: string[],
  options: { signal?: AbortSignal; stdin?: Buffer } = {},
): Promise<CliRun> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on("data", (c: Buffer) => chunks.out.push(c));
  err.on("data", (c: Buffer) => chunks.err.push(c));
  const io: CliIo = {
    stdout: out,
    stderr: err,
    stdin: Readable.from(options.stdin ? [options.stdin] : []),
    env: process.env,
    signal: options.signal ?? new AbortController().signal,
  };
  const code = await run(args, io);
  const stdout = Buffer.concat(chunks.out).toString();
  return {
    code,
    stdout,
    stderr: Buffer.concat(chunks.err).toString(),
    json: () => JSON.parse(stdout.trim()),
  };
}

/** Spawns the CLI as a real process (via tsx) for signal and environment tests. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv) {
  return spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    env: { ...process.env, NODE_NO_WARNINGS: "1", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** The built binary (`dist/cli/main.js`, what `npm install -g` installs); built once if missing. */
export const BUILT_CLI = "dist/cli/main.js";

const BUILD_LOCK = ".build-lock";

/**
 * Builds dist/ once if missing (`npm test` builds it first, so this is for single-file runs). Test
 * files run in parallel workers: a lock directory makes one build while the others wait for it
 * (tsup cleans dist/ first, so two concurrent builds would pull files from under each other).
 */
export function ensureBuilt(): void {
  const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  for (let waited = 0; !existsSync(BUILT_CLI) || existsSync(BUILD_LOCK); waited += 200) {
    try {
      mkdirSync(BUILD_LOCK);
    } catch {
      if (waited > 180_000)
        throw new Error(`waited 3 minutes for another build (remove ${BUILD_LOCK} if stale)`);
      sleep(200);
      continue;
    }
    try {
      if (!existsSync(BUILT_CLI)) {
        const r = spawnSync(process.execPath, ["node_modules/.bin/tsup"], { stdio: "pipe" });
        if (r.status !== 0) throw new Error(`tsup failed: ${r.stderr?.toString()}`);
      }
    } finally {
      rmSync(BUILD_LOCK, { recursive: true, force: true });
    }
    return;
  }
}

export interface BuiltCliOptions {
  env?: NodeJS.ProcessEnv;
  inheritNoWarnings?: boolean;
  onlyEnv?: boolean;
}

/** Spawns the built binary (for tests that signal or kill it mid-way); see {@link runBuiltCli}. */
export function spawnBuiltCli(args: string[], options: BuiltCliOptions = {}) {
  ensureBuilt();
  // onlyEnv: nothing of the test process's environment (no AWS_* leaking in), just PATH and options.env.
  const env: NodeJS.ProcessEnv = options.onlyEnv
    ? { PATH: process.env.PATH, ...options.env }
    : { ...process.env, ...options.env };
  if (!options.inheritNoWarnings) delete env.NODE_NO_WARNINGS;
  return spawn(process.execPath, [BUILT_CLI, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
}

/** Runs the built binary as a real process and resolves with its exit code and output. */
export async function runBuiltCli(
  args: string[],
  options: BuiltCliOptions & { stdin?: Buffer } = {},
): Promise<CliRun> {
  const child = spawnBuiltCli(args, options);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (c: Buffer) => out.push(c));
  child.stderr.on("data", (c: Buffer) => err.push(c));
  child.stdin.end(options.stdin ?? Buffer.alloc(0));
  const code = await new Promise<number>((resolve) =>
    child.on("close", (c, signal) => resolve(c ?? (signal ? 128 : 1))),
  );
  const stdout = Buffer.concat(out).toString();
  return { code, stdout, stderr: Buffer.concat(err).toString(), json: () => JSON.parse(stdout.trim()) };
}

/**
 * Runs the built binary under a pseudo-terminal (util-linux `script`), so stderr is a TTY and the
 * progress bar draws. stdout and stderr arrive merged, as on a terminal; `stdout` holds both.
 */
export async function runBuiltCliOnTty(
  args: string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  ensureBuilt();
  const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, BUILT_CLI, ...args].map(quote).join(" ");
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, COLUMNS: "160", TERM: "xterm" };
  const child = spawn("script", ["-q", "-e", "-f", "-c", command, "/dev/null"], {
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (c: Buffer) => out.push(c));
  child.stderr.on("data", (c: Buffer) => err.push(c));
  child.stdin.end();
  const code = await new Promise<number>((resolve) =>
    child.on("close", (c, signal) => resolve(c ?? (signal ? 128 : 1))),
  );
  const stdout = Buffer.concat(out).toString();
  return { code, stdout, stderr: Buffer.concat(err).toString(), json: () => JSON.parse(stdout.trim()) };
}

/** The lines a terminal shows over time: the bar redraws in place (carriage returns, cursor moves). */
export function terminalFrames(text: string): string[] {
  return text
    .replace(/\x1B\[\d*G/g, "\r")
    .replace(/\x1B\[[0-9;?]*[A-Za-z]|\x1B[78]/g, "")
    .split(/[\r\n]/)
    .map((l) => l.trimEnd())
    .filter((l) => l.length > 0);
}
