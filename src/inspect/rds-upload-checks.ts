/**
 * Guardrails at upload: cheap checks made before any data is sent. A SQL Server backup (it starts
 * with the Microsoft Tape Format `TAPE` descriptor block) uploaded in a format RDS cannot restore
 * gets a warning; an `rds` upload with a key RDS will refuse is an error.
 */
import { open } from "node:fs/promises";
import { RdsCheckError } from "../errors.js";
import type { KmsClientLike } from "../materials/kms-client.js";
import { getBucketRegion } from "../transfer/bucket-location.js";
import type { S3ClientLike } from "../transfer/s3-commands.js";
import { regionOfKmsArn } from "./rds-kms.js";
import { type ResolvedKey, resolveKmsKey } from "./rds-restore-sql.js";

/** True when the file's first four bytes are the MTF `TAPE` block signature. */
export async function startsWithMtfTape(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 0);
    return bytesRead === 4 && buf.toString("latin1") === "TAPE";
  } finally {
    await handle.close();
  }
}

export interface RdsUploadCheckInput {
  readonly s3: S3ClientLike;
  readonly kms: KmsClientLike;
  readonly bucket: string;
  readonly kmsKeyId: string;
  readonly signal?: AbortSignal;
}

export interface RdsUploadCheck {
  readonly key: ResolvedKey;
  readonly bucketRegion: string;
}

function fail(message: string): never {
  throw new RdsCheckError(`${message} (override: --no-rds-checks)`);
}

/** Resolves the key and checks it is a symmetric, enabled key in the bucket's region; throws otherwise. */
export async function checkRdsUpload(input: RdsUploadCheckInput): Promise<RdsUploadCheck> {
  const key = await resolveKmsKey(input.kms, input.kmsKeyId, input.signal);
  /* Precondition: an rds upload's key is SYMMETRIC_DEFAULT. */
  if (key.keySpec !== undefined && key.keySpec !== "SYMMETRIC_DEFAULT")
    fail(`KMS key ${key.arn} is ${key.keySpec}; RDS restores only with a SYMMETRIC_DEFAULT key`);
  /* Precondition: an rds upload's key is enabled. */
  if (key.enabled === false || (key.keyState !== undefined && key.keyState !== "Enabled"))
    fail(`KMS key ${key.arn} is ${key.keyState ?? "disabled"}; RDS cannot decrypt with it`);
  const bucketRegion = await getBucketRegion({ s3: input.s3, bucket: input.bucket, signal: input.signal });
  const keyRegion = regionOfKmsArn(key.arn);
  /* Precondition: an rds upload's key is in the bucket's region. */
  if (keyRegion !== undefined && keyRegion !== bucketRegion)
    fail(
      `KMS key ${key.arn} is in ${keyRegion} but bucket ${input.bucket} is in ${bucketRegion}; RDS restores from a bucket in its own region with a key of that region`,
    );
  return { key, bucketRegion };
}
