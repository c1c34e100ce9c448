import { ErrorCodes, TransferError } from "../errors.js";
import { AbortMultipartUploadCommand, type S3ClientLike, s3Error } from "./s3-commands.js";

const ATTEMPTS = 3;

/**
 * Aborts a multipart upload after a failure, so no upload is left behind, and returns the error
 * to throw: the original cause, or — only if every abort attempt failed — an error that says so
 * and names the upload id, with the original cause attached.
 */
export async function abortMultipartUpload(
  s3: S3ClientLike,
  bucket: string,
  key: string,
  uploadId: string,
  cause: unknown,
  expectedBucketOwner?: string,
): Promise<unknown> {
  let lastAbortError: unknown;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      // Deliberately no abort signal: this must run even after the caller cancelled.
      await s3.send(
        new AbortMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          ...(expectedBucketOwner ? { ExpectedBucketOwner: expectedBucketOwner } : {}),
        }),
      );
      return cause;
    } catch (err) {
      if ((err as { name?: string })?.name === "NoSuchUpload") return cause;
      lastAbortError = err;
    }
  }
  const why = s3Error("AbortMultipartUpload", bucket, key, lastAbortError).message;
  const first = cause instanceof Error ? cause.message : String(cause);
  return new TransferError(
    ErrorCodes.S3_FAILURE,
    `${first} — and the multipart upload ${uploadId} could not be aborted (${why}); remove it with: aws s3api abort-multipart-upload --bucket ${bucket} --key ${key} --upload-id ${uploadId}`,
    { cause },
  );
}
