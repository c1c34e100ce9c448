/**
 * The state of a resumable download (`downloadToFile({ resume: true })`, `download --resume`): a
 * partial file beside the target (never the target's name) and a small JSON sidecar naming the
 * object version it holds (bucket, key, ETag, VersionId, length, format) and how many bytes from
 * its start are decrypted, written and fsynced. Nothing else: no key material, IV or plaintext.
 * The sidecar is replaced atomically (atomic-write.ts), and only after the partial file's data was
 * fsynced, so after a crash it never claims bytes the file does not hold.
 */
import { basename, dirname, join } from "node:path";
import { ErrorCodes, TransferError } from "../errors.js";
import { CoalescedStateFile, readJsonFile, removeAtomicFile, writeFileAtomically } from "./atomic-write.js";

const VERSION = 1;

export interface DownloadState {
  readonly s3cseDownloadState: typeof VERSION;
  readonly bucket: string;
  readonly key: string;
  /** The ETag the partial file's bytes came from; every later GET is pinned to it (If-Match). */
  readonly etag: string;
  readonly versionId?: string;
  /** Ciphertext length of that object version. */
  readonly ciphertextLength: number;
  readonly format: string;
  /** The content algorithm, for people reading the file and as a check. */
  readonly contentAlgorithm: string;
  /** Ciphertext bytes from the start whose plaintext (as many bytes, at the same offsets) is in the partial file. */
  readonly bytes: number;
  readonly updatedAt: string;
}

/** Where a resumable download of `target` keeps its partial file and state. */
export interface ResumePaths {
  readonly partial: string;
  readonly state: string;
}

export function resumePaths(target: string): ResumePaths {
  const partial = join(dirname(target), `.${basename(target)}.resume.s3cse-partial`);
  return { partial, state: `${partial}.json` };
}

function invalid(path: string, why: string, cause?: unknown): TransferError {
  return new TransferError(
    ErrorCodes.CHECKPOINT_INVALID,
    `${path} is not a usable s3-cse download state (${why}); remove it and the partial file beside it to start the download over`,
    cause === undefined ? {} : { cause },
  );
}

/** Reads the state file; `undefined` if there is none. */
export async function readDownloadState(path: string): Promise<DownloadState | undefined> {
  const st = (await readJsonFile(path, (why, cause) => invalid(path, why, cause))) as
    | DownloadState
    | undefined;
  if (st === undefined) return undefined;
  /* Precondition: a download state is a version-1 s3-cse download state. */
  if (st?.s3cseDownloadState !== VERSION) throw invalid(path, "unknown version");
  /* Precondition: a download state names its object and a whole number of 16-byte blocks within it. */
  const names = [st.bucket, st.key, st.etag, st.format, st.contentAlgorithm];
  if (
    names.some((f) => typeof f !== "string" || f === "") ||
    (st.versionId !== undefined && typeof st.versionId !== "string") ||
    !Number.isSafeInteger(st.ciphertextLength) ||
    !Number.isSafeInteger(st.bytes) ||
    st.bytes < 0 ||
    st.bytes % 16 !== 0 ||
    st.bytes > st.ciphertextLength
  ) {
    throw invalid(path, "fields missing or out of range");
  }
  return st;
}

export async function writeDownloadState(path: string, state: DownloadState): Promise<void> {
  await writeFileAtomically(path, `${JSON.stringify(state, null, 1)}\n`);
}

export async function removeDownloadState(path: string): Promise<void> {
  await removeAtomicFile(path);
}

/**
 * Keeps the state file up to date as the decrypted prefix grows. Before each write the partial
 * file's data is fsynced (`sync`), so the state never runs ahead of the disk. Writes never overlap
 * and at most one is queued; a failure is kept and thrown by {@link settle}.
 */
export class DownloadStateWriter {
  private readonly file: CoalescedStateFile<DownloadState>;

  constructor(
    readonly path: string,
    initial: DownloadState,
    sync: () => Promise<void>,
  ) {
    this.file = new CoalescedStateFile(
      path,
      initial,
      async (state) => {
        await sync();
        await writeDownloadState(path, state);
      },
      "download state",
    );
  }

  /** Bytes the state file records (or will, once the queued write ran). */
  get bytes(): number {
    return this.file.current.bytes;
  }

  /** Records that the first `bytes` ciphertext bytes are decrypted into the partial file. */
  record(bytes: number): void {
    const state = this.file.current;
    // The end of the object is never recorded: a CBC file is then shorter than the ciphertext
    // (padding), and the download is about to be renamed into place anyway.
    if (bytes <= state.bytes || bytes >= state.ciphertextLength) return;
    this.file.set({ ...state, bytes, updatedAt: new Date().toISOString() });
  }

  /** Writes the current state now. */
  async write(): Promise<void> {
    await this.file.writeNow();
  }

  /** Waits for the write in progress and any queued one; throws a write failure. */
  async settle(): Promise<void> {
    await this.file.drain();
    this.file.throwFailure();
  }
}
