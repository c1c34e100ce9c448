/**
 * A resumable upload interrupted while CompleteMultipartUpload was in flight (the checkpoint says
 * `completing`) may have been completed by S3 even though the process never heard it: the upload
 * id is gone and the object is there. If the object is exactly the one the checkpoint describes —
 * the multipart ETag of its recorded parts (MD5 of the part MD5s, `-N`), their total size and the
 * encryption metadata — the resume finishes what the interrupted run had left: the instruction
 * file (instruction-file mode), then the checkpoint is removed.
 */
import { createHash } from "node:crypto";
import { HeadObjectCommand } from "./s3-commands.js";
import type { UploadCheckpoint } from "./upload-checkpoint.js";
import { removeCheckpoint } from "./upload-checkpoint.js";
import { writeInstructionFile } from "./upload-finish.js";
import type { EncryptAndUploadOptions, UploadResult } from "./upload-options.js";

const unquote = (etag: string | undefined) => etag?.replace(/^"|"$/g, "");

/** S3's ETag of a multipart object whose parts have these ETags (plain MD5s: no SSE-KMS or SSE-C). */
export function multipartEtag(partEtags: readonly string[]): string | undefined {
  const md5s = partEtags.map((e) => unquote(e) ?? "");
  if (md5s.some((m) => !/^[0-9a-f]{32}$/i.test(m))) return undefined;
  const digest = createHash("md5")
    .update(Buffer.concat(md5s.map((m) => Buffer.from(m, "hex"))))
    .digest("hex");
  return `${digest}-${md5s.length}`;
}

/**
 * The object the checkpoint's upload would have become, if S3 holds it: then the instruction file is
 * written, the checkpoint removed, and the result returned. `undefined` when it is not (so the
 * caller reports the upload as gone).
 */
export async function finishCompletedBehind(
  o: Pick<EncryptAndUploadOptions, "s3" | "objectParams" | "signal">,
  cp: UploadCheckpoint,
  path: string,
): Promise<UploadResult | undefined> {
  const expected = multipartEtag(cp.parts.map((p) => p.etag));
  if (!cp.completing || expected === undefined) return undefined;
  let head: { ETag?: string; ContentLength?: number; Metadata?: Record<string, string>; VersionId?: string };
  try {
    head = await o.s3.send(
      new HeadObjectCommand({
        Bucket: cp.bucket,
        Key: cp.key,
        ...(o.objectParams?.ExpectedBucketOwner
          ? { ExpectedBucketOwner: o.objectParams.ExpectedBucketOwner }
          : {}),
      }),
      { abortSignal: o.signal },
    );
  } catch {
    return undefined;
  }
  const ciphertextBytes = cp.parts.reduce((sum, p) => sum + p.size, 0);
  const metadata = head.Metadata ?? {};
  /* Precondition: an object taken as the completed upload has its multipart ETag, size and encryption metadata. */
  const same =
    unquote(head.ETag) === expected &&
    head.ContentLength === ciphertextBytes &&
    Object.entries(cp.metadata.objectMetadata).every(([k, v]) => metadata[k.toLowerCase()] === v);
  if (!same) return undefined;
  const instructionFileKey = await writeInstructionFile(
    { s3: o.s3, bucket: cp.bucket, key: cp.key, objectParams: o.objectParams },
    cp.metadata,
  );
  await removeCheckpoint(path);
  return {
    bucket: cp.bucket,
    key: cp.key,
    format: cp.format,
    bytes: Number(cp.source.size),
    ciphertextBytes,
    parts: cp.parts.length,
    partSize: cp.partSize,
    metadata: { ...cp.metadata.objectMetadata, ...cp.metadata.instructionFile },
    ...(instructionFileKey ? { instructionFileKey } : {}),
    resumedParts: cp.parts.length,
    etag: head.ETag,
    versionId: head.VersionId,
  };
}
