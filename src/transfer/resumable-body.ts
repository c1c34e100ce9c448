/**
 * The bytes `start..end` of one version of an object, surviving a connection reset, a body that
 * ends early, or a read that stalls: each failure is followed by a ranged GET from the byte where
 * the body stopped, pinned with `If-Match` to the ETag the download began with, so a replaced
 * object fails with OBJECT_CHANGED instead of mixing two versions' bytes. The consumer (a
 * decryptor, a CRC32) sees one gap-free sequence, exactly as if the first response had not failed.
 */
import type { Readable } from "node:stream";
import { AbortError, ErrorCodes, S3CseError, SecurityError, TransferError } from "../errors.js";
import { GetObjectCommand, type S3ClientLike, s3Error } from "./s3-commands.js";

export interface RetryOptions {
  /** Attempts in a row that may fail without delivering a byte before the download gives up (default 5). */
  readonly maxRetries?: number;
  /** A body that delivers nothing for this long is abandoned and resumed (default 60 000 ms). */
  readonly readTimeoutMs?: number;
  /** First backoff delay; doubles per fruitless attempt, with full jitter, up to 10 s (default 200 ms). */
  readonly retryBaseDelayMs?: number;
}

export interface ResumableRange extends RetryOptions {
  readonly s3: S3ClientLike;
  readonly bucket: string;
  readonly key: string;
  /** The ETag the download is pinned to (`If-Match` on every request). */
  readonly etag: string;
  /** The object's full length (checked against each response's Content-Range). */
  readonly objectLength: number;
  /** Inclusive byte range to deliver. */
  readonly start: number;
  readonly end: number;
  readonly signal?: AbortSignal | undefined;
  /** A response already open on exactly `start..end` (a whole-object GET): read first, resumed if it fails. */
  readonly first?: Readable | undefined;
  /** Told of each retry (for logs and tests). */
  readonly onRetry?:
    | ((info: { readonly position: number; readonly attempt: number; readonly cause: unknown }) => void)
    | undefined;
}

export const DEFAULT_MAX_RETRIES = 5;
export const DEFAULT_READ_TIMEOUT_MS = 60_000;
const DEFAULT_RETRY_BASE_MS = 200;
const MAX_BACKOFF_MS = 10_000;

/** A body ended, stalled or reset: resumable. */
class BodyInterrupted extends Error {}

/**
 * Yields the bytes `start..end` in order. Retries (with backoff) resets, early ends, read
 * timeouts and retryable S3 errors; gives up after `maxRetries` attempts in a row without progress.
 */
export async function* resumableBody(o: ResumableRange): AsyncGenerator<Buffer, void, undefined> {
  const maxRetries = o.maxRetries ?? DEFAULT_MAX_RETRIES;
  const timeoutMs = o.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  let position = o.start;
  let fruitless = 0;
  let body: Readable | undefined = o.first;
  try {
    while (position <= o.end) {
      const before = position;
      try {
        body ??= await openRange(o, position);
        for await (const chunk of readWithTimeout(body, timeoutMs, o.signal)) {
          /* Precondition: a response carries no more bytes than the range asked for. */
          if (chunk.length > o.end - position + 1) {
            throw new SecurityError(
              ErrorCodes.TRUNCATED,
              `GetObject s3://${o.bucket}/${o.key} returned more bytes than bytes=${position}-${o.end}`,
            );
          }
          position += chunk.length;
          yield chunk;
        }
        body = undefined;
        if (position <= o.end)
          throw new BodyInterrupted(`the body ended at byte ${position} of ${o.end + 1}`);
      } catch (err) {
        body?.destroy();
        body = undefined;
        if (o.signal?.aborted) throw new AbortError(undefined, { cause: err });
        if (!isResumable(err))
          throw err instanceof S3CseError ? err : s3Error("GetObject", o.bucket, o.key, err);
        fruitless = position > before ? 1 : fruitless + 1;
        /* Precondition: a range is retried at most maxRetries times in a row without progress. */
        if (fruitless > maxRetries) {
          throw new TransferError(
            ErrorCodes.S3_FAILURE,
            `GetObject s3://${o.bucket}/${o.key} failed at byte ${position} after ${maxRetries} retries without progress: ${describe(err)}`,
            { cause: err },
          );
        }
        o.onRetry?.({ position, attempt: fruitless, cause: err });
        await backoff(fruitless, o.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_MS, o.signal);
      }
    }
  } finally {
    // A consumer that stops early (an error elsewhere, return()) releases the socket.
    body?.destroy();
  }
}

/** Ranged GET from `position`, pinned to the ETag; checks the answer is that range of that object. */
async function openRange(o: ResumableRange, position: number): Promise<Readable> {
  let out: { Body?: Readable; ContentRange?: string; ETag?: string };
  try {
    out = await o.s3.send(
      new GetObjectCommand({
        Bucket: o.bucket,
        Key: o.key,
        Range: `bytes=${position}-${o.end}`,
        IfMatch: o.etag,
      }),
      { abortSignal: o.signal },
    );
  } catch (err) {
    if (isObjectChanged(err)) throw objectChanged(o, err);
    throw err;
  }
  const body = out.Body as Readable;
  /* Precondition: a resumed GET is the same object version (ETag) as the first response. */
  if (out.ETag !== undefined && out.ETag !== o.etag) {
    body?.destroy?.();
    throw objectChanged(o);
  }
  const expected = `bytes ${position}-${o.end}/${o.objectLength}`;
  /* Precondition: a resumed GET answers with exactly the requested range of an object of the same length. */
  if (out.ContentRange !== expected) {
    body?.destroy?.();
    throw new SecurityError(
      ErrorCodes.TRUNCATED,
      `GetObject s3://${o.bucket}/${o.key} returned Content-Range "${out.ContentRange ?? "none"}" where "${expected}" was requested`,
    );
  }
  return body;
}

function objectChanged(o: ResumableRange, cause?: unknown): TransferError {
  return new TransferError(
    ErrorCodes.OBJECT_CHANGED,
    `s3://${o.bucket}/${o.key} was replaced or deleted during the download (it no longer has ETag ${o.etag}): start the download again`,
    cause === undefined ? {} : { cause },
  );
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isObjectChanged(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  const status = httpStatus(err);
  return name === "PreconditionFailed" || name === "NoSuchKey" || status === 412 || status === 404;
}

const RESUMABLE_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_STREAM_PREMATURE_CLOSE",
  "UND_ERR_SOCKET",
]);

/** Network failures, early ends, stalls, 5xx and throttling: worth another ranged GET. */
function isResumable(err: unknown): boolean {
  if (err instanceof BodyInterrupted) return true;
  if (err instanceof SecurityError || err instanceof AbortError) return false;
  const e = err as { code?: string; name?: string; message?: string; $retryable?: unknown };
  const status = httpStatus(err);
  if (status !== undefined) return status >= 500 || status === 429 || status === 408;
  if (e?.code && RESUMABLE_CODES.has(e.code)) return true;
  if (e?.name === "TimeoutError" || e?.$retryable !== undefined) return true;
  return /aborted|socket hang up|premature close|ECONNRESET|terminated/i.test(e?.message ?? "");
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

/**
 * Iterates a body; a wait of `ms` for its next chunk destroys it (the caller resumes). One timer
 * per body, re-armed with `refresh()` each time the next chunk is asked for; it fires only while
 * a read is pending, so time the consumer spends on a chunk never counts as a stall.
 */
async function* readWithTimeout(
  body: Readable,
  ms: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<Buffer, void, undefined> {
  const it = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let waiting = false;
  const timer = setTimeout(() => {
    if (waiting) body.destroy(new BodyInterrupted(`no data for ${ms} ms (read timeout)`));
  }, ms);
  const onAbort = () => body.destroy(new AbortError());
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    while (true) {
      waiting = true;
      timer.refresh();
      const step = await it.next();
      waiting = false;
      if (step.done) return;
      const v: Uint8Array = step.value;
      // A view, not a copy, of a plain Uint8Array chunk.
      yield Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

async function backoff(attempt: number, baseMs: number, signal: AbortSignal | undefined): Promise<void> {
  const cap = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1));
  const ms = Math.random() * cap;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
  if (signal?.aborted) throw new AbortError();
}
