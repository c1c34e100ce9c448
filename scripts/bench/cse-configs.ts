/** s3-cse's own configurations (encryptAndUpload, openDecryptedStream). */
import { createReadStream } from "node:fs";
import { Upload } from "@aws-sdk/lib-storage";
import type { BenchConfig, BenchContext } from "./types.js";

export const cseConfigs: BenchConfig[] = [];

/** Puts the object the download configurations read (kept on disk by the sink). */
export async function prepareDownloadObject(ctx: BenchContext): Promise<void> {
  await new Upload({
    client: ctx.s3,
    params: { Bucket: ctx.bucket, Key: ctx.downloadKey, Body: createReadStream(ctx.file) },
    partSize: ctx.partSize,
    queueSize: ctx.concurrency,
  }).done();
}
