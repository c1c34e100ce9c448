/** Options and checks shared by the streaming download (download.ts) and the file download (download-file.ts). */
import { cbcFailure } from "../ciphers/content-cipher.js";
import { ciphertextLength } from "../codec/algorithm-suites.js";
import type { ContentMetadata } from "../codec/content-metadata.js";
import type { StringMap } from "../codec/json-map.js";
import { ErrorCodes, SecurityError } from "../errors.js";
import type { Keyring } from "../materials/keyring.js";
import type { ReadPolicyOptions } from "../materials/policy.js";
import type { RetryOptions } from "./resumable-body.js";
import type { S3ClientLike } from "./s3-commands.js";

export interface DownloadProgress {
  /** Ciphertext bytes received (bytes a resumed request fetches again are not counted twice). */
  readonly bytesDownloaded: number;
  /** Ciphertext length of the object. */
  readonly totalBytes: number | undefined;
  /** Ranges finished so far (a single-stream read has one). */
  readonly partsDone: number;
  /** Ranges the download is split into. */
  readonly partsTotal: number;
}

export interface DecryptObjectOptions extends ReadPolicyOptions, RetryOptions {
  s3: S3ClientLike;
  bucket: string;
  key: string;
  keyring: Keyring;
  /** Encryption context expected on read (kms+context objects); must equal the stored one. */
  encryptionContext?: StringMap;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  instructionFileSuffix?: string;
  /**
   * CBC objects (RDS, V1): check the ciphertext against the CRC32 S3 stored for the object or its
   * parts, when it stored one (default true). GCM objects are authenticated by their tag.
   */
  verifyChecksum?: boolean;
}

export function retryOptionsOf(o: RetryOptions): RetryOptions {
  return {
    ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
    ...(o.readTimeoutMs !== undefined ? { readTimeoutMs: o.readTimeoutMs } : {}),
    ...(o.retryBaseDelayMs !== undefined ? { retryBaseDelayMs: o.retryBaseDelayMs } : {}),
  };
}

/* Precondition: the body length agrees with the content algorithm and x-amz-unencrypted-content-length. */
export function assertBodyLength(cm: ContentMetadata, length: number | undefined): void {
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
