import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { ErrorCodes, S3CseError, TransferError, UsageError } from "../errors.js";
import { encryptAndUpload } from "./upload.js";
import type { EncryptAndUploadOptions, UploadResult } from "./upload-options.js";

/** Reads a file and uploads it encrypted: size known, so the metadata carries the plaintext length. */
export async function encryptAndUploadFile(
  options: Omit<EncryptAndUploadOptions, "source" | "contentLength"> & { file: string },
): Promise<UploadResult> {
  let size: number;
  try {
    const st = await stat(options.file);
    /* Precondition: the source path is a regular file. */
    if (!st.isFile()) throw new UsageError(`${options.file} is not a regular file`);
    size = st.size;
  } catch (err) {
    if (err instanceof S3CseError) throw err;
    throw new TransferError(ErrorCodes.IO_FAILURE, `cannot read ${options.file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const source = createReadStream(options.file, { highWaterMark: 1024 * 1024 });
  const { file: _file, ...rest } = options;
  try {
    return await encryptAndUpload({ ...rest, source, contentLength: size });
  } catch (err) {
    throw ioWrapped(err, options.file);
  } finally {
    source.destroy();
  }
}

function ioWrapped(err: unknown, file: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (err instanceof S3CseError || typeof code !== "string") return err;
  return new TransferError(ErrorCodes.IO_FAILURE, `reading ${file} failed: ${(err as Error).message}`, {
    cause: err,
  });
}
