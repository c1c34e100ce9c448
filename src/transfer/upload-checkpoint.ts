/**
 * The checkpoint of a resumable upload: a small JSON file (default `<source>.s3cse-upload.json`)
 * that names the multipart upload, the encryption metadata exactly as stored (the *wrapped* data
 * key, IV or message id — never the plaintext key), the part size, the source's identity, and
 * every part S3 acknowledged. Written atomically (temporary file, fsync, rename, fsync of the
 * directory), so a crash leaves either the previous or the next version, never a torn one.
 */
import type { BigIntStats } from "node:fs";
import type { MetadataPlacement, PlacedMetadata } from "../codec/placement.js";
import { ErrorCodes, TransferError } from "../errors.js";
import type { WriteFormat } from "../materials/materials.js";
import { CoalescedStateFile, readJsonFile, removeAtomicFile, writeFileAtomically } from "./atomic-write.js";
import type { RecordedPart } from "./upload-multipart.js";

export const CHECKPOINT_SUFFIX = ".s3cse-upload.json";
const VERSION = 1;

/** The default checkpoint path of a source file: beside it. */
export function defaultCheckpointPath(file: string): string {
  return `${file}${CHECKPOINT_SUFFIX}`;
}

/** What identifies the source file: a resume refuses if any of it changed. */
export interface SourceIdentity {
  readonly size: string;
  readonly mtimeNs: string;
  readonly ino: string;
  readonly dev: string;
}

export function sourceIdentity(st: BigIntStats): SourceIdentity {
  return { size: String(st.size), mtimeNs: String(st.mtimeNs), ino: String(st.ino), dev: String(st.dev) };
}

export interface UploadCheckpoint {
  readonly s3cseUploadCheckpoint: typeof VERSION;
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly format: WriteFormat;
  /** The algorithm suite's name, for people reading the file. */
  readonly suite: string;
  readonly placement: MetadataPlacement;
  readonly partSize: number;
  /** The S3EC metadata as stored: on the object, and in the instruction file (instruction-file mode). */
  readonly metadata: PlacedMetadata;
  readonly source: SourceIdentity & { readonly path: string };
  /** Parts S3 acknowledged, in part order. */
  readonly parts: readonly RecordedPart[];
  /** True once CompleteMultipartUpload was sent (the object may exist). */
  readonly completing?: boolean;
  readonly updatedAt: string;
}

function invalid(path: string, why: string, cause?: unknown): TransferError {
  return new TransferError(
    ErrorCodes.CHECKPOINT_INVALID,
    `${path} is not a usable s3-cse upload checkpoint (${why}); remove it, or run s3-cse abort-upload --checkpoint ${path} if it names an upload`,
    cause === undefined ? {} : { cause },
  );
}

/** Reads a checkpoint; `undefined` if there is none at `path`. */
export async function readCheckpoint(path: string): Promise<UploadCheckpoint | undefined> {
  const cp = (await readJsonFile(path, (why, cause) => invalid(path, why, cause))) as
    | UploadCheckpoint
    | undefined;
  if (cp === undefined) return undefined;
  /* Precondition: a checkpoint is a version-1 s3-cse upload checkpoint with its fields. */
  if (cp?.s3cseUploadCheckpoint !== VERSION) throw invalid(path, "unknown version");
  const fields = [cp.bucket, cp.key, cp.uploadId, cp.format, cp.placement, cp.source?.size, cp.source?.ino];
  if (
    fields.some((f) => typeof f !== "string" || f === "") ||
    !Number.isSafeInteger(cp.partSize) ||
    typeof cp.metadata?.objectMetadata !== "object" ||
    !Array.isArray(cp.parts) ||
    cp.parts.some((p) => !Number.isSafeInteger(p?.partNumber) || typeof p.etag !== "string")
  ) {
    throw invalid(path, "fields missing");
  }
  return cp;
}

/** Replaces `path` with `cp` atomically: temp file beside it, fsync, rename, fsync of the directory. */
export async function writeCheckpoint(path: string, cp: UploadCheckpoint): Promise<void> {
  await writeFileAtomically(path, `${JSON.stringify(cp, null, 1)}\n`);
}

/** Removes a checkpoint (and a temporary file a killed writer may have left). */
export async function removeCheckpoint(path: string): Promise<void> {
  await removeAtomicFile(path);
}

/**
 * Keeps a checkpoint up to date as parts are acknowledged. Writes never overlap: a part recorded
 * while a write runs is written by the next one, so at most one write is queued however fast parts
 * finish. A write failure is kept and thrown by {@link flush} (before Complete).
 */
export class CheckpointWriter {
  private readonly file: CoalescedStateFile<UploadCheckpoint>;
  /** True once a version of the checkpoint is on disk. */
  written = false;

  constructor(
    readonly path: string,
    initial: UploadCheckpoint,
  ) {
    this.file = new CoalescedStateFile(
      path,
      initial,
      async (cp) => {
        await writeCheckpoint(path, cp);
        this.written = true;
      },
      "upload checkpoint",
    );
  }

  get checkpoint(): UploadCheckpoint {
    return this.file.current;
  }

  /** Writes the current state now (the first write: before any part is sent). */
  async write(): Promise<void> {
    await this.file.writeNow();
  }

  record(part: RecordedPart): void {
    const parts = [...this.checkpoint.parts.filter((p) => p.partNumber !== part.partNumber), part].sort(
      (a, b) => a.partNumber - b.partNumber,
    );
    this.update({ parts });
  }

  /** Every part, marked as completing, written before CompleteMultipartUpload is sent. */
  async flush(parts: readonly RecordedPart[]): Promise<void> {
    this.update({ parts: [...parts], completing: true });
    await this.file.drain();
    this.file.throwFailure();
  }

  /** Waits for the write in progress and any queued one (a failure stays for {@link flush}). */
  async settle(): Promise<void> {
    await this.file.drain();
  }

  private update(change: Partial<UploadCheckpoint>): void {
    this.file.set({ ...this.checkpoint, ...change, updatedAt: new Date().toISOString() });
  }
}
