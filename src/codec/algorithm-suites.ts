/** Content-encryption algorithm suites of the S3 Encryption Client (docs/formats.md#algorithm-suites). */

export type ContentAlgorithmName = "AES/CBC/PKCS5Padding" | "AES/GCM/NoPadding" | "115";

export interface AlgorithmSuite {
  /** Numeric suite id (docs/formats.md#algorithm-suites). */
  readonly id: number;
  readonly name: string;
  /** The `x-amz-cek-alg` / `x-amz-c` value that names this suite in metadata. */
  readonly contentAlgorithm: ContentAlgorithmName;
  readonly cipher: "cbc" | "gcm";
  readonly ivLength: number;
  /** Authentication tag length in bytes (0 for CBC). */
  readonly tagLength: number;
  readonly keyCommitting: boolean;
  /** Largest plaintext one data key may encrypt. */
  readonly maxPlaintextLength: number;
}

export const ALG_AES_256_CBC_IV16_NO_KDF: AlgorithmSuite = {
  id: 0x0070,
  name: "ALG_AES_256_CBC_IV16_NO_KDF",
  contentAlgorithm: "AES/CBC/PKCS5Padding",
  cipher: "cbc",
  ivLength: 16,
  tagLength: 0,
  keyCommitting: false,
  maxPlaintextLength: Number.MAX_SAFE_INTEGER,
};

export const ALG_AES_256_GCM_IV12_TAG16_NO_KDF: AlgorithmSuite = {
  id: 0x0072,
  name: "ALG_AES_256_GCM_IV12_TAG16_NO_KDF",
  contentAlgorithm: "AES/GCM/NoPadding",
  cipher: "gcm",
  ivLength: 12,
  tagLength: 16,
  keyCommitting: false,
  maxPlaintextLength: 2 ** 36 - 32,
};

export const ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY: AlgorithmSuite = {
  id: 0x0073,
  name: "ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY",
  contentAlgorithm: "115",
  cipher: "gcm",
  ivLength: 12,
  tagLength: 16,
  keyCommitting: true,
  maxPlaintextLength: 2 ** 36 - 32,
};

/** Data keys are always 256-bit. */
export const DATA_KEY_LENGTH = 32;
/** V3 message id and commitment lengths (docs/formats.md#key-commitment). */
export const MESSAGE_ID_LENGTH = 28;
export const COMMITMENT_LENGTH = 28;
export const AES_BLOCK = 16;

/** Ciphertext length of a `plaintextLength`-byte body under `suite` (docs/formats.md#lengths). */
export function ciphertextLength(suite: AlgorithmSuite, plaintextLength: number): number {
  if (suite.cipher === "cbc") return AES_BLOCK * (Math.floor(plaintextLength / AES_BLOCK) + 1);
  return plaintextLength + suite.tagLength;
}

export function suiteForContentAlgorithm(name: string): AlgorithmSuite | undefined {
  switch (name) {
    case "AES/CBC/PKCS5Padding":
    case "AES/CBC/PKCS7Padding":
      return ALG_AES_256_CBC_IV16_NO_KDF;
    case "AES/GCM/NoPadding":
      return ALG_AES_256_GCM_IV12_TAG16_NO_KDF;
    case "115":
      return ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
    default:
      return undefined;
  }
}
