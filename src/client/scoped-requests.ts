/**
 * Carries request-level fields of the caller's command (SSE-C key, RequestPayer,
 * ExpectedBucketOwner, conditional-write headers, a GET's VersionId…) onto every request the
 * upload or download sends about that one object, whichever of them the transfer layer builds.
 * Commands are recognised by operation name (never class identity) and by Bucket + Key, so the
 * instruction file (`<key>.instruction`) and other objects are left alone.
 */
import type { S3ClientLike } from "../transfer/s3-commands.js";
import { operationName } from "./command-kind.js";

/** Fields per operation, added to its input when the caller's command had them and the request has none. */
export type ScopedFields = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** Operations that take the SSE-C key, RequestPayer and ExpectedBucketOwner for the object they write. */
export const WRITE_REQUESTS = [
  "PutObject",
  "CreateMultipartUpload",
  "UploadPart",
  "CompleteMultipartUpload",
  "ListParts",
] as const;
/** AbortMultipartUpload takes RequestPayer and ExpectedBucketOwner, not the SSE-C key. */
const ABORT_FIELDS = ["RequestPayer", "ExpectedBucketOwner"];

/** The scoped fields of a PutObject: `request` fields on every write request, `conditions` where the object becomes visible. */
export function putScope(
  requestParams: Readonly<Record<string, unknown>>,
  conditions: Readonly<Record<string, unknown>>,
): ScopedFields {
  const scope: Record<string, Record<string, unknown>> = {};
  for (const op of WRITE_REQUESTS) scope[op] = { ...requestParams };
  scope.AbortMultipartUpload = pick(requestParams, ABORT_FIELDS);
  Object.assign(scope.PutObject!, conditions);
  Object.assign(scope.CompleteMultipartUpload!, conditions);
  return scope;
}

/**
 * Wraps `s3` so commands about `bucket`/`key` get the fields `scope` lists for their operation.
 * `partChecksums`: list each part's CRC32 in CompleteMultipartUpload (the upload was created
 * with `ChecksumAlgorithm: CRC32`).
 */
export function scopedClient(
  s3: S3ClientLike,
  bucket: string,
  key: string,
  scope: ScopedFields,
  partChecksums = false,
): S3ClientLike {
  if (!partChecksums && Object.values(scope).every((f) => Object.keys(f).length === 0)) return s3;
  const crc32ByPart = new Map<string, Map<number, string>>();
  return {
    send(command: unknown, options?: { abortSignal?: AbortSignal }) {
      const input = (command as { input?: Record<string, unknown> } | null)?.input;
      const op = operationName(command);
      if (input && op && input.Bucket === bucket && input.Key === key && scope[op]) {
        for (const [f, v] of Object.entries(scope[op])) if (input[f] === undefined) input[f] = v;
        if (partChecksums) rememberPartChecksums(op, input, crc32ByPart);
      }
      return s3.send(command, options);
    },
  };
}

/**
 * With `ChecksumAlgorithm: CRC32` on CreateMultipartUpload, S3 wants each part's checksum in
 * CompleteMultipartUpload; the parts carry the CRC32 the pipeline computed, so list them there.
 */
function rememberPartChecksums(
  op: string,
  input: Record<string, unknown>,
  byUpload: Map<string, Map<number, string>>,
): void {
  const uploadId = input.UploadId as string | undefined;
  if (op === "UploadPart" && uploadId && typeof input.ChecksumCRC32 === "string") {
    const parts = byUpload.get(uploadId) ?? new Map<number, string>();
    parts.set(input.PartNumber as number, input.ChecksumCRC32);
    byUpload.set(uploadId, parts);
  }
  if (op === "CompleteMultipartUpload" && uploadId && byUpload.has(uploadId)) {
    const sums = byUpload.get(uploadId)!;
    const mpu = input.MultipartUpload as { Parts?: Array<Record<string, unknown>> } | undefined;
    if (mpu?.Parts?.every((p) => sums.has(p.PartNumber as number))) {
      input.MultipartUpload = {
        ...mpu,
        Parts: mpu.Parts.map((p) => ({ ChecksumCRC32: sums.get(p.PartNumber as number), ...p })),
      };
    }
  }
}

function pick(o: Readonly<Record<string, unknown>>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
