import { LEGACY_DATA_KEY_LENGTHS } from "../ciphers/content-cipher.js";
import { DATA_KEY_LENGTH } from "../codec/algorithm-suites.js";
import type { StringMap } from "../codec/json-map.js";
import { stringMapsEqual } from "../codec/json-map.js";
import { LEGACY_KMS_CMK_ID_KEY, RESERVED_CEK_ALG_CONTEXT_KEY } from "../codec/metadata-keys.js";
import { ErrorCodes, KeyringError, SecurityError, UsageError } from "../errors.js";
import { describeContextDifference } from "./context-diff.js";
import type { Keyring, UnwrapRequest, WrappedDataKey, WrapRequest } from "./keyring.js";
import { DecryptCommand, GenerateDataKeyCommand, type KmsClientLike, kmsError } from "./kms-client.js";

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export interface KmsKeyringOptions {
  client: KmsClientLike;
  /**
   * Key id, key ARN, alias name (`alias/x`) or alias ARN. Required to encrypt. On decrypt it is
   * passed as `KeyId`, so KMS refuses objects wrapped under any other key; leave it out to
   * decrypt with whatever key the wrapped data key names (discovery).
   */
  keyId?: string;
  grantTokens?: string[];
}

/**
 * Legacy KMS wraps (V1 `x-amz-key` and V2 `kms`) carry no caller context: what they store is
 * `{}` or `{"kms_cmk_id": …}`. As the official Python client does, a caller who expects a context
 * is refused rather than ignored (otherwise a `kms+context` object relabelled `kms` would decrypt
 * although the caller expected a context). A stored `aws:x-amz-cek-alg` is only ever written by
 * `kms+context`: under a legacy label it is a relabelled V2/V3 data key, never unwrapped.
 */
function assertLegacyKmsRead(wrap: "kms-v1" | "kms", stored: StringMap, requested: StringMap): void {
  const what = wrap === "kms" ? `the legacy "kms" wrap` : "the V1 (rds) format";
  /* Precondition: a legacy kms or V1 object is read with no caller encryption context. */
  if (Object.keys(requested).length > 0) {
    throw new SecurityError(
      ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH,
      `an encryption context was supplied, but the object's data key uses ${what}, which carries no caller context: ` +
        "remove --context / encryptionContext to read it (only kms+context objects are bound to a context)",
    );
  }
  /* Precondition: a legacy kms or V1 material description does not carry aws:x-amz-cek-alg. */
  if (Object.hasOwn(stored, RESERVED_CEK_ALG_CONTEXT_KEY)) {
    throw new SecurityError(
      ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH,
      `the object's material description holds ${RESERVED_CEK_ALG_CONTEXT_KEY}, which only kms+context writes, ` +
        `but its data key is labelled ${what}: a relabelled V2/V3 data key is never unwrapped`,
    );
  }
}

/**
 * KMS keyring for every S3EC KMS mode (docs/formats.md#kms-wraps):
 * - V1 (the RDS "Encryption-Only" format): GenerateDataKey(AES_256) with **no** encryption
 *   context, `x-amz-matdesc` = `{}`; Decrypt with no context.
 * - V2/V3 `kms+context`: the caller's context plus `aws:x-amz-cek-alg`, stored in the metadata.
 * - V2 `kms` (legacy, read only): Decrypt with the stored `{"kms_cmk_id": …}` context.
 */
export class KmsKeyring implements Keyring {
  readonly description: string;
  private readonly client: KmsClientLike;
  private readonly keyId: string | undefined;
  private readonly grantTokens: string[] | undefined;

  constructor(options: KmsKeyringOptions) {
    /* Precondition: the KMS keyring needs a client with send(). */
    if (!options?.client || typeof options.client.send !== "function") {
      throw new UsageError("KmsKeyring needs a KMS client with a send() method");
    }
    this.client = options.client;
    this.keyId = options.keyId?.trim() || undefined;
    this.grantTokens = options.grantTokens;
    this.description = this.keyId ? `KMS key ${this.keyId}` : "KMS (any key)";
  }

  async generateDataKey(request: WrapRequest): Promise<WrappedDataKey> {
    /* Precondition: encrypting with KMS needs a key id. */
    if (!this.keyId) throw new UsageError("a KMS key id, ARN or alias is required to encrypt (--kms-key-id)");
    let context: StringMap = {};
    if (request.format !== "v1") {
      /* Precondition: the caller's encryption context must not use the reserved key aws:x-amz-cek-alg. */
      if (Object.hasOwn(request.encryptionContext, RESERVED_CEK_ALG_CONTEXT_KEY)) {
        throw new UsageError(`encryption context key "${RESERVED_CEK_ALG_CONTEXT_KEY}" is reserved`);
      }
      /* Precondition: encryption context entries are printable US-ASCII (S3 would double-encode anything else). */
      if (!Object.entries(request.encryptionContext).every(([k, v]) => PRINTABLE_ASCII.test(k + v))) {
        throw new UsageError("encryption context keys and values must be printable US-ASCII");
      }
      context = {
        ...request.encryptionContext,
        [RESERVED_CEK_ALG_CONTEXT_KEY]: request.suite.contentAlgorithm,
      };
    } else if (Object.keys(request.encryptionContext).length > 0) {
      /* Precondition: the V1 (RDS) format carries no encryption context. */
      throw new UsageError(
        "the rds (V1) format wraps the data key with no encryption context; remove --context",
      );
    }
    let out: { Plaintext?: Uint8Array; CiphertextBlob?: Uint8Array };
    try {
      out = await this.client.send(
        new GenerateDataKeyCommand({
          KeyId: this.keyId,
          KeySpec: "AES_256",
          ...(Object.keys(context).length > 0 ? { EncryptionContext: context } : {}),
          ...(this.grantTokens ? { GrantTokens: this.grantTokens } : {}),
        }),
        { abortSignal: request.signal },
      );
    } catch (err) {
      throw kmsError("GenerateDataKey", this.keyId, err);
    }
    /* Precondition: KMS returned a 32-byte data key and a ciphertext blob. */
    if (out.Plaintext?.length !== DATA_KEY_LENGTH || !out.CiphertextBlob?.length) {
      throw new KeyringError(ErrorCodes.KEYRING_FAILURE, "KMS GenerateDataKey returned no 32-byte data key");
    }
    return {
      dataKey: out.Plaintext,
      encryptedDataKey: out.CiphertextBlob,
      wrapAlgorithm: request.format === "v1" ? undefined : "kms+context",
      materialsDescription: context,
    };
  }

  async unwrapDataKey(request: UnwrapRequest): Promise<Uint8Array> {
    const m = request.metadata;
    const wrap = m.format === "v1" ? "kms-v1" : m.wrapAlgorithm;
    let context: StringMap;
    if (wrap === "kms-v1" || wrap === "kms") {
      // V1 (RDS): the matdesc is the context ({} → none). Legacy V2 kms: {"kms_cmk_id": …}.
      context = m.materialsDescription;
      assertLegacyKmsRead(wrap, context, request.encryptionContext);
    } else if (wrap === "kms+context") {
      context = m.materialsDescription;
      const stored = context[RESERVED_CEK_ALG_CONTEXT_KEY];
      /* Precondition: the stored aws:x-amz-cek-alg names the object's content algorithm. */
      if (stored !== m.suite.contentAlgorithm) {
        throw new SecurityError(
          ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH,
          `stored ${RESERVED_CEK_ALG_CONTEXT_KEY} "${stored ?? ""}" does not match the object's content algorithm ${m.suite.contentAlgorithm}`,
        );
      }
      const userStored = { ...context };
      delete userStored[RESERVED_CEK_ALG_CONTEXT_KEY];
      delete userStored[LEGACY_KMS_CMK_ID_KEY];
      /* Precondition: the encryption context requested on read equals the stored one (reserved keys aside). */
      if (!stringMapsEqual(userStored, request.encryptionContext)) {
        throw new SecurityError(
          ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH,
          `the encryption context supplied (keys: ${Object.keys(request.encryptionContext).sort().join(", ") || "none"}) ` +
            `does not match the object's (keys: ${Object.keys(userStored).sort().join(", ") || "none"}): ` +
            describeContextDifference(request.encryptionContext, userStored),
        );
      }
    } else {
      throw new KeyringError(
        ErrorCodes.KEY_UNAVAILABLE,
        `the object's data key is wrapped with ${wrap}, which a KMS keyring cannot unwrap`,
      );
    }
    let out: { Plaintext?: Uint8Array };
    try {
      out = await this.client.send(
        new DecryptCommand({
          CiphertextBlob: m.encryptedDataKey,
          ...(this.keyId ? { KeyId: this.keyId } : {}),
          ...(Object.keys(context).length > 0 ? { EncryptionContext: context } : {}),
          ...(this.grantTokens ? { GrantTokens: this.grantTokens } : {}),
        }),
        { abortSignal: request.signal },
      );
    } catch (err) {
      throw kmsError("Decrypt", this.keyId, err);
    }
    // Legacy writers could ask KMS for AES_128 keys (the aws-sdk-go TestGetObjectCBC vector); V3 is 256-bit only.
    const allowed = m.suite.keyCommitting ? [DATA_KEY_LENGTH] : LEGACY_DATA_KEY_LENGTHS;
    /* Precondition: the unwrapped data key is 32 bytes (16 or 24 also for non-committing suites). */
    if (!out.Plaintext || !allowed.includes(out.Plaintext.length)) {
      throw new KeyringError(
        ErrorCodes.KEYRING_FAILURE,
        `KMS Decrypt returned a data key of ${out.Plaintext?.length ?? 0} bytes; ${m.suite.name} needs ${allowed.join(", ")}`,
      );
    }
    return out.Plaintext;
  }
}
