/**
 * Replacing a small state file so that a crash leaves either the previous or the next version,
 * never a torn one: temporary file beside it (mode 0600), fsync, rename, fsync of the directory.
 * Used by the upload checkpoint and the resumable download's state file.
 */
import { open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ErrorCodes, S3CseError, TransferError } from "../errors.js";

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

/**
 * Rewrites a state file as its state changes, never two writes at once: a change made while a write
 * runs is written by the next one, so at most one write is queued however fast changes come. The
 * first failure stops further writes and is kept for {@link failure}, as `describe(path, err)`
 * (an S3CseError is kept as it is).
 */
export class CoalescedStateFile<T> {
  private running: Promise<void> | undefined;
  private dirty = false;
  private failed: unknown;

  constructor(
    readonly path: string,
    private state: T,
    /** Writes one version (the caller's serialisation, and anything that must precede it). */
    private readonly writeOne: (state: T) => Promise<void>,
    private readonly what: string,
  ) {}

  get current(): T {
    return this.state;
  }

  /** Sets the state and starts (or queues) its write. */
  set(state: T): void {
    this.state = state;
    this.dirty = true;
    void this.drain();
  }

  /** Waits for the write in progress and any queued one. */
  drain(): Promise<void> {
    // Started only with something to write, so the loop awaits before its `finally` runs.
    if (this.running === undefined && this.dirty && this.failed === undefined) this.running = this.loop();
    return this.running ?? Promise.resolve();
  }

  /** Writes the current state now and throws a write failure. */
  async writeNow(): Promise<void> {
    this.dirty = true;
    await this.drain();
    this.throwFailure();
  }

  /** Throws the first write failure, if any (IO_FAILURE naming the file, unless it is an S3CseError). */
  throwFailure(): void {
    if (this.failed === undefined) return;
    const err = this.failed;
    throw err instanceof S3CseError
      ? err
      : new TransferError(
          ErrorCodes.IO_FAILURE,
          `cannot write the ${this.what} ${this.path}: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
  }

  private async loop(): Promise<void> {
    try {
      while (this.dirty && this.failed === undefined) {
        this.dirty = false;
        try {
          await this.writeOne(this.state);
        } catch (err) {
          this.failed = err;
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
