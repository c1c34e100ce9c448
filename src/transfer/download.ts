import { randomBytes } from "node:crypto";
import { chmod, type FileHandle, rename } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { cbcFailure, createContentDecryptor } from "../ciphers/content-cipher.js";
import { ciphertextLength } from "../codec/algorithm-suites.js";
import type { ContentMetadata } from "../codec/content-metadata.js";
import type { StringMap } from "../codec/json-map.js";
import { AbortError, ErrorCodes, FormatError, S3CseError, SecurityError, TransferError } from "../errors.js";
import type { Keyring } from "../materials/keyring.js";
import { prepareDecryption } from "../materials/materials.js";
import { type ReadPolicyOptions, resolveReadPolicy } from "../materials/policy.js";
import { createDecryptStream, type DecryptStream } from "../pipeline/decrypt-stream.js";
import { decryptBody } from "./decrypt-body.js";
import {
  assertTargetReplaceable,
  createPartialFile,
  discardPartialFile,
  finalFileMode,
  resolveDownloadTarget,
} from "./download-target.js";
import { resolveContentMetadata } from "./object-metadata.js";
import { GetObjectCommand, type S3ClientLike, s3Error } from "./s3-commands.js";

export interface DownloadProgress {
  /** Ciphertext bytes received. */
  readonly bytesDownloaded: number;
  readonly totalBytes: number | undefined;
}

export interface DecryptObjectOptions extends ReadPolicyOptions {
  s3: S3ClientLike;
  bucket: string;
  key: string;
  keyring: Keyring;
  /** Encryption context expected on read (kms+context objects); must equal the stored one. */
  encryptionContext?: StringMap;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  instructionFileSuffix?: string;
}

export interface OpenDecryptedStreamOptions extends DecryptObjectOptions {
  /**
   * For GCM objects, release plaintext before the tag is verified. Off by default: the plaintext
   * is held back (up to `maxBufferBytes`) until the whole object authenticated.
   */
  delayedAuthentication?: boolean;
  /** Limit for held-back GCM plaintext (default 64 MiB). */
  maxBufferBytes?: number;
}

export interface DecryptedStream {
  /** The decrypted bytes; `plaintextBytes` counts what it produced so far. */
  readonly stream: DecryptStream;
  readonly contentMetadata: ContentMetadata;
  /** Ciphertext length (S3 Content-Length). */
  readonly ciphertextLength: number | undefined;
  /** The object's user metadata as S3 returned it. */
  readonly objectMetadata: Record<string, string>;
}

/**
 * GetObject → decode metadata (instruction file if needed) → policy → unwrap → decrypt. The
 * returned stream errors (and emits nothing further) if the body fails authentication, is
 * truncated, or its padding is wrong.
 */
export async function openDecryptedStream(options: OpenDecryptedStreamOptions): Promise<DecryptedStream> {
  const { s3, bucket, key, signal } = options;
  const policy = resolveReadPolicy(options);
  let out: {
    Body?: Readable;
    Metadata?: Record<string, string>;
    ContentLength?: number;
    ContentRange?: string;
  };
  try {
    out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  } catch (err) {
    throw s3Error("GetObject", bucket, key, err);
  }
  const body = out.Body as Readable;
  try {
    /* Precondition: a whole-object GET has no Content-Range. */
    if (out.ContentRange) {
      throw new FormatError(
        ErrorCodes.INVALID_METADATA,
        `GetObject returned a partial body (${out.ContentRange}) for a whole-object read`,
      );
    }
    const { contentMetadata } = await resolveContentMetadata(options, out.Metadata);
    assertBodyLength(contentMetadata, out.ContentLength);
    const materials = await prepareDecryption(
      contentMetadata,
      options.keyring,
      policy,
      options.encryptionContext ?? {},
      signal,
    );
    const total = out.ContentLength;
    const declared = contentMetadata.format === "v3" ? undefined : contentMetadata.unencryptedContentLength;
    const decryptor = createContentDecryptor(materials.contentKey, materials.storedCommitment, {
      ...(total !== undefined ? { ciphertextLength: total } : {}),
      // CBC checks the plaintext length itself, with its one indistinguishable error (no padding oracle).
      ...(declared !== undefined && contentMetadata.suite.cipher === "cbc"
        ? { expectedPlaintextLength: declared }
        : {}),
    });
    const transform = createDecryptStream(decryptor, {
      authenticateBeforeRelease:
        contentMetadata.suite.cipher === "gcm" && options.delayedAuthentication !== true,
      ...(options.maxBufferBytes !== undefined ? { maxBufferBytes: options.maxBufferBytes } : {}),
      onCiphertext: (n) => options.onProgress?.({ bytesDownloaded: n, totalBytes: total }),
      ...(declared !== undefined ? { expectedPlaintextLength: declared } : {}),
    });
    return {
      stream: decryptBody(body, transform, bucket, key),
      contentMetadata,
      ciphertextLength: total,
      objectMetadata: out.Metadata ?? {},
    };
  } catch (err) {
    body?.destroy?.();
    throw err;
  }
}

/* Precondition: the body length agrees with the content algorithm and x-amz-unencrypted-content-length. */
function assertBodyLength(cm: ContentMetadata, length: number | undefined): void {
  if (length === undefined) return;
  const declared = cm.format === "v3" ? undefined : cm.unencryptedContentLength;
  const ok =
    declared !== undefined
      ? ciphertextLength(cm.suite, declared) === length
      : cm.suite.cipher === "cbc"
        ? length > 0 && length % 16 === 0
        : length >= 16;
  if (!ok) {
    // CBC: the one CBC failure (same code and message as bad padding); GCM has no padding to leak.
    if (cm.suite.cipher === "cbc") throw cbcFailure();
    throw new SecurityError(
      ErrorCodes.TRUNCATED,
      `object body is ${length} bytes, which does not fit ${cm.suite.contentAlgorithm}` +
        (declared !== undefined
          ? ` and a ${declared}-byte plaintext (x-amz-unencrypted-content-length)`
          : "") +
        ": the object is truncated or was modified",
    );
  }
}

export interface DownloadResult {
  readonly bucket: string;
  readonly key: string;
  /** The path written: the target, resolved (DIR/<key basename> for a directory, a symlink's file). */
  readonly file: string;
  readonly format: ContentMetadata["format"];
  readonly contentAlgorithm: string;
  /** Plaintext bytes written. */
  readonly bytes: number;
  readonly ciphertextBytes: number | undefined;
}

/**
 * Decrypts an object into `file`. The target is checked before anything is fetched (a directory
 * gets `DIR/<key basename>`; a device, FIFO or socket is refused with NOT_A_REGULAR_FILE). Plaintext
 * goes to a temporary file beside it (mode 0600), which gets the umask's mode and is renamed over
 * the target only after the whole object decrypted and authenticated; on any failure the temporary
 * file is removed and the target is left as it was.
 */
export async function downloadToFile(
  options: DecryptObjectOptions & { file: string },
): Promise<DownloadResult> {
  const { signal } = options;
  const file = await resolveDownloadTarget(options.file, options.key);
  const partial = await createPartialFile(file, randomBytes(6).toString("hex"));
  let handle: FileHandle | undefined = partial.handle;
  let opened: DecryptedStream | undefined;
  try {
    opened = await openDecryptedStream({ ...options, delayedAuthentication: true });
    // The write stream closes the handle when it finishes or is destroyed.
    const out = handle.createWriteStream();
    handle = undefined;
    await pipeline(opened.stream, out, signal ? { signal } : {});
    await chmod(partial.path, finalFileMode());
    await assertTargetReplaceable(file);
    await rename(partial.path, file);
  } catch (err) {
    opened?.stream.destroy();
    await discardPartialFile(partial.path, handle);
    if (signal?.aborted && !(err instanceof S3CseError)) throw new AbortError(undefined, { cause: err });
    if (err instanceof S3CseError) throw err;
    throw new TransferError(ErrorCodes.IO_FAILURE, `writing ${file} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return {
    bucket: options.bucket,
    key: options.key,
    file,
    format: opened.contentMetadata.format,
    contentAlgorithm: opened.contentMetadata.suite.contentAlgorithm,
    bytes: opened.stream.plaintextBytes,
    ciphertextBytes: opened.ciphertextLength,
  };
}
