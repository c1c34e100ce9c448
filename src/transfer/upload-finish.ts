import { INSTRUCTION_FILE_SUFFIX } from "../codec/metadata-keys.js";
import type { PlacedMetadata } from "../codec/placement.js";
import { ErrorCodes, TransferError } from "../errors.js";
import { putInstructionFile } from "./instruction-file.js";
import type { UploadResult } from "./upload-options.js";
import type { UploadSession } from "./upload-session.js";

/** What the single-part or the multipart path ends with; {@link uploadResult} turns it into the result. */
export interface UploadOutcome {
  readonly parts: number;
  readonly placed: PlacedMetadata;
  readonly out: { ETag?: string; VersionId?: string };
  readonly instructionFileKey: string | undefined;
  /** Resumed uploads: the parts S3 already held (rebuilt and checked, not re-sent). */
  readonly resumedParts?: number;
}

/* Precondition: the bytes read equal the declared plaintext length. */
export function assertLength(expected: number | undefined, actual: number): void {
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
export async function writeInstructionFile(
  o: Pick<UploadSession["options"], "s3" | "bucket" | "key" | "objectParams">,
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

/**
 * In instruction-file mode the request that completes the object is not cancelled once sent: S3
 * may have stored the object even though the client gave up, and that object then needs its
 * instruction file. A cancel is checked just before it instead.
 */
export function completionSignal(
  placed: PlacedMetadata,
  signal: AbortSignal | undefined,
): AbortSignal | undefined {
  return placed.instructionFile ? undefined : signal;
}

export function uploadResult(session: UploadSession, outcome: UploadOutcome): UploadResult {
  const o = session.options;
  return {
    bucket: o.bucket,
    key: o.key,
    format: o.format,
    bytes: session.counters.bytesRead,
    ciphertextBytes: session.counters.bytesUploaded,
    parts: outcome.parts,
    partSize: session.partSize,
    metadata: { ...outcome.placed.objectMetadata, ...outcome.placed.instructionFile },
    ...(outcome.instructionFileKey ? { instructionFileKey: outcome.instructionFileKey } : {}),
    ...(outcome.resumedParts !== undefined ? { resumedParts: outcome.resumedParts } : {}),
    etag: outcome.out.ETag,
    versionId: outcome.out.VersionId,
  };
}
