import type { ContentEncryptor } from "../ciphers/content-cipher.js";
import { AbortError } from "../errors.js";
import { crc32Base64, hasCrc32 } from "./crc32.js";
import { PartBufferPool } from "./part-buffers.js";
import { assertPartSize, type CutPart, PartCutter } from "./part-cutter.js";

export { assertPartSize, ENCRYPT_SLICE } from "./part-cutter.js";

/** One part of ciphertext, ready to upload. Its buffer is never re-encrypted: retries resend it. */
export interface EncryptedPart {
  /** 1-based. */
  readonly partNumber: number;
  readonly body: Buffer;
  /** Plaintext bytes this part covers. */
  readonly plaintextLength: number;
  /** True for the final part (which carries the CBC padding or the GCM tag). */
  readonly last: boolean;
  /** CRC32 of `body`, base64 of the big-endian value (S3's ChecksumCRC32), when computed. */
  readonly checksumCrc32?: string;
  /**
   * Hands `body` back for reuse. Call it once S3 acknowledged the part (never before: a retry
   * resends the same buffer), and not at all if the part is still needed. Optional to call.
   */
  readonly release: () => void;
}

export interface EncryptPartsOptions {
  readonly partSize: number;
  readonly signal?: AbortSignal;
  /** Called after each chunk of plaintext is read, with the running total. */
  readonly onRead?: (bytesRead: number) => void;
  /** Compute each part's CRC32 while encrypting (default true where `zlib.crc32` exists). */
  readonly checksum?: boolean;
  /** Released buffers to reuse (default: a pool keeping up to 8 buffers). */
  readonly pool?: PartBufferPool;
}

/**
 * Pulls plaintext from `source` and yields part-sized ciphertext buffers, in order, through one
 * continuous cipher state; the parts are cut by {@link PartCutter} (the same routine the
 * encryption worker runs). Pull-based: nothing is read while the consumer holds off.
 *
 * Memory: the ciphertext parts the consumer still holds plus the one being filled; released
 * buffers are reused, so with `n` parts in flight that is about partSize × (n + 1).
 */
export async function* encryptParts(
  source: AsyncIterable<Uint8Array | string>,
  encryptor: ContentEncryptor,
  options: EncryptPartsOptions,
): AsyncGenerator<EncryptedPart, void, undefined> {
  const { partSize, signal, onRead } = options;
  assertPartSize(partSize);
  const pool = options.pool?.partSize === partSize ? options.pool : new PartBufferPool(partSize, 8);
  const cutter = new PartCutter(encryptor, partSize, options.checksum !== false && hasCrc32(), pool);
  const toPart = (cut: CutPart): EncryptedPart => {
    const { buffer } = cut;
    return {
      partNumber: cut.partNumber,
      body: cut.body,
      plaintextLength: cut.plaintextLength,
      last: cut.last,
      ...(cut.crc !== undefined ? { checksumCrc32: crc32Base64(cut.crc) } : {}),
      release: buffer ? () => pool.release(buffer) : () => undefined,
    };
  };
  let bytesRead = 0;
  for await (const raw of source) {
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
    const chunk = typeof raw === "string" ? Buffer.from(raw) : raw;
    bytesRead += chunk.length;
    onRead?.(bytesRead);
    for (const cut of cutter.push(chunk)) yield toPart(cut);
  }
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
  for (const cut of cutter.end()) yield toPart(cut);
}
