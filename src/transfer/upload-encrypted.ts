/**
 * Uploads an offline-encrypted file and its sidecar as an S3 Encryption Client object (issue 15):
 * the ciphertext bytes as the body (PutObject, or multipart with the shared part engine), the
 * sidecar's metadata as user metadata (or as `<key>.instruction`). The file is checked against the
 * sidecar before anything is sent, and hashed again while it is sent: a file that changed in
 * between is not completed (the multipart upload is aborted).
 */

import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { decodeContentMetadata } from "../codec/decode.js";
import type { MetadataPlacement } from "../codec/placement.js";
import { UsageError } from "../errors.js";
import type { EncryptedPart } from "../pipeline/encrypt-parts.js";
import { putInstructionFile } from "./instruction-file.js";
import { abortMultipartUpload } from "./multipart-abort.js";
import { completeMultipartUpload } from "./multipart-complete.js";
import { uploadParts } from "./multipart-engine.js";
import { assertDigest, digestFile, readSidecar, SIDECAR_SUFFIX } from "./offline-sidecar.js";
import { choosePartSize } from "./part-size.js";
import { CreateMultipartUploadCommand, PutObjectCommand, type S3ClientLike, s3Error } from "./s3-commands.js";
import type { ObjectParams } from "./upload-options.js";

export interface UploadEncryptedOptions {
  s3: S3ClientLike;
  bucket: string;
  key: string;
  file: string;
  sidecar?: string;
  partSize?: number;
  concurrency?: number;
  metadataPlacement?: MetadataPlacement;
  /** Extra user metadata (S3EC keys from the sidecar win). */
  metadata?: Record<string, string>;
  objectParams?: ObjectParams;
  signal?: AbortSignal;
}

export interface UploadEncryptedResult {
  readonly bucket: string;
  readonly key: string;
  readonly format: string;
  readonly ciphertextBytes: number;
  readonly plaintextBytes: number;
  readonly parts: number;
  readonly instructionFileKey?: string;
  readonly etag?: string;
}

async function* fileParts(
  file: string,
  size: number,
  partSize: number,
  hash: ReturnType<typeof createHash>,
): AsyncGenerator<EncryptedPart, void, undefined> {
  const fh = await open(file, "r");
  try {
    let partNumber = 1;
    for (let pos = 0; pos < size || partNumber === 1; pos += partSize, partNumber++) {
      const want = Math.min(partSize, size - pos);
      const body = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await fh.read(body, got, want - got, pos + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      const part = body.subarray(0, got);
      hash.update(part);
      yield {
        partNumber,
        body: part,
        plaintextLength: 0,
        last: pos + partSize >= size,
        release: () => undefined,
      };
      if (got < want) return;
    }
  } finally {
    await fh.close();
  }
}

/** Uploads `file` with the metadata of its sidecar; refuses a file that does not match the sidecar. */
export async function uploadEncryptedFile(o: UploadEncryptedOptions): Promise<UploadEncryptedResult> {
  const sidecar = await readSidecar(o.sidecar ?? o.file + SIDECAR_SUFFIX);
  // Decoding proves the metadata is a valid S3EC set before anything is uploaded.
  decodeContentMetadata(sidecar.metadata);
  const placement = o.metadataPlacement ?? "object";
  /* Precondition: the rds format keeps its metadata on the object (RDS does not read instruction files). */
  if (placement === "instruction-file" && sidecar.format === "rds") {
    throw new UsageError(
      "the rds format keeps its encryption metadata on the object: RDS restores do not read instruction files",
    );
  }
  assertDigest(o.file, sidecar.ciphertext, await digestFile(o.file, o.signal));
  const size = sidecar.ciphertext.length;
  const partSize = choosePartSize(size, o.partSize);
  const objectMeta = placement === "object" ? sidecar.metadata : sidecar.instructionFile.objectMetadata;
  const common = {
    Bucket: o.bucket,
    Key: o.key,
    ...o.objectParams,
    Metadata: { ...o.metadata, ...objectMeta },
  };
  const hash = createHash("sha256");
  const parts = fileParts(o.file, size, partSize, hash);
  const result = {
    bucket: o.bucket,
    key: o.key,
    format: sidecar.format,
    ciphertextBytes: size,
    plaintextBytes: sidecar.plaintext.length,
  };
  let etag: string | undefined;
  let partCount = 0;
  if (size <= partSize) {
    const first = await parts.next();
    await parts.return(undefined);
    const body = first.done ? Buffer.alloc(0) : first.value.body;
    assertDigest(o.file, sidecar.ciphertext, { length: body.length, sha256: hash.digest("hex") });
    try {
      const out = await o.s3.send(
        new PutObjectCommand({ ...common, Body: body, ContentLength: body.length }),
        {
          abortSignal: o.signal,
        },
      );
      etag = out.ETag;
    } catch (err) {
      throw s3Error("PutObject", o.bucket, o.key, err);
    }
  } else {
    let uploadId: string;
    try {
      uploadId = (await o.s3.send(new CreateMultipartUploadCommand(common), { abortSignal: o.signal }))
        .UploadId;
    } catch (err) {
      await parts.return(undefined);
      throw s3Error("CreateMultipartUpload", o.bucket, o.key, err);
    }
    try {
      const completed = await uploadParts({
        s3: o.s3,
        bucket: o.bucket,
        key: o.key,
        uploadId,
        parts,
        concurrency: o.concurrency ?? 4,
        expectedBucketOwner: o.objectParams?.ExpectedBucketOwner,
        signal: o.signal ?? new AbortController().signal,
      });
      partCount = completed.length;
      assertDigest(o.file, sidecar.ciphertext, { length: size, sha256: hash.digest("hex") });
      const out = await completeMultipartUpload(
        o.s3,
        {
          bucket: o.bucket,
          key: o.key,
          uploadId,
          checksumAlgorithm: o.objectParams?.ChecksumAlgorithm,
          expectedBucketOwner: o.objectParams?.ExpectedBucketOwner,
        },
        completed,
        o.signal,
      );
      etag = out.ETag;
    } catch (err) {
      await parts.return(undefined).catch(() => undefined);
      throw await abortMultipartUpload(
        o.s3,
        o.bucket,
        o.key,
        uploadId,
        err,
        o.objectParams?.ExpectedBucketOwner,
      );
    }
  }
  let instructionFileKey: string | undefined;
  if (placement === "instruction-file") {
    // Written only after the object completed, so a failed upload leaves no orphan instruction file.
    instructionFileKey = await putInstructionFile({
      s3: o.s3,
      bucket: o.bucket,
      key: o.key,
      entries: sidecar.instructionFile.instructionFile,
      signal: o.signal,
      expectedBucketOwner: o.objectParams?.ExpectedBucketOwner,
    });
  }
  return {
    ...result,
    parts: partCount,
    ...(instructionFileKey ? { instructionFileKey } : {}),
    ...(etag ? { etag } : {}),
  };
}
