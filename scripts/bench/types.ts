import type { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";

export interface BenchContext {
  readonly s3: S3Client;
  readonly bucket: string;
  /** Where this run's upload goes (discarded by the sink). */
  readonly key: string;
  readonly file: string;
  readonly size: number;
  readonly partSize: number;
  readonly concurrency: number;
  /** highWaterMark for reading the input file (bytes). */
  readonly readHighWaterMark: number;
  /** UNSIGNED-PAYLOAD for part bodies (the client applies it to every configuration). */
  readonly unsignedPayload: boolean;
}

/** A configuration run by a Python program (scripts/bench/python/driver.py) instead of Node. */
export interface ExternalRun {
  /** Which venv runs it: the S3 Encryption Client v4's or the aws CLI's. */
  readonly env: "s3ec" | "awscli";
  /** driver.py's mode. */
  readonly mode: "s3ec-put" | "awscli-put" | "awscli-get";
}

export interface BenchConfig {
  readonly name: string;
  readonly kind: "upload" | "download";
  readonly description: string;
  /** The configuration this one is compared with (default: plain / get-plain by kind). */
  readonly baseline?: string;
  /** Forces UNSIGNED-PAYLOAD on this configuration's client (compare with plain-unsigned). */
  readonly unsignedPayload?: true;
  /** Set for the Python baselines; `run` is then not used. */
  readonly external?: ExternalRun;
  run(ctx: BenchContext): Promise<void>;
}

/**
 * Reads a stream to its end without keeping anything, in flowing mode ('data' events, as
 * `pipe()` into a file does). An async iterator would call read(), which concatenates whatever
 * chunks are buffered: a copy the benchmark would then charge to the stream under test.
 */
export function drain(body: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    body.on("data", (chunk: Uint8Array) => {
      n += chunk.length;
    });
    body.once("end", () => resolve(n));
    body.once("error", reject);
  });
}
