import { ErrorCodes, TransferError } from "../errors.js";
import type { EncryptedPart } from "../pipeline/encrypt-parts.js";
import type { UploadSession } from "./upload-session.js";

/** A part S3 acknowledged, as a checkpoint records it. */
export interface RecordedPart {
  readonly partNumber: number;
  readonly etag: string;
  /** Base64 CRC32 of the part's ciphertext (S3's ChecksumCRC32). */
  readonly crc32?: string;
  /** Ciphertext bytes. */
  readonly size: number;
}

/**
 * Resuming: the source is encrypted again from its first byte with the same key and IV (CBC and
 * GCM are deterministic), so the cipher state at the first missing part is the one an
 * uninterrupted upload had. Parts S3 already holds are checked against their recorded CRC32 and
 * size and dropped (not re-sent); the others pass through to be uploaded.
 */
export async function* skipRecorded(
  parts: AsyncGenerator<EncryptedPart, void, undefined>,
  recorded: readonly RecordedPart[],
  session: UploadSession,
  checkpointPath?: string,
): AsyncGenerator<EncryptedPart, void, undefined> {
  if (recorded.length === 0) return yield* parts;
  const byNumber = new Map(recorded.map((p) => [p.partNumber, p]));
  for await (const part of parts) {
    const before = byNumber.get(part.partNumber);
    if (before === undefined) {
      yield part;
      continue;
    }
    /* Precondition: a part rebuilt from the source has the size and CRC32 of the part uploaded before. */
    if (part.body.length !== before.size || part.checksumCrc32 !== before.crc32) {
      throw new TransferError(
        ErrorCodes.SOURCE_CHANGED,
        `part ${part.partNumber} rebuilt from the source does not match the part uploaded before (${part.body.length !== before.size ? "size" : "CRC32"} differs): the source changed since the upload was interrupted, so it cannot be resumed; remove that upload with s3-cse abort-upload --checkpoint ${checkpointPath ?? "<checkpoint>"} and upload again`,
      );
    }
    part.release();
    session.counters.bytesUploaded += before.size;
    session.counters.partsDone += 1;
    session.report();
  }
}
