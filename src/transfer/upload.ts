import { addAbortSignal, Readable } from "node:stream";
import { INSTRUCTION_FILE_SUFFIX } from "../codec/metadata-keys.js";
import { type PlacedMetadata, placeContentMetadata } from "../codec/placement.js";
import { AbortError, ErrorCodes, InternalError, S3CseError, TransferError, UsageError } from "../errors.js";
import { prepareEncryption, suiteForWriteFormat } from "../materials/materials.js";
import type { EncryptedPart } from "../pipeline/encrypt-parts.js";
import { encryptToParts } from "../pipeline/part-source.js";
import { putInstructionFile } from "./instruction-file.js";
import { abortMultipartUpload } from "./multipart-abort.js";
import { completeMultipartUpload } from "./multipart-complete.js";
import { uploadParts } from "./multipart-engine.js";
import { choosePartSize, MAX_PARTS } from "./part-size.js";
import { CreateMultipartUploadCommand, PutObjectCommand, s3Error } from "./s3-commands.js";
import { withPayloadSigning } from "./unsigned-payload.js";
import {
  DEFAULT_CONCURRENCY,
  type EncryptAndUploadOptions,
  type MultipartUploadEvent,
  type UploadResult,
  validateUploadOptions,
} from "./upload-options.js";

/**
 * Encrypts `source` chunk by chunk and uploads it: one PutObject if it fits in one part,
 * otherwise a multipart upload with the metadata set at CreateMultipartUpload. Any failure —
 * read, KMS, S3, abort — aborts the multipart upload, and the first cause is what is thrown.
 */
export async function encryptAndUpload(options: EncryptAndUploadOptions): Promise<UploadResult> {
  const { s3, bucket, key, format, signal } = options;
  validateUploadOptions(options);
  const suite = suiteForWriteFormat(format);
  const partSize = choosePartSize(options.contentLength, options.partSize);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const placement = options.metadataPlacement ?? "object";
  throwIfAborted(signal);

  // Cancelling destroys a stream source, so a read that is waiting for data ends at once.
  if (signal && options.source instanceof Readable) addAbortSignal(signal, options.source);
  const materials = await prepareEncryption(format, options.keyring, options.encryptionContext ?? {}, signal);
  let bytesRead = 0;
  let bytesUploaded = 0;
  let partsDone = 0;
  const report = () =>
    options.onProgress?.({ bytesRead, bytesUploaded, partsDone, totalBytes: options.contentLength });
  const parts = checkedParts(
    options.verifySource,
    encryptToParts(options.source, materials.contentKey, {
      partSize,
      concurrency,
      encryptInWorker: options.encryptInWorker,
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
  if (first.done) throw new InternalError("unreachable: encryptParts yields at least one part");
  const common = { Bucket: bucket, Key: key, ...options.objectParams };

  if (first.value.last) {
    assertLength(options.contentLength, bytesRead);
    const placed = placeContentMetadata(materials.metadata, bytesRead, placement);
    const metadata = placed.objectMetadata;
    await options.verifySource?.();
    let out: { ETag?: string; VersionId?: string };
    try {
      throwIfAborted(signal);
      out = await s3.send(
        withPayloadSigning(
          new PutObjectCommand({
            ...common,
            Body: first.value.body,
            ContentLength: first.value.body.length,
            ...(first.value.checksumCrc32 ? { ChecksumCRC32: first.value.checksumCrc32 } : {}),
            Metadata: { ...options.metadata, ...metadata },
          }),
          options.unsignedPayload,
        ),
        { abortSignal: completionSignal(placed, signal) },
      );
    } catch (err) {
      throw s3Error("PutObject", bucket, key, err);
    }
    const instructionFileKey = await writeInstructionFile(options, placed);
    bytesUploaded = first.value.body.length;
    partsDone = 1;
    report();
    return result(options, partSize, bytesRead, bytesUploaded, 0, placed, out, instructionFileKey);
  }

  const placed = placeContentMetadata(materials.metadata, options.contentLength, placement);
  const metadata = placed.objectMetadata;
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
  const tell = (state: MultipartUploadEvent["state"]) =>
    options.onMultipartUpload?.({ bucket, key, uploadId, state });
  tell("created");

  let completedWithError: unknown;
  try {
    const completed = await uploadParts({
      s3,
      bucket,
      key,
      uploadId,
      parts: prepend(first.value, parts),
      concurrency,
      unsignedPayload: options.unsignedPayload === true,
      signal: signal ?? new AbortController().signal,
      onPartDone: (part) => {
        bytesUploaded += part.body.length;
        partsDone += 1;
        report();
      },
    });
    assertLength(options.contentLength, bytesRead);
    await options.verifySource?.();
    throwIfAborted(signal);
    const out = await completeMultipartUpload(
      s3,
      { bucket, key, uploadId },
      completed,
      completionSignal(placed, signal),
    );
    tell("completed");
    // The object is complete: from here on nothing is aborted (see writeInstructionFile).
    const instructionFileKey = await writeInstructionFile(options, placed).catch((err) => {
      completedWithError = err;
      throw err;
    });
    return result(
      options,
      partSize,
      bytesRead,
      bytesUploaded,
      completed.length,
      placed,
      out,
      instructionFileKey,
    );
  } catch (err) {
    closeSource();
    // After CompleteMultipartUpload succeeded there is no upload left to abort.
    if (completedWithError !== undefined) throw completedWithError;
    const first =
      signal?.aborted && !(err instanceof S3CseError) ? new AbortError(undefined, { cause: err }) : err;
    const thrown = await abortMultipartUpload(s3, bucket, key, uploadId, first);
    tell(thrown === first ? "aborted" : "left");
    throw thrown;
  }
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

const INSTRUCTION_FILE_ATTEMPTS = 3;

/**
 * Instruction-file mode: written only once the object itself is complete (PutObject or
 * CompleteMultipartUpload succeeded), so a failed or cancelled upload leaves the previous object
 * and its instruction file untouched. Not cancellable: the new object already replaced the old one
 * and needs its instruction file, so a cancel that arrives now is ignored. If every attempt fails,
 * the error says that the object was replaced and how to repair it.
 */
async function writeInstructionFile(
  o: EncryptAndUploadOptions,
  placed: PlacedMetadata,
): Promise<string | undefined> {
  if (!placed.instructionFile) return undefined;
  let last: unknown;
  for (let attempt = 1; attempt <= INSTRUCTION_FILE_ATTEMPTS; attempt++) {
    try {
      return await putInstructionFile({
        s3: o.s3,
        bucket: o.bucket,
        key: o.key,
        entries: placed.instructionFile,
        expectedBucketOwner: o.objectParams?.ExpectedBucketOwner,
      });
    } catch (err) {
      last = err;
    }
  }
  throw new TransferError(
    ErrorCodes.S3_FAILURE,
    `s3://${o.bucket}/${o.key} was written, but its instruction file ${o.key}${INSTRUCTION_FILE_SUFFIX} could not be (${(last as Error).message}): the new object cannot be decrypted until the upload is run again`,
    { cause: last },
  );
}

async function* checkedParts(
  verifySource: (() => Promise<void>) | undefined,
  gen: AsyncGenerator<EncryptedPart>,
): AsyncGenerator<EncryptedPart, void, undefined> {
  for await (const part of gen) {
    await verifySource?.();
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

/**
 * In instruction-file mode the request that completes the object is not cancelled once sent: S3
 * may have stored the object even though the client gave up, and that object then needs its
 * instruction file. A cancel is checked just before it instead.
 */
function completionSignal(placed: PlacedMetadata, signal: AbortSignal | undefined): AbortSignal | undefined {
  return placed.instructionFile ? undefined : signal;
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
  placed: PlacedMetadata,
  out: { ETag?: string; VersionId?: string },
  instructionFileKey: string | undefined,
): UploadResult {
  return {
    bucket: o.bucket,
    key: o.key,
    format: o.format,
    bytes,
    ciphertextBytes,
    parts,
    partSize,
    metadata: { ...placed.objectMetadata, ...placed.instructionFile },
    ...(instructionFileKey ? { instructionFileKey } : {}),
    etag: out.ETag,
    versionId: out.VersionId,
  };
}

export * from "./upload-options.js";
