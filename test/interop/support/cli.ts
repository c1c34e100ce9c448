/** Runs the s3-cse CLI in-process (src/cli/main.ts `run`) against the fixture's moto_server. */
import { PassThrough } from "node:stream";
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from "../../../scripts/support/moto-server.js";
import { run } from "../../../src/cli/main.js";

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON (commands run with --json). */
  json: Record<string, unknown> | undefined;
}

/** The SDK reads credentials from process.env; vitest runs each test file in its own process. */
export function useEmulatorCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey;
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
}

export async function s3cseCli(endpoint: string, args: string[]): Promise<CliOutcome> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const code = await run([...args, "--endpoint-url", endpoint, "--region", EMULATOR_REGION, "--json"], {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: { ...process.env },
    signal: new AbortController().signal,
  });
  const last = out.trim().split("\n").pop() ?? "";
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(last) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { code, stdout: out, stderr: err, json };
}
