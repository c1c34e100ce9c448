import { type PlacedMetadata, placeContentMetadata } from "../codec/placement.js";
import { AbortError, S3CseError } from "../errors.js";
import type { EncryptedPart } from "../pipeline/encrypt-parts.js";
import { abortMultipartUpload } from "./multipart-abort.js";
import { completeMultipartUpload } from "./multipart-complete.js";
import { type CompletedPart, uploadParts } from "./multipart-engine.js";
import { type RecordedPart, skipRecorded } from "./resume-parts.js";
import { CreateMultipartUploadCommand, s3Error } from "./s3-commands.js";
import { payloadSigningOf } from "./unsigned-payload.js";
import { assertLength, completionSignal, type UploadOutcome, writeInstructionFile } from "./upload-finish.js";
import { throwIfAborted, type UploadSession } from "./upload-session.js";

/** A part S3 acknowledged, as a checkpoint records it. */
export type { RecordedPart };

/**
 * Hooks a resumable upload (upload-checkpoint.ts) hangs on the multipart path. Without one, the
 * path is the plain one: create, upload every part, complete, or abort on any failure.
 */
export interface MultipartJournal {
  /** Continue this upload instead of creating one; its recorded parts are rebuilt and checked, not re-sent. */
  readonly resume?: { readonly uploadId: string; readonly parts: readonly RecordedPart[] };
  /** The checkpoint file, named in the `onMultipartUpload` events. */
  readonly checkpointPath?: string;
  /** Right after CreateMultipartUpload, before any part is sent. */
  created?(uploadId: string, placed: PlacedMetadata, partSize: number): Promise<void>;
  /** Each part S3 acknowledged. */
  partDone?(part: RecordedPart): void;
  /** Just before CompleteMultipartUpload, with every part. */
  completing?(parts: readonly RecordedPart[]): Promise<void>;
  /** After the object (and its instruction file) was written. */
  completed?(): Promise<void>;
  /** After a failure: true keeps the multipart upload for a later resume instead of aborting it. */
  keeps?(err: unknown): boolean;
  /** After the upload was aborted (not kept). */
  abandoned?(): Promise<void>;
  /** After a failure, before it is thrown: let the checkpoint reach the disk. */
  settle?(): Promise<void>;
}

/**
 * Multipart upload: the metadata is set at CreateMultipartUpload, parts go through the engine,
 * then CompleteMultipartUpload and the instruction file. Every failure after the upload was
 * created goes through one path ({@link failMultipart}): the upload is aborted (or, for a
 * resumable upload, kept), and the first cause is what is thrown.
 */
export async function uploadMultipart(
  session: UploadSession,
  first: EncryptedPart,
  journal: MultipartJournal = {},
): Promise<UploadOutcome> {
  const { options: o, counters } = session;
  const placed = placeContentMetadata(session.materials.metadata, o.contentLength, session.placement);
  const uploadId = journal.resume?.uploadId ?? (await createUpload(session, first, placed));
  session.tell(uploadId, "created", journal.checkpointPath);
  if (!journal.resume)
    await journal
      .created?.(uploadId, placed, session.partSize)
      .catch((err) => failMultipart(session, uploadId, err, journal));

  const recorded = journal.resume?.parts ?? [];
  const acknowledged: RecordedPart[] = [];
  let completedWithError: unknown;
  try {
    await uploadParts({
      s3: o.s3,
      bucket: o.bucket,
      key: o.key,
      uploadId,
      parts: skipRecorded(prepend(first, session.parts), recorded, session, journal.checkpointPath),
      concurrency: session.concurrency,
      payloadSigning: payloadSigningOf(o),
      expectedBucketOwner: o.objectParams?.ExpectedBucketOwner,
      signal: o.signal ?? new AbortController().signal,
      onPartDone: (part, etag) => {
        counters.bytesUploaded += part.body.length;
        counters.partsDone += 1;
        const record = {
          partNumber: part.partNumber,
          etag,
          size: part.body.length,
          ...(part.checksumCrc32 ? { crc32: part.checksumCrc32 } : {}),
        };
        acknowledged.push(record);
        journal.partDone?.(record);
        session.report();
      },
    });
    assertLength(o.contentLength, counters.bytesRead);
    await o.verifySource?.();
    throwIfAborted(o.signal);
    const all = [...recorded, ...acknowledged].sort((a, b) => a.partNumber - b.partNumber);
    await journal.completing?.(all);
    const out = await completeMultipartUpload(
      o.s3,
      {
        bucket: o.bucket,
        key: o.key,
        uploadId,
        expectedBucketOwner: o.objectParams?.ExpectedBucketOwner,
        ...(crc32Declared(session, first) ? { checksumAlgorithm: "CRC32" } : {}),
      },
      completeList(all),
      completionSignal(placed, o.signal),
    );
    session.tell(uploadId, "completed", journal.checkpointPath);
    // The object is complete: from here on nothing is aborted (see writeInstructionFile).
    try {
      const instructionFileKey = await writeInstructionFile(o, placed);
      await journal.completed?.();
      return {
        parts: all.length,
        placed,
        out,
        instructionFileKey,
        ...(journal.resume ? { resumedParts: recorded.length } : {}),
      };
    } catch (err) {
      completedWithError = err;
      throw err;
    }
  } catch (err) {
    // After CompleteMultipartUpload succeeded there is no upload left to abort.
    if (completedWithError !== undefined) {
      session.close();
      await journal.settle?.().catch(() => undefined);
      throw completedWithError;
    }
    return failMultipart(session, uploadId, err, journal);
  }
}

async function createUpload(
  session: UploadSession,
  first: EncryptedPart,
  placed: PlacedMetadata,
): Promise<string> {
  const o = session.options;
  try {
    const created = await o.s3.send(
      new CreateMultipartUploadCommand({
        ...(crc32Declared(session, first) && o.objectParams?.ChecksumAlgorithm === undefined
          ? { ChecksumAlgorithm: "CRC32" }
          : {}),
        Bucket: o.bucket,
        Key: o.key,
        ...o.objectParams,
        Metadata: { ...o.metadata, ...placed.objectMetadata },
      }),
      { abortSignal: o.signal },
    );
    return created.UploadId;
  } catch (err) {
    session.close();
    throw s3Error("CreateMultipartUpload", o.bucket, o.key, err);
  }
}

/** The one failure path once the upload exists: stop reading, then abort it (or keep it to resume). */
async function failMultipart(
  session: UploadSession,
  uploadId: string,
  err: unknown,
  journal: MultipartJournal,
): Promise<never> {
  const o = session.options;
  session.close();
  await journal.settle?.().catch(() => undefined);
  const first =
    o.signal?.aborted && !(err instanceof S3CseError) ? new AbortError(undefined, { cause: err }) : err;
  if (journal.keeps?.(first)) {
    session.tell(uploadId, "kept", journal.checkpointPath);
    throw first;
  }
  const thrown = await abortMultipartUpload(
    o.s3,
    o.bucket,
    o.key,
    uploadId,
    first,
    o.objectParams?.ExpectedBucketOwner,
  );
  session.tell(uploadId, thrown === first ? "aborted" : "left");
  if (thrown === first) await journal.abandoned?.().catch(() => undefined);
  throw thrown;
}

/**
 * Every part carries the CRC32 of its ciphertext; declaring the algorithm at
 * CreateMultipartUpload makes S3 store the part checksums (ListParts, GetObjectAttributes and
 * GetObject with ChecksumMode then return them), and CompleteMultipartUpload lists them. A caller's
 * own ChecksumAlgorithm (objectParams) wins; the part CRC32s are listed only when it is CRC32.
 */
function crc32Declared(session: UploadSession, first: EncryptedPart): boolean {
  const own = session.options.objectParams?.ChecksumAlgorithm;
  return own === undefined ? first.checksumCrc32 !== undefined : own === "CRC32";
}

/** completeMultipartUpload keeps the CRC32s only when the upload declared CRC32. */
function completeList(parts: readonly RecordedPart[]): CompletedPart[] {
  return parts.map((p) => ({
    PartNumber: p.partNumber,
    ETag: p.etag,
    ...(p.crc32 ? { ChecksumCRC32: p.crc32 } : {}),
  }));
}

async function* prepend<T>(head: T, rest: AsyncIterator<T>): AsyncGenerator<T, void, undefined> {
  yield head;
  for (;;) {
    const n = await rest.next();
    if (n.done) return;
    yield n.value;
  }
}
