import { verifyCommitment } from "../ciphers/key-commitment.js";
import type { ContentMetadata } from "../codec/content-metadata.js";
import type { StringMap } from "../codec/json-map.js";
import type { Keyring } from "./keyring.js";
import type { EncryptionMaterials } from "./materials.js";

/**
 * The encryption materials of an upload being resumed: the data key is unwrapped again from the
 * metadata the upload stores (its checkpoint never holds the plaintext key), and the IV (V1/V2)
 * or message id (V3) are the stored ones, so the cipher continues exactly where it was. For V3
 * the unwrapped key must match the stored commitment.
 */
export async function resumeEncryption(
  stored: ContentMetadata,
  keyring: Keyring,
  encryptionContext: StringMap = {},
  signal?: AbortSignal,
): Promise<EncryptionMaterials> {
  const dataKey = await keyring.unwrapDataKey({ metadata: stored, encryptionContext, signal });
  // The plaintext length is added again when the metadata is placed.
  const { unencryptedContentLength: _length, ...metadata } = stored as ContentMetadata & {
    unencryptedContentLength?: number;
  };
  if (stored.format === "v3") {
    verifyCommitment(dataKey, stored.messageId, stored.commitment);
    return {
      contentKey: { suite: stored.suite, dataKey, messageId: stored.messageId },
      metadata: metadata as ContentMetadata,
    };
  }
  return {
    contentKey: { suite: stored.suite, dataKey, iv: stored.iv },
    metadata: metadata as ContentMetadata,
  };
}
