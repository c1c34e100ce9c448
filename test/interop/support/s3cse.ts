/** The s3-cse side of the interop tests: encrypt/upload and download/decrypt through the library API. */
import { createHash } from "node:crypto";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  type CommitmentPolicy,
  createContentDecryptor,
  createContentEncryptor,
  decodeContentMetadata,
  encodeContentMetadata,
  INSTRUCTION_FILE_SUFFIX,
  type Keyring,
  locateContentMetadata,
  parseInstructionFile,
  prepareDecryption,
  prepareEncryption,
  resolveReadPolicy,
  type WriteFormat,
} from "../../../src/index.js";

export const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

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

export interface DecryptOptions {
  keyring: Keyring;
  context?: Record<string, string>;
  allowLegacy?: boolean;
  /** Reading V2 (non-committing) objects needs REQUIRE_ENCRYPT_ALLOW_DECRYPT or allowLegacy. */
  commitmentPolicy?: CommitmentPolicy;
}

/** Downloads and decrypts an object with s3-cse; returns the plaintext. */
export async function s3cseDecrypt(ref: ObjectRef, o: DecryptOptions): Promise<Buffer> {
  const out = await ref.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
  const body = await out.Body!.transformToByteArray();
  const objectMetadata = out.Metadata ?? {};
  const instructionFile =
    locateContentMetadata(objectMetadata).kind === "object"
      ? undefined
      : parseInstructionFile(
          (await objectBody({ ...ref, key: `${ref.key}${INSTRUCTION_FILE_SUFFIX}` })).toString("utf8"),
        );
  const metadata = decodeContentMetadata(objectMetadata, instructionFile);
  const policy = resolveReadPolicy({
    allowLegacy: o.allowLegacy === true,
    commitmentPolicy: o.commitmentPolicy,
  });
  const { contentKey, storedCommitment } = await prepareDecryption(
    metadata,
    o.keyring,
    policy,
    o.context ?? {},
  );
  const decryptor = createContentDecryptor(contentKey, storedCommitment);
  return Buffer.concat([...decryptor.update(body), ...decryptor.final()]);
}

export interface EncryptOptions {
  keyring: Keyring;
  format: WriteFormat;
  plaintext: Uint8Array;
  context?: Record<string, string>;
}

/** Encrypts `plaintext` with s3-cse and uploads it. */
export async function s3cseEncrypt(ref: ObjectRef, o: EncryptOptions): Promise<void> {
  const { contentKey, metadata } = await prepareEncryption(o.format, o.keyring, o.context ?? {});
  const encryptor = createContentEncryptor(contentKey);
  const body = Buffer.concat([encryptor.update(o.plaintext), encryptor.final()]);
  const withLength =
    metadata.format === "v3" ? metadata : { ...metadata, unencryptedContentLength: o.plaintext.length };
  await ref.s3.send(
    new PutObjectCommand({
      Bucket: ref.bucket,
      Key: ref.key,
      Body: body,
      Metadata: encodeContentMetadata(withLength),
    }),
  );
}
