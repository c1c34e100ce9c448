/**
 * The AWS CLI's object options (`aws s3 cp` spellings) for uploads, mapped onto the upload's
 * `objectParams` and user `metadata`. Encryption metadata can never be set or overridden here.
 */
import { type Command, Option } from "commander";
import { ALL_S3EC_KEYS } from "../codec/metadata-rules.js";
import { UsageError } from "../errors.js";
import type { ObjectParams } from "../transfer/upload-options.js";

export interface ObjectCliOptions {
  sse?: string;
  sseKmsKeyId?: string;
  bucketKeyEnabled?: boolean;
  acl?: string;
  expectedBucketOwner?: string;
  storageClass?: string;
  metadata?: string;
  contentType?: string;
  cacheControl?: string;
  tagging?: string;
  checksumAlgorithm?: string;
  objectLockMode?: string;
  objectLockRetainUntilDate?: string;
  objectLockLegalHoldStatus?: string;
}

const ACLS = [
  "private",
  "public-read",
  "public-read-write",
  "authenticated-read",
  "aws-exec-read",
  "bucket-owner-read",
  "bucket-owner-full-control",
];
const STORAGE_CLASSES = [
  "STANDARD",
  "REDUCED_REDUNDANCY",
  "STANDARD_IA",
  "ONEZONE_IA",
  "INTELLIGENT_TIERING",
  "GLACIER",
  "DEEP_ARCHIVE",
  "GLACIER_IR",
];

export function addObjectOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--sse <algorithm>", "server-side encryption on top of client-side").choices([
        "AES256",
        "aws:kms",
        "aws:kms:dsse",
      ]),
    )
    .addOption(new Option("--sse-kms-key-id <id>", "KMS key for --sse aws:kms / aws:kms:dsse"))
    .addOption(new Option("--bucket-key-enabled", "use an S3 Bucket Key for SSE-KMS"))
    .addOption(new Option("--acl <acl>", "canned ACL, e.g. bucket-owner-full-control").choices(ACLS))
    .addOption(
      new Option("--expected-bucket-owner <account>", "fail unless the bucket belongs to this account"),
    )
    .addOption(new Option("--storage-class <class>", "S3 storage class").choices(STORAGE_CLASSES))
    .addOption(
      new Option(
        "--metadata <k=v,...>",
        "user metadata (never the encryption metadata: x-amz-key… are refused)",
      ),
    )
    .addOption(new Option("--content-type <type>", "Content-Type of the stored object"))
    .addOption(new Option("--cache-control <value>", "Cache-Control of the stored object"))
    .addOption(new Option("--tagging <k=v&...>", "object tags, URL-query encoded (k1=v1&k2=v2)"))
    .addOption(
      new Option(
        "--checksum-algorithm <algorithm>",
        "checksum S3 verifies per part (s3-cse computes CRC32 on the ciphertext of every part)",
      ).choices(["CRC32"]),
    )
    .addOption(
      new Option("--object-lock-mode <mode>", "Object Lock mode").choices(["GOVERNANCE", "COMPLIANCE"]),
    )
    .addOption(
      new Option("--object-lock-retain-until-date <date>", "Object Lock retention end (ISO 8601 date/time)"),
    )
    .addOption(
      new Option("--object-lock-legal-hold-status <status>", "Object Lock legal hold").choices(["ON", "OFF"]),
    );
}

/** Parses `--metadata k=v,k2=v2` (the AWS CLI's shorthand). */
export function parseMetadata(value: string | undefined): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const pair of value.split(",")) {
    const i = pair.indexOf("=");
    /* Precondition: each --metadata entry is key=value with a non-empty key. */
    if (i <= 0)
      throw new UsageError(
        `--metadata entry "${pair}" must be key=value (e.g. --metadata db=Sales,env=prod)`,
      );
    const key = pair
      .slice(0, i)
      .trim()
      .toLowerCase()
      .replace(/^x-amz-meta-/, "");
    /* Precondition: --metadata never sets an encryption metadata key. */
    if (ALL_S3EC_KEYS.includes(key))
      throw new UsageError(
        `--metadata cannot set "${key}": it is reserved for the encryption metadata s3-cse writes`,
      );
    out[key] = pair.slice(i + 1);
  }
  return out;
}

export function objectParamsFrom(o: ObjectCliOptions): ObjectParams {
  let retainUntil: Date | undefined;
  if (o.objectLockRetainUntilDate !== undefined) {
    retainUntil = new Date(o.objectLockRetainUntilDate);
    /* Precondition: --object-lock-retain-until-date is a valid date. */
    if (Number.isNaN(retainUntil.getTime()))
      throw new UsageError(
        `--object-lock-retain-until-date "${o.objectLockRetainUntilDate}" is not a date (e.g. 2030-01-31T00:00:00Z)`,
      );
  }
  /* Precondition: Object Lock mode and retain-until date are given together. */
  if ((o.objectLockMode === undefined) !== (retainUntil === undefined))
    throw new UsageError("--object-lock-mode and --object-lock-retain-until-date must be given together");
  /* Precondition: --sse-kms-key-id and --bucket-key-enabled need --sse aws:kms or aws:kms:dsse. */
  if ((o.sseKmsKeyId || o.bucketKeyEnabled) && !o.sse?.startsWith("aws:kms"))
    throw new UsageError(
      "--sse-kms-key-id and --bucket-key-enabled need --sse aws:kms or --sse aws:kms:dsse",
    );
  // S3 refuses Object Lock writes without Content-MD5 or x-amz-sdk-checksum-algorithm; every part
  // s3-cse sends carries a CRC32 of its ciphertext, so naming the algorithm is enough.
  const locked = o.objectLockMode !== undefined || o.objectLockLegalHoldStatus !== undefined;
  const checksumAlgorithm = o.checksumAlgorithm ?? (locked ? "CRC32" : undefined);
  return {
    ...(o.sse ? { ServerSideEncryption: o.sse as ObjectParams["ServerSideEncryption"] } : {}),
    ...(o.sseKmsKeyId ? { SSEKMSKeyId: o.sseKmsKeyId } : {}),
    ...(o.bucketKeyEnabled ? { BucketKeyEnabled: true } : {}),
    ...(o.acl ? { ACL: o.acl as ObjectParams["ACL"] } : {}),
    ...(o.expectedBucketOwner ? { ExpectedBucketOwner: o.expectedBucketOwner } : {}),
    ...(o.storageClass ? { StorageClass: o.storageClass as ObjectParams["StorageClass"] } : {}),
    ...(o.contentType ? { ContentType: o.contentType } : {}),
    ...(o.cacheControl ? { CacheControl: o.cacheControl } : {}),
    ...(o.tagging ? { Tagging: o.tagging } : {}),
    ...(checksumAlgorithm
      ? { ChecksumAlgorithm: checksumAlgorithm as ObjectParams["ChecksumAlgorithm"] }
      : {}),
    ...(o.objectLockMode ? { ObjectLockMode: o.objectLockMode as ObjectParams["ObjectLockMode"] } : {}),
    ...(retainUntil ? { ObjectLockRetainUntilDate: retainUntil } : {}),
    ...(o.objectLockLegalHoldStatus
      ? {
          ObjectLockLegalHoldStatus: o.objectLockLegalHoldStatus as ObjectParams["ObjectLockLegalHoldStatus"],
        }
      : {}),
  };
}
