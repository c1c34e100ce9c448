/**
 * What S3 can say about an object's bytes, and the check of downloaded ciphertext against it.
 * CBC objects (RDS backups, V1) carry no authentication of their own, so this CRC32 is what
 * catches a byte corrupted in transit or at rest. S3 stores either a full-object CRC32 (single
 * PutObject with a checksum, or a FULL_OBJECT multipart upload) or, for a multipart upload created
 * with `ChecksumAlgorithm: CRC32`, a composite: the CRC32 of the parts' big-endian CRC32s
 * (`…-N`). The composite is checked by computing each part's CRC32 from the ranges that cover it
 * (crc32Combine), so ranges need not align with parts.
 */
import { Transform } from "node:stream";
import type { HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import { ErrorCodes, FormatError, SecurityError } from "../errors.js";
import { crc32Base64, crc32Combine, crc32FromBase64, crc32Update } from "../pipeline/crc32.js";
import type { ObjectLocator } from "./object-metadata.js";
import { HeadObjectCommand, s3Error } from "./s3-commands.js";

export interface StoredChecksum {
  /** `full`: CRC32 of the whole object; `composite`: CRC32 of the parts' CRC32s. */
  readonly kind: "full" | "composite";
  readonly crc32: number;
  /** Sizes of the parts in order (one entry, the object's length, for `full`). */
  readonly partSizes: readonly number[];
}

/** Number of parts of a multipart object, from its ETag (`"…-N"`) or its checksum's suffix. */
function partsCountOf(head: HeadObjectCommandOutput): number | undefined {
  const m = /-(\d+)"?$/.exec(head.ChecksumCRC32 ?? "") ?? /-(\d+)"?$/.exec(head.ETag ?? "");
  return m ? Number(m[1]) : undefined;
}

/**
 * The CRC32 S3 stored for the object, from a HeadObject sent with `ChecksumMode: ENABLED`;
 * undefined when S3 returned none (no checksum was stored, or the service does not return it).
 * For a composite checksum the part sizes come from HeadObject `PartNumber=1` (and every part's
 * HeadObject when the parts are not all the size of the first but the last).
 */
export async function resolveStoredChecksum(
  o: ObjectLocator,
  head: HeadObjectCommandOutput,
): Promise<StoredChecksum | undefined> {
  const crc32 = head.ChecksumCRC32 === undefined ? undefined : crc32FromBase64(head.ChecksumCRC32);
  const total = head.ContentLength;
  if (crc32 === undefined || total === undefined) return undefined;
  const parts = partsCountOf(head);
  if (parts === undefined || head.ChecksumType === "FULL_OBJECT") {
    return { kind: "full", crc32, partSizes: [total] };
  }
  return { kind: "composite", crc32, partSizes: await partSizesOf(o, parts, total) };
}

async function partLength(o: ObjectLocator, partNumber: number): Promise<{ size: number; count?: number }> {
  try {
    const out = await o.s3.send(
      new HeadObjectCommand({ Bucket: o.bucket, Key: o.key, PartNumber: partNumber }),
      {
        abortSignal: o.signal,
      },
    );
    return {
      size: out.ContentLength ?? 0,
      ...(out.PartsCount !== undefined ? { count: out.PartsCount } : {}),
    };
  } catch (err) {
    throw s3Error("HeadObject", o.bucket, o.key, err);
  }
}

async function partSizesOf(o: ObjectLocator, parts: number, total: number): Promise<number[]> {
  const first = await partLength(o, 1);
  const count = first.count ?? parts;
  const size = first.size;
  const lastSize = total - (count - 1) * size;
  if (size > 0 && lastSize > 0 && lastSize <= size) {
    return [...Array.from({ length: count - 1 }, () => size), lastSize];
  }
  // Parts of different sizes (another uploader): ask for each one.
  const sizes = [size];
  for (let n = 2; n <= count; n++) sizes.push((await partLength(o, n)).size);
  /* Precondition: the parts' sizes add up to the object's length. */
  if (sizes.reduce((a, b) => a + b, 0) !== total) {
    throw new FormatError(
      ErrorCodes.INVALID_METADATA,
      `s3://${o.bucket}/${o.key}: its ${count} parts do not add up to its ${total} bytes`,
    );
  }
  return sizes;
}

interface Piece {
  readonly start: number;
  readonly length: number;
  readonly crc: number;
}

/** Running CRC32 of one contiguous stretch of the object, split at part boundaries. */
export interface RangeCrc {
  update(bytes: Uint8Array): void;
  /** Records the open piece; call once the range is complete. */
  finish(): void;
}

/**
 * Collects CRC32s of the downloaded ciphertext (ranges in any order) and checks them against the
 * stored checksum once every byte was seen.
 */
export class CiphertextChecksum {
  private readonly pieces: Piece[] = [];
  private readonly ends: number[] = [];

  constructor(
    private readonly stored: StoredChecksum,
    private readonly label: string,
    /** What the failure means for the caller's output (the file download writes nothing). */
    private readonly consequence = "nothing was written to the target",
  ) {
    let end = 0;
    for (const size of stored.partSizes) {
      end += size;
      this.ends.push(end);
    }
  }

  /** A CRC32 accumulator for the bytes from `start` on, in order. */
  range(start: number): RangeCrc {
    let pos = start;
    let pieceStart = start;
    let crc = 0;
    const flush = () => {
      if (pos > pieceStart) this.pieces.push({ start: pieceStart, length: pos - pieceStart, crc });
      pieceStart = pos;
      crc = 0;
    };
    return {
      update: (bytes) => {
        let data = bytes;
        while (data.length > 0) {
          const boundary = this.ends.find((e) => e > pos) ?? Number.POSITIVE_INFINITY;
          const take = Math.min(data.length, boundary - pos);
          crc = crc32Update(data.subarray(0, take), crc);
          pos += take;
          data = data.subarray(take);
          if (pos === boundary) flush();
        }
      },
      finish: flush,
    };
  }

  /** Throws CHECKSUM_MISMATCH unless the bytes seen have the stored CRC32. */
  verify(): void {
    const sorted = [...this.pieces].sort((a, b) => a.start - b.start);
    const partCrcs: number[] = [];
    let pos = 0;
    let i = 0;
    for (const end of this.ends) {
      let crc = 0;
      while (i < sorted.length && sorted[i]!.start < end) {
        const p = sorted[i++]!;
        /* Precondition: the checked pieces cover the object exactly once. */
        if (p.start !== pos) throw this.mismatch("the downloaded ranges do not cover the object");
        crc = crc32Combine(crc, p.crc, p.length);
        pos += p.length;
      }
      partCrcs.push(crc);
    }
    if (pos !== this.ends.at(-1)) throw this.mismatch("the downloaded ranges do not cover the object");
    const value =
      this.stored.kind === "full"
        ? partCrcs[0]!
        : crc32Update(Buffer.concat(partCrcs.map((c) => Buffer.from(crc32Base64(c), "base64"))), 0);
    /* Precondition: the downloaded ciphertext has the CRC32 S3 stored for it. */
    if (value >>> 0 !== this.stored.crc32 >>> 0) {
      throw this.mismatch(
        `its CRC32 is ${crc32Base64(value)}, S3 stored ${crc32Base64(this.stored.crc32)}${this.stored.kind === "composite" ? ` (composite of ${this.ends.length} parts)` : ""}`,
      );
    }
  }

  private mismatch(detail: string): SecurityError {
    return new SecurityError(
      ErrorCodes.CHECKSUM_MISMATCH,
      `${this.label}: the downloaded ciphertext does not match the checksum S3 stored (${detail}): it was corrupted in transit or at rest; ${this.consequence}`,
    );
  }
}

/**
 * A pass-through that feeds every ciphertext byte, from offset 0 on, to `checksum` and checks it
 * when the body ends: on a mismatch it fails with CHECKSUM_MISMATCH instead of ending, so the
 * decryptor behind it never sees the end of the body and never releases its last block.
 */
export function checksumPassThrough(checksum: CiphertextChecksum): Transform {
  const crc = checksum.range(0);
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      crc.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      crc.finish();
      try {
        checksum.verify();
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
}
