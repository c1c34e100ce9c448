/**
 * Resumable uploads of a file (the `checkpoint` option of encryptAndUploadFile, CLI `--resume`).
 * A fresh upload writes its checkpoint right after CreateMultipartUpload and records each part S3
 * acknowledges; a failure or a cancel then keeps the multipart upload (it is not aborted) so that
 * the same call can continue it. Continuing checks the checkpoint against the target and the
 * source, confirms the recorded parts with ListParts, unwraps the data key again, re-encrypts the
 * uploaded prefix locally (checking each rebuilt part's CRC32), uploads only the missing parts
 * and completes. The checkpoint is removed once the object (and its instruction file) is written.
 */
import type { BigIntStats } from "node:fs";
import { decodeContentMetadata } from "../codec/decode.js";
import { AbortError, ErrorCodes, S3CseError, TransferError } from "../errors.js";
import type { EncryptionMaterials } from "../materials/materials.js";
import { suiteForWriteFormat } from "../materials/materials.js";
import { resumeEncryption } from "../materials/resume-materials.js";
import { hasCrc32 } from "../pipeline/crc32.js";
import { abortMultipartUpload } from "./multipart-abort.js";
import { finishCompletedBehind } from "./resume-completed.js";
import { ListPartsCommand, type S3ClientLike, s3Error } from "./s3-commands.js";
import {
  CheckpointWriter,
  readCheckpoint,
  removeCheckpoint,
  type SourceIdentity,
  sourceIdentity,
  type UploadCheckpoint,
} from "./upload-checkpoint.js";
import type { MultipartJournal } from "./upload-multipart.js";
import type { EncryptAndUploadOptions, UploadResult } from "./upload-options.js";

/** The `checkpoint` option of encryptAndUploadFile. */
export interface CheckpointOptions {
  /** The checkpoint file (default: beside the source, `<file>.s3cse-upload.json`). */
  readonly path?: string;
}

export interface ResumablePlan {
  /** Set when the interrupted run's CompleteMultipartUpload had in fact succeeded: nothing is left to send. */
  readonly finished?: UploadResult;
  /** Set when continuing: the materials the upload was started with, and its part size. */
  readonly materials?: EncryptionMaterials;
  readonly partSize?: number;
  readonly journal: MultipartJournal;
}

type FileUpload = Omit<EncryptAndUploadOptions, "source" | "verifySource">;

/** Codes after which a fresh upload cannot be resumed: it is aborted and its checkpoint removed. */
const NOT_RESUMABLE_FAILURES: readonly string[] = [ErrorCodes.SOURCE_CHANGED, ErrorCodes.INVALID_ARGUMENT];

/** Continues the upload `checkpointPath` records, or prepares a fresh one that writes it. */
export async function planResumable(
  o: FileUpload,
  file: string,
  opened: BigIntStats,
  checkpointPath: string,
): Promise<ResumablePlan> {
  /* Precondition: resumable uploads need zlib.crc32 to check rebuilt parts. */
  if (!hasCrc32()) {
    throw new TransferError(
      ErrorCodes.NOT_RESUMABLE,
      "resumable uploads check each rebuilt part's CRC32 and need zlib.crc32 (Node.js 20.15 or later)",
    );
  }
  const identity = sourceIdentity(opened);
  const existing = await readCheckpoint(checkpointPath);
  return existing === undefined
    ? { journal: freshJournal(o, file, identity, checkpointPath) }
    : continueFrom(o, identity, existing, checkpointPath);
}

function freshJournal(o: FileUpload, file: string, identity: SourceIdentity, path: string): MultipartJournal {
  let writer: CheckpointWriter | undefined;
  return {
    checkpointPath: path,
    created: async (uploadId, placed, partSize) => {
      writer = new CheckpointWriter(path, {
        s3cseUploadCheckpoint: 1,
        bucket: o.bucket,
        key: o.key,
        uploadId,
        format: o.format,
        suite: suiteForWriteFormat(o.format).name,
        placement: o.metadataPlacement ?? "object",
        partSize,
        metadata: placed,
        source: { path: file, ...identity },
        parts: [],
        updatedAt: new Date().toISOString(),
      });
      await writer.write();
    },
    partDone: (part) => writer?.record(part),
    completing: async (parts) => writer?.flush(parts),
    completed: async () => {
      await writer?.settle();
      await removeCheckpoint(path);
    },
    settle: async () => writer?.settle(),
    keeps: (err) =>
      writer?.written === true && !(err instanceof S3CseError && NOT_RESUMABLE_FAILURES.includes(err.code)),
    abandoned: async () => {
      await writer?.settle();
      await removeCheckpoint(path);
    },
  };
}

async function continueFrom(
  o: FileUpload,
  identity: SourceIdentity,
  cp: UploadCheckpoint,
  path: string,
): Promise<ResumablePlan> {
  assertSameTarget(o, cp, path);
  assertSameSource(identity, cp, path);
  let listed: ListedPart[];
  try {
    listed = await listAllParts(o.s3, cp, path, o.signal);
  } catch (err) {
    // Interrupted while completing: S3 may have completed it without the process hearing so.
    const finished =
      err instanceof S3CseError && err.code === ErrorCodes.UPLOAD_NOT_FOUND
        ? await finishCompletedBehind(o, cp, path)
        : undefined;
    if (finished) return { finished, journal: {} };
    throw err;
  }
  assertPartsMatch(cp, listed, path);
  const stored = decodeContentMetadata(cp.metadata.objectMetadata, cp.metadata.instructionFile);
  const materials = await resumeEncryption(stored, o.keyring, o.encryptionContext ?? {}, o.signal);
  const writer = new CheckpointWriter(path, cp);
  return {
    materials,
    partSize: cp.partSize,
    journal: {
      checkpointPath: path,
      resume: { uploadId: cp.uploadId, parts: cp.parts },
      partDone: (part) => writer.record(part),
      completing: (parts) => writer.flush(parts),
      completed: async () => {
        await writer.settle();
        await removeCheckpoint(path);
      },
      settle: () => writer.settle(),
      // A continued upload is never aborted on its own: the user decides (abort-upload).
      keeps: () => true,
    },
  };
}

function mismatch(path: string, what: string): TransferError {
  return new TransferError(
    ErrorCodes.CHECKPOINT_MISMATCH,
    `the checkpoint ${path} ${what}; resume with the same target and options, or remove that upload with: s3-cse abort-upload --checkpoint ${path}`,
  );
}

/* Precondition: a checkpoint is resumed only for its own bucket, key, format, metadata placement and part size. */
function assertSameTarget(o: FileUpload, cp: UploadCheckpoint, path: string): void {
  if (cp.bucket !== o.bucket || cp.key !== o.key)
    throw mismatch(path, `belongs to s3://${cp.bucket}/${cp.key}, not s3://${o.bucket}/${o.key}`);
  if (cp.format !== o.format) throw mismatch(path, `is a --format ${cp.format} upload, not ${o.format}`);
  const placement = o.metadataPlacement ?? "object";
  if (cp.placement !== placement)
    throw mismatch(
      path,
      `keeps its metadata in ${cp.placement === "object" ? "the object" : "an instruction file"}`,
    );
  if (o.partSize !== undefined && o.partSize !== cp.partSize)
    throw mismatch(path, `uses parts of ${cp.partSize} bytes, not ${o.partSize}`);
}

/* Precondition: the source is the file the checkpoint was written for, unchanged (size, mtime, inode). */
function assertSameSource(now: SourceIdentity, cp: UploadCheckpoint, path: string): void {
  const changed: string[] = [];
  if (now.size !== cp.source.size) changed.push(`size ${cp.source.size} → ${now.size}`);
  if (now.mtimeNs !== cp.source.mtimeNs) changed.push("mtime");
  if (now.ino !== cp.source.ino || now.dev !== cp.source.dev) changed.push("inode: another file");
  if (changed.length === 0) return;
  throw new TransferError(
    ErrorCodes.SOURCE_CHANGED,
    `${cp.source.path} changed since the upload recorded in ${path} was interrupted (${changed.join(", ")}): it cannot be resumed; remove that upload with s3-cse abort-upload --checkpoint ${path} and upload again`,
  );
}

interface ListedPart {
  readonly PartNumber?: number;
  readonly ETag?: string;
  readonly Size?: number;
  readonly ChecksumCRC32?: string;
}

/** Every part S3 holds for the upload (ListParts, paginated). */
async function listAllParts(
  s3: S3ClientLike,
  cp: UploadCheckpoint,
  path: string,
  signal: AbortSignal | undefined,
): Promise<ListedPart[]> {
  const parts: ListedPart[] = [];
  let marker: string | undefined;
  for (;;) {
    let page: { Parts?: ListedPart[]; IsTruncated?: boolean; NextPartNumberMarker?: string | number };
    try {
      page = await s3.send(
        new ListPartsCommand({
          Bucket: cp.bucket,
          Key: cp.key,
          UploadId: cp.uploadId,
          ...(marker !== undefined ? { PartNumberMarker: marker } : {}),
        }),
        { abortSignal: signal },
      );
    } catch (err) {
      /* Precondition: the multipart upload a checkpoint names still exists. */
      if ((err as { name?: string })?.name === "NoSuchUpload") {
        throw new TransferError(
          ErrorCodes.UPLOAD_NOT_FOUND,
          `the multipart upload ${cp.uploadId} recorded in ${path} no longer exists (aborted, expired by a lifecycle rule${cp.completing ? `; it was interrupted while being completed, but s3://${cp.bucket}/${cp.key} is not the object it would have made — check it with s3-cse verify` : ""}); remove ${path} and upload again`,
          { cause: err },
        );
      }
      throw s3Error("ListParts", cp.bucket, cp.key, err);
    }
    parts.push(...(page.Parts ?? []));
    if (!page.IsTruncated || page.NextPartNumberMarker === undefined) return parts;
    marker = String(page.NextPartNumberMarker);
  }
}

const unquote = (etag: string | undefined) => etag?.replace(/^"|"$/g, "");

/* Precondition: every part the checkpoint records is in S3 with the same ETag, size and CRC32. */
function assertPartsMatch(cp: UploadCheckpoint, listed: readonly ListedPart[], path: string): void {
  const byNumber = new Map(listed.map((p) => [p.PartNumber, p]));
  for (const part of cp.parts) {
    const s3Part = byNumber.get(part.partNumber);
    const differs = (what: string) =>
      mismatch(path, `records part ${part.partNumber} of upload ${cp.uploadId} ${what}`);
    if (s3Part === undefined) throw differs("but S3 does not have it");
    if (unquote(s3Part.ETag) !== unquote(part.etag)) throw differs("with another ETag than S3's");
    if (s3Part.Size !== undefined && s3Part.Size !== part.size) throw differs("with another size than S3's");
    if (s3Part.ChecksumCRC32 !== undefined && part.crc32 !== undefined && s3Part.ChecksumCRC32 !== part.crc32)
      throw differs("with another CRC32 than S3's");
  }
}

/** Removes an abandoned resumable upload: aborts the multipart upload and deletes its checkpoint. */
export async function abortCheckpointedUpload(options: {
  readonly s3: S3ClientLike;
  readonly checkpointPath: string;
}): Promise<{ bucket: string; key: string; uploadId: string }> {
  const cp = await readCheckpoint(options.checkpointPath);
  /* Precondition: abort-upload is given an existing checkpoint. */
  if (cp === undefined) {
    throw new TransferError(
      ErrorCodes.CHECKPOINT_INVALID,
      `there is no upload checkpoint at ${options.checkpointPath}`,
    );
  }
  const removing = new AbortError(`removing the upload recorded in ${options.checkpointPath}`);
  const thrown = await abortMultipartUpload(options.s3, cp.bucket, cp.key, cp.uploadId, removing);
  if (thrown !== removing) throw thrown;
  await removeCheckpoint(options.checkpointPath);
  return { bucket: cp.bucket, key: cp.key, uploadId: cp.uploadId };
}
