/** PutObject through the drop-in client: the body is encrypted, every input field carried or refused. */
import { Readable } from "node:stream";
import type { PutObjectCommandInput, PutObjectCommandOutput } from "@aws-sdk/client-s3";
import type { StringMap } from "../codec/json-map.js";
import { UsageError } from "../errors.js";
import type { Keyring } from "../materials/keyring.js";
import type { WriteFormat } from "../materials/materials.js";
import type { CommitmentPolicy } from "../materials/policy.js";
import type { S3ClientLike } from "../transfer/s3-commands.js";
import { encryptAndUpload, type UploadProgress } from "../transfer/upload.js";
import { sortPutObjectFields } from "./put-object-fields.js";
import { putScope, scopedClient } from "./scoped-requests.js";

export interface PutObjectSettings {
  client: S3ClientLike;
  keyring: Keyring;
  format: WriteFormat;
  commitmentPolicy: CommitmentPolicy;
  encryptionContext: StringMap;
  partSize?: number | undefined;
  concurrency?: number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: UploadProgress) => void) | undefined;
}

export async function putObject(
  input: PutObjectCommandInput,
  settings: PutObjectSettings,
): Promise<PutObjectCommandOutput> {
  const { source, length } = plaintextSource(input.Body);
  /* Precondition: the command names a Bucket and a Key. */
  if (!input.Bucket || !input.Key) throw new UsageError("the command needs a Bucket and a Key");
  const { Bucket: bucket, Key: key } = input;
  const fields = sortPutObjectFields(input as unknown as Record<string, unknown>, length);
  const contentLength = length ?? input.ContentLength;
  const s3 = scopedClient(
    settings.client,
    bucket,
    key,
    putScope(fields.requestParams, fields.conditions),
    fields.objectParams.ChecksumAlgorithm !== undefined,
  );
  const result = await encryptAndUpload({
    s3,
    bucket,
    key,
    source,
    keyring: settings.keyring,
    format: settings.format,
    commitmentPolicy: settings.commitmentPolicy,
    encryptionContext: settings.encryptionContext,
    ...(contentLength !== undefined ? { contentLength } : {}),
    ...(settings.partSize !== undefined ? { partSize: settings.partSize } : {}),
    ...(settings.concurrency !== undefined ? { concurrency: settings.concurrency } : {}),
    ...(settings.signal ? { signal: settings.signal } : {}),
    ...(settings.onProgress ? { onProgress: settings.onProgress } : {}),
    ...(input.Metadata ? { metadata: input.Metadata } : {}),
    objectParams: fields.objectParams,
  });
  return { $metadata: {}, ETag: result.etag, VersionId: result.versionId };
}

/** The plaintext as a pull-based source, and its length when the body tells it. */
function plaintextSource(body: unknown): {
  source: AsyncIterable<Uint8Array | string>;
  length: number | undefined;
} {
  if (body === undefined) return { source: Readable.from([Buffer.alloc(0)]), length: 0 };
  if (typeof body === "string") return { source: Readable.from([body]), length: Buffer.byteLength(body) };
  if (body instanceof Uint8Array) return { source: Readable.from([body]), length: body.length };
  if (body instanceof Readable) return { source: body, length: undefined };
  if (typeof Blob !== "undefined" && body instanceof Blob)
    return { source: Readable.fromWeb(body.stream() as never), length: body.size };
  if (typeof ReadableStream !== "undefined" && body instanceof ReadableStream)
    return { source: Readable.fromWeb(body as never), length: undefined };
  /* Precondition: a PutObject body is a string, bytes, a Blob or a readable stream. */
  throw new UsageError(
    "PutObject Body must be a string, Uint8Array/Buffer, Blob, Node.js Readable or web ReadableStream",
  );
}
