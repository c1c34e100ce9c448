import type { UploadTracker } from "./interrupt.js";

/** Where the CLI writes, so tests can run it in-process. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Cancelled on SIGINT/SIGTERM by the binary; tests may abort it themselves. */
  readonly signal: AbortSignal;
  /** Told about open multipart uploads, so a forced exit can name them (set by the binary). */
  readonly uploads?: UploadTracker;
}

export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

export function writeLine(stream: NodeJS.WritableStream, text = ""): void {
  stream.write(`${text}\n`);
}
