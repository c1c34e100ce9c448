import { ErrorCodes, TransferError } from "../errors.js";
import type { EncryptedPart } from "../pipeline/encrypt-parts.js";
import { type S3ClientLike, s3Error, UploadPartCommand } from "./s3-commands.js";
import { type PayloadSigning, withPayloadSigning } from "./unsigned-payload.js";

export interface CompletedPart {
  readonly PartNumber: number;
  readonly ETag: string;
  /** The part's CRC32 (base64, as S3's ChecksumCRC32), when it was sent with one. */
  readonly ChecksumCRC32?: string;
}

export interface UploadPartsOptions {
  readonly s3: S3ClientLike;
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly parts: AsyncIterator<EncryptedPart>;
  readonly concurrency: number;
  readonly signal: AbortSignal;
  /** Called once S3 acknowledged `part`, with the ETag it returned (before the buffer is released). */
  readonly onPartDone?: (part: EncryptedPart, etag: string) => void;
  /** Payload signing of the parts (see unsigned-payload.ts); default `auto`. */
  readonly payloadSigning?: PayloadSigning;
  /** Sent with every part, as the AWS CLI does: S3 refuses the part if another account owns the bucket. */
  readonly expectedBucketOwner?: string | undefined;
}

/**
 * Uploads parts with `concurrency` workers that pull from one shared iterator (async generators
 * queue concurrent `next()` calls, so parts are still encrypted strictly in order). At most
 * `concurrency` ciphertext parts exist at once, plus the one being produced.
 *
 * A part's buffer is released for reuse only after S3 acknowledged it (after `onPartDone`).
 *
 * On the first failure, the remaining workers stop pulling, in-flight requests are cancelled,
 * and — once every worker has settled — that first error is thrown (never a follow-on error).
 */
export async function uploadParts(options: UploadPartsOptions): Promise<CompletedPart[]> {
  const { s3, bucket, key, uploadId, parts, concurrency } = options;
  const done: CompletedPart[] = [];
  const cancel = new AbortController();
  const onOuterAbort = () => cancel.abort(options.signal.reason);
  options.signal.addEventListener("abort", onOuterAbort, { once: true });
  let firstError: unknown;
  const fail = (err: unknown) => {
    if (firstError === undefined) firstError = err;
    cancel.abort(err);
  };

  // A worker waiting for the next part (a slow or silent source) must still notice cancellation.
  const cancelled = new Promise<never>((_, reject) => {
    cancel.signal.addEventListener("abort", () => reject(cancel.signal.reason), { once: true });
  });
  cancelled.catch(() => undefined);

  const worker = async (): Promise<void> => {
    while (firstError === undefined && !cancel.signal.aborted) {
      let next: IteratorResult<EncryptedPart>;
      try {
        next = await Promise.race([parts.next(), cancelled]);
      } catch (err) {
        return fail(err);
      }
      if (next.done || firstError !== undefined) return;
      const part = next.value;
      try {
        const out = await s3.send(
          withPayloadSigning(
            new UploadPartCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              PartNumber: part.partNumber,
              Body: part.body,
              ContentLength: part.body.length,
              // Computed while encrypting, so the SDK does not read the part a second time.
              ...(part.checksumCrc32 ? { ChecksumCRC32: part.checksumCrc32 } : {}),
              ...(options.expectedBucketOwner ? { ExpectedBucketOwner: options.expectedBucketOwner } : {}),
            }),
            options.payloadSigning ?? "auto",
          ),
          { abortSignal: cancel.signal },
        );
        /* Precondition: S3 acknowledged each part with an ETag. */
        if (!out?.ETag) {
          return fail(
            new TransferError(
              ErrorCodes.S3_FAILURE,
              `S3 UploadPart s3://${bucket}/${key} part ${part.partNumber} returned no ETag`,
            ),
          );
        }
        done.push({
          PartNumber: part.partNumber,
          ETag: out.ETag,
          ...(part.checksumCrc32 ? { ChecksumCRC32: part.checksumCrc32 } : {}),
        });
        options.onPartDone?.(part, out.ETag);
        part.release();
      } catch (err) {
        return fail(
          cancel.signal.aborted && firstError !== undefined
            ? firstError
            : s3Error("UploadPart", bucket, key, err),
        );
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  } finally {
    options.signal.removeEventListener("abort", onOuterAbort);
  }
  if (firstError === undefined && options.signal.aborted) firstError = options.signal.reason;
  if (firstError !== undefined) throw firstError;
  return done.sort((a, b) => a.PartNumber - b.PartNumber);
}
