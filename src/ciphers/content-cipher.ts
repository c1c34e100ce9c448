import { type CipherGCMTypes, createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { AlgorithmSuite } from "../codec/algorithm-suites.js";
import { DATA_KEY_LENGTH, MESSAGE_ID_LENGTH } from "../codec/algorithm-suites.js";
import { ErrorCodes, SecurityError, UsageError } from "../errors.js";
import { deriveCommittedKeys, V3_FIXED_IV, V3_SUITE_ID_BYTES, verifyCommitment } from "./key-commitment.js";

/** Data-key lengths a non-committing suite may be read with. */
export const LEGACY_DATA_KEY_LENGTHS: readonly number[] = [16, 24, 32];

/**
 * What a content cipher needs: for V1/V2 the data key and IV; for V3 the data key and the
 * message id (the DEK, fixed IV and AAD are derived from them).
 */
export type ContentKey =
  | { readonly suite: AlgorithmSuite; readonly dataKey: Uint8Array; readonly iv: Uint8Array }
  | { readonly suite: AlgorithmSuite; readonly dataKey: Uint8Array; readonly messageId: Uint8Array };

/** Encrypts a body chunk by chunk; `final()` returns the CBC padding block or the GCM tag. */
export interface ContentEncryptor {
  update(chunk: Uint8Array): Buffer;
  final(): Buffer;
}

/**
 * Decrypts a body chunk by chunk. `update` may return several buffers (no concatenation on the
 * hot path). `final` verifies the tag / padding and throws a {@link SecurityError} on failure.
 */
export interface ContentDecryptor {
  update(chunk: Uint8Array): Buffer[];
  final(): Buffer[];
}

type AesBits = 128 | 192 | 256;

export interface CipherParams {
  algorithm: `aes-${AesBits}-cbc` | `aes-${AesBits}-gcm`;
  key: Uint8Array;
  iv: Uint8Array;
  aad?: Uint8Array;
}

/** Resolves the AES algorithm, key and IV for a content key (V3: derived key, checked commitment). */
export function contentCipherParams(key: ContentKey, verifyStoredCommitment?: Uint8Array): CipherParams {
  const { suite, dataKey } = key;
  // Writers always use 256-bit data keys. Legacy writers could produce 128/192-bit ones (the
  // aws-sdk-go TestGetObjectCBC vector has a 16-byte key; Java's RSA-OAEP pseudo key allows 16/24/32),
  // so non-committing suites read them; V3 is 256-bit only.
  /* Precondition: data keys are 256-bit (16 or 24 bytes also allowed for non-committing suites). */
  const allowed = suite.keyCommitting ? [DATA_KEY_LENGTH] : LEGACY_DATA_KEY_LENGTHS;
  if (!allowed.includes(dataKey.length)) {
    throw new UsageError(
      `data key must be ${allowed.join(", ")} bytes for ${suite.name}, got ${dataKey.length}`,
    );
  }
  if (suite.keyCommitting) {
    /* Precondition: V3 content keys carry a message id. */
    if (!("messageId" in key)) throw new UsageError("V3 content key needs a message id");
    const derived =
      verifyStoredCommitment === undefined
        ? deriveCommittedKeys(dataKey, key.messageId).derivedKey
        : verifyCommitment(dataKey, key.messageId, verifyStoredCommitment);
    return { algorithm: "aes-256-gcm", key: derived, iv: V3_FIXED_IV, aad: V3_SUITE_ID_BYTES };
  }
  /* Precondition: V1/V2 content keys carry an IV of the suite's length. */
  if (!("iv" in key) || key.iv.length !== suite.ivLength) {
    throw new UsageError(`${suite.name} needs a ${suite.ivLength}-byte IV`);
  }
  const bits = (dataKey.length * 8) as AesBits;
  return { algorithm: `aes-${bits}-${suite.cipher}`, key: dataKey, iv: key.iv };
}

/** Fresh per-object randomness: a data key and either an IV (V1/V2) or a non-zero message id (V3). */
export function generateContentKey(
  suite: AlgorithmSuite,
  dataKey: Uint8Array = randomBytes(DATA_KEY_LENGTH),
): ContentKey {
  if (suite.keyCommitting) {
    let messageId = randomBytes(MESSAGE_ID_LENGTH);
    while (messageId.every((b) => b === 0)) messageId = randomBytes(MESSAGE_ID_LENGTH);
    return { suite, dataKey, messageId };
  }
  return { suite, dataKey, iv: randomBytes(suite.ivLength) };
}

export function createContentEncryptor(key: ContentKey): ContentEncryptor {
  return createEncryptorFromParams(contentCipherParams(key));
}

/** The encryptor for resolved cipher parameters (what the encryption worker thread receives). */
export function createEncryptorFromParams(p: CipherParams): ContentEncryptor {
  if (p.algorithm.endsWith("gcm")) {
    const cipher = createCipheriv(p.algorithm as CipherGCMTypes, p.key, p.iv, { authTagLength: 16 });
    if (p.aad) cipher.setAAD(p.aad);
    return {
      update: (chunk) => cipher.update(chunk),
      final: () => {
        const rest = cipher.final();
        return rest.length === 0 ? cipher.getAuthTag() : Buffer.concat([rest, cipher.getAuthTag()]);
      },
    };
  }
  const cipher = createCipheriv(p.algorithm, p.key, p.iv);
  return { update: (chunk) => cipher.update(chunk), final: () => cipher.final() };
}

/**
 * A decryptor for a whole object body. For V3 the stored commitment is checked (in constant
 * time) before the derived key exists.
 */
export interface DecryptorOptions {
  /**
   * The whole ciphertext's length (S3 Content-Length), when known. GCM then knows where the tag
   * starts and decrypts each chunk in one call instead of holding the last 16 bytes of every chunk
   * back, and a body that is shorter or longer than declared is refused.
   */
  readonly ciphertextLength?: number;
  /**
   * CBC: the plaintext length the metadata states (x-amz-unencrypted-content-length). Checked
   * against `ciphertextLength` before decrypting and against the unpadded length at the end, with
   * the same single error as a padding failure.
   */
  readonly expectedPlaintextLength?: number;
}

export function createContentDecryptor(
  key: ContentKey,
  storedCommitment?: Uint8Array,
  options: DecryptorOptions = {},
): ContentDecryptor {
  /* Precondition: V3 decryption checks the stored key commitment. */
  if (key.suite.keyCommitting && storedCommitment === undefined) {
    throw new UsageError("V3 decryption requires the stored commitment (x-amz-d)");
  }
  const p = contentCipherParams(key, storedCommitment);
  if (!p.algorithm.endsWith("gcm")) return cbcDecryptor(p, options);
  return options.ciphertextLength === undefined
    ? gcmDecryptor(p)
    : gcmDecryptorOfLength(p, options.ciphertextLength);
}

/**
 * The one error of every CBC decryption failure (bad padding, wrong length, truncated, longer than
 * declared): same code, same message, no lengths, so a caller who can rewrite the object learns
 * nothing from *why* a read failed (no padding oracle beyond success/failure, see docs/security.md).
 */
export const CBC_FAILURE_MESSAGE =
  "CBC decryption failed: wrong data key, or the object was truncated or modified";

export function cbcFailure(cause?: unknown): SecurityError {
  return new SecurityError(ErrorCodes.AUTHENTICATION_FAILED, CBC_FAILURE_MESSAGE, cause ? { cause } : {});
}

/** PKCS#7 check of a 16-byte last block without data-dependent branches; returns the pad length or 0. */
export function pkcs7PadLength(last: Uint8Array): number {
  const pad = last[15] ?? 0;
  let bad = ((pad - 1) >>> 31) | ((16 - pad) >>> 31); // pad < 1 or pad > 16
  for (let i = 0; i < 16; i++) {
    const inPad = ((15 - i - pad) >>> 31) & 1; // i >= 16 - pad
    bad |= inPad & ((last[i]! ^ pad) !== 0 ? 1 : 0);
  }
  return bad ? 0 : pad;
}

function cbcDecryptor(p: CipherParams, options: DecryptorOptions): ContentDecryptor {
  const declared = options.ciphertextLength;
  const expectedPlain = options.expectedPlaintextLength;
  /* Precondition: a CBC body's declared length fits the metadata before anything is decrypted. */
  if (
    declared !== undefined &&
    (!Number.isSafeInteger(declared) ||
      declared === 0 ||
      declared % 16 !== 0 ||
      (expectedPlain !== undefined && 16 * (Math.floor(expectedPlain / 16) + 1) !== declared))
  ) {
    throw cbcFailure();
  }
  const decipher = createDecipheriv(p.algorithm, p.key, p.iv);
  decipher.setAutoPadding(false);
  let total = 0;
  let held = Buffer.alloc(0); // the last decrypted block, kept until final() removes the padding
  let tooLong = false;
  return {
    update(chunk) {
      total += chunk.length;
      if (declared !== undefined && total > declared) tooLong = true;
      const plain = decipher.update(chunk);
      const all = held.length ? Buffer.concat([held, plain]) : plain;
      const keep = Math.min(all.length, 16);
      held = Buffer.from(all.subarray(all.length - keep));
      return [all.subarray(0, all.length - keep)];
    },
    final() {
      // Every check runs, in the same order, whatever fails; one error for all of them.
      /* Precondition: a CBC body is a non-empty multiple of 16 bytes, as long as declared, and ends with valid PKCS#7 padding that leaves the declared plaintext length. */
      const lengthOk =
        total > 0 && total % 16 === 0 && !tooLong && (declared === undefined || total === declared);
      let rest: Buffer = Buffer.alloc(0);
      let finalOk = true;
      try {
        rest = decipher.final();
      } catch {
        finalOk = false;
      }
      const last = held.length === 16 && rest.length === 0 ? held : Buffer.alloc(16);
      const pad = pkcs7PadLength(last);
      const plainOk = expectedPlain === undefined || total - pad === expectedPlain;
      if (!(lengthOk && finalOk && held.length === 16 && pad !== 0 && plainOk)) throw cbcFailure();
      return [held.subarray(0, 16 - pad)];
    },
  };
}

const TAG = 16;

/** GCM: the last 16 bytes of the body are the tag, so the decryptor always holds them back. */
function gcmDecipher(p: CipherParams) {
  const decipher = createDecipheriv(p.algorithm as CipherGCMTypes, p.key, p.iv, { authTagLength: TAG });
  if (p.aad) decipher.setAAD(p.aad);
  return decipher;
}

function gcmFinal(decipher: ReturnType<typeof gcmDecipher>, tag: Buffer): Buffer[] {
  decipher.setAuthTag(tag);
  try {
    return [decipher.final()];
  } catch (cause) {
    throw new SecurityError(
      ErrorCodes.AUTHENTICATION_FAILED,
      "GCM authentication failed: the object was modified, or the data key is wrong",
      { cause },
    );
  }
}

/** GCM with a known ciphertext length: the tag's position is known, so nothing is held back per chunk. */
function gcmDecryptorOfLength(p: CipherParams, total: number): ContentDecryptor {
  /* Precondition: a GCM body of known length is at least its 16-byte tag. */
  if (!Number.isSafeInteger(total) || total < TAG) {
    throw new SecurityError(
      ErrorCodes.TRUNCATED,
      `GCM ciphertext of ${total} bytes is shorter than its 16-byte tag`,
    );
  }
  const decipher = gcmDecipher(p);
  const bodyEnd = total - TAG;
  const tag = Buffer.alloc(TAG);
  let pos = 0;
  return {
    update(chunk) {
      const start = pos;
      pos += chunk.length;
      /* Precondition: the body is no longer than its declared length. */
      if (pos > total) {
        throw new SecurityError(
          ErrorCodes.TRUNCATED,
          `GCM ciphertext is longer than the declared ${total} bytes`,
        );
      }
      if (pos <= bodyEnd) return [decipher.update(chunk)];
      const cut = Math.max(0, bodyEnd - start);
      tag.set(chunk.subarray(cut), start + cut - bodyEnd);
      return cut > 0 ? [decipher.update(chunk.subarray(0, cut))] : [];
    },
    final() {
      /* Precondition: the body is as long as declared. */
      if (pos !== total) {
        throw new SecurityError(
          ErrorCodes.TRUNCATED,
          `GCM ciphertext ended after ${pos} of ${total} bytes: the object is truncated`,
        );
      }
      return gcmFinal(decipher, tag);
    },
  };
}

function gcmDecryptor(p: CipherParams): ContentDecryptor {
  const decipher = gcmDecipher(p);
  let tail = Buffer.alloc(0);
  return {
    update(chunk) {
      const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (tail.length + buf.length <= TAG) {
        tail = Buffer.concat([tail, buf]);
        return [];
      }
      const out: Buffer[] = [];
      if (buf.length >= TAG) {
        if (tail.length > 0) out.push(decipher.update(tail));
        out.push(decipher.update(buf.subarray(0, buf.length - TAG)));
        tail = Buffer.from(buf.subarray(buf.length - TAG));
      } else {
        const joined = Buffer.concat([tail, buf]);
        out.push(decipher.update(joined.subarray(0, joined.length - TAG)));
        tail = joined.subarray(joined.length - TAG);
      }
      return out;
    },
    final() {
      /* Precondition: a GCM body ends with a 16-byte tag. */
      if (tail.length < TAG) {
        throw new SecurityError(
          ErrorCodes.TRUNCATED,
          "GCM ciphertext is shorter than its 16-byte tag: the object is truncated",
        );
      }
      return gcmFinal(decipher, tail);
    },
  };
}
