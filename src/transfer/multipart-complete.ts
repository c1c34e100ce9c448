import { CompleteMultipartUploadCommand, type S3ClientLike, s3Error } from "./s3-commands.js";

/** One completed part as CompleteMultipartUpload lists it. */
export interface CompletedPartRef {
  readonly PartNumber: number | undefined;
  readonly ETag: string | undefined;
  readonly ChecksumCRC32?: string | undefined;
}

/** Completes a multipart upload; a failure becomes the S3 error that names the operation and the object. */
export async function completeMultipartUpload(
  s3: S3ClientLike,
  target: { readonly bucket: string; readonly key: string; readonly uploadId: string },
  parts: readonly CompletedPartRef[],
  signal: AbortSignal | undefined,
): Promise<{ ETag?: string; VersionId?: string }> {
  try {
    return await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: target.bucket,
        Key: target.key,
        UploadId: target.uploadId,
        MultipartUpload: { Parts: [...parts] },
      }),
      signal ? { abortSignal: signal } : {},
    );
  } catch (err) {
    throw s3Error("CompleteMultipartUpload", target.bucket, target.key, err);
  }
}
