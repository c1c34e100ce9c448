import { ErrorCodes, TransferError } from "../errors.js";
import { uploadResult } from "./upload-finish.js";
import type { MultipartJournal } from "./upload-multipart.js";
import { uploadMultipart } from "./upload-multipart.js";
import type { EncryptAndUploadOptions, UploadResult } from "./upload-options.js";
import { firstPart, prepareUpload } from "./upload-session.js";
import { uploadSinglePart } from "./upload-single.js";

/**
 * Encrypts `source` chunk by chunk and uploads it: one PutObject if it fits in one part,
 * otherwise a multipart upload with the metadata set at CreateMultipartUpload. Any failure —
 * read, KMS, S3, abort — aborts the multipart upload, and the first cause is what is thrown.
 *
 * Three steps, one file each: prepare (upload-session.ts: options, materials, part stream),
 * single part (upload-single.ts) or multipart (upload-multipart.ts, which owns the failure path).
 */
export async function encryptAndUpload(options: EncryptAndUploadOptions): Promise<UploadResult> {
  /* Precondition: only file uploads are resumable (a stream cannot be read again from its start). */
  if ("checkpoint" in options) {
    throw new TransferError(
      ErrorCodes.NOT_RESUMABLE,
      "a stream source (stdin, a pipe) cannot be resumed: resuming re-reads the source from its first byte; upload a file with encryptAndUploadFile (CLI: upload FILE … --resume)",
    );
  }
  return runUpload(options);
}

/** The upload itself; a resumable upload passes its materials and journal (upload-checkpoint.ts). */
export async function runUpload(
  options: EncryptAndUploadOptions,
  resumable?: { materials?: Parameters<typeof prepareUpload>[1]; journal: MultipartJournal },
): Promise<UploadResult> {
  const session = await prepareUpload(options, resumable?.materials);
  const first = await firstPart(session);
  const outcome = first.last
    ? await uploadSinglePart(session, first)
    : await uploadMultipart(session, first, resumable?.journal);
  return uploadResult(session, outcome);
}

export * from "./upload-options.js";
