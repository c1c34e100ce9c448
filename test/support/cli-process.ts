/** A built-CLI process a test drives mid-way (signals, SIGKILL), and condition waits without fixed sleeps. */
import type { ChildProcess } from "node:child_process";
import { type BuiltCliOptions, spawnBuiltCli } from "./cli.js";

export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startBuiltCli(args: string[], options: BuiltCliOptions): CliProcess {
  const child = spawnBuiltCli(args, options);
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  child.stdout.resume();
  child.stdin.end();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on("exit", (code, signal) => r({ code, signal })),
  );
  return { child, stderr: () => stderr, exited };
}

/** Polls a condition (no fixed sleep): resolves once it holds, fails after `ms`. */
export async function until(
  what: string,
  cond: () => Promise<boolean> | boolean,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** S3 request kinds as the fault proxy sees them (path-style URLs). */
export const isUploadPart = (r: { method: string; url: string }) =>
  r.method === "PUT" && /[?&]partNumber=\d+/.test(r.url);
export const partNumberOf = (r: { url: string }) => Number(/[?&]partNumber=(\d+)/.exec(r.url)?.[1]);
