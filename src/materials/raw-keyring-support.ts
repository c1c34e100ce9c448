/** What the raw AES and RSA keyrings share: material descriptions, key selection, V1 routing. */
import { randomBytes } from "node:crypto";
import { DATA_KEY_LENGTH } from "../codec/algorithm-suites.js";
import type { StringMap } from "../codec/json-map.js";
import { stringMapsEqual } from "../codec/json-map.js";
import { ErrorCodes, KeyringError, UsageError } from "../errors.js";
import type { UnwrapRequest, WrapRequest } from "./keyring.js";

/**
 * Java's rule for V1 objects, which do not name their wrap (docs/formats.md#raw-aes-wraps): a wrapped key longer than
 * 48 bytes is RSA, otherwise AES-ECB. KMS blobs are longer too; only a KMS keyring reads those.
 */
export const V1_AES_MAX_WRAPPED_LENGTH = 48;

/** An extra decryption key, chosen when an object's material description equals `materialsDescription`. */
export interface DecryptionKeyEntry<K> {
  readonly materialsDescription: StringMap;
  readonly key: K;
}

/** Copies and checks a caller's material description (stored in the clear as x-amz-matdesc / x-amz-m). */
export function checkedMaterialsDescription(md: StringMap | undefined, keyring: string): StringMap {
  const out: StringMap = {};
  for (const [k, v] of Object.entries(md ?? {})) {
    /* Precondition: a material description maps strings to US-ASCII strings. */
    if (typeof v !== "string" || !/^[\x20-\x7e]*$/.test(k + v)) {
      throw new UsageError(`${keyring}: material description entries must be printable US-ASCII strings`);
    }
    out[k] = v;
  }
  return out;
}

/** Java RawKeyring: an object whose material description matches an extra entry uses that key. */
export function selectDecryptionKey<K>(
  stored: StringMap,
  defaultKey: K | undefined,
  extra: readonly DecryptionKeyEntry<K>[],
): K | undefined {
  return extra.find((e) => stringMapsEqual(e.materialsDescription, stored))?.key ?? defaultKey;
}

/* Precondition: raw keyrings take no encryption context (it is a KMS feature; use a material description). */
export function rejectEncryptionContext(request: WrapRequest | UnwrapRequest, keyring: string): void {
  if (Object.keys(request.encryptionContext).length > 0) {
    throw new UsageError(
      `${keyring} does not use an encryption context (it is a KMS feature); give the keyring a material description instead`,
    );
  }
}

/* Precondition: raw keyrings write V2 and V3 only; their V1 wraps are legacy and read-only. */
export function rejectV1Write(request: WrapRequest, keyring: string): void {
  if (request.format === "v1") {
    throw new UsageError(
      `${keyring} cannot write the V1 (rds) format: its V1 wrap is legacy and read-only; use --format v3 or v2`,
    );
  }
}

export function freshDataKey(): Buffer {
  return randomBytes(DATA_KEY_LENGTH);
}

export function unsupportedWrap(keyring: string, wrap: string): KeyringError {
  return new KeyringError(
    ErrorCodes.KEY_UNAVAILABLE,
    `the object's data key is wrapped with ${wrap}, which ${keyring} cannot unwrap`,
  );
}
