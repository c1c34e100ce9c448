import type { ContentEncryptor } from "../ciphers/content-cipher.js";
import { AbortError, ErrorCodes, TransferError } from "../errors.js";

/** One part of ciphertext, ready to upload. Its buffer is never re-encrypted: retries resend it. */
export interface EncryptedPart {
  /** 1-based. */
  readonly partNumber: number;
  readonly body: Buffer;
  /** Plaintext bytes this part covers. */
  readonly plaintextLength: number;
  /** True for the final part (which carries the CBC padding or the GCM tag). */
  readonly last: boolean;
}

export interface EncryptPartsOptions {
  readonly partSize: number;
  readonly signal?: AbortSignal;
  /** Called after each chunk of plaintext is read, with the running total. */
  readonly onRead?: (bytesRead: number) => void;
}

/**
 * Pulls plaintext from `source` and yields part-sized ciphertext buffers, in order, through one
 * continuous cipher state (spec §6.2). Pull-based: nothing is read while the consumer holds off.
 *
 * Memory: one plaintext part buffer (reused) plus the ciphertext parts the consumer still holds;
 * with `n` parts in flight that is about partSize × (n + 2).
 *
 * Non-final parts are exactly `partSize` bytes of ciphertext (partSize is a multiple of 16, and
 * CBC/GCM encryption of whole blocks returns all of them); the final part adds the CBC padding or
 * the GCM tag. An empty source yields one final part.
 */
export async function* encryptParts(
  source: AsyncIterable<Uint8Array | string>,
  encryptor: ContentEncryptor,
  options: EncryptPartsOptions,
): AsyncGenerator<EncryptedPart, void, undefined> {
  const { partSize, signal, onRead } = options;
  /* Precondition: the part size is a positive multiple of 16. */
  if (!Number.isSafeInteger(partSize) || partSize <= 0 || partSize % 16 !== 0) {
    throw new TransferError(
      ErrorCodes.INVALID_ARGUMENT,
      `part size must be a positive multiple of 16 bytes, got ${partSize}`,
    );
  }
  const plain = Buffer.allocUnsafe(partSize);
  let fill = 0;
  let partNumber = 1;
  let bytesRead = 0;
  for await (const raw of source) {
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
    const chunk = typeof raw === "string" ? Buffer.from(raw) : raw;
    bytesRead += chunk.length;
    onRead?.(bytesRead);
    let offset = 0;
    while (offset < chunk.length) {
      if (fill === partSize) {
        // The buffer is full and more data exists, so this part is not the last one.
        yield {
          partNumber: partNumber++,
          body: encryptor.update(plain),
          plaintextLength: partSize,
          last: false,
        };
        fill = 0;
      }
      const n = Math.min(partSize - fill, chunk.length - offset);
      plain.set(chunk.subarray(offset, offset + n), fill);
      fill += n;
      offset += n;
    }
  }
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
  const head = encryptor.update(plain.subarray(0, fill));
  const tail = encryptor.final();
  yield {
    partNumber,
    body: head.length === 0 ? tail : Buffer.concat([head, tail], head.length + tail.length),
    plaintextLength: fill,
    last: true,
  };
}
