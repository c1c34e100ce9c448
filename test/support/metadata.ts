/** Well-formed S3EC metadata maps of every generation, for breaking one key at a time. */
import { randomBytes } from "node:crypto";
import {
  ALG_AES_256_CBC_IV16_NO_KDF,
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
} from "../../src/codec/algorithm-suites.js";
import { encodeContentMetadata } from "../../src/codec/encode.js";

/** A KMS-like ciphertext blob: starts with 0x01, ~180 bytes. */
export function kmsLikeBlob(): Uint8Array {
  const b = randomBytes(184);
  b[0] = 0x01;
  return b;
}

/** RDS-ready V1 metadata: x-amz-key (KMS-like blob), 16-byte IV, {} matdesc, plaintext length. */
export function v1Metadata(plaintextLength = 100): Record<string, string> {
  return encodeContentMetadata({
    format: "v1",
    suite: ALG_AES_256_CBC_IV16_NO_KDF,
    encryptedDataKey: kmsLikeBlob(),
    iv: randomBytes(16),
    materialsDescription: {},
    unencryptedContentLength: plaintextLength,
  });
}

export function v2GcmMetadata(plaintextLength = 100): Record<string, string> {
  return encodeContentMetadata({
    format: "v2",
    suite: ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
    wrapAlgorithm: "kms+context",
    encryptedDataKey: kmsLikeBlob(),
    iv: randomBytes(12),
    tagLengthBits: 128,
    materialsDescription: { "aws:x-amz-cek-alg": "AES/GCM/NoPadding", team: "db" },
    unencryptedContentLength: plaintextLength,
  });
}

export function v2CbcKmsMetadata(plaintextLength = 100): Record<string, string> {
  return encodeContentMetadata({
    format: "v2",
    suite: ALG_AES_256_CBC_IV16_NO_KDF,
    wrapAlgorithm: "kms",
    encryptedDataKey: kmsLikeBlob(),
    iv: randomBytes(16),
    materialsDescription: { kms_cmk_id: "alias/backups" },
    unencryptedContentLength: plaintextLength,
  });
}

export function v3KmsMetadata(): Record<string, string> {
  return encodeContentMetadata({
    format: "v3",
    suite: ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    wrapAlgorithm: "kms+context",
    encryptedDataKey: kmsLikeBlob(),
    materialsDescription: { "aws:x-amz-cek-alg": "115" },
    messageId: randomBytes(28),
    commitment: randomBytes(28),
  });
}

export function v3AesGcmMetadata(): Record<string, string> {
  return encodeContentMetadata({
    format: "v3",
    suite: ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    wrapAlgorithm: "AES/GCM",
    encryptedDataKey: randomBytes(60),
    materialsDescription: { kek: "primary" },
    messageId: randomBytes(28),
    commitment: randomBytes(28),
  });
}

/** CBC ciphertext length of `p` plaintext bytes. */
export const cbcLength = (p: number) => 16 * (Math.floor(p / 16) + 1);
