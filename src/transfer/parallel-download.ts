/**
 * Parallel ranged download into an open (temporary) file. The ciphertext is split into ranges
 * (a multiple of 16 bytes each); up to `concurrency` ranged GETs run at once, each pinned to the
 * object's ETag and resumed from its own last byte when it fails (resumable-body.ts).
 *
 * - CBC (RDS, V1): each range is decrypted on its own — the ciphertext block before it is its IV,
 *   fetched with it — and written at its offset; only the last range checks the padding. Memory is
 *   a few chunks per range. Each range's IV block must equal the last block the previous range
 *   received (a byte corrupted in either copy is caught), and the ciphertext's CRC32 is checked
 *   against what S3 stored when it stored one (object-checksum.ts).
 * - GCM (V2, V3): ranges are fetched in parallel into buffers and fed **in order** to one
 *   decryptor; the tag covers everything, so the caller renames the file only after `final()`.
 *   Memory ≈ (concurrency + 1) × range size.
 */
import type { FileHandle } from "node:fs/promises";
import { planRangedRead } from "../ciphers/byte-range.js";
import {
  type ContentDecryptor,
  type ContentKey,
  cbcFailure,
  createContentDecryptor,
} from "../ciphers/content-cipher.js";
import { createRangedDecryptor } from "../ciphers/ranged-decrypt.js";
import { AES_BLOCK } from "../codec/algorithm-suites.js";
import { ErrorCodes, SecurityError } from "../errors.js";
import type { CiphertextChecksum } from "./object-checksum.js";
import { type ResumableRange, type RetryOptions, resumableBody } from "./resumable-body.js";
import type { S3ClientLike } from "./s3-commands.js";

/** Defaults comparable to `aws s3 cp` (8 MiB chunks, 10 requests): 8 MiB ranges, 8 in flight. */
export const DEFAULT_DOWNLOAD_RANGE_SIZE = 8 * 1024 * 1024;
export const DEFAULT_DOWNLOAD_CONCURRENCY = 8;

export interface ByteSpan {
  readonly start: number;
  /** Inclusive. */
  readonly end: number;
}

/**
 * Splits ciphertext bytes `from..total-1` into ranges of `rangeSize` (rounded up to 16 bytes). A
 * last range shorter than two blocks joins the one before it: a CBC range of only the final block
 * may be all padding, which leaves it no plaintext to decrypt on its own.
 */
export function planRanges(total: number, rangeSize: number, from = 0): ByteSpan[] {
  const size = Math.max(AES_BLOCK, Math.ceil(rangeSize / AES_BLOCK) * AES_BLOCK);
  const ranges: ByteSpan[] = [];
  for (let start = from; start < total; start += size) {
    ranges.push({ start, end: Math.min(total, start + size) - 1 });
  }
  const last = ranges.at(-1);
  if (ranges.length > 1 && last && last.end - last.start + 1 < 2 * AES_BLOCK) {
    ranges.pop();
    ranges[ranges.length - 1] = { start: ranges.at(-1)!.start, end: last.end };
  }
  return ranges;
}

export interface RangeProgress {
  /** Ciphertext bytes received (ranges resumed after a failure are not counted twice). */
  readonly bytes: number;
  /** Ranges finished (written, or for GCM decrypted and written). */
  readonly partsDone: number;
  readonly partsTotal: number;
}

export interface RangedDownload extends RetryOptions {
  readonly s3: S3ClientLike;
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  /** Ciphertext length. */
  readonly total: number;
  readonly handle: FileHandle;
  readonly rangeSize: number;
  readonly concurrency: number;
  readonly signal?: AbortSignal | undefined;
  /** Ciphertext offset (a multiple of 16) from which to fetch; earlier bytes are already in the file. */
  readonly from?: number;
  /** Called when a contiguous prefix of ranges is complete: ciphertext bytes and plaintext bytes in the file. */
  readonly onPrefix?: ((ciphertextBytes: number) => void | Promise<void>) | undefined;
  readonly onProgress?: ((p: RangeProgress) => void) | undefined;
  readonly onRetry?: ResumableRange["onRetry"];
}

export interface CbcRangedDownload extends RangedDownload {
  readonly contentKey: ContentKey;
  readonly checksum?: CiphertextChecksum | undefined;
  /** With `from` > 0: the ciphertext block just before `from` (re-encrypted from the file's plaintext). */
  readonly blockBeforeFrom?: Buffer | undefined;
}

function retryOptions(o: RangedDownload): RetryOptions {
  return {
    ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
    ...(o.readTimeoutMs !== undefined ? { readTimeoutMs: o.readTimeoutMs } : {}),
    ...(o.retryBaseDelayMs !== undefined ? { retryBaseDelayMs: o.retryBaseDelayMs } : {}),
  };
}

function bodyOf(o: RangedDownload, start: number, end: number, signal: AbortSignal) {
  return resumableBody({
    ...retryOptions(o),
    s3: o.s3,
    bucket: o.bucket,
    key: o.key,
    etag: o.etag,
    objectLength: o.total,
    start,
    end,
    signal,
    onRetry: o.onRetry,
  });
}

async function writeAt(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/** Tracks which ranges finished and reports the contiguous prefix. */
function prefixTracker(o: RangedDownload, ranges: readonly ByteSpan[]) {
  const done = new Array<boolean>(ranges.length).fill(false);
  let next = 0;
  let bytes = 0;
  let partsDone = 0;
  let chain = Promise.resolve();
  return {
    received(n: number) {
      bytes += n;
      o.onProgress?.({ bytes, partsDone, partsTotal: ranges.length });
    },
    async finished(index: number) {
      done[index] = true;
      partsDone += 1;
      o.onProgress?.({ bytes, partsDone, partsTotal: ranges.length });
      let advanced = false;
      while (next < ranges.length && done[next]) {
        next += 1;
        advanced = true;
      }
      if (advanced && o.onPrefix) {
        const upTo = next === ranges.length ? o.total : ranges[next]!.start;
        chain = chain.then(() => o.onPrefix?.(upTo));
        await chain;
      }
    },
  };
}

/** Runs `work(i)` for i in 0..count-1, at most `concurrency` at once; the first failure cancels the rest. */
async function runPool(
  count: number,
  concurrency: number,
  signal: AbortSignal | undefined,
  work: (index: number, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const stop = new AbortController();
  const combined = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (failure === undefined && next < count) {
      const index = next++;
      try {
        await work(index, combined);
      } catch (error) {
        if (failure === undefined) failure = { error };
        stop.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  if (failure !== undefined) throw failure.error;
}

interface CbcRangeResult {
  /** The ciphertext block fetched before the range (its IV), empty for the range at offset 0. */
  iv: Buffer;
  /** The range's last ciphertext block. */
  tail: Buffer;
  plaintextBytes: number;
}

function lastBlock(prev: Buffer, data: Buffer): Buffer {
  if (data.length >= AES_BLOCK) return Buffer.from(data.subarray(data.length - AES_BLOCK));
  return Buffer.concat([prev, data]).subarray(-AES_BLOCK);
}

async function cbcRange(
  o: CbcRangedDownload,
  range: ByteSpan,
  signal: AbortSignal,
  received: (n: number) => void,
): Promise<CbcRangeResult> {
  const plan = planRangedRead(o.contentKey.suite, { start: range.start, end: range.end }, o.total);
  // The whole object in one range (a small object, or an empty one that is only its padding
  // block): the whole-object decryptor, from the content IV.
  const decryptor =
    plan.fetch.start === 0 && range.end === o.total - 1
      ? createContentDecryptor(o.contentKey, undefined, { ciphertextLength: o.total })
      : createRangedDecryptor(o.contentKey, plan);
  const crc = o.checksum?.range(range.start);
  const ivLength = range.start - plan.fetch.start;
  let iv: Buffer = Buffer.alloc(0);
  let tail: Buffer = Buffer.alloc(0);
  let at = range.start;
  const write = async (bufs: Buffer[]) => {
    for (const b of bufs) {
      await writeAt(o.handle, b, at);
      at += b.length;
    }
  };
  for await (const chunk of bodyOf(o, plan.fetch.start, plan.fetch.end, signal)) {
    let own: Buffer = chunk;
    if (iv.length < ivLength) {
      const take = Math.min(ivLength - iv.length, chunk.length);
      iv = Buffer.concat([iv, chunk.subarray(0, take)]);
      own = chunk.subarray(take);
    }
    crc?.update(own);
    tail = lastBlock(tail, own);
    received(own.length);
    await write(decryptor.update(chunk));
  }
  await write(decryptor.final());
  crc?.finish();
  return { iv, tail, plaintextBytes: at - range.start };
}

/**
 * CBC ranges in parallel, written at their offsets. Returns the plaintext length of the whole
 * object (`from` included). Throws the one CBC failure on bad padding or length, CHECKSUM_MISMATCH
 * when the bytes do not match (IV blocks of neighbouring ranges, S3's CRC32).
 */
export async function downloadCbcRanges(o: CbcRangedDownload): Promise<number> {
  const from = o.from ?? 0;
  const ranges = planRanges(o.total, o.rangeSize, from);
  const results = new Array<CbcRangeResult>(ranges.length);
  const tracker = prefixTracker(o, ranges);
  await runPool(ranges.length, o.concurrency, o.signal, async (index, signal) => {
    results[index] = await cbcRange(o, ranges[index]!, signal, (n) => tracker.received(n));
    await tracker.finished(index);
  });
  for (let i = 0; i < results.length; i++) {
    const before = i === 0 ? o.blockBeforeFrom : results[i - 1]!.tail;
    /* Precondition: each range's IV block equals the last ciphertext block before it (received by the previous range, or re-encrypted from the partial file). */
    if (before !== undefined && !before.equals(results[i]!.iv)) {
      throw new SecurityError(
        ErrorCodes.CHECKSUM_MISMATCH,
        i === 0
          ? `s3://${o.bucket}/${o.key}: the object's ciphertext before byte ${from} does not match the plaintext already downloaded: the partial file or the object changed`
          : `s3://${o.bucket}/${o.key}: two ranged reads returned different bytes at ${ranges[i]!.start - AES_BLOCK}-${ranges[i]!.start - 1}: the ciphertext was corrupted in transit`,
      );
    }
  }
  o.checksum?.verify();
  return from + results.reduce((sum, r) => sum + r.plaintextBytes, 0);
}

export interface GcmRangedDownload extends RangedDownload {
  /** A whole-object decryptor (or one resumed at `from`); its `final()` checks the tag. */
  readonly decryptor: ContentDecryptor;
  /** Plaintext bytes already in the file (= `from` for GCM). */
  readonly plaintextOffset?: number;
}

/** Fetches ranges in parallel, yields their bytes in order; memory: up to `concurrency` + 1 ranges. */
async function* orderedRanges(
  o: RangedDownload,
  ranges: readonly ByteSpan[],
  received: (n: number) => void,
): AsyncGenerator<Buffer, void, undefined> {
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  const fetchOne = async (r: ByteSpan): Promise<Buffer> => {
    const buf = Buffer.allocUnsafe(r.end - r.start + 1);
    let at = 0;
    for await (const chunk of bodyOf(o, r.start, r.end, signal)) {
      chunk.copy(buf, at);
      at += chunk.length;
      received(chunk.length);
    }
    return buf;
  };
  const pending: Promise<Buffer>[] = [];
  let next = 0;
  const launch = () => {
    const p = fetchOne(ranges[next++]!);
    p.catch(() => undefined); // observed when its turn comes; never an unhandled rejection
    pending.push(p);
  };
  try {
    while (next < ranges.length && pending.length < o.concurrency) launch();
    while (pending.length > 0) {
      const buf = await pending.shift()!;
      if (next < ranges.length) launch();
      yield buf;
    }
  } finally {
    stop.abort();
    await Promise.allSettled(pending);
  }
}

/**
 * GCM ranges fetched in parallel and decrypted in order into the file. Returns the plaintext
 * length; throws if the tag does not authenticate (the caller then removes the file).
 */
export async function downloadGcmRanges(o: GcmRangedDownload): Promise<number> {
  const from = o.from ?? 0;
  const ranges = planRanges(o.total, o.rangeSize, from);
  const tracker = prefixTracker(o, ranges);
  let at = o.plaintextOffset ?? from;
  const write = async (bufs: Buffer[]) => {
    for (const b of bufs) {
      if (b.length === 0) continue;
      await writeAt(o.handle, b, at);
      at += b.length;
    }
  };
  let index = 0;
  for await (const buf of orderedRanges(o, ranges, (n) => tracker.received(n))) {
    await write(o.decryptor.update(buf));
    // The tag is the last 16 bytes: the prefix a resume may reuse ends before the last range.
    if (index < ranges.length - 1) await tracker.finished(index);
    index += 1;
  }
  await write(o.decryptor.final());
  await tracker.finished(ranges.length - 1);
  return at;
}

/** The one CBC failure when the unpadded length differs from x-amz-unencrypted-content-length. */
export function assertCbcPlaintextLength(produced: number, declared: number | undefined): void {
  /* Precondition: a CBC download decrypts to the declared plaintext length. */
  if (declared !== undefined && produced !== declared) throw cbcFailure();
}
