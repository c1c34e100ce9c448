/**
 * `downloadToFile`: HeadObject → metadata → policy → unwrap → parallel ranged GETs (one GET for an
 * object no larger than a range) into a temporary file beside the target → rename once the whole
 * object decrypted (and, GCM, authenticated; CBC, matched S3's CRC32 when one is stored).
 */
import { randomBytes } from "node:crypto";
import { chmod, type FileHandle, rename } from "node:fs/promises";
import type { HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import { createContentDecryptor } from "../ciphers/content-cipher.js";
import type { ContentMetadata } from "../codec/content-metadata.js";
import {
  AbortError,
  ErrorCodes,
  FormatError,
  S3CseError,
  SecurityError,
  TransferError,
  UsageError,
} from "../errors.js";
import { type DecryptionMaterials, prepareDecryption } from "../materials/materials.js";
import { resolveReadPolicy } from "../materials/policy.js";
import { assertBodyLength, type DecryptObjectOptions, retryOptionsOf } from "./download-options.js";
import {
  openResumablePartial,
  provesPartialUnusable,
  replayPrefix,
  withDiscardNote,
} from "./download-resume.js";
import {
  type DownloadState,
  DownloadStateWriter,
  readDownloadState,
  removeDownloadState,
  resumePaths,
} from "./download-state.js";
import {
  assertTargetReplaceable,
  createPartialFile,
  discardPartialFile,
  finalFileMode,
  resolveDownloadTarget,
} from "./download-target.js";
import { CiphertextChecksum, resolveStoredChecksum } from "./object-checksum.js";
import { resolveContentMetadata } from "./object-metadata.js";
import {
  assertCbcPlaintextLength,
  DEFAULT_DOWNLOAD_CONCURRENCY,
  DEFAULT_DOWNLOAD_RANGE_SIZE,
  downloadCbcRanges,
  downloadGcmRanges,
  type RangedDownload,
} from "./parallel-download.js";
import { HeadObjectCommand, s3Error } from "./s3-commands.js";

export interface DownloadToFileOptions extends DecryptObjectOptions {
  /** Target file (or directory: DIR/<key basename>). */
  file: string;
  /** Bytes per ranged GET (default 8 MiB, rounded up to 16 bytes); an object no larger is one GET. */
  partSize?: number;
  /** Ranged GETs in flight (default 8). Memory for GCM objects ≈ (concurrency + 1) × partSize. */
  concurrency?: number;
  /**
   * Resumable download: the partial file is kept beside the target as `.<name>.resume.s3cse-partial`
   * with a state file (`….json`: object, ETag, length, format and the bytes decrypted; no key
   * material) when the download fails for a reason that may pass (network, S3, a signal). A later
   * call with `resume: true` checks the object is the same version (else OBJECT_CHANGED, and the
   * partial is discarded), rebuilds the decryptor by re-encrypting the plaintext already written,
   * and fetches only the rest; the target is written, as always, only once the whole object
   * decrypted and authenticated. Default false: a failed download removes its partial file.
   */
  resume?: boolean;
  /** With `resume`: told where the partial file and its state are, and from which byte the download starts. */
  onResume?: (info: DownloadResumeInfo) => void;
}

export interface DownloadResumeInfo {
  readonly partialPath: string;
  readonly statePath: string;
  /** Ciphertext (and plaintext) bytes already in the partial file: 0 for a fresh start. */
  readonly from: number;
  readonly totalBytes: number;
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
  /** CBC: whether S3 had a CRC32 the ciphertext was checked against. */
  readonly checksumVerified: boolean;
  /** With `resume`: the bytes taken from an earlier, interrupted download (0: none). */
  readonly resumedFrom?: number;
}

/** What the download needs to know about the object before fetching its body. */
export interface ObjectToDownload {
  readonly head: HeadObjectCommandOutput;
  readonly etag: string;
  readonly total: number;
  readonly contentMetadata: ContentMetadata;
  readonly materials: DecryptionMaterials;
}

function checkTransferOptions(options: DownloadToFileOptions): { rangeSize: number; concurrency: number } {
  const rangeSize = options.partSize ?? DEFAULT_DOWNLOAD_RANGE_SIZE;
  const concurrency = options.concurrency ?? DEFAULT_DOWNLOAD_CONCURRENCY;
  /* Precondition: a download's part size is a whole number of bytes, at least 16. */
  if (!Number.isSafeInteger(rangeSize) || rangeSize < 16)
    throw new UsageError(
      `download part size must be a whole number of bytes, at least 16 (got ${rangeSize})`,
    );
  /* Precondition: a download's concurrency is a whole number from 1 to 10000. */
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000)
    throw new UsageError(`download concurrency must be a whole number from 1 to 10000 (got ${concurrency})`);
  return { rangeSize, concurrency };
}

/** HeadObject (with ChecksumMode) → metadata → body-length check → policy → unwrapped content key. */
export async function prepareObjectDownload(options: DecryptObjectOptions): Promise<ObjectToDownload> {
  const { s3, bucket, key, signal } = options;
  const policy = resolveReadPolicy(options);
  let head: HeadObjectCommandOutput;
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }), {
      abortSignal: signal,
    });
  } catch (err) {
    throw s3Error("HeadObject", bucket, key, err);
  }
  const { contentMetadata } = await resolveContentMetadata(options, head.Metadata);
  const total = head.ContentLength;
  const etag = head.ETag;
  /* Precondition: HeadObject returned the object's length and ETag (ranges are pinned to it). */
  if (total === undefined || etag === undefined) {
    throw new FormatError(
      ErrorCodes.INVALID_METADATA,
      `HeadObject s3://${bucket}/${key} returned no ${total === undefined ? "Content-Length" : "ETag"}`,
    );
  }
  assertBodyLength(contentMetadata, total);
  const materials = await prepareDecryption(
    contentMetadata,
    options.keyring,
    policy,
    options.encryptionContext ?? {},
    signal,
  );
  return { head, etag, total, contentMetadata, materials };
}

/**
 * Decrypts an object into `file`. The target is checked before anything is fetched (a directory
 * gets `DIR/<key basename>`; a device, FIFO or socket is refused with NOT_A_REGULAR_FILE). The
 * object is fetched with parallel ranged GETs, each resumed from its last byte after a reset,
 * early end or stall. Plaintext goes to a temporary file beside the target (mode 0600), which gets
 * the umask's mode and is renamed over the target only after the whole object decrypted and
 * authenticated; on any failure the temporary file is removed and the target is left as it was.
 */
export async function downloadToFile(options: DownloadToFileOptions): Promise<DownloadResult> {
  const { signal } = options;
  const transfer = checkTransferOptions(options);
  const file = await resolveDownloadTarget(options.file, options.key);
  if (options.resume === true) return resumableDownload(options, file, transfer);
  const partial = await createPartialFile(file, randomBytes(6).toString("hex"));
  let handle: FileHandle | undefined = partial.handle;
  try {
    const object = await prepareObjectDownload(options);
    const { bytes, checksumVerified } = await fetchAndDecrypt(options, object, handle, transfer);
    await handle.close();
    handle = undefined;
    await chmod(partial.path, finalFileMode());
    await assertTargetReplaceable(file);
    await rename(partial.path, file);
    return {
      bucket: options.bucket,
      key: options.key,
      file,
      format: object.contentMetadata.format,
      contentAlgorithm: object.contentMetadata.suite.contentAlgorithm,
      bytes,
      ciphertextBytes: object.total,
      checksumVerified,
    };
  } catch (err) {
    await discardPartialFile(partial.path, handle);
    throw downloadError(err, file, signal);
  }
}

export function downloadError(err: unknown, file: string, signal: AbortSignal | undefined): S3CseError {
  if (signal?.aborted && !(err instanceof S3CseError)) return new AbortError(undefined, { cause: err });
  if (err instanceof S3CseError) return err;
  return new TransferError(ErrorCodes.IO_FAILURE, `writing ${file} failed: ${(err as Error).message}`, {
    cause: err,
  });
}

/** Where a resumed download starts, and how it rebuilds the decryptor's state. */
export interface ResumePoint {
  /** Ciphertext offset (a multiple of 16); the file holds the plaintext of the bytes before it. */
  readonly from: number;
  /** Re-encrypts the plaintext before `from`, handing its ciphertext to `sink`; resolves to its last block. */
  readonly replay?: (sink: (ciphertext: Buffer) => void) => Promise<Buffer>;
  /** Told each time the decrypted, written prefix grows (ciphertext bytes). */
  readonly onPrefix?: RangedDownload["onPrefix"];
}

/** Fetches the body (from `resume.from`) into `handle` and decrypts it; returns the plaintext length. */
export async function fetchAndDecrypt(
  options: DownloadToFileOptions,
  object: ObjectToDownload,
  handle: FileHandle,
  transfer: { rangeSize: number; concurrency: number },
  resume?: ResumePoint,
): Promise<{ bytes: number; checksumVerified: boolean }> {
  const { contentMetadata: cm, total, materials } = object;
  const from = resume?.from ?? 0;
  const common: RangedDownload = {
    ...retryOptionsOf(options),
    s3: options.s3,
    bucket: options.bucket,
    key: options.key,
    etag: object.etag,
    total,
    handle,
    rangeSize: transfer.rangeSize,
    concurrency: transfer.concurrency,
    signal: options.signal,
    from,
    onPrefix: resume?.onPrefix,
    onProgress: (p) =>
      options.onProgress?.({
        bytesDownloaded: from + p.bytes,
        totalBytes: total,
        partsDone: p.partsDone,
        partsTotal: p.partsTotal,
      }),
  };
  const declared = cm.format === "v3" ? undefined : cm.unencryptedContentLength;
  if (cm.suite.cipher === "cbc") {
    const stored =
      options.verifyChecksum === false ? undefined : await resolveStoredChecksum(options, object.head);
    const checksum = stored && new CiphertextChecksum(stored, `s3://${options.bucket}/${options.key}`);
    let blockBeforeFrom: Buffer | undefined;
    if (from > 0 && resume?.replay) {
      const crc = checksum?.range(0);
      blockBeforeFrom = await resume.replay((c) => crc?.update(c));
      crc?.finish();
    }
    const bytes = await downloadCbcRanges({
      ...common,
      contentKey: materials.contentKey,
      checksum,
      blockBeforeFrom,
    });
    assertCbcPlaintextLength(bytes, declared);
    return { bytes, checksumVerified: checksum !== undefined };
  }
  const decryptor = createContentDecryptor(materials.contentKey, materials.storedCommitment, {
    ciphertextLength: total,
  });
  // The prefix's plaintext is already in the file: only its ciphertext goes through GHASH.
  if (from > 0 && resume?.replay) await resume.replay((c) => void decryptor.update(c));
  const bytes = await downloadGcmRanges({ ...common, decryptor });
  /* Precondition: a GCM download decrypts to the declared plaintext length. */
  if (declared !== undefined && bytes !== declared) {
    throw new SecurityError(
      ErrorCodes.TRUNCATED,
      `decrypted ${bytes} bytes, but x-amz-unencrypted-content-length says ${declared}`,
    );
  }
  return { bytes, checksumVerified: false };
}

/** `downloadToFile` with `resume`: continues the partial download of `file` recorded beside it. */
async function resumableDownload(
  options: DownloadToFileOptions,
  file: string,
  transfer: { rangeSize: number; concurrency: number },
): Promise<DownloadResult> {
  const { bucket, key, signal } = options;
  const paths = resumePaths(file);
  const previous = await readDownloadState(paths.state);
  /* Precondition: a download state beside the target belongs to the object being downloaded. */
  if (previous !== undefined && (previous.bucket !== bucket || previous.key !== key)) {
    throw new TransferError(
      ErrorCodes.CHECKPOINT_MISMATCH,
      `${paths.state} records an interrupted download of s3://${previous.bucket}/${previous.key} into ${file}, not of s3://${bucket}/${key}: ` +
        `continue that one (its URL, --resume), choose another target, or remove ${paths.state} and ${paths.partial}`,
    );
  }
  const object = await prepareObjectDownload(options);
  const cm = object.contentMetadata;
  const version = {
    s3cseDownloadState: 1 as const,
    bucket,
    key,
    etag: object.etag,
    ...(object.head.VersionId !== undefined ? { versionId: object.head.VersionId } : {}),
    ciphertextLength: object.total,
    format: cm.format,
    contentAlgorithm: cm.suite.contentAlgorithm,
  };
  /* Precondition: a resumed download continues the same object version (ETag, VersionId, length, format). */
  if (previous !== undefined && !sameVersion(previous, version)) {
    await discardPartialFile(paths.partial, undefined);
    await removeDownloadState(paths.state);
    throw new TransferError(
      ErrorCodes.OBJECT_CHANGED,
      `s3://${bucket}/${key} changed since the interrupted download (ETag ${previous.etag}, now ${object.etag}): ` +
        `the partial download ${paths.partial} was discarded; run the download again to start over`,
    );
  }
  const opened = await openResumablePartial(paths.partial, previous?.bytes ?? 0, object.total);
  let handle: FileHandle | undefined = opened.handle;
  const { from } = opened;
  const writer = new DownloadStateWriter(
    paths.state,
    { ...version, bytes: from, updatedAt: new Date().toISOString() },
    () => opened.handle.datasync(),
  );
  try {
    await writer.write();
    options.onResume?.({
      partialPath: paths.partial,
      statePath: paths.state,
      from,
      totalBytes: object.total,
    });
    const { bytes, checksumVerified } = await fetchAndDecrypt(options, object, opened.handle, transfer, {
      from,
      replay: (sink) => replayPrefix(opened.handle, from, object.materials.contentKey, sink),
      onPrefix: (n) => writer.record(n),
    });
    await writer.settle();
    await handle.close();
    handle = undefined;
    await chmod(paths.partial, finalFileMode());
    await assertTargetReplaceable(file);
    await rename(paths.partial, file);
    await removeDownloadState(paths.state);
    return {
      bucket,
      key,
      file,
      format: cm.format,
      contentAlgorithm: cm.suite.contentAlgorithm,
      bytes,
      ciphertextBytes: object.total,
      checksumVerified,
      resumedFrom: from,
    };
  } catch (err) {
    await writer.settle().catch(() => undefined);
    if (provesPartialUnusable(err)) {
      await discardPartialFile(paths.partial, handle);
      await removeDownloadState(paths.state);
      throw withDiscardNote(err as S3CseError, paths.partial);
    }
    await handle?.close().catch(() => undefined);
    throw downloadError(err, file, signal);
  }
}

function sameVersion(a: Omit<DownloadState, "bytes" | "updatedAt">, b: typeof a): boolean {
  return (
    a.etag === b.etag &&
    a.versionId === b.versionId &&
    a.ciphertextLength === b.ciphertextLength &&
    a.format === b.format &&
    a.contentAlgorithm === b.contentAlgorithm
  );
}
