/**
 * s3-cse's own configurations: encryptAndUpload (the engine under encryptAndUploadFile and the
 * CLI) and openDecryptedStream / downloadToFile. The download objects are real s3-cse
 * objects, uploaded once per run by prepareDownloadObjects and kept on disk by the sink.
 */
import { close, createReadStream, open, read } from "node:fs";
import { rm } from "node:fs/promises";
import { Readable } from "node:stream";
import type { WriteFormat } from "../../src/materials/materials.js";
import { downloadToFile, openDecryptedStream } from "../../src/transfer/download.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import { BenchKeyring } from "./keyring.js";
import { type BenchConfig, type BenchContext, drain } from "./types.js";

/** One keyring per process; the download objects' data keys are wrapped under a fixed key. */
const keyring = new BenchKeyring();

export const DOWNLOAD_KEYS = { v3: "keep/download-v3", rds: "keep/download-rds" } as const;

async function cseUpload(
  ctx: BenchContext & { readonly signing?: "always" | "never" | "auto" },
  format: WriteFormat,
  key = ctx.key,
  encryptInWorker?: boolean,
): Promise<void> {
  await encryptAndUpload({
    s3: ctx.s3,
    bucket: ctx.bucket,
    key,
    source: createReadStream(ctx.file, { highWaterMark: ctx.readHighWaterMark }),
    contentLength: ctx.size,
    keyring,
    format,
    // V2 is written only under FORBID_ENCRYPT_ALLOW_DECRYPT; the default policy refuses it.
    commitmentPolicy: format === "v2" ? "FORBID_ENCRYPT_ALLOW_DECRYPT" : "REQUIRE_ENCRYPT_REQUIRE_DECRYPT",
    partSize: ctx.partSize,
    concurrency: ctx.concurrency,
    // s3-cse's own default (`auto`: UNSIGNED-PAYLOAD over HTTPS, signed over HTTP) unless --unsigned.
    payloadSigning: ctx.signing ?? (ctx.unsignedPayload ? "never" : "auto"),
    ...(encryptInWorker !== undefined ? { encryptInWorker } : {}),
  });
}

async function cseDownload(ctx: BenchContext, key: string): Promise<void> {
  const opened = await openDecryptedStream({
    s3: ctx.s3,
    bucket: ctx.bucket,
    key,
    keyring,
    delayedAuthentication: true,
    allowLegacy: key === DOWNLOAD_KEYS.rds,
  });
  await drain(opened.stream);
}

async function cseToFile(ctx: BenchContext, key: string, concurrency?: number): Promise<void> {
  const file = `${ctx.file}.${ctx.key.replace(/\W/g, "_")}.out`;
  try {
    await downloadToFile({
      s3: ctx.s3,
      bucket: ctx.bucket,
      key,
      keyring,
      file,
      allowLegacy: key === DOWNLOAD_KEYS.rds,
      ...(concurrency !== undefined ? { concurrency } : {}),
    });
  } finally {
    await rm(file, { force: true });
  }
}

export const cseConfigs: BenchConfig[] = [
  {
    name: "cse-v3",
    kind: "upload",
    description: "s3-cse encryptAndUpload, format v3 (key-committing AES-GCM)",
    run: (ctx) => cseUpload(ctx, "v3"),
  },
  {
    name: "cse-v2",
    kind: "upload",
    description: "s3-cse encryptAndUpload, format v2 (AES-GCM)",
    run: (ctx) => cseUpload(ctx, "v2"),
  },
  {
    name: "cse-rds",
    kind: "upload",
    description: "s3-cse encryptAndUpload, format rds (V1, AES-256-CBC)",
    run: (ctx) => cseUpload(ctx, "rds"),
  },
  {
    name: "cse-v3-worker",
    kind: "upload",
    description: "s3-cse encryptAndUpload, v3, encryptInWorker: true",
    run: (ctx) => cseUpload(ctx, "v3", ctx.key, true),
  },
  {
    name: "cse-rds-worker",
    kind: "upload",
    description: "s3-cse encryptAndUpload, rds, encryptInWorker: true",
    run: (ctx) => cseUpload(ctx, "rds", ctx.key, true),
  },
  {
    name: "cse-v3-unsigned",
    kind: "upload",
    baseline: "plain-unsigned",
    unsignedPayload: true,
    description: "cse-v3 with unsignedPayload: true",
    run: (ctx) => cseUpload(ctx, "v3"),
  },
  {
    name: "cse-rds-unsigned",
    kind: "upload",
    baseline: "plain-unsigned",
    unsignedPayload: true,
    description: "cse-rds with unsignedPayload: true",
    run: (ctx) => cseUpload(ctx, "rds"),
  },
  {
    name: "cse-v3-signed",
    kind: "upload",
    description: "cse-v3 with payloadSigning: always (SigV4 SHA-256 of every part, even over HTTPS)",
    run: (ctx) => cseUpload({ ...ctx, signing: "always" }, "v3"),
  },
  {
    name: "cse-v3-8x10",
    kind: "upload",
    description: "cse-v3 with the aws CLI's transfer defaults: 8 MiB parts × 10 in flight",
    run: (ctx) => cseUpload({ ...ctx, partSize: 8 * 2 ** 20, concurrency: 10 }, "v3"),
  },
  {
    name: "cse-rds-8x10",
    kind: "upload",
    description: "cse-rds with 8 MiB parts × 10 in flight",
    run: (ctx) => cseUpload({ ...ctx, partSize: 8 * 2 ** 20, concurrency: 10 }, "rds"),
  },
  {
    name: "cse-v3-c8",
    kind: "upload",
    description: "cse-v3 with 16 MiB parts × 8 in flight",
    run: (ctx) => cseUpload({ ...ctx, concurrency: 8 }, "v3"),
  },
  {
    name: "cse-v3-64k",
    kind: "upload",
    description: "cse-v3 reading the file with Node's default 64 KiB highWaterMark",
    run: (ctx) => cseUpload({ ...ctx, readHighWaterMark: 64 * 1024 }, "v3"),
  },
  {
    name: "get-v3",
    kind: "download",
    description: "s3-cse openDecryptedStream of the v3 object (streaming, delayed authentication), drained",
    run: (ctx) => cseDownload(ctx, DOWNLOAD_KEYS.v3),
  },
  {
    name: "get-rds",
    kind: "download",
    description: "s3-cse openDecryptedStream of the rds (CBC) object, drained",
    run: (ctx) => cseDownload(ctx, DOWNLOAD_KEYS.rds),
  },
  {
    name: "file-v3-single",
    kind: "download",
    baseline: "file-plain",
    description: "s3-cse downloadToFile of the v3 object with concurrency 1 (one ranged GET at a time)",
    run: (ctx) => cseToFile(ctx, DOWNLOAD_KEYS.v3, 1),
  },
  {
    name: "file-rds",
    kind: "download",
    baseline: "file-plain",
    description: "s3-cse downloadToFile of the rds (CBC) object, parallel ranged GETs (defaults)",
    run: (ctx) => cseToFile(ctx, DOWNLOAD_KEYS.rds),
  },
  {
    name: "file-v3",
    kind: "download",
    baseline: "file-plain",
    description: "s3-cse downloadToFile of the v3 object (parallel ranged GETs, defaults; run's temp dir)",
    run: (ctx) => cseToFile(ctx, DOWNLOAD_KEYS.v3),
  },
];

/** Puts the objects the download configurations read (kept on disk by the sink). */
export async function prepareDownloadObjects(ctx: BenchContext): Promise<void> {
  await cseUpload(ctx, "v3", DOWNLOAD_KEYS.v3);
  await cseUpload(ctx, "rds", DOWNLOAD_KEYS.rds);
}

/**
 * Measurement only (the `cse-v3-pooled-read` lever): a file source that reads into a ring of
 * four reused 1 MiB buffers instead of a fresh buffer per read, to measure what the per-read
 * allocations cost (each one is V8 external memory, and external-memory growth is what triggers
 * the mark-compact collections seen with --trace-gc). Safe here only because the encrypting
 * pipeline consumes each chunk synchronously and the stream buffers at most one chunk ahead
 * (highWaterMark = one chunk): not a general-purpose source.
 */
class PooledFileSource extends Readable {
  private readonly pool: Buffer[];
  private next = 0;
  private fd: number | undefined;

  constructor(
    private readonly path: string,
    private readonly chunk = 2 ** 20,
  ) {
    super({ highWaterMark: chunk });
    this.pool = Array.from({ length: 4 }, () => Buffer.allocUnsafeSlow(chunk));
  }

  override _construct(callback: (err?: Error | null) => void): void {
    open(this.path, "r", (err, fd) => {
      this.fd = fd;
      callback(err);
    });
  }

  override _read(): void {
    const buf = this.pool[this.next++ % this.pool.length]!;
    read(this.fd!, buf, 0, this.chunk, null, (err, n) => {
      if (err) this.destroy(err);
      else this.push(n === 0 ? null : n === this.chunk ? buf : buf.subarray(0, n));
    });
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (this.fd === undefined) callback(err);
    else close(this.fd, () => callback(err));
  }
}

cseConfigs.push({
  name: "cse-v3-pooled-read",
  kind: "upload",
  description: "cse-v3 reading the file into 4 reused 1 MiB buffers (measures per-read allocation cost)",
  run: async (ctx) => {
    await encryptAndUpload({
      s3: ctx.s3,
      bucket: ctx.bucket,
      key: ctx.key,
      source: new PooledFileSource(ctx.file, ctx.readHighWaterMark),
      contentLength: ctx.size,
      keyring,
      format: "v3",
      partSize: ctx.partSize,
      concurrency: ctx.concurrency,
      payloadSigning: ctx.unsignedPayload ? "never" : "auto",
    });
  },
});
