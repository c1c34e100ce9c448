import { CompleteMultipartUploadCommand, type S3ClientLike, s3Error } from "./s3-commands.js";

/** One completed part as CompleteMultipartUpload lists it. */
export interface CompletedPartRef {
  readonly PartNumber: number | undefined;
  readonly ETag: string | undefined;
  readonly ChecksumCRC32?: string | undefined;
}

/**
 * Completes a multipart upload; a failure becomes the S3 error that names the operation and the object.
 * An upload created with `ChecksumAlgorithm: "CRC32"` (`target.checksumAlgorithm`) must list each part's
 * CRC32 again (S3 refuses the completion otherwise); any other keeps the parts' checksums out of it.
 */
export async function completeMultipartUpload(
  s3: S3ClientLike,
  target: {
    readonly bucket: string;
    readonly key: string;
    readonly uploadId: string;
    readonly checksumAlgorithm?: string | undefined;
    /** The account that must own the bucket (ExpectedBucketOwner), as on every request of the upload. */
    readonly expectedBucketOwner?: string | undefined;
  },
  parts: readonly CompletedPartRef[],
  signal: AbortSignal | undefined,
): Promise<{ ETag?: string; VersionId?: string }> {
  const listed =
    target.checksumAlgorithm === "CRC32"
      ? parts.map((p) => ({ ...p }))
      : parts.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag }));
  try {
    return await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: target.bucket,
        Key: target.key,
        UploadId: target.uploadId,
        MultipartUpload: { Parts: listed },
        ...(target.expectedBucketOwner ? { ExpectedBucketOwner: target.expectedBucketOwner } : {}),
      }),
      signal ? { abortSignal: signal } : {},
    );
  } catch (err) {
    throw s3Error("CompleteMultipartUpload", target.bucket, target.key, err);
  }
}
