import type { PutObjectCommandInput } from "@aws-sdk/client-s3";
import type { StringMap } from "../codec/json-map.js";
import { ALL_S3EC_KEYS } from "../codec/metadata-rules.js";
import { assertPlacementAllowed, type MetadataPlacement } from "../codec/placement.js";
import { UsageError } from "../errors.js";
import type { Keyring } from "../materials/keyring.js";
import { suiteForWriteFormat, type WriteFormat } from "../materials/materials.js";
import { assertWriteAllowed, type CommitmentPolicy, DEFAULT_COMMITMENT_POLICY } from "../materials/policy.js";
import type { EncryptInWorker } from "../pipeline/part-source.js";
import type { S3ClientLike } from "./s3-commands.js";
import { type PayloadSigning, payloadSigningOf } from "./unsigned-payload.js";

export interface UploadProgress {
  /** Plaintext bytes read from the source so far. */
  readonly bytesRead: number;
  /** Ciphertext bytes S3 has acknowledged. */
  readonly bytesUploaded: number;
  readonly partsDone: number;
  /** Plaintext size, when known. */
  readonly totalBytes: number | undefined;
}

/** Most parts an upload keeps in flight (memory is about partSize × (concurrency + 2)). */
export const MAX_UPLOAD_CONCURRENCY = 64;

/** Extra PutObject / CreateMultipartUpload parameters passed through unchanged. */
export type ObjectParams = Pick<
  PutObjectCommandInput,
  | "ContentType"
  | "CacheControl"
  | "StorageClass"
  | "Tagging"
  | "ServerSideEncryption"
  | "SSEKMSKeyId"
  | "ExpectedBucketOwner"
  | "ACL"
  | "BucketKeyEnabled"
  | "ChecksumAlgorithm"
  | "ObjectLockMode"
  | "ObjectLockRetainUntilDate"
  | "ObjectLockLegalHoldStatus"
  | "ContentDisposition"
  | "ContentEncoding"
  | "ContentLanguage"
  | "Expires"
  | "GrantFullControl"
  | "GrantRead"
  | "GrantReadACP"
  | "GrantWriteACP"
  | "WebsiteRedirectLocation"
  | "SSEKMSEncryptionContext"
  | "ObjectLockEventHold"
  | "ObjectLockEventHoldDurationDays"
  | "ObjectLockEventHoldDurationYears"
>;

export interface EncryptAndUploadOptions {
  s3: S3ClientLike;
  bucket: string;
  key: string;
  /** Plaintext. A `Readable` or any async iterable of bytes; read once, pull-based. */
  source: AsyncIterable<Uint8Array | string>;
  keyring: Keyring;
  /** `rds` (V1 CBC, what RDS restores), `v2` (GCM) or `v3` (key-committing GCM). */
  format: WriteFormat;
  /**
   * Checked against `format` before anything is read or sent (docs/formats.md#policy-switches): `v3` needs a REQUIRE_ENCRYPT_* policy,
   * `v2` needs FORBID_ENCRYPT_ALLOW_DECRYPT; `rds` (V1, what RDS restores) is allowed under every policy, because
   * choosing it is already the explicit legacy flag. Default REQUIRE_ENCRYPT_REQUIRE_DECRYPT, as the official v4
   * clients: writing `v2` needs `commitmentPolicy: "FORBID_ENCRYPT_ALLOW_DECRYPT"`.
   */
  commitmentPolicy?: CommitmentPolicy;
  /** KMS encryption context (v2/v3 only). */
  encryptionContext?: StringMap;
  /** Plaintext length, when known: sizes parts, fills x-amz-unencrypted-content-length, and is verified at the end. */
  contentLength?: number;
  /** Bytes per part (multiple of 16, 5 MiB–5 GiB). Default: 16 MiB, grown so the object fits in 10,000 parts. */
  partSize?: number;
  /** Parts in flight at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: UploadProgress) => void;
  /** Additional user metadata; must not use S3 Encryption Client key names. */
  metadata?: Record<string, string>;
  objectParams?: ObjectParams;
  /**
   * `object` (default): encryption metadata in the object's user metadata. `instruction-file`:
   * in `<key>.instruction`, written only after the object completed (a failed upload leaves the
   * previous object and instruction file untouched); not for the rds format.
   */
  metadataPlacement?: MetadataPlacement;
  /**
   * Payload signing of the part bodies, as botocore and the AWS CLI do it: `auto` (default) sends
   * `UNSIGNED-PAYLOAD` over HTTPS (SigV4 then does not hash the bodies; each part still carries its
   * CRC32, which S3 checks) and signs payloads over plain HTTP; `always` signs every body; `never`
   * never does (S3 accepts that over HTTPS only).
   */
  payloadSigning?: PayloadSigning;
  /** Older form of `payloadSigning`: true = `never`, false = `always`. Ignored when that is set. */
  unsignedPayload?: boolean;
  /**
   * Encrypt (and checksum) on a worker thread, leaving the main thread to read and upload.
   * Default false; `"auto"` uses a worker when the machine has more than two cores.
   */
  encryptInWorker?: EncryptInWorker;
  /**
   * Checks that the source did not change: called after each part was read and once more just
   * before the object is completed (PutObject / CompleteMultipartUpload). A throw fails the upload
   * (the multipart upload is aborted). `encryptAndUploadFile` sets it to compare the file's size,
   * mtime, ctime and inode with what they were when it was opened.
   */
  verifySource?: () => Promise<void>;
  /**
   * Told about the multipart upload's life: `created` (with its id, right after
   * CreateMultipartUpload), then `completed`, `aborted`, or `left` (every abort attempt failed).
   * The CLI uses it to name the upload id if it must exit before the abort finished.
   */
  onMultipartUpload?: (event: MultipartUploadEvent) => void;
}

export interface MultipartUploadEvent {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  /** The checkpoint of a resumable upload (encryptAndUploadFile's `checkpoint` option). */
  readonly checkpointPath?: string;
  /** `kept`: left open on purpose after a failure, for a later resume (see the `checkpoint` option). */
  readonly state: "created" | "completed" | "aborted" | "left" | "kept";
}

export interface UploadResult {
  readonly bucket: string;
  readonly key: string;
  readonly format: WriteFormat;
  /** Plaintext bytes. */
  readonly bytes: number;
  readonly ciphertextBytes: number;
  /** 0 for a single PutObject. */
  readonly parts: number;
  readonly partSize: number;
  /** The S3EC metadata written, on the object and in the instruction file (names without `x-amz-meta-`). */
  readonly metadata: Record<string, string>;
  /** Key of the instruction file, in instruction-file mode. */
  readonly instructionFileKey?: string;
  /** A resumed upload (encryptAndUploadFile `checkpoint`): parts already in S3, checked and not re-sent. */
  readonly resumedParts?: number;
  readonly etag: string | undefined;
  readonly versionId: string | undefined;
}

export const DEFAULT_CONCURRENCY = 4;

/** The format generation a write format produces. */
export function writeFormatVersion(format: WriteFormat): "v1" | "v2" | "v3" {
  return format === "rds" ? "v1" : format;
}

/**
 * Checks `format` against `commitmentPolicy` (default REQUIRE_ENCRYPT_REQUIRE_DECRYPT, as the official
 * v4 clients); first of all checks, before any I/O.
 */
export function assertUploadPolicy(o: Pick<EncryptAndUploadOptions, "format" | "commitmentPolicy">): void {
  /* Precondition: the write format agrees with the commitment policy. */
  assertWriteAllowed(writeFormatVersion(o.format), o.commitmentPolicy ?? DEFAULT_COMMITMENT_POLICY);
}

/** Checks caller options before anything is read or sent. */
export function validateUploadOptions(o: EncryptAndUploadOptions): void {
  assertUploadPolicy(o);
  /* Precondition: bucket and key are non-empty. */
  if (!o.bucket || !o.key) throw new UsageError("bucket and key are required");
  /* Precondition: concurrency is an integer from 1 to 64. */
  if (
    o.concurrency !== undefined &&
    (!Number.isInteger(o.concurrency) || o.concurrency < 1 || o.concurrency > MAX_UPLOAD_CONCURRENCY)
  ) {
    throw new UsageError(
      `concurrency must be an integer from 1 to ${MAX_UPLOAD_CONCURRENCY}, got ${o.concurrency}`,
    );
  }
  /* Precondition: contentLength, when given, is a non-negative integer. */
  if (o.contentLength !== undefined && (!Number.isSafeInteger(o.contentLength) || o.contentLength < 0)) {
    throw new UsageError(`contentLength must be a non-negative integer, got ${o.contentLength}`);
  }
  assertPlacementAllowed(o.format, o.metadataPlacement ?? "object");
  payloadSigningOf(o);
  const suite = suiteForWriteFormat(o.format);
  if (o.contentLength !== undefined && o.contentLength > suite.maxPlaintextLength) {
    throw new UsageError(
      `${o.format} (${suite.name}) can encrypt at most ${suite.maxPlaintextLength} bytes per object; this source has ${o.contentLength}`,
    );
  }
  /* Precondition: extra user metadata does not use S3 Encryption Client key names. */
  const clash = Object.keys(o.metadata ?? {}).filter((k) => ALL_S3EC_KEYS.includes(k.toLowerCase()));
  if (clash.length > 0) throw new UsageError(`metadata keys reserved for encryption: ${clash.join(", ")}`);
}
