import type { Readable } from "node:stream";
import { type ByteRange, planRangedRead, type RequestedRange } from "../ciphers/byte-range.js";
import { createRangedDecryptor } from "../ciphers/ranged-decrypt.js";
import type { ContentMetadata } from "../codec/content-metadata.js";
import type { StringMap } from "../codec/json-map.js";
import { ErrorCodes, FormatError, SecurityError } from "../errors.js";
import type { Keyring } from "../materials/keyring.js";
import { prepareDecryption } from "../materials/materials.js";
import { assertRangedReadAllowed, type ReadPolicyOptions, resolveReadPolicy } from "../materials/policy.js";
import { createDecryptStream } from "../pipeline/decrypt-stream.js";
import { decryptBody } from "./decrypt-body.js";
import { readObjectEncryption } from "./object-metadata.js";
import { GetObjectCommand, type S3ClientLike, s3Error } from "./s3-commands.js";

export interface DecryptedRangeOptions extends ReadPolicyOptions {
  s3: S3ClientLike;
  bucket: string;
  key: string;
  keyring: Keyring;
  /** Inclusive plaintext byte range; `end` omitted (or past the end) reads to the end of the object. */
  range: RequestedRange;
  /**
   * Required for V2/V3 (GCM) objects: a range is decrypted with AES-CTR and its bytes are **not
   * authenticated** (the GCM tag covers the whole object). CBC objects are never authenticated
   * and need `allowLegacy` as for whole reads.
   */
  allowUnauthenticatedRanges?: boolean;
  /** Encryption context expected on read (kms+context objects); must equal the stored one. */
  encryptionContext?: StringMap;
  signal?: AbortSignal;
  instructionFileSuffix?: string;
}

export interface DecryptedRange {
  /** The plaintext bytes of `range` (unauthenticated). */
  readonly stream: Readable;
  /** The range served; for CBC objects `end` is an upper bound until the stream ends. */
  readonly range: ByteRange;
  readonly contentMetadata: ContentMetadata;
  /** The whole object's ciphertext length (S3 Content-Length of the HeadObject). */
  readonly ciphertextLength: number;
  /** The object's user metadata, as HeadObject returned it. */
  readonly objectMetadata: Record<string, string>;
}

/**
 * Ranged GET of an encrypted object (docs/formats.md#ranged-reads): HeadObject (and the instruction file, if the
 * metadata lives there) → policy → unwrap → GetObject of the adjusted, block-aligned range (pinned
 * to the HEAD's ETag) → AES-CTR (GCM, V3 after the commitment check) or CBC → trimmed plaintext.
 */
export async function openDecryptedRange(options: DecryptedRangeOptions): Promise<DecryptedRange> {
  const { s3, bucket, key, signal } = options;
  const policy = resolveReadPolicy(options);
  const { head, contentMetadata } = await readObjectEncryption(options);
  assertRangedReadAllowed(contentMetadata, policy, options.allowUnauthenticatedRanges === true);
  const total = head.ContentLength;
  /* Precondition: the object's ciphertext length is known. */
  if (total === undefined) {
    throw new FormatError(
      ErrorCodes.INVALID_METADATA,
      `HeadObject s3://${bucket}/${key} returned no Content-Length`,
    );
  }
  const plan = planRangedRead(contentMetadata.suite, options.range, total);
  const materials = await prepareDecryption(
    contentMetadata,
    options.keyring,
    policy,
    options.encryptionContext ?? {},
    signal,
  );
  const decryptor = createRangedDecryptor(materials.contentKey, plan, materials.storedCommitment);
  let out: { Body?: Readable; ContentRange?: string };
  try {
    out = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        Range: `bytes=${plan.fetch.start}-${plan.fetch.end}`,
        ...(head.ETag ? { IfMatch: head.ETag } : {}),
      }),
      { abortSignal: signal },
    );
  } catch (err) {
    throw s3Error("GetObject", bucket, key, err);
  }
  const body = out.Body as Readable;
  const expected = `bytes ${plan.fetch.start}-${plan.fetch.end}/${total}`;
  /* Precondition: S3 answered with exactly the requested ciphertext range. */
  if (out.ContentRange !== expected) {
    body?.destroy?.();
    throw new SecurityError(
      ErrorCodes.TRUNCATED,
      `GetObject returned Content-Range "${out.ContentRange ?? "none"}" where "${expected}" was requested`,
    );
  }
  const transform = createDecryptStream(decryptor, { authenticateBeforeRelease: false });
  return {
    stream: decryptBody(body, transform, bucket, key),
    range: plan.plaintext,
    contentMetadata,
    ciphertextLength: total,
    objectMetadata: head.Metadata ?? {},
  };
}

/** {@link openDecryptedRange}, collected into one buffer (for small ranges). */
export async function getDecryptedRange(options: DecryptedRangeOptions): Promise<Buffer> {
  const { stream } = await openDecryptedRange(options);
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}
