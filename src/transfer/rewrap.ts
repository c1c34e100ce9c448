/**
 * Rewrap (issue 15): moves an object's data key from one KMS key to another without touching the
 * ciphertext body. Only the wrapped-key field changes (x-amz-key, x-amz-key-v2 or x-amz-3); the
 * format, IV, context, commitment and every other metadata entry stay as they are.
 */
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { encodeBase64 } from "../codec/base64.js";
import { decodeContentMetadata } from "../codec/decode.js";
import type { StringMap } from "../codec/json-map.js";
import { INSTRUCTION_FILE_SUFFIX, Keys } from "../codec/metadata-keys.js";
import { ErrorCodes, FormatError, isS3CseError } from "../errors.js";
import type { KmsClientLike } from "../materials/kms-client.js";
import { type RewrapMethod, rewrapDataKey } from "../materials/kms-rewrap.js";
import { type CopyMethod, replaceObjectMetadata } from "./copy-object.js";
import { putInstructionFile } from "./instruction-file.js";
import { readObjectEncryption } from "./object-metadata.js";
import { type S3ClientLike, s3Error } from "./s3-commands.js";

export interface RewrapCommonOptions {
  s3: S3ClientLike;
  kms: KmsClientLike;
  bucket: string;
  /** The KMS key the data key is wrapped under now. */
  kmsKeyId: string;
  newKmsKeyId: string;
  /** The object's encryption context (kms+context objects); unchanged by the rewrap. */
  encryptionContext?: StringMap;
  /** Report what would change, change nothing. */
  dryRun?: boolean;
  /** `re-encrypt` (default: the data key never leaves KMS) or `decrypt-encrypt`. */
  method?: RewrapMethod;
  copyThreshold?: number;
  copyPartSize?: number;
  instructionFileSuffix?: string;
  signal?: AbortSignal;
}

export interface RewrapObjectOptions extends RewrapCommonOptions {
  key: string;
}

export type RewrapStatus = "rewrapped" | "already" | "would-rewrap";

export interface RewrapResult {
  readonly key: string;
  readonly status: RewrapStatus;
  readonly format: "v1" | "v2" | "v3";
  readonly placement: "object" | "instruction-file";
  /** How the new metadata was (or would be) written. */
  readonly write: CopyMethod | "instruction-file" | "none";
  readonly oldKeyArn: string;
  readonly newKeyArn: string;
  /** Metadata entries that change. */
  readonly changes: readonly string[];
}

const KEY_FIELD = { v1: Keys.KEY_V1, v2: Keys.KEY_V2, v3: Keys.V3_KEY } as const;

/** Rewraps one object's data key under `newKmsKeyId`. */
export async function rewrapObject(o: RewrapObjectOptions): Promise<RewrapResult> {
  const loc = {
    s3: o.s3,
    bucket: o.bucket,
    key: o.key,
    signal: o.signal,
    instructionFileSuffix: o.instructionFileSuffix,
  };
  const { head, contentMetadata: cm, instructionFile } = await readObjectEncryption(loc);
  const wrapped = await rewrapDataKey({
    kms: o.kms,
    metadata: cm,
    oldKeyId: o.kmsKeyId,
    newKeyId: o.newKmsKeyId,
    encryptionContext: o.encryptionContext ?? {},
    method: o.method,
    signal: o.signal,
  });
  const placement = instructionFile ? "instruction-file" : "object";
  const field = KEY_FIELD[cm.format];
  const base = {
    key: o.key,
    format: cm.format,
    placement,
    oldKeyArn: wrapped.oldKeyArn,
    newKeyArn: wrapped.newKeyArn,
  } as const;
  if (wrapped.status === "already") return { ...base, status: "already", write: "none", changes: [] };
  const newKey = encodeBase64(wrapped.encryptedDataKey!);
  const objectMetadata = { ...(head.Metadata ?? {}) };
  const newInstruction = instructionFile ? { ...instructionFile, [field]: newKey } : undefined;
  if (!instructionFile) objectMetadata[field] = newKey;
  const after = decodeContentMetadata(objectMetadata, newInstruction);
  /* Precondition: a rewrap never changes the object's format or content algorithm. */
  if (after.format !== cm.format || after.suite.id !== cm.suite.id) {
    throw new FormatError(
      ErrorCodes.INVALID_METADATA,
      `rewrap of s3://${o.bucket}/${o.key} would change its format`,
    );
  }
  const write = instructionFile
    ? "instruction-file"
    : (head.ContentLength ?? 0) > (o.copyThreshold ?? 5 * 1024 ** 3)
      ? "upload-part-copy"
      : "copy-object";
  if (o.dryRun) return { ...base, status: "would-rewrap", write, changes: [field] };
  if (newInstruction) {
    await putInstructionFile({
      s3: o.s3,
      bucket: o.bucket,
      key: o.key,
      entries: newInstruction,
      suffix: o.instructionFileSuffix,
      signal: o.signal,
    });
    return { ...base, status: "rewrapped", write: "instruction-file", changes: [field] };
  }
  const used = await replaceObjectMetadata({
    s3: o.s3,
    bucket: o.bucket,
    key: o.key,
    head,
    metadata: objectMetadata,
    copyThreshold: o.copyThreshold,
    copyPartSize: o.copyPartSize,
    signal: o.signal,
  });
  return { ...base, status: "rewrapped", write: used, changes: [field] };
}

export interface RewrapPrefixOptions extends RewrapCommonOptions {
  prefix: string;
}

export interface RewrapFailure {
  readonly key: string;
  readonly code: string;
  readonly message: string;
}

export interface RewrapSummary {
  readonly results: readonly RewrapResult[];
  readonly failures: readonly RewrapFailure[];
  readonly counts: Readonly<Record<RewrapStatus | "failed", number>>;
}

/** Rewraps every object under a prefix (instruction files are handled with their objects). */
export async function rewrapPrefix(o: RewrapPrefixOptions): Promise<RewrapSummary> {
  const suffix = o.instructionFileSuffix ?? INSTRUCTION_FILE_SUFFIX;
  const results: RewrapResult[] = [];
  const failures: RewrapFailure[] = [];
  let token: string | undefined;
  do {
    let page: { Contents?: { Key?: string }[]; NextContinuationToken?: string; IsTruncated?: boolean };
    try {
      page = await o.s3.send(
        new ListObjectsV2Command({ Bucket: o.bucket, Prefix: o.prefix, ContinuationToken: token }),
        { abortSignal: o.signal },
      );
    } catch (err) {
      throw s3Error("ListObjectsV2", o.bucket, o.prefix, err);
    }
    for (const { Key: key } of page.Contents ?? []) {
      if (!key || key.endsWith(suffix)) continue;
      try {
        results.push(await rewrapObject({ ...o, key }));
      } catch (err) {
        if (o.signal?.aborted) throw err;
        failures.push({
          key,
          code: isS3CseError(err) ? err.code : "INTERNAL",
          message: err instanceof Error ? err.message : String(err),
        });
      }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const counts = { rewrapped: 0, already: 0, "would-rewrap": 0, failed: failures.length };
  for (const r of results) counts[r.status]++;
  return { results, failures, counts };
}
