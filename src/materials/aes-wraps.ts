/**
 * Data-key wrapping primitives of the raw AES keyring (docs/formats.md#raw-aes-wraps), on `node:crypto`:
 * - `AES/GCM` (V2/V3): 12-byte nonce ‖ AES-GCM(data key) ‖ 16-byte tag, AAD = the content algorithm;
 * - legacy V1 "AES": AES-ECB with PKCS#7 padding (48 bytes for a 32-byte key), read only;
 * - legacy `AESWrap`: RFC 3394 AES Key Wrap with the default IV, read only.
 */
import { type CipherGCMTypes, createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { ErrorCodes, SecurityError } from "../errors.js";

const NONCE = 12;
const TAG = 16;
/** RFC 3394 default initial value A6A6A6A6A6A6A6A6. */
const RFC3394_IV = Buffer.alloc(8, 0xa6);
export const KEK_LENGTHS: readonly number[] = [16, 24, 32];

function bits(kek: Uint8Array): number {
  return kek.length * 8;
}

function unwrapFailed(what: string, cause?: unknown): SecurityError {
  return new SecurityError(
    ErrorCodes.AUTHENTICATION_FAILED,
    `${what} unwrap failed: the wrapping key is wrong, or the wrapped data key was modified`,
    cause === undefined ? undefined : { cause },
  );
}

/** AAD of the `AES/GCM` wrap: `AES/GCM/NoPadding` for 0x0072 (and CBC), `115` for V3 (docs/formats.md#raw-aes-wraps). */
export function aesGcmWrapAad(keyCommitting: boolean): Buffer {
  return Buffer.from(keyCommitting ? "115" : "AES/GCM/NoPadding", "ascii");
}

export function aesGcmWrap(kek: Uint8Array, dataKey: Uint8Array, aad: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv(`aes-${bits(kek)}-gcm` as CipherGCMTypes, kek, nonce, {
    authTagLength: TAG,
  });
  cipher.setAAD(aad);
  return Buffer.concat([nonce, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
}

export function aesGcmUnwrap(kek: Uint8Array, wrapped: Uint8Array, aad: Uint8Array): Buffer {
  /* Precondition: an AES/GCM wrapped key holds a nonce, at least one byte and a tag. */
  if (wrapped.length <= NONCE + TAG) throw unwrapFailed("AES/GCM");
  const decipher = createDecipheriv(
    `aes-${bits(kek)}-gcm` as CipherGCMTypes,
    kek,
    wrapped.subarray(0, NONCE),
    {
      authTagLength: TAG,
    },
  );
  decipher.setAAD(aad);
  decipher.setAuthTag(wrapped.subarray(wrapped.length - TAG));
  try {
    return Buffer.concat([decipher.update(wrapped.subarray(NONCE, wrapped.length - TAG)), decipher.final()]);
  } catch (cause) {
    throw unwrapFailed("AES/GCM", cause);
  }
}

/** Legacy V1 AES-ECB/PKCS#7 unwrap (Java SDK v1, Ruby V1, .NET V1 with an AES key). */
export function aesEcbUnwrap(kek: Uint8Array, wrapped: Uint8Array): Buffer {
  /* Precondition: an AES-ECB wrapped key is a non-empty multiple of 16 bytes. */
  if (wrapped.length === 0 || wrapped.length % 16 !== 0) throw unwrapFailed("V1 AES-ECB");
  const decipher = createDecipheriv(`aes-${bits(kek)}-ecb`, kek, null);
  try {
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch (cause) {
    throw unwrapFailed("V1 AES-ECB", cause);
  }
}

/** Legacy `AESWrap`: RFC 3394 key unwrap with the default IV (Java SDK v1 authenticated modes). */
export function aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Buffer {
  /* Precondition: an RFC 3394 wrapped key is a multiple of 8 bytes, at least 24. */
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) throw unwrapFailed("AESWrap");
  const decipher = createDecipheriv(`id-aes${bits(kek)}-wrap`, kek, RFC3394_IV);
  try {
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch (cause) {
    throw unwrapFailed("AESWrap", cause);
  }
}
