/**
 * Where a download may write, decided before any byte is fetched. The plaintext goes to a
 * temporary file beside the target, which is renamed over it at the end: that is only safe when
 * the target is a regular file (or does not exist yet). A character device (/dev/null), a FIFO,
 * a socket or a symlink to one would be replaced by a regular file, so it is refused.
 */
import type { Stats } from "node:fs";
import { type FileHandle, lstat, mkdir, open, realpath, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, posix } from "node:path";
import { ErrorCodes, S3CseError, TransferError, UsageError } from "../errors.js";

/** Mode of the finished file: what `open(…, 0o666)` gives under the process umask, as curl and the AWS CLI do. */
export function finalFileMode(): number {
  return 0o666 & ~process.umask();
}

/**
 * Resolves the path the download will finally occupy:
 * - an existing directory (or a path ending in `/`, created if missing) gets `DIR/<key basename>`,
 *   as `aws s3 cp` does;
 * - an existing regular file, or a symlink to one, is resolved to the real file (the symlink stays);
 * - anything else that exists is refused with `NOT_A_REGULAR_FILE`.
 */
export async function resolveDownloadTarget(file: string, key: string): Promise<string> {
  /* Precondition: the download target path is non-empty. */
  if (file === "") throw new UsageError("the download target path is empty");
  if (/[\\/]$/.test(file)) {
    await mkdir(file, { recursive: true }).catch((err) => {
      throw ioError(`cannot create directory ${file}`, err);
    });
  }
  const st = await statOrUndefined(file);
  if (st?.isDirectory()) {
    const inside = join(file, keyBasename(key, file));
    const st2 = await statOrUndefined(inside);
    return checkExisting(inside, st2);
  }
  return checkExisting(file, st);
}

/** Creates the temporary file beside `target` (exclusive, mode 0600) and returns it open. */
export async function createPartialFile(
  target: string,
  suffix: string,
): Promise<{ path: string; handle: FileHandle }> {
  const path = join(dirname(target), `.${basename(target)}.${suffix}.s3cse-partial`);
  try {
    // Opened here and awaited, so the file exists before any byte flows: a failure can always
    // remove it (a write stream opening it lazily could create it after the cleanup ran).
    return { path, handle: await open(path, "wx", 0o600) };
  } catch (err) {
    throw ioError(`cannot create a temporary file in ${dirname(target)}`, err);
  }
}

/** Closes and removes a temporary file; never throws. */
export async function discardPartialFile(path: string, handle: FileHandle | undefined): Promise<void> {
  await handle?.close().catch(() => undefined);
  await unlink(path).catch(() => undefined);
}

/** Re-checks the target just before the rename, in case it changed during the transfer. */
export async function assertTargetReplaceable(target: string): Promise<void> {
  const st = await lstatOrUndefined(target);
  if (st !== undefined) assertRegular(target, st);
}

async function checkExisting(path: string, st: Stats | undefined): Promise<string> {
  if (st === undefined) {
    const link = await lstatOrUndefined(path);
    /* Precondition: the download target is not a dangling symlink. */
    if (link?.isSymbolicLink()) {
      throw new TransferError(
        ErrorCodes.NOT_A_REGULAR_FILE,
        `${path} is a symbolic link to a missing file; s3-cse does not replace symbolic links: remove it or choose another path`,
      );
    }
    const parent = await statOrUndefined(dirname(path));
    /* Precondition: the download target's directory exists. */
    if (!parent?.isDirectory()) {
      throw new TransferError(
        ErrorCodes.IO_FAILURE,
        `cannot write ${path}: ${dirname(path)} is not a directory`,
      );
    }
    return path;
  }
  assertRegular(path, st);
  // A symlink to a regular file: replace the file it points to, keep the link.
  return realpath(path).catch((err) => {
    throw ioError(`cannot resolve ${path}`, err);
  });
}

/* Precondition: an existing download target is a regular file. */
function assertRegular(path: string, st: Stats): void {
  if (st.isFile()) return;
  throw new TransferError(
    ErrorCodes.NOT_A_REGULAR_FILE,
    `${path} exists and is ${describe(st)}, not a regular file: a download would replace it with a regular file. ` +
      "Choose a regular file path (or - to write to stdout with the CLI)",
  );
}

function describe(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  if (st.isSymbolicLink()) return "a symbolic link";
  return "a special file";
}

/* Precondition: a directory target needs a key with a usable basename. */
function keyBasename(key: string, dir: string): string {
  const name = posix.basename(key);
  if (name === "" || name === "." || name === ".." || key.endsWith("/")) {
    throw new UsageError(`${dir} is a directory and the key "${key}" has no file name to write into it`);
  }
  return name;
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  return stat(path).catch((err) => notFound(err, path));
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  return lstat(path).catch((err) => notFound(err, path));
}

function notFound(err: unknown, path: string): undefined {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === "ENOENT" || code === "ENOTDIR") return undefined;
  throw ioError(`cannot inspect ${path}`, err);
}

function ioError(what: string, err: unknown): S3CseError {
  if (err instanceof S3CseError) return err;
  return new TransferError(ErrorCodes.IO_FAILURE, `${what}: ${(err as Error).message}`, { cause: err });
}
