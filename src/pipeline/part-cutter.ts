/**
 * The one part-cutting routine, used on this thread by `encryptParts` and on the encryption worker
 * thread (encrypt-worker.ts): plaintext in, through one continuous cipher state (docs/formats.md),
 * out as part-sized ciphertext buffers with their CRC32.
 *
 * Non-final parts are exactly `partSize` bytes of ciphertext, cut at the same offsets as the
 * plaintext (partSize is a multiple of 16; CBC/GCM ciphertext before `final()` is the plaintext's
 * whole blocks); the final part adds the CBC padding or the GCM tag. An empty source gives one
 * final part. A full part is handed out only once more ciphertext exists (or at the end, once it is
 * known that plaintext follows it), so the final part is always the one with the padding / tag.
 */
import type { ContentEncryptor } from "../ciphers/content-cipher.js";
import { UsageError } from "../errors.js";
import { crc32Update } from "./crc32.js";

/**
 * Plaintext is encrypted in slices of this size: the cipher's output is then small enough for
 * malloc to recycle (a multi-MiB output is a fresh mmap, page-faulted and zeroed every time) and
 * still in cache when it is checksummed and copied into the part buffer.
 */
export const ENCRYPT_SLICE = 64 * 1024;

/** One cut part. `buffer` is the reusable part buffer behind `body` (absent: a one-off buffer). */
export interface CutPart {
  readonly partNumber: number;
  readonly body: Buffer;
  readonly plaintextLength: number;
  readonly last: boolean;
  /** CRC32 of `body` (unsigned), when checksums are on. */
  readonly crc: number | undefined;
  readonly buffer: Buffer | undefined;
}

/** Both part producers (this thread and the worker) cut the same parts. */
export function assertPartSize(partSize: number): void {
  /* Precondition: the part size is a positive multiple of 16. */
  if (!Number.isSafeInteger(partSize) || partSize <= 0 || partSize % 16 !== 0) {
    throw new UsageError(`part size must be a positive multiple of 16 bytes, got ${partSize}`);
  }
}

/** A source of part-sized buffers (PartBufferPool is one). */
export interface PartBuffers {
  acquire(): Buffer;
  release(buffer: Buffer): void;
}

export class PartCutter {
  private part: Buffer;
  private fill = 0;
  private crc = 0;
  private partNumber = 1;
  private bytesRead = 0;

  /** @param buffers where part-sized buffers come from (and an unused one goes back to): a PartBufferPool. */
  constructor(
    private readonly encryptor: ContentEncryptor,
    private readonly partSize: number,
    private readonly checksum: boolean,
    private readonly buffers: PartBuffers,
  ) {
    assertPartSize(partSize);
    this.part = buffers.acquire();
  }

  /** Encrypts `chunk` (in {@link ENCRYPT_SLICE} slices); returns the parts it completed, in order. */
  push(chunk: Uint8Array): CutPart[] {
    this.bytesRead += chunk.length;
    const done: CutPart[] = [];
    for (let offset = 0; offset < chunk.length; offset += ENCRYPT_SLICE) {
      let out = this.encryptor.update(chunk.subarray(offset, offset + ENCRYPT_SLICE));
      while (out.length > 0) {
        // The buffer is full and more ciphertext exists, so this part is not the last one.
        if (this.fill === this.partSize) done.push(this.full());
        const n = Math.min(this.partSize - this.fill, out.length);
        const piece = n === out.length ? out : out.subarray(0, n);
        if (this.checksum) this.crc = crc32Update(piece, this.crc);
        piece.copy(this.part, this.fill);
        this.fill += n;
        out = out.subarray(n);
      }
    }
    return done;
  }

  /** Ends the cipher; returns the remaining parts, the final one last. */
  end(): CutPart[] {
    const done: CutPart[] = [];
    // Plaintext beyond this full part (CBC holds a partial block back): it belongs to the next part.
    if (this.fill === this.partSize && this.bytesRead > this.partNumber * this.partSize)
      done.push(this.full());
    const tail = this.encryptor.final();
    if (this.checksum) this.crc = crc32Update(tail, this.crc);
    // CBC holds back a partial block until final(), so count the plaintext, not the ciphertext.
    const plaintextLength = this.bytesRead - (this.partNumber - 1) * this.partSize;
    const length = this.fill + tail.length;
    let body: Buffer;
    let buffer: Buffer | undefined;
    if (length <= this.partSize) {
      tail.copy(this.part, this.fill);
      body = this.part.subarray(0, length);
      buffer = this.part;
    } else {
      // Only when the plaintext ends exactly on a part boundary: the tag/padding overflows it.
      body = Buffer.allocUnsafeSlow(length);
      this.part.copy(body, 0, 0, this.fill);
      tail.copy(body, this.fill);
      this.buffers.release(this.part);
    }
    done.push(this.cut(body, plaintextLength, true, buffer));
    return done;
  }

  private full(): CutPart {
    const done = this.cut(this.part, this.partSize, false, this.part);
    this.part = this.buffers.acquire();
    this.fill = 0;
    this.crc = 0;
    return done;
  }

  private cut(body: Buffer, plaintextLength: number, last: boolean, buffer: Buffer | undefined): CutPart {
    return {
      partNumber: this.partNumber++,
      body,
      plaintextLength,
      last,
      crc: this.checksum ? this.crc >>> 0 : undefined,
      buffer,
    };
  }
}
