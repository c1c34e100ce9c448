import type { FormatGeneration } from "../codec/content-metadata.js";
import type { StringMap } from "../codec/json-map.js";

/** What the verifier learned about an object's client-side encryption. */
export interface ClientSideDetails {
  readonly format: FormatGeneration;
  /** Where the S3EC metadata was read from. */
  readonly metadataLocation: "object" | "instruction-file";
  /** `x-amz-cek-alg` / `x-amz-c` value (V1: always AES/CBC/PKCS5Padding). */
  readonly contentAlgorithm?: string;
  /** Algorithm suite name (docs/formats.md#algorithm-suites), when the content algorithm is known. */
  readonly suite?: string;
  /** `x-amz-wrap-alg`, or the V3 wrap algorithm named by `x-amz-w`. V1 does not record it. */
  readonly wrapAlgorithm?: string;
  /** V1 only: how `x-amz-key` was most likely wrapped, judged from its length and first byte. */
  readonly v1WrapGuess?: "kms" | "aes" | "rsa";
  readonly ivLength?: number;
  readonly wrappedKeyLength?: number;
  readonly messageIdLength?: number;
  readonly commitmentLength?: number;
  /** Material description (raw keyrings) — `x-amz-matdesc` or `x-amz-m`. */
  readonly materialsDescription?: StringMap;
  /** KMS encryption context — `x-amz-matdesc` (V2 kms modes) or `x-amz-t`. */
  readonly encryptionContext?: StringMap;
  readonly plaintextLength?: number;
  readonly plaintextLengthSource?: "metadata" | "derived";
  /** S3 Content-Length: the ciphertext length. */
  readonly ciphertextLength?: number;
  /** Number of multipart-upload parts, when S3 reports it (PartsCount or the ETag suffix). */
  readonly partCount?: number;
}

/** Mutable while the checks fill it in. */
export type DetailsDraft = { -readonly [K in keyof ClientSideDetails]: ClientSideDetails[K] };

/**
 * V1 metadata does not name the wrap algorithm; guess it from the wrapped key (docs/formats.md#raw-aes-wraps, docs/formats.md#what-rds-writes):
 * 48 bytes is AES-ECB, an RSA modulus size is RSA, a 0x01-prefixed blob is a KMS ciphertext.
 */
export function guessV1Wrap(wrappedKey: Uint8Array): "kms" | "aes" | "rsa" | undefined {
  if (wrappedKey.length === 48) return "aes";
  if ([128, 256, 384, 512].includes(wrappedKey.length)) return "rsa";
  if (wrappedKey[0] === 0x01 && wrappedKey.length > 100) return "kms";
  return undefined;
}
