/** The `upload` command: one file (or stdin) to an object, or several files under a prefix. */
import { type Command, Option } from "commander";
import { UsageError } from "../../errors.js";
import { addCommonOptions } from "../common-options.js";
import { examplesHelp } from "../help.js";
import type { CliIo } from "../io.js";
import { parseS3Url } from "../s3-url.js";
import { POLICIES } from "./download.js";
import { addUploadOptions, runUpload, type UploadOptions } from "./upload.js";
import { isPrefixKey, prefixTargets, runUploadMany } from "./upload-many.js";

/** `<file>... <s3url>`: the last argument is the destination. */
export function splitUploadArgs(paths: readonly string[]): { files: string[]; s3url: string } {
  /* Precondition: upload names at least one file and a destination. */
  if (paths.length < 2)
    throw new UsageError(
      "upload needs a file (or -) and a destination: s3-cse upload FILE s3://bucket/key, or FILE... s3://bucket/prefix/",
    );
  return { files: paths.slice(0, -1), s3url: paths[paths.length - 1]! };
}

export function registerUpload(program: Command, io: CliIo, setExit: (code: number) => void): void {
  addCommonOptions(
    addUploadOptions(
      program
        .command("upload")
        .description(
          "encrypt a file (or - for stdin) and upload it to S3; several files go under a prefix, concurrently",
        )
        .usage("[options] <file>... <s3url>")
        .argument(
          "<paths...>",
          "local file(s) to encrypt (or - for stdin), then the destination: s3://bucket/key for one file, s3://bucket/prefix/ to keep the file names",
        )
        .requiredOption("--kms-key-id <id>", "KMS key id, key ARN, alias name or alias ARN")
        .addOption(
          new Option(
            "--commitment-policy <policy>",
            "which formats may be written: require-encrypt-* (default require-encrypt-require-decrypt) write v3 (and rds); forbid-encrypt-allow-decrypt is the way to write v2",
          ).choices(Object.keys(POLICIES)),
        ),
    ),
  )
    .addHelpText(
      "after",
      examplesHelp([
        "s3-cse upload SalesDb.bak s3://my-backups/sales/SalesDb.bak --kms-key-id alias/rds-backups --format rds",
        "s3-cse upload Sales1-of-3.bak Sales2-of-3.bak Sales3-of-3.bak s3://my-backups/sales/ --kms-key-id alias/rds-backups --format rds",
        "pg_dump db | s3-cse upload - s3://lake/dumps/db.sql --kms-key-id alias/lake --context project=atlas",
        "s3-cse upload big.bak s3://b/big.bak --kms-key-id alias/k --part-size 64MiB --concurrency 8 --storage-class STANDARD_IA",
        "s3-cse upload 2tb.bak s3://b/2tb.bak --kms-key-id alias/k --format rds --resume   # run again after a crash: continues",
      ]),
    )
    .action(async (paths: string[], opts: UploadOptions, cmd: Command) => {
      const { files, s3url } = splitUploadArgs(paths);
      const { bucket, key } = parseS3Url(s3url, { allowPrefix: true });
      const formatGiven = cmd.getOptionValueSource("format") === "cli";
      if (files.length > 1)
        await runUploadMany(io, prefixTargets(files, key), bucket, key, opts, formatGiven);
      else {
        /* Precondition: stdin goes to an object key, not a prefix. */
        if (files[0] === "-" && isPrefixKey(key))
          throw new UsageError(`"${s3url}" names no object key: stdin (-) needs s3://bucket/key`);
        const target = isPrefixKey(key) ? prefixTargets(files, key)[0]!.key : key;
        await runUpload(io, files[0]!, bucket, target, opts, formatGiven);
      }
      setExit(0);
    });
}
