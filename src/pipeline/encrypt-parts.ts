import type { ContentEncryptor } from "../ciphers/content-cipher.js";
import { AbortError, UsageError } from "../errors.js";
import { crc32Base64, crc32Update, hasCrc32 } from "./crc32.js";
import { PartBufferPool } from "./part-buffers.js";

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
 * Plaintext is encrypted in slices of this size: the cipher's output is then small enough for
 * malloc to recycle (a multi-MiB output is a fresh mmap, page-faulted and zeroed every time) and
 * still in cache when it is checksummed and copied into the part buffer.
 */
export const ENCRYPT_SLICE = 64 * 1024;

/**
 * Pulls plaintext from `source` and yields part-sized ciphertext buffers, in order, through one
 * continuous cipher state (spec §6.2). Pull-based: nothing is read while the consumer holds off.
 *
 * Memory: the ciphertext parts the consumer still holds plus the one being filled; released
 * buffers are reused, so with `n` parts in flight that is about partSize × (n + 1).
 *
 * Non-final parts are exactly `partSize` bytes of ciphertext, cut at the same offsets as the
 * plaintext (partSize is a multiple of 16; CBC/GCM ciphertext before `final()` is the plaintext's
 * whole blocks); the final part adds the CBC padding or the GCM tag. An empty source yields one
 * final part.
 */
/** Both part producers (in-process and worker) cut the same parts. */
export function assertPartSize(partSize: number): void {
  /* Precondition: the part size is a positive multiple of 16. */
  if (!Number.isSafeInteger(partSize) || partSize <= 0 || partSize % 16 !== 0) {
    throw new UsageError(`part size must be a positive multiple of 16 bytes, got ${partSize}`);
  }
}

export async function* encryptParts(
  source: AsyncIterable<Uint8Array | string>,
  encryptor: ContentEncryptor,
  options: EncryptPartsOptions,
): AsyncGenerator<EncryptedPart, void, undefined> {
  const { partSize, signal, onRead } = options;
  assertPartSize(partSize);
  const pool = options.pool?.partSize === partSize ? options.pool : new PartBufferPool(partSize, 8);
  const checksum = options.checksum !== false && hasCrc32();
  let part = pool.acquire();
  let fill = 0;
  let crc = 0;
  let partNumber = 1;
  let bytesRead = 0;
  const full = (): EncryptedPart => {
    const body = part;
    const done: EncryptedPart = {
      partNumber: partNumber++,
      body,
      plaintextLength: partSize,
      last: false,
      ...(checksum ? { checksumCrc32: crc32Base64(crc) } : {}),
      release: () => pool.release(body),
    };
    part = pool.acquire();
    fill = 0;
    crc = 0;
    return done;
  };

  for await (const raw of source) {
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
    const chunk = typeof raw === "string" ? Buffer.from(raw) : raw;
    bytesRead += chunk.length;
    onRead?.(bytesRead);
    for (let offset = 0; offset < chunk.length; offset += ENCRYPT_SLICE) {
      let out = encryptor.update(chunk.subarray(offset, offset + ENCRYPT_SLICE));
      while (out.length > 0) {
        // The buffer is full and more ciphertext exists, so this part is not the last one.
        if (fill === partSize) yield full();
        const n = Math.min(partSize - fill, out.length);
        const piece = n === out.length ? out : out.subarray(0, n);
        if (checksum) crc = crc32Update(piece, crc);
        piece.copy(part, fill);
        fill += n;
        out = out.subarray(n);
      }
    }
  }
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
  // Plaintext beyond this full part (CBC holds a partial block back): it belongs to the next part.
  if (fill === partSize && bytesRead > partNumber * partSize) yield full();
  const tail = encryptor.final();
  if (checksum) crc = crc32Update(tail, crc);
  // CBC holds back a partial block until final(), so count the plaintext, not the ciphertext.
  const plaintextLength = bytesRead - (partNumber - 1) * partSize;
  let body: Buffer;
  let release: () => void;
  if (fill + tail.length <= partSize) {
    tail.copy(part, fill);
    body = part.subarray(0, fill + tail.length);
    const buffer = part;
    release = () => pool.release(buffer);
  } else {
    // Only when the plaintext ends exactly on a part boundary: the tag/padding overflows it.
    body = Buffer.concat([part.subarray(0, fill), tail], fill + tail.length);
    pool.release(part);
    release = () => undefined;
  }
  yield {
    partNumber,
    body,
    plaintextLength,
    last: true,
    ...(checksum ? { checksumCrc32: crc32Base64(crc) } : {}),
    release,
  };
}
