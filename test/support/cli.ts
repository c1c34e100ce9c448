import { spawn } from "node:child_process";
import { PassThrough, Readable } from "node:stream";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/main.js";

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
