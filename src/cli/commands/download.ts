import { existsSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { type Command, Option } from "commander";
import { AbortError, ErrorCodes, S3CseError, TransferError, UsageError } from "../../errors.js";
import { KmsKeyring } from "../../materials/kms-keyring.js";
import type { CommitmentPolicy } from "../../materials/policy.js";
import {
  type DecryptObjectOptions,
  type DownloadProgress,
  type DownloadResumeInfo,
  downloadToFile,
  openDecryptedStream,
} from "../../transfer/download.js";
import { resumePaths } from "../../transfer/download-state.js";
import { parseByteSize } from "../byte-size.js";
import {
  addCommonOptions,
  type CommonOptions,
  clientsFor,
  hidesProgress,
  showsResult,
} from "../common-options.js";
import { examplesHelp } from "../help.js";
import { type CliIo, writeJson, writeLine } from "../io.js";
import { createProgress } from "../progress.js";
import { parsePairs, parseS3Url } from "../s3-url.js";

export interface DownloadOptions extends CommonOptions {
  kmsKeyId?: string;
  allowLegacy?: boolean;
  commitmentPolicy?: string;
  context?: string[];
  delayedAuthentication?: boolean;
  resume?: boolean;
  partSize?: string;
  concurrency?: string;
}

export const POLICIES: Record<string, CommitmentPolicy> = {
  "forbid-encrypt-allow-decrypt": "FORBID_ENCRYPT_ALLOW_DECRYPT",
  "require-encrypt-allow-decrypt": "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
  "require-encrypt-require-decrypt": "REQUIRE_ENCRYPT_REQUIRE_DECRYPT",
};

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The download options shared by `download` and `cp`. */
export function addDownloadOptions(cmd: Command, kmsKeyIdHelp?: string): Command {
  return cmd
    .option(
      "--kms-key-id <id>",
      kmsKeyIdHelp ?? "KMS key the data key must be wrapped under (default: whatever key the object names)",
    )
    .option(
      "--allow-legacy",
      "allow legacy modes: AES-CBC content (RDS backups, V1), KMS without encryption context, V1 key wrapping",
    )
    .addOption(
      new Option("--commitment-policy <policy>", "key-commitment policy for reads").choices(
        Object.keys(POLICIES),
      ),
    )
    .option("--context <key=value>", "expected KMS encryption context entry (repeatable)", collect);
}

export function registerDownload(program: Command, io: CliIo, setExit: (code: number) => void): void {
  addCommonOptions(
    addDownloadOptions(
      program
        .command("download")
        .description(
          "download an S3 object and decrypt it into a file (written only once it decrypted completely)",
        )
        .argument("<s3url>", "source, s3://bucket/key")
        .argument("<file>", "local file or directory to write, or - for stdout")
        .option(
          "--delayed-authentication",
          "with - (stdout): stream GCM/V3 plaintext before the tag is verified (a failed check then ends the output with an error, after bytes were written); without it, stdout gets nothing until the object authenticated (up to 64 MiB)",
        )
        .option(
          "--part-size <size>",
          "bytes per ranged GET, e.g. 16MiB (default 8 MiB; an object no larger is one GET)",
        )
        .option("--concurrency <n>", "ranged GETs in flight at once (1-10000; default 8)")
        .option(
          "--resume",
          "resumable download: keep the partial file (.FILE.resume.s3cse-partial, with a .json state beside it) when the download fails or is killed, and, if one exists, continue it, fetching only the rest (the target is still written only once the whole object decrypted and authenticated)",
        ),
    ),
  )
    .addHelpText(
      "after",
      examplesHelp([
        "s3-cse download s3://my-backups/sales/SalesDb.bak SalesDb.bak --allow-legacy --kms-key-id alias/rds-backups",
        "s3-cse download s3://lake/raw/data.parquet data.parquet --context project=atlas",
        "s3-cse download s3://my-backups/2tb.bak 2tb.bak --allow-legacy --resume   # run again after a crash: continues",
      ]),
    )
    .action(async (s3url: string, file: string, opts: DownloadOptions) => {
      const { bucket, key } = parseS3Url(s3url);
      await runDownload(io, bucket, key, file, opts, rangedGetOptions(opts));
      setExit(0);
    });
}

/** `download --part-size --concurrency`: the ranged GETs' size and number in flight. */
function rangedGetOptions(opts: DownloadOptions): { partSize?: number; concurrency?: number } {
  const concurrency = opts.concurrency === undefined ? undefined : Number(opts.concurrency);
  /* Precondition: download --concurrency is a whole number from 1 to 10000. */
  if (
    concurrency !== undefined &&
    (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000)
  )
    throw new UsageError(
      `--concurrency must be a whole number from 1 to 10000 (ranged GETs in flight; default 8), got "${opts.concurrency}"`,
    );
  return {
    ...(opts.partSize !== undefined ? { partSize: parseByteSize(opts.partSize) } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
  };
}

/** Downloads and decrypts s3://bucket/key into `file` and prints the result. */
export async function runDownload(
  io: CliIo,
  bucket: string,
  key: string,
  file: string,
  opts: DownloadOptions,
  ranged: { partSize?: number; concurrency?: number } = {},
): Promise<void> {
  const encryptionContext = parsePairs(opts.context, "--context");
  /* Precondition: download to - (stdout) is not combined with --json. */
  if (file === "-" && opts.json)
    throw new UsageError("--json cannot be used with - (stdout): stdout carries the plaintext");
  /* Precondition: download --resume writes to a file, not - (stdout). */
  if (file === "-" && opts.resume)
    throw new UsageError(
      "--resume needs a file to download into: plaintext already written to - (stdout) cannot be read back to continue",
    );
  const clients = clientsFor(opts, io.env, io.stderr);
  const progress = createProgress(io, "download", hidesProgress(opts) || file === "-");
  try {
    const common: DecryptObjectOptions = {
      s3: clients.s3,
      bucket,
      key,
      keyring: new KmsKeyring({ client: clients.kms, ...(opts.kmsKeyId ? { keyId: opts.kmsKeyId } : {}) }),
      allowLegacy: opts.allowLegacy === true,
      ...(opts.commitmentPolicy ? { commitmentPolicy: POLICIES[opts.commitmentPolicy] } : {}),
      encryptionContext,
      signal: io.signal,
      onProgress: (p: DownloadProgress) => progress.update(p.bytesDownloaded, p.totalBytes),
    };
    if (file === "-") {
      await downloadToStdout(io, common, opts.delayedAuthentication === true);
      return;
    }
    if (!opts.resume) noteKeptPartial(io, file);
    let resumeInfo: DownloadResumeInfo | undefined;
    const result = await downloadToFile({
      ...common,
      ...ranged,
      file,
      ...(opts.resume
        ? {
            resume: true,
            onResume: (info: DownloadResumeInfo) => {
              resumeInfo = info;
              if (info.from > 0 && showsResult(opts) && !opts.json)
                writeLine(
                  io.stderr,
                  `s3-cse: resuming the download of s3://${bucket}/${key} at byte ${info.from} of ${info.totalBytes} (partial file ${info.partialPath})`,
                );
            },
          }
        : {}),
    }).catch((err) => {
      progress.stop();
      if (resumeInfo && existsSync(resumeInfo.statePath))
        writeLine(
          io.stderr,
          `s3-cse: the partial download was kept (${resumeInfo.partialPath}, state ${resumeInfo.statePath}); run the same command again to continue`,
        );
      throw err;
    });
    progress.stop();
    if (opts.json) writeJson(io, { ok: true, ...result });
    else if (showsResult(opts))
      writeLine(
        io.stdout,
        `decrypted s3://${bucket}/${key} (${result.format}, ${result.contentAlgorithm}) to ${result.file}: ${result.bytes} bytes`,
      );
  } finally {
    progress.stop();
    clients.destroy();
  }
}

/** Without --resume: a partial download of `file` kept by an earlier --resume run is pointed out (and left alone). */
function noteKeptPartial(io: CliIo, file: string): void {
  const paths = resumePaths(file);
  if (!existsSync(paths.state)) return;
  writeLine(
    io.stderr,
    `s3-cse: note: ${paths.state} records an interrupted resumable download into ${file}; add --resume to continue it (this download starts over and leaves it; remove ${paths.partial} and ${paths.state} to drop it)`,
  );
}

/**
 * `-`: plaintext written through to stdout (never via a temporary file and rename). GCM/V3
 * plaintext is held back until the tag verified unless --delayed-authentication was given.
 */
async function downloadToStdout(io: CliIo, options: DecryptObjectOptions, delayed: boolean): Promise<void> {
  const opened = await openDecryptedStream({ ...options, delayedAuthentication: delayed });
  try {
    await pipeline(opened.stream, io.stdout, {
      end: false,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    opened.stream.destroy();
    if (options.signal?.aborted && !(err instanceof AbortError))
      throw new AbortError(undefined, { cause: err });
    if (err instanceof S3CseError) throw err;
    throw new TransferError(ErrorCodes.IO_FAILURE, `writing to stdout failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
