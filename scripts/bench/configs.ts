/**
 * The benchmark configurations. Every one gets the same file, S3 client settings, part size and
 * concurrency; each runs in a fresh process (child.ts). Upload configurations are compared with
 * `plain`, download configurations with `get-plain`, round by round.
 */
import { createCipheriv, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { cseConfigs, DOWNLOAD_KEYS } from "./cse-configs.js";
import { type BenchConfig, type BenchContext, drain } from "./types.js";

async function libStorageUpload(ctx: BenchContext, body: Readable): Promise<void> {
  await new Upload({
    client: ctx.s3,
    params: { Bucket: ctx.bucket, Key: ctx.key, Body: body },
    partSize: ctx.partSize,
    queueSize: ctx.concurrency,
  }).done();
}

const baseConfigs: BenchConfig[] = [
  {
    name: "plain",
    kind: "upload",
    description: "lib-storage Upload of the file (baseline), read with the bench read highWaterMark",
    run: (ctx) => libStorageUpload(ctx, createReadStream(ctx.file, { highWaterMark: ctx.readHighWaterMark })),
  },
  {
    name: "plain-unsigned",
    kind: "upload",
    baseline: "plain-unsigned",
    unsignedPayload: true,
    description: "plain, with UNSIGNED-PAYLOAD (baseline for the -unsigned configurations)",
    run: (ctx) => libStorageUpload(ctx, createReadStream(ctx.file, { highWaterMark: ctx.readHighWaterMark })),
  },
  {
    name: "plain-64k",
    kind: "upload",
    description: "lib-storage Upload of the file, Node's default 64 KiB reads",
    run: (ctx) => libStorageUpload(ctx, createReadStream(ctx.file)),
  },
  {
    name: "naive-gcm",
    kind: "upload",
    description: "createReadStream().pipe(createCipheriv('aes-256-gcm')) into lib-storage Upload",
    run: (ctx) =>
      libStorageUpload(
        ctx,
        createReadStream(ctx.file).pipe(createCipheriv("aes-256-gcm", randomBytes(32), randomBytes(12))),
      ),
  },
  {
    name: "naive-cbc",
    kind: "upload",
    description: "createReadStream().pipe(createCipheriv('aes-256-cbc')) into lib-storage Upload",
    run: (ctx) =>
      libStorageUpload(
        ctx,
        createReadStream(ctx.file).pipe(createCipheriv("aes-256-cbc", randomBytes(32), randomBytes(16))),
      ),
  },
  {
    name: "get-plain",
    kind: "download",
    description: "GetObject of the v3 object, body drained (download baseline)",
    run: async (ctx) => {
      const out = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: DOWNLOAD_KEYS.v3 }));
      await drain(out.Body as Readable);
    },
  },
  {
    name: "file-plain",
    kind: "download",
    baseline: "file-plain",
    description: "GetObject of the v3 object piped into a file in the run's temp dir (file baseline)",
    run: async (ctx) => {
      const file = `${ctx.file}.${ctx.key.replace(/\W/g, "_")}.out`;
      try {
        const out = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: DOWNLOAD_KEYS.v3 }));
        await pipeline(out.Body as Readable, createWriteStream(file));
      } finally {
        await rm(file, { force: true });
      }
    },
  },
];

const outsideNode = (): Promise<void> => Promise.reject(new Error("runs in Python (driver.py)"));

/** The other clients, run by scripts/bench/python/driver.py, each with its own defaults. */
const externalConfigs: BenchConfig[] = [
  {
    name: "py-v3",
    kind: "upload",
    external: { env: "s3ec", mode: "s3ec-put" },
    description:
      "official Python S3 Encryption Client v4 (V3 suite), upload_file with its defaults (8 MiB parts, one at a time)",
    run: outsideNode,
  },
  {
    name: "awscli-put",
    kind: "upload",
    external: { env: "awscli", mode: "awscli-put" },
    description: "aws s3 cp FILE s3://… (aws CLI v1, no encryption; 8 MiB parts × 10 threads)",
    run: outsideNode,
  },
  {
    name: "awscli-get",
    kind: "download",
    baseline: "file-plain",
    external: { env: "awscli", mode: "awscli-get" },
    description: "aws s3 cp s3://… FILE of the v3 object (plain bytes, no decryption; 8 MiB ranges × 10)",
    run: outsideNode,
  },
];

export const CONFIGS: ReadonlyMap<string, BenchConfig> = new Map(
  [...baseConfigs, ...cseConfigs, ...externalConfigs].map((c) => [c.name, c]),
);

export const BASELINE = { upload: "plain", download: "get-plain" } as const;

/**
 * Every configuration is also compared with each of these that ran in the same round (MB/s and
 * CPU s/GB ratios): the plain SDK, the official Python S3EC v4 and the aws CLI.
 */
export const REFERENCES = {
  upload: ["plain", "py-v3", "awscli-put"],
  download: ["get-plain", "file-plain", "awscli-get"],
} as const;

/** Marks a configuration run from the `--compare` checkout. */
export const COMPARE_SUFFIX = "@base";

/** The configuration behind a (possibly `@base`) name. */
export function configFor(name: string): BenchConfig | undefined {
  return CONFIGS.get(name.endsWith(COMPARE_SUFFIX) ? name.slice(0, -COMPARE_SUFFIX.length) : name);
}
