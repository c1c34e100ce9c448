/**
 * Replaces an object's user metadata by a server-side copy onto itself (issue 15 rewrap): the
 * body never leaves S3. CopyObject with `MetadataDirective: REPLACE` up to a threshold (5 GiB, the
 * CopyObject limit), UploadPartCopy above it. Every copy is conditional on the ETag read, and
 * keeps content headers, tags, storage class, SSE settings and Object Lock settings.
 */

import {
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  type HeadObjectCommandOutput,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { UsageError } from "../errors.js";
import { abortMultipartUpload } from "./multipart-abort.js";
import { completeMultipartUpload } from "./multipart-complete.js";
import { GiB, MiB } from "./part-size.js";
import { type S3ClientLike, s3Error } from "./s3-commands.js";

export const DEFAULT_COPY_THRESHOLD = 5 * GiB;
export const DEFAULT_COPY_PART_SIZE = 512 * MiB;

export interface ReplaceMetadataOptions {
  s3: S3ClientLike;
  bucket: string;
  key: string;
  head: HeadObjectCommandOutput;
  metadata: Record<string, string>;
  /** Objects larger than this are copied with UploadPartCopy (default 5 GiB). */
  copyThreshold?: number;
  copyPartSize?: number;
  signal?: AbortSignal;
}

export type CopyMethod = "copy-object" | "upload-part-copy";

/** The headers of `head` a copy must carry over (everything but user metadata and tags). */
function keptHeaders(head: HeadObjectCommandOutput) {
  const h = head;
  const sseKms = h.ServerSideEncryption === "aws:kms" || h.ServerSideEncryption === "aws:kms:dsse";
  return {
    ...(h.ContentType ? { ContentType: h.ContentType } : {}),
    ...(h.ContentEncoding ? { ContentEncoding: h.ContentEncoding } : {}),
    ...(h.ContentDisposition ? { ContentDisposition: h.ContentDisposition } : {}),
    ...(h.ContentLanguage ? { ContentLanguage: h.ContentLanguage } : {}),
    ...(h.CacheControl ? { CacheControl: h.CacheControl } : {}),
    ...(h.Expires ? { Expires: h.Expires } : {}),
    ...(h.WebsiteRedirectLocation ? { WebsiteRedirectLocation: h.WebsiteRedirectLocation } : {}),
    ...(h.StorageClass ? { StorageClass: h.StorageClass } : {}),
    ...(h.ServerSideEncryption ? { ServerSideEncryption: h.ServerSideEncryption } : {}),
    ...(sseKms && h.SSEKMSKeyId ? { SSEKMSKeyId: h.SSEKMSKeyId } : {}),
    ...(sseKms && h.BucketKeyEnabled !== undefined ? { BucketKeyEnabled: h.BucketKeyEnabled } : {}),
    ...(h.ObjectLockMode ? { ObjectLockMode: h.ObjectLockMode } : {}),
    ...(h.ObjectLockRetainUntilDate ? { ObjectLockRetainUntilDate: h.ObjectLockRetainUntilDate } : {}),
    ...(h.ObjectLockLegalHoldStatus ? { ObjectLockLegalHoldStatus: h.ObjectLockLegalHoldStatus } : {}),
  };
}

const copySource = (bucket: string, key: string) =>
  `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;

/** Copies the object onto itself with new user metadata; returns the method used. */
export async function replaceObjectMetadata(o: ReplaceMetadataOptions): Promise<CopyMethod> {
  const size = o.head.ContentLength ?? 0;
  const threshold = o.copyThreshold ?? DEFAULT_COPY_THRESHOLD;
  /* Precondition: the copy threshold is a positive size no larger than the 5 GiB CopyObject limit. */
  if (!(threshold > 0 && threshold <= DEFAULT_COPY_THRESHOLD)) {
    throw new UsageError("the copy threshold must be between 1 byte and 5 GiB");
  }
  /* Precondition: the copy needs the ETag read with the metadata (it is conditional on it). */
  if (!o.head.ETag) throw new UsageError(`HeadObject s3://${o.bucket}/${o.key} returned no ETag`);
  if (size <= threshold) {
    try {
      await o.s3.send(
        new CopyObjectCommand({
          Bucket: o.bucket,
          Key: o.key,
          CopySource: copySource(o.bucket, o.key),
          CopySourceIfMatch: o.head.ETag,
          MetadataDirective: "REPLACE",
          TaggingDirective: "COPY",
          Metadata: o.metadata,
          ...keptHeaders(o.head),
        }),
        { abortSignal: o.signal },
      );
    } catch (err) {
      throw s3Error("CopyObject", o.bucket, o.key, err);
    }
    return "copy-object";
  }
  await multipartCopy(o, size);
  return "upload-part-copy";
}

async function tagsOf(o: ReplaceMetadataOptions): Promise<string | undefined> {
  try {
    const out = await o.s3.send(new GetObjectTaggingCommand({ Bucket: o.bucket, Key: o.key }), {
      abortSignal: o.signal,
    });
    const tags = (out.TagSet ?? []) as { Key: string; Value: string }[];
    if (tags.length === 0) return undefined;
    return new URLSearchParams(tags.map((t): [string, string] => [t.Key, t.Value])).toString();
  } catch (err) {
    throw s3Error("GetObjectTagging", o.bucket, o.key, err);
  }
}

async function multipartCopy(o: ReplaceMetadataOptions, size: number): Promise<void> {
  const partSize = o.copyPartSize ?? Math.max(DEFAULT_COPY_PART_SIZE, Math.ceil(size / 10_000));
  /* Precondition: copy parts are 5 MiB to 5 GiB and at most 10,000. */
  if (partSize < 5 * MiB || partSize > 5 * GiB || Math.ceil(size / partSize) > 10_000) {
    throw new UsageError("copy part size must be 5 MiB–5 GiB and give at most 10,000 parts");
  }
  const tagging = await tagsOf(o);
  let uploadId: string;
  try {
    const out = await o.s3.send(
      new CreateMultipartUploadCommand({
        Bucket: o.bucket,
        Key: o.key,
        Metadata: o.metadata,
        ...(tagging ? { Tagging: tagging } : {}),
        ...keptHeaders(o.head),
      }),
      { abortSignal: o.signal },
    );
    uploadId = out.UploadId;
  } catch (err) {
    throw s3Error("CreateMultipartUpload", o.bucket, o.key, err);
  }
  try {
    const parts: { PartNumber: number; ETag: string }[] = [];
    for (let start = 0, n = 1; start < size; start += partSize, n++) {
      const end = Math.min(size, start + partSize) - 1;
      const out = await o.s3
        .send(
          new UploadPartCopyCommand({
            Bucket: o.bucket,
            Key: o.key,
            UploadId: uploadId,
            PartNumber: n,
            CopySource: copySource(o.bucket, o.key),
            CopySourceIfMatch: o.head.ETag,
            CopySourceRange: `bytes=${start}-${end}`,
          }),
          { abortSignal: o.signal },
        )
        .catch((err: unknown) => {
          throw s3Error("UploadPartCopy", o.bucket, o.key, err);
        });
      parts.push({ PartNumber: n, ETag: out.CopyPartResult?.ETag });
    }
    await completeMultipartUpload(o.s3, { bucket: o.bucket, key: o.key, uploadId }, parts, o.signal);
  } catch (err) {
    throw await abortMultipartUpload(o.s3, o.bucket, o.key, uploadId, err);
  }
}
