import { Transform, type TransformCallback } from "node:stream";
import type { ContentDecryptor } from "../ciphers/content-cipher.js";
import { ErrorCodes, SecurityError, TransferError } from "../errors.js";

export interface DecryptStreamOptions {
  /**
   * Hold all plaintext back until the body authenticated (GCM tag / V3), then release it.
   * When false, plaintext streams as it is decrypted (CBC, or GCM with delayed authentication).
   */
  readonly authenticateBeforeRelease: boolean;
  /** Upper bound on held-back plaintext (bytes). */
  readonly maxBufferBytes?: number;
  /** Called with the running count of ciphertext bytes consumed. */
  readonly onCiphertext?: (bytes: number) => void;
  /** Plaintext length the whole body must decrypt to (x-amz-unencrypted-content-length), checked at the end. */
  readonly expectedPlaintextLength?: number;
}

/** A decrypting Transform that also counts the plaintext it produced. */
export type DecryptStream = Transform & { readonly plaintextBytes: number };

/** Default limit for holding back GCM plaintext in memory: 64 MiB, as the Java client. */
export const DEFAULT_AUTH_BUFFER_BYTES = 64 * 1024 * 1024;

/**
 * A Transform from ciphertext to plaintext. With `authenticateBeforeRelease`, nothing is
 * pushed until `final()` verified the tag; exceeding `maxBufferBytes` fails with
 * BUFFER_LIMIT_EXCEEDED (decrypt to a file instead, or enable delayed authentication).
 */
export function createDecryptStream(
  decryptor: ContentDecryptor,
  options: DecryptStreamOptions,
): DecryptStream {
  const limit = options.maxBufferBytes ?? DEFAULT_AUTH_BUFFER_BYTES;
  const held: Buffer[] = [];
  let heldBytes = 0;
  let consumed = 0;
  let produced = 0;
  const emit = (stream: Transform, bufs: Buffer[]): void => {
    for (const b of bufs) {
      if (b.length === 0) continue;
      produced += b.length;
      if (options.authenticateBeforeRelease) {
        heldBytes += b.length;
        /* Precondition: held-back unauthenticated plaintext stays within maxBufferBytes. */
        if (heldBytes > limit) {
          throw new TransferError(
            ErrorCodes.BUFFER_LIMIT_EXCEEDED,
            `object is larger than the ${limit}-byte authentication buffer: decrypt to a file, raise maxBufferBytes, or enable delayedAuthentication to stream unauthenticated plaintext`,
          );
        }
        held.push(b);
      } else {
        stream.push(b);
      }
    }
  };
  const stream = new Transform({
    transform(chunk: Buffer, _enc, callback: TransformCallback) {
      try {
        consumed += chunk.length;
        options.onCiphertext?.(consumed);
        emit(this, decryptor.update(chunk));
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        emit(this, decryptor.final());
        const expected = options.expectedPlaintextLength;
        /* Precondition: the body decrypts to the declared plaintext length. */
        if (expected !== undefined && produced !== expected) {
          throw new SecurityError(
            ErrorCodes.TRUNCATED,
            `decrypted ${produced} bytes, but x-amz-unencrypted-content-length says ${expected}`,
          );
        }
        for (const b of held) this.push(b);
        held.length = 0;
        callback();
      } catch (err) {
        held.length = 0;
        callback(err as Error);
      }
    },
  });
  return Object.defineProperty(stream, "plaintextBytes", { get: () => produced }) as DecryptStream;
}
