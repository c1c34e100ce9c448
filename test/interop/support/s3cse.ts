/** The s3-cse side of the interop tests: the library's transfer API (encryptAndUploadFile, downloadToFile). */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  type CommitmentPolicy,
  type DownloadResult,
  downloadToFile,
  encryptAndUploadFile,
  type Keyring,
  type UploadResult,
  type WriteFormat,
} from "../../../src/index.js";
import { writePolicyFor } from "../../support/write-policy.js";

export const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");
export const fileSha256 = (file: string): string => sha256(readFileSync(file));

export interface ObjectRef {
  s3: S3Client;
  bucket: string;
  key: string;
}

/** The object's user metadata exactly as S3 returns it (names without `x-amz-meta-`). */
export async function userMetadata(ref: ObjectRef): Promise<Record<string, string>> {
  const head = await ref.s3.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
  return head.Metadata ?? {};
}

export async function objectBody(ref: ObjectRef): Promise<Buffer> {
  const out = await ref.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

export interface DownloadOptions {
  keyring: Keyring;
  /** Where the plaintext goes. */
  file: string;
  context?: Record<string, string>;
  allowLegacy?: boolean;
  /** Reading V2 (non-committing) objects needs REQUIRE_ENCRYPT_ALLOW_DECRYPT or allowLegacy. */
  commitmentPolicy?: CommitmentPolicy;
}

/** Downloads and decrypts an object with s3-cse's downloadToFile; adds the plaintext's SHA-256. */
export async function s3cseDownload(
  ref: ObjectRef,
  o: DownloadOptions,
): Promise<DownloadResult & { sha256: string }> {
  const result = await downloadToFile({
    ...ref,
    file: o.file,
    keyring: o.keyring,
    encryptionContext: o.context ?? {},
    allowLegacy: o.allowLegacy === true,
    ...(o.commitmentPolicy ? { commitmentPolicy: o.commitmentPolicy } : {}),
  });
  return { ...result, sha256: fileSha256(o.file) };
}

export interface UploadOptions {
  keyring: Keyring;
  format: WriteFormat;
  /** The plaintext file. */
  file: string;
  context?: Record<string, string>;
  /** Forces a multipart upload for files larger than one part. */
  partSize?: number;
}

/** Encrypts a file with s3-cse's encryptAndUploadFile and uploads it. */
export function s3cseUpload(ref: ObjectRef, o: UploadOptions): Promise<UploadResult> {
  return encryptAndUploadFile({
    ...ref,
    file: o.file,
    keyring: o.keyring,
    format: o.format,
    commitmentPolicy: writePolicyFor(o.format),
    encryptionContext: o.context ?? {},
    ...(o.partSize ? { partSize: o.partSize } : {}),
  });
}
