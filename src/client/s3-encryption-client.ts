import { KMSClient } from "@aws-sdk/client-kms";
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  type GetObjectCommand,
  type GetObjectCommandOutput,
  type PutObjectCommand,
  type PutObjectCommandOutput,
  S3Client,
} from "@aws-sdk/client-s3";
import { createRequestHandler } from "../aws/clients.js";
import type { StringMap } from "../codec/json-map.js";
import { INSTRUCTION_FILE_SUFFIX } from "../codec/metadata-keys.js";
import { ErrorCodes, SecurityError, UsageError } from "../errors.js";
import type { Keyring } from "../materials/keyring.js";
import type { KmsClientLike } from "../materials/kms-client.js";
import { KmsKeyring } from "../materials/kms-keyring.js";
import type { WriteFormat } from "../materials/materials.js";
import {
  assertWriteAllowed,
  type CommitmentPolicy,
  type ReadPolicyOptions,
  resolveReadPolicy,
} from "../materials/policy.js";
import type { S3ClientLike } from "../transfer/s3-commands.js";
import { type UploadProgress, writeFormatVersion } from "../transfer/upload-options.js";
import { classifyCommand } from "./command-kind.js";
import { getObject } from "./get-object.js";
import { putObject } from "./put-object.js";
import type { CommandOutputOf, SdkCommand } from "./send-types.js";

export interface S3EncryptionClientOptions extends ReadPolicyOptions {
  /** The S3 client to wrap (an `S3Client`, or anything with its `send`). */
  client: S3ClientLike;
  /** The keyring; or give `kmsKeyId` (and optionally `kmsClient`) and a KMS keyring is built. */
  keyring?: Keyring;
  /** Shorthand of the official Java and Python clients: a KMS key id, ARN or alias to encrypt under. */
  kmsKeyId?: string;
  /** KMS client for `kmsKeyId` (default: one built with the S3 client's region and credentials). */
  kmsClient?: KmsClientLike;
  /** Write format (default `v3`). `rds` writes what RDS for SQL Server restores. */
  format?: WriteFormat;
  /** Default KMS encryption context for writes and expected on reads. */
  encryptionContext?: StringMap;
  partSize?: number;
  concurrency?: number;
  /** GCM reads: release plaintext before the tag is verified (default false). */
  delayedAuthentication?: boolean;
  /** GCM reads: limit for plaintext held back until authenticated (default 64 MiB). */
  maxBufferBytes?: number;
  /**
   * GetObject with `Range` of V2/V3 (GCM) objects: the range is decrypted with AES-CTR and is
   * **not authenticated** (the tag covers the whole object). Default false: ranged GETs of GCM
   * objects are refused. CBC (V1/RDS) ranges need `allowLegacy`, as whole CBC reads do.
   */
  allowUnauthenticatedRanges?: boolean;
}

export interface SendOptions {
  abortSignal?: AbortSignal;
  /** Per-request encryption context (overrides the client's). */
  encryptionContext?: StringMap;
  /** PutObject: bytes per part for this request (overrides the client's). */
  partSize?: number;
  /** PutObject: parts in flight for this request (overrides the client's). */
  concurrency?: number;
  /** PutObject: told as parts are read and acknowledged. */
  onProgress?: (progress: UploadProgress) => void;
}

/**
 * A drop-in for `S3Client`: `send(new PutObjectCommand(…))` encrypts, `send(new GetObjectCommand(…))`
 * decrypts, `DeleteObject(s)` also removes instruction files, and every other command passes through
 * unchanged. Swap the constructor; keep the calls.
 */
export class S3EncryptionClient {
  private readonly options: S3EncryptionClientOptions & { keyring: Keyring };
  private readonly writePolicy: CommitmentPolicy;
  /** Clients this instance built (the KMS client of the kmsKeyId shorthand); destroy() ends them. */
  private readonly created: { destroy(): void }[] = [];

  constructor(options: S3EncryptionClientOptions) {
    /* Precondition: the encryption client wraps a client with send() and has a keyring. */
    if (
      !options?.client ||
      typeof options.client.send !== "function" ||
      !(options.keyring || options.kmsKeyId)
    ) {
      throw new UsageError(
        "S3EncryptionClient needs { client, keyring } or { client, kmsKeyId, kmsClient? }",
      );
    }
    /* Precondition: a keyring and the kmsKeyId shorthand are not given together. */
    if (options.keyring && options.kmsKeyId) {
      throw new UsageError("S3EncryptionClient takes either keyring or kmsKeyId, not both");
    }
    const keyring =
      options.keyring ??
      new KmsKeyring({
        client: options.kmsClient ?? this.own(kmsClientLike(options.client)),
        keyId: options.kmsKeyId as string,
      });
    this.options = { ...options, keyring };
    this.writePolicy = resolveReadPolicy(options).commitmentPolicy;
    /* Precondition: the write format agrees with the commitment policy. */
    assertWriteAllowed(writeFormatVersion(options.format ?? "v3"), this.writePolicy);
  }

  /**
   * Not an S3 client configuration: code that reads `config` to send requests of its own —
   * `@aws-sdk/lib-storage`'s `Upload`, presigners — would bypass the encryption, so it fails here
   * with this error instead of storing plaintext. Use {@link EncryptedUpload}; presign with the
   * wrapped client deliberately.
   */
  get config(): never {
    throw new SecurityError(
      ErrorCodes.UNENCRYPTED_WRITE_REFUSED,
      "S3EncryptionClient has no S3Client config: code that reads it (@aws-sdk/lib-storage's Upload, presigners) would send object content without client-side encryption; use EncryptedUpload from s3-cse instead of Upload, or the wrapped client (.client) deliberately",
    );
  }

  /**
   * Releases what this client created — the KMS client the `kmsKeyId` shorthand builds when no
   * `kmsClient` is given — and nothing the caller passed in (the wrapped S3 client, a `kmsClient`,
   * a keyring): those stay the caller's to destroy.
   */
  destroy(): void {
    for (const c of this.created.splice(0)) c.destroy();
  }

  private own<T extends { destroy(): void }>(client: T): T {
    this.created.push(client);
    return client;
  }

  /** The wrapped client, for commands that must not be encrypted. */
  get client(): S3ClientLike {
    return this.options.client;
  }

  /**
   * Sends a command, typed like `S3Client.send`: the result is the command's own output type
   * (`GetObjectCommandOutput` for a `GetObjectCommand`, …). PutObject encrypts, GetObject
   * decrypts, DeleteObject(s) also remove instruction files, commands that would store content
   * unencrypted are refused, and the rest pass through to the wrapped client.
   */
  async send<C extends SdkCommand>(command: C, sendOptions: SendOptions = {}): Promise<CommandOutputOf<C>> {
    return (await this.dispatch(command, sendOptions)) as CommandOutputOf<C>;
  }

  private dispatch(command: SdkCommand, sendOptions: SendOptions): Promise<unknown> {
    const kind = classifyCommand(command);
    if (kind.kind === "handled") {
      if (kind.operation === "PutObject") return this.putObject(command as PutObjectCommand, sendOptions);
      if (kind.operation === "GetObject") return this.getObject(command as GetObjectCommand, sendOptions);
      if (kind.operation === "DeleteObject")
        return this.deleteObject(command as DeleteObjectCommand, sendOptions);
      return this.deleteObjects(command as DeleteObjectsCommand, sendOptions);
    }
    return this.options.client.send(
      command,
      sendOptions.abortSignal ? { abortSignal: sendOptions.abortSignal } : undefined,
    );
  }

  private putObject(command: PutObjectCommand, o: SendOptions): Promise<PutObjectCommandOutput> {
    return putObject(command.input, {
      client: this.options.client,
      keyring: this.options.keyring,
      format: this.options.format ?? "v3",
      commitmentPolicy: this.writePolicy,
      encryptionContext: o.encryptionContext ?? this.options.encryptionContext ?? {},
      partSize: o.partSize ?? this.options.partSize,
      concurrency: o.concurrency ?? this.options.concurrency,
      signal: o.abortSignal,
      onProgress: o.onProgress,
    });
  }

  private getObject(command: GetObjectCommand, o: SendOptions): Promise<GetObjectCommandOutput> {
    return getObject(command.input, {
      ...this.options,
      encryptionContext: o.encryptionContext ?? this.options.encryptionContext ?? {},
      ...(o.abortSignal ? { signal: o.abortSignal } : {}),
    });
  }

  private async deleteObject(command: DeleteObjectCommand, o: SendOptions) {
    const send = (c: unknown) =>
      this.options.client.send(c, o.abortSignal ? { abortSignal: o.abortSignal } : undefined);
    const out = await send(command);
    await send(
      new DeleteObjectCommand({
        Bucket: command.input.Bucket,
        Key: command.input.Key + INSTRUCTION_FILE_SUFFIX,
      }),
    );
    return out;
  }

  private async deleteObjects(command: DeleteObjectsCommand, o: SendOptions) {
    const objects = command.input.Delete?.Objects ?? [];
    const withInstructions = objects.flatMap((obj) => [obj, { Key: `${obj.Key}${INSTRUCTION_FILE_SUFFIX}` }]);
    // DeleteObjects takes at most 1,000 keys; doubling them may need two requests.
    const merged: { Deleted: unknown[]; Errors: unknown[] } = { Deleted: [], Errors: [] };
    for (let i = 0; i < withInstructions.length || i === 0; i += 1000) {
      const out = await this.options.client.send(
        new DeleteObjectsCommand({
          ...command.input,
          Delete: { ...command.input.Delete, Objects: withInstructions.slice(i, i + 1000) },
        }),
        o.abortSignal ? { abortSignal: o.abortSignal } : undefined,
      );
      merged.Deleted.push(...(out?.Deleted ?? []));
      merged.Errors.push(...(out?.Errors ?? []));
    }
    return { $metadata: {}, ...merged };
  }
}

/** A KMS client in the S3 client's region with its credentials (the `kmsKeyId` shorthand without `kmsClient`). */
function kmsClientLike(s3: S3ClientLike): KMSClient {
  const config = (s3 as { config?: { region?: unknown; credentials?: unknown } }).config;
  /* Precondition: without kmsClient, the S3 client must expose its region and credentials. */
  if (!config?.region) {
    throw new UsageError(
      "S3EncryptionClient with kmsKeyId needs kmsClient when the S3 client has no config.region",
    );
  }
  return new KMSClient({
    region: config.region as string,
    ...(config.credentials ? { credentials: config.credentials as never } : {}),
    // No hang: the AWS CLI's 60 s connect and read timeouts (the SDK's default has none).
    requestHandler: createRequestHandler(),
  });
}

// Paginators (`paginateListObjectsV2({ client }, …)`) accept only `instanceof S3Client`; every
// method they reach (`send`, `destroy`) is this class's own, and `config` refuses (see above).
Object.setPrototypeOf(S3EncryptionClient.prototype, S3Client.prototype);
