/**
 * Replacing a small state file so that a crash leaves either the previous or the next version,
 * never a torn one: temporary file beside it (mode 0600), fsync, rename, fsync of the directory.
 * Used by the upload checkpoint and the resumable download's state file.
 */
import { open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ErrorCodes, TransferError } from "../errors.js";

/** The temporary file this process writes before renaming it over `path`. */
export function atomicTempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/** Replaces `path` with `text` atomically. */
export async function writeFileAtomically(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  const temp = atomicTempPath(path);
  const handle = await open(temp, "w", 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  const d = await open(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** Removes `path` and a temporary file this process may have left beside it. */
export async function removeAtomicFile(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(atomicTempPath(path), { force: true });
}

/**
 * Reads a state file as JSON: `undefined` if there is none; IO_FAILURE if it cannot be read;
 * `invalid("not JSON", cause)` (the caller's error) if it does not parse.
 */
export async function readJsonFile(
  path: string,
  invalid: (why: string, cause?: unknown) => Error,
): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new TransferError(ErrorCodes.IO_FAILURE, `cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalid("not JSON", err);
  }
}
