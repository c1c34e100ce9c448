import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { type Command, Option } from "commander";
import { ErrorCodes, isS3CseError, TransferError, UsageError } from "../../errors.js";
import { defaultDbName, resolveKmsKey, restoreSql } from "../../inspect/rds-restore-sql.js";
import { checkRdsUpload, startsWithMtfTape } from "../../inspect/rds-upload-checks.js";
import { KmsKeyring } from "../../materials/kms-keyring.js";
import { WRITE_FORMATS, type WriteFormat } from "../../materials/materials.js";
import { choosePartSize } from "../../transfer/part-size.js";
import { PAYLOAD_SIGNING_MODES, type PayloadSigning } from "../../transfer/unsigned-payload.js";
import { encryptAndUpload, type UploadProgress, type UploadResult } from "../../transfer/upload.js";
import { defaultCheckpointPath } from "../../transfer/upload-checkpoint.js";
import { encryptAndUploadFile } from "../../transfer/upload-file.js";
import type { MultipartUploadEvent } from "../../transfer/upload-options.js";
import { parseByteSize, parseConcurrency } from "../byte-size.js";
import { type CommonOptions, clientsFor, hidesProgress, showsResult } from "../common-options.js";
import { type CliIo, writeJson, writeLine } from "../io.js";
import {
  addObjectOptions,
  type ObjectCliOptions,
  objectParamsFrom,
  parseMetadata,
} from "../object-options.js";
import { createProgress, type Progress } from "../progress.js";
import { parsePairs } from "../s3-url.js";
import { POLICIES } from "./download.js";

export interface UploadOptions extends CommonOptions, ObjectCliOptions {
  kmsKeyId: string;
  format: WriteFormat;
  partSize?: string;
  concurrency?: string;
  context?: string[];
  instructionFile?: boolean;
  unsignedPayload?: boolean;
  payloadSigning?: PayloadSigning;
  dryrun?: boolean;
  expectedSize?: string;
  dbName?: string;
  rdsChecks?: boolean;
  commitmentPolicy?: string;
  resume?: boolean;
  checkpoint?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * stdin itself (not a wrapper around it): cancelling destroys the stream the upload reads, so a
 * pending read of a silent pipe cannot keep the process alive after Ctrl-C.
 */
function stdinSource(io: CliIo): Readable {
  return io.stdin instanceof Readable ? io.stdin : Readable.from(io.stdin as AsyncIterable<Buffer>);
}

/** The upload options shared by `upload` and `cp` (except --kms-key-id, required by `upload`). */
export function addUploadOptions(cmd: Command): Command {
  return addObjectOptions(
    cmd
      .addOption(
        new Option(
          "--format <format>",
          "rds = V1 AES-CBC that RDS for SQL Server restores; v2 = AES-GCM; v3 = key-committing AES-GCM",
        )
          .choices(WRITE_FORMATS as string[])
          .default("v3"),
      )
      .option(
        "--part-size <size>",
        "bytes per part, e.g. 16MiB or 1GiB (default: 16 MiB, grown to fit 10,000 parts)",
      )
      .option("--concurrency <n>", "parts in flight at once (1-64)", "4")
      .option("--context <key=value>", "KMS encryption context entry (v2/v3; repeatable)", collect)
      .option(
        "--instruction-file",
        "store the encryption metadata in <key>.instruction (v2/v3; RDS does not read it)",
      )
      .option("--dryrun", "resolve the key, region, format and part plan, print them, and send nothing")
      .option(
        "--expected-size <size>",
        "stdin: expected size (e.g. 200GiB), to choose a part size that fits 10,000 parts, as the AWS CLI",
      )
      .option(
        "--db-name <name>",
        "rds: database name in the printed restore T-SQL (default: the file's base name)",
      )
      .option(
        "--no-rds-checks",
        "rds: skip the pre-upload key checks (symmetric, enabled, in the bucket's region)",
      )
      .addOption(
        new Option(
          "--payload-signing <mode>",
          "SigV4 of part bodies: auto = UNSIGNED-PAYLOAD over HTTPS (as the AWS CLI; parts keep their CRC32), signed over HTTP; always; never",
        )
          .choices(PAYLOAD_SIGNING_MODES as unknown as string[])
          .default("auto"),
      )
      .option(
        "--resume",
        "resumable upload of a file: keep a checkpoint (default FILE.s3cse-upload.json) and, if one exists, continue that upload, sending only the missing parts",
      )
      .option("--checkpoint <path>", "with --resume: where the checkpoint is kept")
      .option("--unsigned-payload", "the same as --payload-signing never"),
  );
}

/** The per-upload settings parsed from the options (the same for every file of a multi-file upload). */
export interface UploadSettings {
  readonly partSize: number | undefined;
  readonly requestedPartSize: number | undefined;
  readonly expectedSize: number | undefined;
  readonly concurrency: number;
  readonly encryptionContext: Record<string, string>;
  readonly objectParams: ReturnType<typeof objectParamsFrom>;
  readonly metadata: ReturnType<typeof parseMetadata>;
}

export function uploadSettings(opts: UploadOptions, stdin: boolean): UploadSettings {
  const requestedPartSize = opts.partSize === undefined ? undefined : parseByteSize(opts.partSize);
  const expectedSize = opts.expectedSize === undefined ? undefined : parseByteSize(opts.expectedSize);
  // With --expected-size the part size is chosen for that size (the stream's length is not known).
  const partSize =
    expectedSize !== undefined && stdin ? choosePartSize(expectedSize, requestedPartSize) : requestedPartSize;
  const concurrency = parseConcurrency(opts.concurrency);
  return {
    partSize,
    requestedPartSize,
    expectedSize,
    concurrency,
    encryptionContext: parsePairs(opts.context, "--context"),
    objectParams: objectParamsFrom(opts),
    metadata: parseMetadata(opts.metadata),
  };
}

/** The TAPE warning: a SQL Server backup uploaded without --format rds (silenced by an explicit --format). */
export async function warnIfBackup(
  io: CliIo,
  file: string,
  opts: UploadOptions,
  formatGiven: boolean,
): Promise<void> {
  /* Precondition: a SQL Server backup uploaded without --format rds gets a warning naming --format rds. */
  if (file !== "-" && opts.format !== "rds" && !formatGiven && (await startsWithMtfTape(file)))
    writeLine(
      io.stderr,
      `s3-cse: warning: ${file} is a SQL Server backup (MTF TAPE block) but is being uploaded as ${opts.format}; RDS for SQL Server restores only --format rds (give --format ${opts.format} explicitly to silence this)`,
    );
}

/** --format rds: the key's ARN, after the pre-upload checks unless --no-rds-checks; else undefined. */
export async function rdsKeyArn(
  io: CliIo,
  clients: UploadClients,
  bucket: string,
  opts: UploadOptions,
): Promise<string | undefined> {
  if (opts.format !== "rds") return undefined;
  if (opts.rdsChecks === false) return (await resolveKmsKey(clients.kms, opts.kmsKeyId, io.signal)).arn;
  const checked = await checkRdsUpload({
    s3: clients.s3,
    kms: clients.kms,
    bucket,
    kmsKeyId: opts.kmsKeyId,
    signal: io.signal,
  });
  return checked.key.arn;
}

type UploadClients = ReturnType<typeof clientsFor>;

/** The encryptAndUpload options of one object (everything but the source). */
export function uploadRequest(
  io: CliIo,
  opts: UploadOptions,
  settings: UploadSettings,
  clients: UploadClients,
  target: { bucket: string; key: string },
  onProgress: (p: UploadProgress) => void,
  signal: AbortSignal = io.signal,
) {
  return {
    s3: clients.s3,
    bucket: target.bucket,
    key: target.key,
    keyring: new KmsKeyring({ client: clients.kms, keyId: opts.kmsKeyId }),
    format: opts.format,
    // As the official v4 clients: the default policy writes only key-committing V3 (and V1 for RDS).
    commitmentPolicy: POLICIES[opts.commitmentPolicy ?? "require-encrypt-require-decrypt"],
    encryptionContext: settings.encryptionContext,
    concurrency: settings.concurrency,
    signal,
    onProgress,
    onMultipartUpload: (event: MultipartUploadEvent) => {
      io.uploads?.onMultipartUpload(event);
      if (event.checkpointPath !== undefined) reportCheckpoint(io, opts, event);
    },
    ...(settings.partSize !== undefined ? { partSize: settings.partSize } : {}),
    ...(opts.instructionFile ? { metadataPlacement: "instruction-file" as const } : {}),
    payloadSigning: opts.unsignedPayload ? ("never" as const) : (opts.payloadSigning ?? "auto"),
    ...(Object.keys(settings.objectParams).length > 0 ? { objectParams: settings.objectParams } : {}),
    ...(settings.metadata ? { metadata: settings.metadata } : {}),
  };
}

/** The progress label of an upload: what S3 acknowledged (ciphertext, within a block of the plaintext). */
export function progressUpdater(progress: Progress): (p: UploadProgress) => void {
  return (p) =>
    progress.update(
      Math.min(p.bytesUploaded, p.totalBytes ?? p.bytesUploaded),
      p.totalBytes,
      `${p.partsDone} part${p.partsDone === 1 ? "" : "s"} done`,
    );
}

/** One line describing an upload's result. */
export function uploadedLine(result: UploadResult): string {
  return `uploaded ${result.bytes} bytes to s3://${result.bucket}/${result.key} (${result.format}, ${result.parts === 0 ? "single PutObject" : `${result.parts} parts`}${result.resumedParts !== undefined ? `, resumed: ${result.resumedParts} already uploaded` : ""})`;
}

/** Encrypts `file` (or `-`: stdin) to s3://bucket/key and prints the result. */
export async function runUpload(
  io: CliIo,
  file: string,
  bucket: string,
  key: string,
  opts: UploadOptions,
  formatGiven = false,
): Promise<void> {
  const settings = uploadSettings(opts, file === "-");
  const checkpoint = checkpointFor(io, file, opts);
  const clients = clientsFor(opts, io.env, io.stderr);
  if (opts.dryrun) {
    try {
      await printDryRun(
        io,
        file,
        bucket,
        key,
        opts,
        settings.partSize ?? settings.requestedPartSize,
        settings.expectedSize,
        clients,
      );
    } finally {
      clients.destroy();
    }
    return;
  }
  await warnIfBackup(io, file, opts, formatGiven);
  let keyArn: string | undefined;
  try {
    keyArn = await rdsKeyArn(io, clients, bucket, opts);
  } catch (err) {
    clients.destroy();
    throw err;
  }
  const sql =
    keyArn === undefined
      ? undefined
      : restoreSql({
          bucket,
          key,
          kmsKeyArn: keyArn,
          dbName: opts.dbName ?? defaultDbName(file === "-" ? key : file),
        });
  const progress = createProgress(io, `upload ${opts.format}`, hidesProgress(opts));
  let kept: MultipartUploadEvent | undefined;
  const request = uploadRequest(io, opts, settings, clients, { bucket, key }, progressUpdater(progress));
  const common = {
    ...request,
    onMultipartUpload: (event: MultipartUploadEvent) => {
      // A kept upload is reported once the failure is known (whether running again can continue it).
      if (event.state !== "kept") return request.onMultipartUpload(event);
      io.uploads?.onMultipartUpload(event);
      kept = event;
    },
  };
  let result: UploadResult;
  try {
    result =
      file === "-"
        ? await encryptAndUpload({ ...common, source: stdinSource(io) })
        : await encryptAndUploadFile({
            ...common,
            file,
            ...(checkpoint ? { checkpoint: { path: checkpoint } } : {}),
          });
  } catch (err) {
    if (kept !== undefined) reportKept(io, kept, err);
    throw err;
  } finally {
    progress.stop();
    clients.destroy();
  }
  if (opts.json) {
    writeJson(io, { ok: true, ...result, ...(sql !== undefined ? { restoreSql: sql } : {}) });
  } else if (showsResult(opts)) {
    writeLine(io.stdout, uploadedLine(result));
    for (const [k, v] of Object.entries(result.metadata)) writeLine(io.stdout, `  x-amz-meta-${k}: ${v}`);
    if (sql !== undefined) {
      writeLine(io.stdout, "restore on RDS for SQL Server with:");
      writeLine(io.stdout, sql);
    }
  }
}

/**
 * --resume: the checkpoint path (default beside the file). stdin cannot be resumed. Without
 * --resume, a checkpoint left by an interrupted resumable upload of this file is pointed out.
 */
function checkpointFor(io: CliIo, file: string, opts: UploadOptions): string | undefined {
  /* Precondition: --checkpoint is given with --resume. */
  if (opts.checkpoint !== undefined && !opts.resume)
    throw new UsageError("--checkpoint names the checkpoint of a resumable upload: add --resume");
  /* Precondition: stdin is not resumable. */
  if (opts.resume && file === "-")
    throw new TransferError(
      ErrorCodes.NOT_RESUMABLE,
      "stdin cannot be resumed: resuming re-reads the source from its first byte (re-encrypting what was sent), which a pipe cannot do; write it to a file and upload that with --resume",
    );
  if (opts.resume) return opts.checkpoint ?? defaultCheckpointPath(file);
  if (file !== "-" && existsSync(defaultCheckpointPath(file)) && !opts.quiet && !opts.onlyShowErrors)
    writeLine(
      io.stderr,
      `s3-cse: note: ${defaultCheckpointPath(file)} records an interrupted resumable upload of ${file}; add --resume to continue it (this upload starts over and leaves that one; s3-cse abort-upload --checkpoint ${defaultCheckpointPath(file)} removes it)`,
    );
  return undefined;
}

function reportCheckpoint(io: CliIo, opts: UploadOptions, e: MultipartUploadEvent): void {
  if (opts.json || opts.quiet || opts.onlyShowErrors) {
    if (e.state !== "kept") return;
  }
  if (e.state === "created")
    writeLine(
      io.stderr,
      `s3-cse: multipart upload ${e.uploadId}, checkpoint ${e.checkpointPath}: if interrupted, run the same command again (with --resume) to continue`,
    );
}

/**
 * A resumable upload kept after a failure (always printed, even with --json or --quiet). Running
 * the same command again continues it, unless the source changed: then it can only be removed.
 */
function reportKept(io: CliIo, e: MultipartUploadEvent, err: unknown): void {
  const remove = `s3-cse abort-upload --checkpoint ${e.checkpointPath}`;
  writeLine(
    io.stderr,
    isS3CseError(err) && err.code === ErrorCodes.SOURCE_CHANGED
      ? `s3-cse: the multipart upload ${e.uploadId} of s3://${e.bucket}/${e.key} was left as it was (checkpoint ${e.checkpointPath}), but the source changed, so it cannot be resumed: remove it with: ${remove}`
      : `s3-cse: the multipart upload ${e.uploadId} of s3://${e.bucket}/${e.key} was kept for --resume (checkpoint ${e.checkpointPath}); run the same command again to continue, or remove it with: ${remove}`,
  );
}

/** --dryrun: what an upload would do, without sending anything (only local config is resolved). */
export async function printDryRun(
  io: CliIo,
  file: string,
  bucket: string,
  key: string,
  opts: UploadOptions,
  partSize: number | undefined,
  expectedSize: number | undefined,
  clients: { s3: { config: { region: () => Promise<string> } } },
): Promise<void> {
  const size = file === "-" ? expectedSize : (await stat(file)).size;
  const chosen = choosePartSize(size, partSize);
  const parts = size === undefined ? undefined : size <= chosen ? 0 : Math.ceil((size + 16) / chosen);
  let region: string | undefined;
  try {
    region = await clients.s3.config.region();
  } catch {
    region = undefined;
  }
  const plan = {
    dryrun: true,
    source: file,
    bucket,
    key,
    region: region ?? null,
    format: opts.format,
    bytes: size ?? null,
    partSize: chosen,
    parts: parts ?? null,
  };
  if (opts.json) writeJson(io, { ok: true, ...plan });
  else
    writeLine(
      io.stdout,
      `(dryrun) upload: ${file} to s3://${bucket}/${key} — ${opts.format}, region ${region ?? "unresolved"}, ` +
        `${size ?? "unknown"} bytes, ${parts === 0 ? "single PutObject" : `${parts ?? "?"} parts of ${chosen} bytes`}`,
    );
}
