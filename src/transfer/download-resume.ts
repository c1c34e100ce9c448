/**
 * Pieces of a resumed download (download-file.ts puts them together):
 *
 * - the partial file is opened again (never through a symlink, only a regular file) and trusted
 *   up to the bytes its state file records;
 * - the decryptor's state is rebuilt by re-encrypting the plaintext already written, with the
 *   object's own key and IV (AES-CBC and AES-GCM are deterministic given both): CBC — the last
 *   re-encrypted block is the IV of the rest and must equal the object's ciphertext block before
 *   the resume offset; by CBC's chaining a changed plaintext byte on disk, or ranges that did not
 *   join, change it (a byte corrupted in transit inside a range re-encrypts to the bytes received,
 *   so that is left, as in any CBC download, to S3's CRC32, which the re-encrypted prefix joins
 *   when S3 stored one); GCM — the re-encrypted prefix is fed to a whole-object decryptor, so its
 *   final tag authenticates the prefix on disk and the rest from S3 together.
 */
import { constants } from "node:fs";
import { type FileHandle, lstat, open } from "node:fs/promises";
import { type ContentKey, createContentEncryptor } from "../ciphers/content-cipher.js";
import { AES_BLOCK } from "../codec/algorithm-suites.js";
import { ErrorCodes, S3CseError, TransferError } from "../errors.js";

const REPLAY_CHUNK = 1024 * 1024;

/**
 * Opens (or creates, mode 0600) the partial file of a resumable download. `recorded` is the byte
 * count its state file claims; it is kept if the file holds at least that many bytes and it leaves
 * at least two blocks of the object to fetch, else the file is emptied and `from` is 0.
 */
export async function openResumablePartial(
  path: string,
  recorded: number,
  ciphertextLength: number,
): Promise<{ handle: FileHandle; from: number }> {
  const existing = await lstat(path).catch(() => undefined);
  /* Precondition: a download's partial file, when it exists, is a regular file (not a symlink). */
  if (existing !== undefined && !existing.isFile()) {
    throw new TransferError(
      ErrorCodes.NOT_A_REGULAR_FILE,
      `${path} (the partial file of a resumable download) exists and is not a regular file: remove it`,
    );
  }
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    throw new TransferError(ErrorCodes.IO_FAILURE, `cannot open ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    const { size } = await handle.stat();
    const usable =
      recorded > 0 &&
      recorded % AES_BLOCK === 0 &&
      size >= recorded &&
      recorded <= ciphertextLength - 2 * AES_BLOCK;
    const from = usable ? recorded : 0;
    if (from === 0) await handle.truncate(0);
    return { handle, from };
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw new TransferError(ErrorCodes.IO_FAILURE, `cannot use ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * Re-encrypts the partial file's first `from` bytes (plaintext) with the object's content key,
 * handing the ciphertext to `sink` in order. Resolves to the last ciphertext block (CBC: the IV of
 * the bytes after `from`).
 */
export async function replayPrefix(
  handle: FileHandle,
  from: number,
  key: ContentKey,
  sink: (ciphertext: Buffer) => void,
): Promise<Buffer> {
  const encryptor = createContentEncryptor(key);
  const buf = Buffer.allocUnsafe(Math.min(REPLAY_CHUNK, Math.max(from, 1)));
  let last = Buffer.alloc(0);
  let pos = 0;
  while (pos < from) {
    const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, from - pos), pos);
    /* Precondition: the partial file still holds the bytes its state records. */
    if (bytesRead === 0) {
      throw new TransferError(
        ErrorCodes.IO_FAILURE,
        `the partial file ended at byte ${pos}, before the ${from} bytes its state records: it was truncated during the resume`,
      );
    }
    const ciphertext = encryptor.update(buf.subarray(0, bytesRead));
    sink(ciphertext);
    last = Buffer.concat([last, ciphertext]).subarray(-AES_BLOCK);
    pos += bytesRead;
  }
  return Buffer.from(last);
}

/**
 * Failures that prove the partial file cannot be continued: its bytes or the object's do not
 * authenticate or match, or the object changed. Anything else (network, S3, a signal, a key that
 * could not be unwrapped, a missing flag) keeps the partial file for the next attempt.
 */
export function provesPartialUnusable(err: unknown): boolean {
  if (!(err instanceof S3CseError)) return false;
  return (
    err.code === ErrorCodes.AUTHENTICATION_FAILED ||
    err.code === ErrorCodes.CHECKSUM_MISMATCH ||
    err.code === ErrorCodes.TRUNCATED ||
    err.code === ErrorCodes.OBJECT_CHANGED
  );
}

/** The same failure (same class and code), its message saying that the partial download was discarded. */
export function withDiscardNote(err: S3CseError, partial: string): S3CseError {
  err.message = `${err.message} (the partial download ${partial} was discarded: run the download again to start over)`;
  return err;
}
