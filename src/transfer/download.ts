import { pipeline, Readable } from "node:stream";
import type { HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import { createContentDecryptor } from "../ciphers/content-cipher.js";
import type { ContentMetadata } from "../codec/content-metadata.js";
import { ErrorCodes, FormatError } from "../errors.js";
import { prepareDecryption } from "../materials/materials.js";
import { resolveReadPolicy } from "../materials/policy.js";
import { createDecryptStream, type DecryptStream } from "../pipeline/decrypt-stream.js";
import { decryptBody } from "./decrypt-body.js";
import { assertBodyLength, type DecryptObjectOptions, retryOptionsOf } from "./download-options.js";
import { CiphertextChecksum, checksumPassThrough, resolveStoredChecksum } from "./object-checksum.js";
import { resolveContentMetadata } from "./object-metadata.js";
import { resumableBody } from "./resumable-body.js";
import { GetObjectCommand, HeadObjectCommand, s3Error } from "./s3-commands.js";

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
  /**
   * CBC objects: S3 stored a CRC32 for the object (or its parts), and the stream fails with
   * CHECKSUM_MISMATCH at its end, before its last block, if the ciphertext does not match it.
   */
  readonly checksumChecked: boolean;
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
    ETag?: string;
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
      onCiphertext: (n) =>
        options.onProgress?.({
          bytesDownloaded: n,
          totalBytes: total,
          partsDone: total !== undefined && n >= total ? 1 : 0,
          partsTotal: 1,
        }),
      ...(declared !== undefined ? { expectedPlaintextLength: declared } : {}),
    });
    // A reset, early end or stall resumes from the byte it stopped at (pinned to this ETag).
    const resumable =
      out.ETag !== undefined && total !== undefined
        ? Readable.from(
            resumableBody({
              ...retryOptionsOf(options),
              s3,
              bucket,
              key,
              etag: out.ETag,
              objectLength: total,
              start: 0,
              end: total - 1,
              signal,
              first: body,
            }),
            { objectMode: false },
          )
        : body;
    // CBC has no authentication of its own: the CRC32 S3 stored is what catches corrupted bytes.
    const checksum =
      contentMetadata.suite.cipher === "cbc" && options.verifyChecksum !== false
        ? await storedChecksumOf(options, out.ETag)
        : undefined;
    const source = checksum ? pipeline(resumable, checksumPassThrough(checksum), () => undefined) : resumable;
    return {
      stream: decryptBody(source, transform, bucket, key),
      contentMetadata,
      ciphertextLength: total,
      objectMetadata: out.Metadata ?? {},
      checksumChecked: checksum !== undefined,
    };
  } catch (err) {
    body?.destroy?.();
    throw err;
  }
}

/** The CRC32 S3 stored for the object this GetObject returned (same ETag), if it stored one. */
async function storedChecksumOf(
  o: OpenDecryptedStreamOptions,
  etag: string | undefined,
): Promise<CiphertextChecksum | undefined> {
  let head: HeadObjectCommandOutput;
  try {
    head = await o.s3.send(
      new HeadObjectCommand({
        Bucket: o.bucket,
        Key: o.key,
        ChecksumMode: "ENABLED",
        ...(etag !== undefined ? { IfMatch: etag } : {}),
      }),
      { abortSignal: o.signal },
    );
  } catch (err) {
    throw s3Error("HeadObject", o.bucket, o.key, err);
  }
  const stored = await resolveStoredChecksum(o, head);
  return (
    stored &&
    new CiphertextChecksum(
      stored,
      `s3://${o.bucket}/${o.key}`,
      "the stream failed before its last block; discard the plaintext it already released",
    )
  );
}

export {
  type DownloadResult,
  type DownloadResumeInfo,
  type DownloadToFileOptions,
  downloadToFile,
} from "./download-file.js";
export {
  assertBodyLength,
  type DecryptObjectOptions,
  type DownloadProgress,
  retryOptionsOf,
} from "./download-options.js";
