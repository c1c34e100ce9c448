import type { ContentKey } from "../ciphers/content-cipher.js";
import { generateContentKey } from "../ciphers/content-cipher.js";
import { deriveCommittedKeys } from "../ciphers/key-commitment.js";
import type { AlgorithmSuite } from "../codec/algorithm-suites.js";
import {
  ALG_AES_256_CBC_IV16_NO_KDF,
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
  DATA_KEY_LENGTH,
} from "../codec/algorithm-suites.js";
import type { ContentMetadata } from "../codec/content-metadata.js";
import { V3_WRAP_CODES, type V3WrapAlgorithm } from "../codec/content-metadata.js";
import type { StringMap } from "../codec/json-map.js";
import { ErrorCodes, InternalError, KeyringError, UsageError } from "../errors.js";
import type { Keyring } from "./keyring.js";
import { assertReadAllowed, type ReadPolicy } from "./policy.js";

/**
 * Named write formats. `rds` is the V1 "Encryption-Only" format Amazon RDS for SQL Server
 * restores (AES-256-CBC, KMS key without context); `v2` is AES-GCM; `v3` is key-committing GCM.
 */
export type WriteFormat = "rds" | "v2" | "v3";
export const WRITE_FORMATS: readonly WriteFormat[] = ["rds", "v2", "v3"];

export function suiteForWriteFormat(format: WriteFormat): AlgorithmSuite {
  switch (format) {
    case "rds":
      return ALG_AES_256_CBC_IV16_NO_KDF;
    case "v2":
      return ALG_AES_256_GCM_IV12_TAG16_NO_KDF;
    case "v3":
      return ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
  }
}

export interface EncryptionMaterials {
  readonly contentKey: ContentKey;
  /** The metadata to store (without the plaintext length, which the pipeline adds). */
  readonly metadata: ContentMetadata;
}

/** Asks the keyring for a wrapped data key and builds the object's content key and metadata. */
export async function prepareEncryption(
  format: WriteFormat,
  keyring: Keyring,
  encryptionContext: StringMap = {},
  signal?: AbortSignal,
): Promise<EncryptionMaterials> {
  /* Precondition: the write format is rds, v2 or v3. */
  if (!WRITE_FORMATS.includes(format)) throw new UsageError(`unknown format "${format}" (use rds, v2 or v3)`);
  const suite = suiteForWriteFormat(format);
  const generation = format === "rds" ? "v1" : format;
  const wrapped = await keyring.generateDataKey({ format: generation, suite, encryptionContext, signal });
  /* Precondition: keyrings return 256-bit data keys for new objects. */
  if (wrapped.dataKey?.length !== DATA_KEY_LENGTH) {
    throw new KeyringError(
      ErrorCodes.KEYRING_FAILURE,
      `${keyring.description} returned a ${wrapped.dataKey?.length ?? 0}-byte data key; new objects need ${DATA_KEY_LENGTH}`,
    );
  }
  const contentKey = generateContentKey(suite, wrapped.dataKey);
  const common = {
    suite,
    encryptedDataKey: wrapped.encryptedDataKey,
    materialsDescription: wrapped.materialsDescription,
  };
  if (generation === "v1") {
    if (!("iv" in contentKey)) throw new InternalError("unreachable: V1 content key without IV");
    return { contentKey, metadata: { format: "v1", ...common, iv: contentKey.iv } };
  }
  /* Precondition: V2/V3 keyrings name their wrap algorithm. */
  if (!wrapped.wrapAlgorithm) {
    throw new KeyringError(
      ErrorCodes.KEYRING_FAILURE,
      `${keyring.description} did not name a wrap algorithm`,
    );
  }
  if (generation === "v2") {
    if (!("iv" in contentKey)) throw new InternalError("unreachable: V2 content key without IV");
    return {
      contentKey,
      metadata: {
        format: "v2",
        ...common,
        wrapAlgorithm: wrapped.wrapAlgorithm,
        iv: contentKey.iv,
        tagLengthBits: 128,
      },
    };
  }
  /* Precondition: V3 allows only AES/GCM, kms+context and RSA-OAEP-SHA1 wrapping. */
  if (!Object.hasOwn(V3_WRAP_CODES, wrapped.wrapAlgorithm)) {
    throw new KeyringError(
      ErrorCodes.KEYRING_FAILURE,
      `wrap algorithm ${wrapped.wrapAlgorithm} is not allowed in V3`,
    );
  }
  if (!("messageId" in contentKey)) throw new InternalError("unreachable: V3 content key without message id");
  const { commitment } = deriveCommittedKeys(contentKey.dataKey, contentKey.messageId);
  return {
    contentKey,
    metadata: {
      format: "v3",
      ...common,
      wrapAlgorithm: wrapped.wrapAlgorithm as V3WrapAlgorithm,
      messageId: contentKey.messageId,
      commitment,
    },
  };
}

export interface DecryptionMaterials {
  readonly contentKey: ContentKey;
  /** For V3: the stored commitment the decryptor must check. */
  readonly storedCommitment?: Uint8Array;
}

/** Applies the read policy, unwraps the data key and returns what the content decryptor needs. */
export async function prepareDecryption(
  metadata: ContentMetadata,
  keyring: Keyring,
  policy: ReadPolicy,
  encryptionContext: StringMap = {},
  signal?: AbortSignal,
): Promise<DecryptionMaterials> {
  assertReadAllowed(metadata, policy);
  const dataKey = await keyring.unwrapDataKey({ metadata, encryptionContext, signal });
  if (metadata.format === "v3") {
    return {
      contentKey: { suite: metadata.suite, dataKey, messageId: metadata.messageId },
      storedCommitment: metadata.commitment,
    };
  }
  return { contentKey: { suite: metadata.suite, dataKey, iv: metadata.iv } };
}
