import { encodeBase64 } from "./base64.js";
import type { ContentMetadata } from "./content-metadata.js";
import { V3_WRAP_CODES } from "./content-metadata.js";
import { serializeStringMap } from "./json-map.js";
import { Keys } from "./metadata-keys.js";
import { V3_OBJECT_ONLY_KEYS } from "./metadata-rules.js";

/**
 * Encodes a value object into S3 user metadata (names without `x-amz-meta-`), exactly the
 * keys each format defines (docs/formats.md#object-metadata) and nothing else.
 */
export function encodeContentMetadata(cm: ContentMetadata): Record<string, string> {
  switch (cm.format) {
    case "v1": {
      const out: Record<string, string> = {
        [Keys.KEY_V1]: encodeBase64(cm.encryptedDataKey),
        [Keys.IV]: encodeBase64(cm.iv),
        [Keys.MATDESC]: serializeStringMap(cm.materialsDescription),
      };
      if (cm.unencryptedContentLength !== undefined)
        out[Keys.UNENCRYPTED_LENGTH] = String(cm.unencryptedContentLength);
      return out;
    }
    case "v2": {
      const out: Record<string, string> = {
        [Keys.KEY_V2]: encodeBase64(cm.encryptedDataKey),
        [Keys.IV]: encodeBase64(cm.iv),
        [Keys.MATDESC]: serializeStringMap(cm.materialsDescription),
        [Keys.WRAP_ALG]: cm.wrapAlgorithm,
        [Keys.CEK_ALG]: cm.suite.contentAlgorithm,
      };
      if (cm.suite.cipher === "gcm") out[Keys.TAG_LEN] = "128";
      if (cm.unencryptedContentLength !== undefined)
        out[Keys.UNENCRYPTED_LENGTH] = String(cm.unencryptedContentLength);
      return out;
    }
    case "v3": {
      const descKey = cm.wrapAlgorithm === "kms+context" ? Keys.V3_CONTEXT : Keys.V3_MATDESC;
      return {
        [Keys.V3_CEK_ALG]: cm.suite.contentAlgorithm,
        [Keys.V3_KEY]: encodeBase64(cm.encryptedDataKey),
        [Keys.V3_WRAP_ALG]: V3_WRAP_CODES[cm.wrapAlgorithm],
        [descKey]: serializeStringMap(cm.materialsDescription),
        [Keys.V3_COMMITMENT]: encodeBase64(cm.commitment),
        [Keys.V3_MESSAGE_ID]: encodeBase64(cm.messageId),
      };
    }
  }
}

/**
 * Splits encoded metadata for instruction-file mode (docs/formats.md#instruction-files): V1/V2 move every S3EC key to
 * the instruction file (the object keeps only the plaintext length); V3 keeps `x-amz-c/d/i` on
 * the object and moves the rest.
 */
export function splitForInstructionFile(cm: ContentMetadata): {
  objectMetadata: Record<string, string>;
  instructionFile: Record<string, string>;
} {
  const all = encodeContentMetadata(cm);
  const objectMetadata: Record<string, string> = {};
  const instructionFile: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) {
    const stayOnObject = cm.format === "v3" ? V3_OBJECT_ONLY_KEYS.includes(k) : k === Keys.UNENCRYPTED_LENGTH;
    (stayOnObject ? objectMetadata : instructionFile)[k] = v;
  }
  return { objectMetadata, instructionFile };
}

/** Serializes an instruction file body. */
export function serializeInstructionFile(map: Record<string, string>): string {
  return JSON.stringify(map);
}
