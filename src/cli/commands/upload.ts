import { Readable } from "node:stream";
import { type Command, Option } from "commander";
import { UsageError } from "../../errors.js";
import { defaultDbName, resolveKmsKey, restoreSql } from "../../inspect/rds-restore-sql.js";
import { checkRdsUpload, startsWithMtfTape } from "../../inspect/rds-upload-checks.js";
import { KmsKeyring } from "../../materials/kms-keyring.js";
import { WRITE_FORMATS, type WriteFormat } from "../../materials/materials.js";
import { parseByteSize } from "../../transfer/part-size.js";
import { encryptAndUpload, type UploadProgress, type UploadResult } from "../../transfer/upload.js";
import { encryptAndUploadFile } from "../../transfer/upload-file.js";
import { addCommonOptions, type CommonOptions, clientsFor } from "../common-options.js";
import { type CliIo, writeJson, writeLine } from "../io.js";
import { createProgress } from "../progress.js";
import { parsePairs, parseS3Url } from "../s3-url.js";

interface UploadOptions extends CommonOptions {
  kmsKeyId: string;
  format: WriteFormat;
  partSize?: string;
  concurrency?: string;
  context?: string[];
  instructionFile?: boolean;
  unsignedPayload?: boolean;
  dbName?: string;
  rdsChecks?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * stdin itself (not a wrapper around it): cancelling destroys the stream the upload reads, so a
 * pending read of a silent pipe cannot keep the process alive after Ctrl-C.
 */
function stdinSource(io: CliIo): Readable {
  return io.stdin instanceof Readable ? io.stdin : Readable.from(io.stdin as AsyncIterable<Buffer>);
}

export function registerUpload(program: Command, io: CliIo, setExit: (code: number) => void): void {
  addCommonOptions(
    program
      .command("upload")
      .description("encrypt a file (or - for stdin) and upload it to S3")
      .argument("<file>", "local file to encrypt, or - for stdin")
      .argument("<s3url>", "destination, s3://bucket/key")
      .requiredOption("--kms-key-id <id>", "KMS key id, key ARN, alias name or alias ARN")
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
      .option("--concurrency <n>", "parts in flight at once", "4")
      .option("--context <key=value>", "KMS encryption context entry (v2/v3; repeatable)", collect)
      .option(
        "--instruction-file",
        "store the encryption metadata in <key>.instruction (v2/v3; RDS does not read it)",
      )
      .option(
        "--db-name <name>",
        "rds: database name in the printed restore T-SQL (default: the file's base name)",
      )
      .option(
        "--no-rds-checks",
        "rds: skip the pre-upload key checks (symmetric, enabled, in the bucket's region)",
      )
      .option(
        "--unsigned-payload",
        "sign headers but not part bodies (UNSIGNED-PAYLOAD): faster, for HTTPS endpoints only; parts keep their CRC32",
      ),
  ).action(async (file: string, s3url: string, opts: UploadOptions, cmd: Command) => {
    const { bucket, key } = parseS3Url(s3url);
    const partSize = opts.partSize === undefined ? undefined : parseByteSize(opts.partSize);
    const concurrency = Number(opts.concurrency ?? "4");
    /* Precondition: --concurrency is a positive integer. */
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new UsageError(`--concurrency must be a positive integer`);
    const encryptionContext = parsePairs(opts.context, "--context");
    const clients = clientsFor(opts, io.env);
    const formatGiven = cmd.getOptionValueSource("format") === "cli";
    /* Precondition: a SQL Server backup uploaded without --format rds gets a warning naming --format rds. */
    if (file !== "-" && opts.format !== "rds" && !formatGiven && (await startsWithMtfTape(file)))
      writeLine(
        io.stderr,
        `s3-cse: warning: ${file} is a SQL Server backup (MTF TAPE block) but is being uploaded as ${opts.format}; RDS for SQL Server restores only --format rds (give --format ${opts.format} explicitly to silence this)`,
      );
    let keyArn: string | undefined;
    if (opts.format === "rds") {
      try {
        keyArn =
          opts.rdsChecks === false
            ? (await resolveKmsKey(clients.kms, opts.kmsKeyId, io.signal)).arn
            : (
                await checkRdsUpload({
                  s3: clients.s3,
                  kms: clients.kms,
                  bucket,
                  kmsKeyId: opts.kmsKeyId,
                  signal: io.signal,
                })
              ).key.arn;
      } catch (err) {
        clients.destroy();
        throw err;
      }
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
    const progress = createProgress(io, `upload ${opts.format}`, opts.json === true);
    const onProgress = (p: UploadProgress) =>
      progress.update(p.bytesRead, p.totalBytes, `${p.partsDone} part${p.partsDone === 1 ? "" : "s"} done`);
    const common = {
      s3: clients.s3,
      bucket,
      key,
      keyring: new KmsKeyring({ client: clients.kms, keyId: opts.kmsKeyId }),
      format: opts.format,
      encryptionContext,
      concurrency,
      signal: io.signal,
      onProgress,
      ...(partSize !== undefined ? { partSize } : {}),
      ...(opts.instructionFile ? { metadataPlacement: "instruction-file" as const } : {}),
      ...(opts.unsignedPayload ? { unsignedPayload: true } : {}),
    };
    let result: UploadResult;
    try {
      result =
        file === "-"
          ? await encryptAndUpload({ ...common, source: stdinSource(io) })
          : await encryptAndUploadFile({ ...common, file });
    } finally {
      progress.stop();
      clients.destroy();
    }
    if (opts.json) {
      writeJson(io, { ok: true, ...result, ...(sql !== undefined ? { restoreSql: sql } : {}) });
    } else {
      writeLine(
        io.stdout,
        `uploaded ${result.bytes} bytes to s3://${bucket}/${key} (${result.format}, ${result.parts === 0 ? "single PutObject" : `${result.parts} parts`})`,
      );
      for (const [k, v] of Object.entries(result.metadata)) writeLine(io.stdout, `  x-amz-meta-${k}: ${v}`);
      if (sql !== undefined) {
        writeLine(io.stdout, "restore on RDS for SQL Server with:");
        writeLine(io.stdout, sql);
      }
    }
    setExit(0);
  });
}
