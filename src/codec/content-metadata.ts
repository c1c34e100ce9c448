import type { AlgorithmSuite } from "./algorithm-suites.js";
import type { StringMap } from "./json-map.js";

/** Data-key wrapping algorithms that can appear in V2 `x-amz-wrap-alg` (docs/formats.md#data-key-wraps). */
export type WrapAlgorithm =
  | "kms"
  | "kms+context"
  | "AES/GCM"
  | "AESWrap"
  | "RSA-OAEP-SHA1"
  | "RSA/ECB/OAEPWithSHA-256AndMGF1Padding";

/** Every `x-amz-wrap-alg` a V2 object may carry. */
export const V2_WRAP_ALGORITHMS: readonly WrapAlgorithm[] = [
  "kms",
  "kms+context",
  "AES/GCM",
  "AESWrap",
  "RSA-OAEP-SHA1",
  "RSA/ECB/OAEPWithSHA-256AndMGF1Padding",
];

/** The legacy wraps: readable only with legacy wrapping enabled, never written (docs/formats.md#policy-switches). */
export const LEGACY_WRAP_ALGORITHMS: readonly WrapAlgorithm[] = [
  "kms",
  "AESWrap",
  "RSA/ECB/OAEPWithSHA-256AndMGF1Padding",
];

/** Wrap algorithms allowed in V3 and their two-digit `x-amz-w` codes. */
export const V3_WRAP_CODES = {
  "AES/GCM": "02",
  "kms+context": "12",
  "RSA-OAEP-SHA1": "22",
} as const;
export type V3WrapAlgorithm = keyof typeof V3_WRAP_CODES;

/**
 * How a V1 object's `x-amz-key` was wrapped. V1 metadata does not say (docs/formats.md#what-rds-writes), so the
 * reader's keyring decides: `kms` (RDS / .NET KMSAlgorithm), `aes` (AES-ECB) or `rsa` (PKCS#1 v1.5).
 */
export type V1WrapKind = "kms" | "aes" | "rsa";

/** Fields every format's content metadata has. */
export interface ContentMetadataCommon {
  readonly suite: AlgorithmSuite;
  /** The wrapped (encrypted) data key. */
  readonly encryptedDataKey: Uint8Array;
  /**
   * Material description (raw keyrings) or KMS encryption context (KMS keyrings):
   * `x-amz-matdesc` in V1/V2, `x-amz-m` or `x-amz-t` in V3.
   */
  readonly materialsDescription: StringMap;
}

/** V1 "EncryptionOnly": `x-amz-key`, CBC content; the wrap algorithm is not recorded. */
export interface V1ContentMetadata extends ContentMetadataCommon {
  readonly format: "v1";
  readonly iv: Uint8Array;
  readonly unencryptedContentLength?: number;
}

export interface V2ContentMetadata extends ContentMetadataCommon {
  readonly format: "v2";
  readonly wrapAlgorithm: WrapAlgorithm;
  readonly iv: Uint8Array;
  /** Tag length in bits: 128 for GCM, undefined for CBC. */
  readonly tagLengthBits?: number;
  readonly unencryptedContentLength?: number;
}

export interface V3ContentMetadata extends ContentMetadataCommon {
  readonly format: "v3";
  readonly wrapAlgorithm: V3WrapAlgorithm;
  readonly messageId: Uint8Array;
  readonly commitment: Uint8Array;
}

export type ContentMetadata = V1ContentMetadata | V2ContentMetadata | V3ContentMetadata;
export type FormatGeneration = ContentMetadata["format"];

/** Where a reader must look for an object's encryption metadata (docs/formats.md#format-detection). */
export type MetadataLocation =
  | { readonly kind: "object"; readonly generation: "v1" | "v2" | "v3" }
  /** V3 with `x-amz-c/d/i` in object metadata and the rest in the instruction file. */
  | { readonly kind: "v3-instruction-file" }
  /** No S3EC keys in the object metadata: an instruction file holds them, or the object is not client-side encrypted. */
  | { readonly kind: "instruction-file" };
