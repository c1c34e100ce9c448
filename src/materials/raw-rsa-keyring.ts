import { createPrivateKey, createPublicKey, KeyObject } from "node:crypto";
import type { StringMap } from "../codec/json-map.js";
import { ErrorCodes, InternalError, KeyringError, UsageError } from "../errors.js";
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
import {
  pseudoKeyAlgorithm,
  type RsaKey,
  rsaOaepSha1Unwrap,
  rsaOaepSha1Wrap,
  rsaOaepSha256LegacyUnwrap,
  rsaPkcs1LegacyUnwrap,
} from "./rsa-wraps.js";

export interface RawRsaKeyringOptions {
  /** RSA public key (PEM, DER Buffer or KeyObject); needed to encrypt. */
  publicKey?: RsaKey;
  /** RSA private key (PEM, DER Buffer or KeyObject); needed to decrypt. Never logged. */
  privateKey?: RsaKey;
  /** Stored in the clear with each object (`x-amz-matdesc` / `x-amz-m`); picks the key on read. */
  materialsDescription?: StringMap;
  /** More private keys for reading, chosen by the object's material description. */
  additionalDecryptionKeys?: readonly DecryptionKeyEntry<RsaKey>[];
}

const MIN_WRITE_BITS = 2048;

function rsaKeyObject(key: RsaKey, kind: "public" | "private"): KeyObject {
  let obj: KeyObject;
  try {
    if (key instanceof KeyObject)
      obj = kind === "public" && key.type === "private" ? createPublicKey(key) : key;
    else obj = kind === "public" ? createPublicKey(key) : createPrivateKey(key);
  } catch (cause) {
    throw new UsageError(`RawRsaKeyring ${kind} key could not be parsed`, { cause });
  }
  /* Precondition: RSA keyrings take RSA keys of the right kind. */
  if (obj.asymmetricKeyType !== "rsa" || obj.type !== kind)
    throw new UsageError(`RawRsaKeyring ${kind} key must be an RSA key`);
  return obj;
}

/**
 * Raw RSA keyring (docs/formats.md#raw-rsa-wraps). Writes `RSA-OAEP-SHA1` (V2 and V3); reads it, and, when the read
 * policy enables legacy wrapping, `RSA/ECB/OAEPWithSHA-256AndMGF1Padding` (V2) and the V1
 * PKCS#1 v1.5 wrap of `x-amz-key` objects whose wrapped key is longer than 48 bytes.
 */
export class RawRsaKeyring implements Keyring {
  readonly description: string;
  private readonly publicKey: KeyObject | undefined;
  private readonly privateKey: KeyObject | undefined;
  private readonly materialsDescription: StringMap;
  private readonly extra: readonly DecryptionKeyEntry<KeyObject>[];

  constructor(options: RawRsaKeyringOptions) {
    /* Precondition: an RSA keyring has a public or a private key. */
    if (!options?.publicKey && !options?.privateKey) {
      throw new UsageError("RawRsaKeyring needs a public key (to encrypt) and/or a private key (to decrypt)");
    }
    this.privateKey = options.privateKey ? rsaKeyObject(options.privateKey, "private") : undefined;
    this.publicKey = options.publicKey
      ? rsaKeyObject(options.publicKey, "public")
      : this.privateKey && createPublicKey(this.privateKey);
    this.materialsDescription = checkedMaterialsDescription(options.materialsDescription, "RawRsaKeyring");
    this.extra = (options.additionalDecryptionKeys ?? []).map((e) => ({
      materialsDescription: checkedMaterialsDescription(e.materialsDescription, "RawRsaKeyring"),
      key: rsaKeyObject(e.key, "private"),
    }));
    const bits = (this.publicKey ?? this.privateKey)?.asymmetricKeyDetails?.modulusLength;
    this.description = `raw RSA-${bits} key`;
  }

  async generateDataKey(request: WrapRequest): Promise<WrappedDataKey> {
    rejectV1Write(request, this.description);
    rejectEncryptionContext(request, this.description);
    // The constructor guarantees a public key: given, or derived from the private key.
    if (!this.publicKey) throw new InternalError("unreachable: RawRsaKeyring without a public key");
    /* Precondition: new objects are wrapped with RSA keys of at least 2048 bits (older keys stay readable). */
    if ((this.publicKey.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_WRITE_BITS) {
      throw new UsageError(`RawRsaKeyring needs an RSA key of at least ${MIN_WRITE_BITS} bits to encrypt`);
    }
    const dataKey = freshDataKey();
    return {
      dataKey,
      encryptedDataKey: rsaOaepSha1Wrap(
        this.publicKey,
        dataKey,
        pseudoKeyAlgorithm(request.suite.keyCommitting),
      ),
      wrapAlgorithm: "RSA-OAEP-SHA1",
      materialsDescription: { ...this.materialsDescription },
    };
  }

  async unwrapDataKey(request: UnwrapRequest): Promise<Uint8Array> {
    rejectEncryptionContext(request, this.description);
    const m = request.metadata;
    const key = selectDecryptionKey(m.materialsDescription, this.privateKey, this.extra);
    /* Precondition: decrypting with an RSA keyring needs a private key. */
    if (!key) {
      throw new KeyringError(ErrorCodes.KEY_UNAVAILABLE, "RawRsaKeyring needs a private key to decrypt");
    }
    if (m.format === "v1") {
      /* Precondition: a V1 key unwrapped as RSA is longer than 48 bytes (Java's AES/RSA rule). */
      if (m.encryptedDataKey.length <= V1_AES_MAX_WRAPPED_LENGTH) {
        throw new KeyringError(
          ErrorCodes.KEY_UNAVAILABLE,
          `the V1 object's wrapped key is ${m.encryptedDataKey.length} bytes (<= ${V1_AES_MAX_WRAPPED_LENGTH}), so it is AES-wrapped, not RSA; use a raw AES keyring`,
        );
      }
      return rsaPkcs1LegacyUnwrap(key, m.encryptedDataKey);
    }
    if (m.wrapAlgorithm === "RSA-OAEP-SHA1") {
      return rsaOaepSha1Unwrap(key, m.encryptedDataKey, pseudoKeyAlgorithm(m.suite.keyCommitting));
    }
    if (m.format === "v2" && m.wrapAlgorithm === "RSA/ECB/OAEPWithSHA-256AndMGF1Padding") {
      return rsaOaepSha256LegacyUnwrap(key, m.encryptedDataKey);
    }
    throw unsupportedWrap(this.description, m.wrapAlgorithm);
  }
}
