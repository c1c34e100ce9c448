import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { addAbortSignal, Readable } from "node:stream";
import type { PutObjectCommandInput } from "@aws-sdk/client-s3";
import { createContentEncryptor } from "../ciphers/content-cipher.js";
import type { ContentMetadata } from "../codec/content-metadata.js";
import { encodeContentMetadata } from "../codec/encode.js";
import type { StringMap } from "../codec/json-map.js";
import { ALL_S3EC_KEYS } from "../codec/metadata-keys.js";
import { AbortError, ErrorCodes, S3CseError, TransferError, UsageError } from "../errors.js";
import type { Keyring } from "../materials/keyring.js";
import { prepareEncryption, suiteForWriteFormat, type WriteFormat } from "../materials/materials.js";
import { type EncryptedPart, encryptParts } from "../pipeline/encrypt-parts.js";
import { abortMultipartUpload } from "./multipart-abort.js";
import { uploadParts } from "./multipart-engine.js";
import { choosePartSize, MAX_PARTS } from "./part-size.js";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3ClientLike,
  s3Error,
} from "./s3-commands.js";

export interface UploadProgress {
  /** Plaintext bytes read from the source so far. */
  readonly bytesRead: number;
  /** Ciphertext bytes S3 has acknowledged. */
  readonly bytesUploaded: number;
  readonly partsDone: number;
  /** Plaintext size, when known. */
  readonly totalBytes: number | undefined;
}

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
  /** The S3EC metadata written (names without `x-amz-meta-`). */
  readonly metadata: Record<string, string>;
  readonly etag: string | undefined;
  readonly versionId: string | undefined;
}

export const DEFAULT_CONCURRENCY = 4;

/**
 * Encrypts `source` chunk by chunk and uploads it: one PutObject if it fits in one part,
 * otherwise a multipart upload with the metadata set at CreateMultipartUpload. Any failure —
 * read, KMS, S3, abort — aborts the multipart upload, and the first cause is what is thrown.
 */
export async function encryptAndUpload(options: EncryptAndUploadOptions): Promise<UploadResult> {
  const { s3, bucket, key, format, signal } = options;
  validate(options);
  const suite = suiteForWriteFormat(format);
  const partSize = choosePartSize(options.contentLength, options.partSize);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  throwIfAborted(signal);

  // Cancelling destroys a stream source, so a read that is waiting for data ends at once.
  if (signal && options.source instanceof Readable) addAbortSignal(signal, options.source);
  const materials = await prepareEncryption(format, options.keyring, options.encryptionContext ?? {}, signal);
  const encryptor = createContentEncryptor(materials.contentKey);
  let bytesRead = 0;
  let bytesUploaded = 0;
  let partsDone = 0;
  const report = () =>
    options.onProgress?.({ bytesRead, bytesUploaded, partsDone, totalBytes: options.contentLength });
  const parts = checkedParts(
    encryptParts(options.source, encryptor, {
      partSize,
      signal,
      onRead: (n) => {
        bytesRead = n;
        /* Precondition: the plaintext stays within the suite's per-key limit. */
        if (n > suite.maxPlaintextLength) {
          throw new UsageError(
            `${format} (${suite.name}) can encrypt at most ${suite.maxPlaintextLength} bytes per object; use --format rds or split the file`,
          );
        }
        report();
      },
    }),
  );
  const closeSource = () => {
    void parts.return(undefined).catch(() => undefined);
    if (options.source instanceof Readable) options.source.destroy();
  };

  let first: IteratorResult<EncryptedPart>;
  try {
    first = await parts.next();
  } catch (err) {
    closeSource();
    throw err;
  }
  if (first.done) throw new Error("unreachable: encryptParts yields at least one part");
  const common = { Bucket: bucket, Key: key, ...options.objectParams };

  if (first.value.last) {
    assertLength(options.contentLength, bytesRead);
    const metadata = encodeMetadata(materials.metadata, bytesRead);
    let out: { ETag?: string; VersionId?: string };
    try {
      out = await s3.send(
        new PutObjectCommand({
          ...common,
          Body: first.value.body,
          ContentLength: first.value.body.length,
          Metadata: { ...options.metadata, ...metadata },
        }),
        { abortSignal: signal },
      );
    } catch (err) {
      throw s3Error("PutObject", bucket, key, err);
    }
    bytesUploaded = first.value.body.length;
    partsDone = 1;
    report();
    return result(options, partSize, bytesRead, bytesUploaded, 0, metadata, out);
  }

  const metadata = encodeMetadata(materials.metadata, options.contentLength);
  let uploadId: string;
  try {
    const created = await s3.send(
      new CreateMultipartUploadCommand({ ...common, Metadata: { ...options.metadata, ...metadata } }),
      {
        abortSignal: signal,
      },
    );
    uploadId = created.UploadId;
  } catch (err) {
    closeSource();
    throw s3Error("CreateMultipartUpload", bucket, key, err);
  }

  try {
    const completed = await uploadParts({
      s3,
      bucket,
      key,
      uploadId,
      parts: prepend(first.value, parts),
      concurrency,
      signal: signal ?? new AbortController().signal,
      onPartDone: (part) => {
        bytesUploaded += part.body.length;
        partsDone += 1;
        report();
      },
    });
    assertLength(options.contentLength, bytesRead);
    throwIfAborted(signal);
    let out: { ETag?: string; VersionId?: string };
    try {
      out = await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: completed },
        }),
        { abortSignal: signal },
      );
    } catch (err) {
      throw s3Error("CompleteMultipartUpload", bucket, key, err);
    }
    return result(options, partSize, bytesRead, bytesUploaded, completed.length, metadata, out);
  } catch (err) {
    closeSource();
    const first =
      signal?.aborted && !(err instanceof S3CseError) ? new AbortError(undefined, { cause: err }) : err;
    throw await abortMultipartUpload(s3, bucket, key, uploadId, first);
  }
}

/** Reads a file and uploads it encrypted: size known, so the metadata carries the plaintext length. */
export async function encryptAndUploadFile(
  options: Omit<EncryptAndUploadOptions, "source" | "contentLength"> & { file: string },
): Promise<UploadResult> {
  let size: number;
  try {
    const st = await stat(options.file);
    /* Precondition: the source path is a regular file. */
    if (!st.isFile()) throw new UsageError(`${options.file} is not a regular file`);
    size = st.size;
  } catch (err) {
    if (err instanceof S3CseError) throw err;
    throw new TransferError(ErrorCodes.IO_FAILURE, `cannot read ${options.file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const source = createReadStream(options.file, { highWaterMark: 1024 * 1024 });
  const { file: _file, ...rest } = options;
  try {
    return await encryptAndUpload({ ...rest, source, contentLength: size });
  } catch (err) {
    throw ioWrapped(err, options.file);
  } finally {
    source.destroy();
  }
}

function ioWrapped(err: unknown, file: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (err instanceof S3CseError || typeof code !== "string") return err;
  return new TransferError(ErrorCodes.IO_FAILURE, `reading ${file} failed: ${(err as Error).message}`, {
    cause: err,
  });
}

function validate(o: EncryptAndUploadOptions): void {
  /* Precondition: bucket and key are non-empty. */
  if (!o.bucket || !o.key) throw new UsageError("bucket and key are required");
  /* Precondition: concurrency is a positive integer. */
  if (
    o.concurrency !== undefined &&
    (!Number.isInteger(o.concurrency) || o.concurrency < 1 || o.concurrency > 64)
  ) {
    throw new UsageError(`concurrency must be an integer from 1 to 64, got ${o.concurrency}`);
  }
  /* Precondition: contentLength, when given, is a non-negative integer. */
  if (o.contentLength !== undefined && (!Number.isSafeInteger(o.contentLength) || o.contentLength < 0)) {
    throw new UsageError(`contentLength must be a non-negative integer, got ${o.contentLength}`);
  }
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

/* Precondition: the bytes read equal the declared plaintext length. */
function assertLength(expected: number | undefined, actual: number): void {
  if (expected !== undefined && expected !== actual) {
    throw new TransferError(
      ErrorCodes.IO_FAILURE,
      `the source changed while it was read: expected ${expected} bytes, read ${actual}`,
    );
  }
}

function encodeMetadata(cm: ContentMetadata, plaintextLength: number | undefined): Record<string, string> {
  if (cm.format === "v3" || plaintextLength === undefined) return encodeContentMetadata(cm);
  return encodeContentMetadata({ ...cm, unencryptedContentLength: plaintextLength });
}

async function* checkedParts(
  gen: AsyncGenerator<EncryptedPart>,
): AsyncGenerator<EncryptedPart, void, undefined> {
  for await (const part of gen) {
    /* Precondition: an upload has at most 10,000 parts. */
    if (part.partNumber > MAX_PARTS) {
      throw new UsageError(
        `the source needs more than ${MAX_PARTS} parts; set a larger part size (--part-size)`,
      );
    }
    yield part;
  }
}

async function* prepend<T>(head: T, rest: AsyncIterator<T>): AsyncGenerator<T, void, undefined> {
  yield head;
  for (;;) {
    const n = await rest.next();
    if (n.done) return;
    yield n.value;
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
}

function result(
  o: EncryptAndUploadOptions,
  partSize: number,
  bytes: number,
  ciphertextBytes: number,
  parts: number,
  metadata: Record<string, string>,
  out: { ETag?: string; VersionId?: string },
): UploadResult {
  return {
    bucket: o.bucket,
    key: o.key,
    format: o.format,
    bytes,
    ciphertextBytes,
    parts,
    partSize,
    metadata,
    etag: out.ETag,
    versionId: out.VersionId,
  };
}
