/**
 * `EncryptedUpload`: the options and events of `@aws-sdk/lib-storage`'s `Upload`, for the
 * encryption client. lib-storage's `Upload` sends CreateMultipartUpload / UploadPart itself, which
 * the encryption client refuses (they would store plaintext); this class runs the same job through
 * `encryptAndUpload` instead: encrypted part by part, bounded memory, aborted on any failure.
 */
import { EventEmitter } from "node:events";
import type { PutObjectCommandInput, Tag } from "@aws-sdk/client-s3";
import { UsageError } from "../errors.js";
import { PutObjectCommand } from "../transfer/s3-commands.js";
import type { UploadProgress } from "../transfer/upload-options.js";
import type { S3EncryptionClient } from "./s3-encryption-client.js";

export interface EncryptedUploadOptions {
  /** The encryption client that encrypts and sends. */
  client: S3EncryptionClient;
  /** PutObject input, Body included (string, bytes, Blob, Readable or web ReadableStream). */
  params: PutObjectCommandInput;
  /** Plaintext bytes per part (multiple of 16, at least 5 MiB). Default: the client's, else 16 MiB. */
  partSize?: number;
  /** Parts in flight at once (lib-storage's name for concurrency). Default 4. */
  queueSize?: number;
  /**
   * Only `false` (the default): a failed upload is always aborted, so no parts of a half-written
   * object are left behind.
   */
  leavePartsOnError?: boolean;
  /** Tags for the object (sent with the upload, as `Tagging`). */
  tags?: Tag[];
  /** Cancels the upload, like `abort()`. */
  abortController?: AbortController;
}

/** The `httpUploadProgress` event, as lib-storage emits it (plaintext bytes acknowledged by S3). */
export interface EncryptedUploadProgress {
  readonly loaded: number;
  readonly total: number | undefined;
  readonly part: number;
  readonly Key: string | undefined;
  readonly Bucket: string | undefined;
}

export interface EncryptedUploadResult {
  readonly $metadata: object;
  readonly Bucket: string | undefined;
  readonly Key: string | undefined;
  readonly ETag: string | undefined;
  readonly VersionId: string | undefined;
}

export class EncryptedUpload extends EventEmitter {
  private readonly options: EncryptedUploadOptions;
  private readonly controller: AbortController;
  private started = false;
  private lastLoaded = -1;

  constructor(options: EncryptedUploadOptions) {
    super();
    /* Precondition: EncryptedUpload has a client and params. */
    if (!options?.client || !options.params) {
      throw new UsageError("EncryptedUpload needs { client, params }");
    }
    /* Precondition: leavePartsOnError is not asked for (a failed upload is always aborted). */
    if (options.leavePartsOnError === true) {
      throw new UsageError(
        "EncryptedUpload does not support leavePartsOnError: a failed upload is always aborted, so no parts of a half-written encrypted object are left behind",
      );
    }
    this.options = options;
    this.controller = options.abortController ?? new AbortController();
  }

  override on(event: "httpUploadProgress", listener: (progress: EncryptedUploadProgress) => void): this;
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's signature.
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  /** Cancels the upload; `done()` then rejects with an AbortError and the multipart upload is aborted. */
  async abort(): Promise<void> {
    this.controller.abort();
  }

  /** Runs the upload (once). */
  async done(): Promise<EncryptedUploadResult> {
    /* Precondition: done() runs once per EncryptedUpload. */
    if (this.started) throw new UsageError("this EncryptedUpload has already run; create a new one");
    this.started = true;
    const { params, client } = this.options;
    const input = { ...params, ...taggingOf(params.Tagging, this.options.tags) };
    const out = await client.send(new PutObjectCommand(input), {
      abortSignal: this.controller.signal,
      ...(this.options.partSize !== undefined ? { partSize: this.options.partSize } : {}),
      ...(this.options.queueSize !== undefined ? { concurrency: this.options.queueSize } : {}),
      onProgress: (p) => this.progress(p),
    });
    return {
      $metadata: out.$metadata,
      Bucket: params.Bucket,
      Key: params.Key,
      ETag: out.ETag,
      VersionId: out.VersionId,
    };
  }

  private progress(p: UploadProgress): void {
    // Ciphertext acknowledged, counted in plaintext bytes (the tag/padding is not the caller's data).
    const loaded = Math.min(p.bytesUploaded, p.bytesRead);
    if (p.partsDone === 0 || loaded === this.lastLoaded) return;
    this.lastLoaded = loaded;
    this.emit("httpUploadProgress", {
      loaded,
      total: p.totalBytes,
      part: p.partsDone,
      Key: this.options.params.Key,
      Bucket: this.options.params.Bucket,
    } satisfies EncryptedUploadProgress);
  }
}

/** lib-storage's `tags` as a `Tagging` string, joined with the params' own. */
function taggingOf(tagging: string | undefined, tags: Tag[] | undefined): { Tagging?: string } {
  if (!tags || tags.length === 0) return tagging === undefined ? {} : { Tagging: tagging };
  const encoded = tags.map((t) => `${encodeURIComponent(t.Key ?? "")}=${encodeURIComponent(t.Value ?? "")}`);
  return { Tagging: [tagging, ...encoded].filter((s) => s).join("&") };
}
