import type { StringMap } from "../codec/json-map.js";
import { ErrorCodes, KeyringError, UsageError } from "../errors.js";
import {
  aesEcbUnwrap,
  aesGcmUnwrap,
  aesGcmWrap,
  aesGcmWrapAad,
  aesKeyUnwrap,
  KEK_LENGTHS,
} from "./aes-wraps.js";
import type { Keyring, UnwrapRequest, WrappedDataKey, WrapRequest } from "./keyring.js";
import {
  checkedMaterialsDescription,
  type DecryptionKeyEntry,
  freshDataKey,
  rejectEncryptionContext,
  rejectV1Write,
  selectDecryptionKey,
  unsupportedWrap,
  V1_AES_MAX_WRAPPED_LENGTH,
} from "./raw-keyring-support.js";

export interface RawAesKeyringOptions {
  /** The AES key-encryption key (KEK): 16, 24 or 32 bytes. Never logged. */
  key: Uint8Array;
  /** Stored in the clear with each object (`x-amz-matdesc` / `x-amz-m`); picks the key on read. */
  materialsDescription?: StringMap;
  /** More KEKs for reading, chosen by the object's material description (as Java's RawKeyring). */
  additionalDecryptionKeys?: readonly DecryptionKeyEntry<Uint8Array>[];
}

function checkKek(key: Uint8Array, what: string): Uint8Array {
  /* Precondition: an AES key-encryption key is 16, 24 or 32 bytes. */
  if (!(key instanceof Uint8Array) || !KEK_LENGTHS.includes(key.length)) {
    throw new UsageError(`${what} must be 16, 24 or 32 bytes`);
  }
  return Uint8Array.from(key);
}

/**
 * Raw AES keyring (docs/formats.md#raw-aes-wraps). Writes `AES/GCM` (V2 and V3); reads `AES/GCM`, and, when the read
 * policy enables legacy wrapping, `AESWrap` (V2) and the V1 AES-ECB wrap of `x-amz-key` objects
 * whose wrapped key is at most 48 bytes (Java's rule; longer V1 keys are RSA or KMS).
 */
export class RawAesKeyring implements Keyring {
  readonly description: string;
  private readonly kek: Uint8Array;
  private readonly materialsDescription: StringMap;
  private readonly extra: readonly DecryptionKeyEntry<Uint8Array>[];

  constructor(options: RawAesKeyringOptions) {
    this.kek = checkKek(options?.key, "RawAesKeyring key");
    this.materialsDescription = checkedMaterialsDescription(options.materialsDescription, "RawAesKeyring");
    this.extra = (options.additionalDecryptionKeys ?? []).map((e) => ({
      materialsDescription: checkedMaterialsDescription(e.materialsDescription, "RawAesKeyring"),
      key: checkKek(e.key, "RawAesKeyring additional key"),
    }));
    this.description = `raw AES-${this.kek.length * 8} key`;
  }

  async generateDataKey(request: WrapRequest): Promise<WrappedDataKey> {
    rejectV1Write(request, this.description);
    rejectEncryptionContext(request, this.description);
    const dataKey = freshDataKey();
    return {
      dataKey,
      encryptedDataKey: aesGcmWrap(this.kek, dataKey, aesGcmWrapAad(request.suite.keyCommitting)),
      wrapAlgorithm: "AES/GCM",
      materialsDescription: { ...this.materialsDescription },
    };
  }

  async unwrapDataKey(request: UnwrapRequest): Promise<Uint8Array> {
    rejectEncryptionContext(request, this.description);
    const m = request.metadata;
    const kek = selectDecryptionKey(m.materialsDescription, this.kek, this.extra) ?? this.kek;
    if (m.format === "v1") {
      /* Precondition: a V1 key unwrapped as AES-ECB is at most 48 bytes (Java's AES/RSA rule). */
      if (m.encryptedDataKey.length > V1_AES_MAX_WRAPPED_LENGTH) {
        throw new KeyringError(
          ErrorCodes.KEY_UNAVAILABLE,
          `the V1 object's wrapped key is ${m.encryptedDataKey.length} bytes (> ${V1_AES_MAX_WRAPPED_LENGTH}), so it is RSA- or KMS-wrapped, not AES; use an RSA or KMS keyring`,
        );
      }
      return aesEcbUnwrap(kek, m.encryptedDataKey);
    }
    if (m.wrapAlgorithm === "AES/GCM") {
      return aesGcmUnwrap(kek, m.encryptedDataKey, aesGcmWrapAad(m.suite.keyCommitting));
    }
    if (m.format === "v2" && m.wrapAlgorithm === "AESWrap") return aesKeyUnwrap(kek, m.encryptedDataKey);
    throw unsupportedWrap(this.description, m.wrapAlgorithm);
  }
}
