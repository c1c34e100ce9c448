import type { BigIntStats } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import { ErrorCodes, S3CseError, TransferError, UsageError } from "../errors.js";
import { runUpload } from "./upload.js";
import { defaultCheckpointPath } from "./upload-checkpoint.js";
import { assertUploadPolicy, type EncryptAndUploadOptions, type UploadResult } from "./upload-options.js";
import { type CheckpointOptions, planResumable } from "./upload-resumable.js";

export type EncryptAndUploadFileOptions = Omit<
  EncryptAndUploadOptions,
  "source" | "contentLength" | "verifySource"
> & {
  file: string;
  /**
   * Make the upload resumable: a checkpoint file (default `<file>.s3cse-upload.json`) records the
   * multipart upload and each acknowledged part; a failure or cancel keeps the upload instead of
   * aborting it, and calling again with the same options continues it (only the missing parts are
   * sent). Removed once the object is complete. Objects that fit in one part need no checkpoint.
   */
  checkpoint?: CheckpointOptions;
};

/**
 * Reads a file and uploads it encrypted: size known, so the metadata carries the plaintext length.
 * The file must stay as it is during the upload: its size, mtime, ctime and inode are compared
 * with what they were when it was opened after each part and before the object is completed, and
 * any difference fails the upload with SOURCE_CHANGED (aborting the multipart upload).
 */
export async function encryptAndUploadFile(options: EncryptAndUploadFileOptions): Promise<UploadResult> {
  // Before the file is opened or a checkpoint read (a resume would call KMS and ListParts).
  assertUploadPolicy(options);
  let handle: FileHandle;
  let opened: BigIntStats;
  try {
    // stat before open: opening a FIFO would wait for a writer.
    const st = await stat(options.file);
    /* Precondition: the source path is a regular file. */
    if (!st.isFile()) throw new UsageError(`${options.file} is not a regular file`);
    handle = await open(options.file, "r");
  } catch (err) {
    if (err instanceof S3CseError) throw err;
    throw new TransferError(ErrorCodes.IO_FAILURE, `cannot read ${options.file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    opened = await handle.stat({ bigint: true });
    if (!opened.isFile()) throw new UsageError(`${options.file} is not a regular file`);
    const source = handle.createReadStream({ highWaterMark: 1024 * 1024, autoClose: false });
    const verifySource = () => assertUnchanged(options.file, handle, opened);
    const { file: _file, checkpoint, ...rest } = options;
    try {
      const plan = checkpoint
        ? await planResumable(
            rest,
            options.file,
            opened,
            checkpoint.path ?? defaultCheckpointPath(options.file),
          )
        : undefined;
      if (plan?.finished) return plan.finished;
      const upload = {
        ...rest,
        ...(plan?.partSize !== undefined ? { partSize: plan.partSize } : {}),
        source,
        contentLength: Number(opened.size),
        verifySource,
      };
      return await runUpload(upload, plan && { materials: plan.materials, journal: plan.journal });
    } finally {
      source.destroy();
    }
  } catch (err) {
    throw ioWrapped(err, options.file);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/* Precondition: the source file is unchanged (size, mtime, ctime, inode) while it is uploaded. */
async function assertUnchanged(file: string, handle: FileHandle, before: BigIntStats): Promise<void> {
  const now = await handle.stat({ bigint: true });
  const atPath = await stat(file, { bigint: true }).catch(() => undefined);
  const changed: string[] = [];
  if (now.size !== before.size) changed.push(`size ${before.size} → ${now.size}`);
  if (now.mtimeNs !== before.mtimeNs) changed.push("mtime");
  if (now.ctimeNs !== before.ctimeNs) changed.push("ctime");
  if (atPath === undefined || atPath.ino !== before.ino || atPath.dev !== before.dev) {
    changed.push(
      atPath === undefined ? "the path no longer exists" : "the path now names another file (inode)",
    );
  }
  if (changed.length === 0) return;
  throw new TransferError(
    ErrorCodes.SOURCE_CHANGED,
    `${file} changed while it was uploaded (${changed.join(", ")}): the upload was stopped, as the object would match neither version; upload it again once nothing writes to it`,
  );
}

function ioWrapped(err: unknown, file: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (err instanceof S3CseError || typeof code !== "string") return err;
  return new TransferError(ErrorCodes.IO_FAILURE, `reading ${file} failed: ${(err as Error).message}`, {
    cause: err,
  });
}
