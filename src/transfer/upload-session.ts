import { addAbortSignal, Readable } from "node:stream";
import type { AlgorithmSuite } from "../codec/algorithm-suites.js";
import type { MetadataPlacement } from "../codec/placement.js";
import { AbortError, InternalError, UsageError } from "../errors.js";
import { type EncryptionMaterials, prepareEncryption, suiteForWriteFormat } from "../materials/materials.js";
import type { EncryptedPart } from "../pipeline/encrypt-parts.js";
import { encryptToParts } from "../pipeline/part-source.js";
import { choosePartSize, MAX_PARTS } from "./part-size.js";
import {
  DEFAULT_CONCURRENCY,
  type EncryptAndUploadOptions,
  type MultipartUploadEvent,
  validateUploadOptions,
} from "./upload-options.js";

/** Running totals of one upload, reported through `onProgress`. */
export interface UploadCounters {
  bytesRead: number;
  bytesUploaded: number;
  partsDone: number;
}

/**
 * Everything one upload decided before its first byte was sent: the checked options, the suite,
 * part size and concurrency, the encryption materials, and the stream of ciphertext parts.
 */
export interface UploadSession {
  readonly options: EncryptAndUploadOptions;
  readonly suite: AlgorithmSuite;
  readonly partSize: number;
  readonly concurrency: number;
  readonly placement: MetadataPlacement;
  readonly materials: EncryptionMaterials;
  readonly parts: AsyncGenerator<EncryptedPart, void, undefined>;
  readonly counters: UploadCounters;
  /** Calls `onProgress` with the counters. */
  report(): void;
  /** Stops reading: ends the part stream and destroys a stream source. */
  close(): void;
  /** Tells `onMultipartUpload` about the upload's life. */
  tell(uploadId: string, state: MultipartUploadEvent["state"], checkpointPath?: string): void;
}

/**
 * Checks the options, makes (or, when resuming, is given) the encryption materials, and sets up
 * the part stream. Nothing is read from the source yet.
 */
export async function prepareUpload(
  options: EncryptAndUploadOptions,
  given?: EncryptionMaterials,
): Promise<UploadSession> {
  const { format, signal } = options;
  validateUploadOptions(options);
  const suite = suiteForWriteFormat(format);
  const partSize = choosePartSize(options.contentLength, options.partSize);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  throwIfAborted(signal);

  // Cancelling destroys a stream source, so a read that is waiting for data ends at once.
  if (signal && options.source instanceof Readable) addAbortSignal(signal, options.source);
  const materials =
    given ?? (await prepareEncryption(format, options.keyring, options.encryptionContext ?? {}, signal));
  const counters: UploadCounters = { bytesRead: 0, bytesUploaded: 0, partsDone: 0 };
  const report = () => options.onProgress?.({ ...counters, totalBytes: options.contentLength });
  const parts = checkedParts(
    options.verifySource,
    encryptToParts(options.source, materials.contentKey, {
      partSize,
      concurrency,
      encryptInWorker: options.encryptInWorker,
      signal,
      onRead: (n) => {
        counters.bytesRead = n;
        /* Precondition: an upload's plaintext stays within the suite's per-key limit. */
        if (n > suite.maxPlaintextLength) {
          throw new UsageError(
            `${format} (${suite.name}) can encrypt at most ${suite.maxPlaintextLength} bytes per object; use --format rds or split the file`,
          );
        }
        report();
      },
    }),
  );
  return {
    options,
    suite,
    partSize,
    concurrency,
    placement: options.metadataPlacement ?? "object",
    materials,
    parts,
    counters,
    report,
    close: () => {
      void parts.return(undefined).catch(() => undefined);
      if (options.source instanceof Readable) options.source.destroy();
    },
    tell: (uploadId, state, checkpointPath) =>
      options.onMultipartUpload?.({
        bucket: options.bucket,
        key: options.key,
        uploadId,
        state,
        ...(checkpointPath !== undefined ? { checkpointPath } : {}),
      }),
  };
}

/** The first part: whether it is also the last decides between PutObject and a multipart upload. */
export async function firstPart(session: UploadSession): Promise<EncryptedPart> {
  let first: IteratorResult<EncryptedPart>;
  try {
    first = await session.parts.next();
  } catch (err) {
    session.close();
    throw err;
  }
  if (first.done) throw new InternalError("unreachable: encryptParts yields at least one part");
  return first.value;
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

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
}
