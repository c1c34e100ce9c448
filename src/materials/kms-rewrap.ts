/**
 * Rewrapping a KMS-wrapped data key under another KMS key (issue 15): KMS ReEncrypt, so the
 * plaintext data key never leaves KMS, or (opt-in) Decrypt + Encrypt. The wrap's encryption
 * context is kept exactly: none for V1 (RDS), `{"kms_cmk_id": …}` for legacy V2 `kms`, the stored
 * context (with `aws:x-amz-cek-alg`) for `kms+context`.
 */
import type { ContentMetadata } from "../codec/content-metadata.js";
import type { StringMap } from "../codec/json-map.js";
import { stringMapsEqual } from "../codec/json-map.js";
import { LEGACY_KMS_CMK_ID_KEY, RESERVED_CEK_ALG_CONTEXT_KEY } from "../codec/metadata-keys.js";
import { ErrorCodes, KeyringError, SecurityError, UsageError } from "../errors.js";
import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  type KmsClientLike,
  kmsError,
  ReEncryptCommand,
} from "./kms-client.js";

export type RewrapMethod = "re-encrypt" | "decrypt-encrypt";

export interface KmsRewrapRequest {
  kms: KmsClientLike;
  metadata: ContentMetadata;
  /** The key the data key is wrapped under now (id, ARN, alias). */
  oldKeyId: string;
  newKeyId: string;
  /** The encryption context the caller expects (kms+context only; reserved keys aside). */
  encryptionContext?: StringMap;
  method?: RewrapMethod;
  signal?: AbortSignal;
}

export interface KmsRewrapResult {
  /** `already`: the data key is wrapped under the new key already; nothing to do. */
  readonly status: "rewrapped" | "already";
  readonly encryptedDataKey?: Uint8Array;
  readonly oldKeyArn: string;
  readonly newKeyArn: string;
}

/** The KMS encryption context a data key was wrapped with, checked against the caller's. */
export function wrapContextOf(m: ContentMetadata, expected: StringMap = {}): StringMap {
  const wrap = m.format === "v1" ? "kms-v1" : m.wrapAlgorithm;
  /* Precondition: only KMS-wrapped data keys can be rewrapped under a KMS key. */
  if (wrap !== "kms-v1" && wrap !== "kms" && wrap !== "kms+context") {
    throw new KeyringError(
      ErrorCodes.KEY_UNAVAILABLE,
      `the object's data key is wrapped with ${wrap}, not KMS; rewrap works only for KMS-wrapped objects`,
    );
  }
  const stored = { ...m.materialsDescription };
  if (wrap !== "kms+context") {
    /* Precondition: V1 and legacy kms wraps take no caller encryption context. */
    if (Object.keys(expected).length > 0) {
      throw new UsageError(
        `a ${m.format === "v1" ? "V1 (rds)" : "V2 kms"} data key is wrapped without a caller encryption context; remove --context`,
      );
    }
    return stored;
  }
  /* Precondition: the stored aws:x-amz-cek-alg names the object's content algorithm. */
  if (stored[RESERVED_CEK_ALG_CONTEXT_KEY] !== m.suite.contentAlgorithm) {
    throw new SecurityError(
      ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH,
      `stored ${RESERVED_CEK_ALG_CONTEXT_KEY} does not match the object's content algorithm ${m.suite.contentAlgorithm}`,
    );
  }
  const user = { ...stored };
  delete user[RESERVED_CEK_ALG_CONTEXT_KEY];
  delete user[LEGACY_KMS_CMK_ID_KEY];
  /* Precondition: the rewrap's encryption context equals the stored one (reserved keys aside). */
  if (!stringMapsEqual(user, expected)) {
    throw new SecurityError(
      ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH,
      `the encryption context supplied (keys: ${Object.keys(expected).sort().join(", ") || "none"}) does not match the object's (keys: ${Object.keys(user).sort().join(", ") || "none"})`,
    );
  }
  return stored;
}

/** Resolves a key id / alias / ARN to the key ARN (DescribeKey). */
export async function keyArnOf(kms: KmsClientLike, keyId: string, signal?: AbortSignal): Promise<string> {
  try {
    const out = await kms.send(new DescribeKeyCommand({ KeyId: keyId }), { abortSignal: signal });
    const arn = out.KeyMetadata?.Arn as string | undefined;
    /* Precondition: DescribeKey names the key's ARN. */
    if (!arn)
      throw new KeyringError(ErrorCodes.KEYRING_FAILURE, `KMS DescribeKey for ${keyId} returned no ARN`);
    return arn;
  } catch (err) {
    if (err instanceof KeyringError) throw err;
    throw kmsError("DescribeKey", keyId, err);
  }
}

const ctxParam = (name: string, ctx: StringMap) => (Object.keys(ctx).length > 0 ? { [name]: ctx } : {});

/**
 * Rewraps the object's data key from `oldKeyId` to `newKeyId`, keeping its encryption context.
 * The KMS call runs without a source key id so KMS reports which key the blob is under: the new
 * key → `already`; the old key → rewrapped; any other key → refused (nothing is changed).
 */
export async function rewrapDataKey(r: KmsRewrapRequest): Promise<KmsRewrapResult> {
  const context = wrapContextOf(r.metadata, r.encryptionContext ?? {});
  const [oldKeyArn, newKeyArn] = await Promise.all([
    keyArnOf(r.kms, r.oldKeyId, r.signal),
    keyArnOf(r.kms, r.newKeyId, r.signal),
  ]);
  /* Precondition: the new KMS key differs from the old one. */
  if (oldKeyArn === newKeyArn)
    throw new UsageError("--new-kms-key-id names the same KMS key as --kms-key-id");
  const { sourceArn, blob } =
    r.method === "decrypt-encrypt"
      ? await decryptEncrypt(r, context, newKeyArn)
      : await reEncrypt(r, context, newKeyArn);
  if (sourceArn === newKeyArn) return { status: "already", oldKeyArn, newKeyArn };
  /* Precondition: the old KMS key is the one that unwraps the data key. */
  if (sourceArn !== oldKeyArn) {
    throw new KeyringError(
      ErrorCodes.KEY_UNAVAILABLE,
      `the object's data key is wrapped under ${sourceArn || "an unknown key"}, not under ${r.oldKeyId}; refusing to rewrap`,
    );
  }
  /* Precondition: KMS returned the rewrapped data key. */
  if (!blob?.length) throw new KeyringError(ErrorCodes.KEYRING_FAILURE, "KMS returned no rewrapped data key");
  return { status: "rewrapped", encryptedDataKey: blob, oldKeyArn, newKeyArn };
}

async function reEncrypt(r: KmsRewrapRequest, context: StringMap, newKeyArn: string) {
  try {
    const out = await r.kms.send(
      new ReEncryptCommand({
        CiphertextBlob: r.metadata.encryptedDataKey,
        DestinationKeyId: newKeyArn,
        ...ctxParam("SourceEncryptionContext", context),
        ...ctxParam("DestinationEncryptionContext", context),
      }),
      { abortSignal: r.signal },
    );
    return {
      sourceArn: out.SourceKeyId as string | undefined,
      blob: out.CiphertextBlob as Uint8Array | undefined,
    };
  } catch (err) {
    throw kmsError("ReEncrypt", r.oldKeyId, err);
  }
}

async function decryptEncrypt(r: KmsRewrapRequest, context: StringMap, newKeyArn: string) {
  let plain: Uint8Array | undefined;
  let sourceArn: string | undefined;
  try {
    const out = await r.kms.send(
      new DecryptCommand({
        CiphertextBlob: r.metadata.encryptedDataKey,
        ...ctxParam("EncryptionContext", context),
      }),
      { abortSignal: r.signal },
    );
    plain = out.Plaintext;
    sourceArn = out.KeyId;
  } catch (err) {
    throw kmsError("Decrypt", r.oldKeyId, err);
  }
  try {
    if (sourceArn === newKeyArn || !plain) return { sourceArn, blob: undefined };
    const out = await r.kms.send(
      new EncryptCommand({ KeyId: newKeyArn, Plaintext: plain, ...ctxParam("EncryptionContext", context) }),
      { abortSignal: r.signal },
    );
    return { sourceArn, blob: out.CiphertextBlob as Uint8Array | undefined };
  } catch (err) {
    throw kmsError("Encrypt", r.newKeyId, err);
  } finally {
    plain?.fill(0);
  }
}
