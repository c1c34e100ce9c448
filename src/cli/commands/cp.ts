/**
 * `s3-cse cp SRC DST`, as `aws s3 cp` spells it: a local SRC and s3:// DST encrypts and uploads,
 * an s3:// SRC and local DST downloads and decrypts. A DST ending in "/" (or an existing directory)
 * gets SRC's base name appended; missing local directories are created.
 */
import { mkdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type Command, Option } from "commander";
import { UsageError } from "../../errors.js";
import { addCommonOptions } from "../common-options.js";
import { EXIT_CODES_HELP } from "../help.js";
import type { CliIo } from "../io.js";
import { parseS3Url } from "../s3-url.js";
import { runRecursiveUpload } from "./cp-recursive.js";
import { type DownloadOptions, POLICIES, runDownload } from "./download.js";
import { addUploadOptions, runUpload, type UploadOptions } from "./upload.js";

type CpOptions = UploadOptions & DownloadOptions & { recursive?: boolean };

const isS3 = (s: string) => s.startsWith("s3://");

/** The object key an upload to `dst` writes: `prefix/` + the source's base name for a prefix. */
export function uploadTarget(src: string, dst: string): { bucket: string; key: string } {
  const { bucket, key } = parseS3Url(dst, { allowPrefix: true });
  if (key !== "" && !key.endsWith("/")) return { bucket, key };
  /* Precondition: cp from stdin names the whole destination key. */
  if (src === "-")
    throw new UsageError(`cp - ${dst}: reading stdin needs a full key (s3://bucket/key), not a prefix`);
  return { bucket, key: `${key}${basename(src)}` };
}

/** The file a download of s3://bucket/key to `dst` writes: `dst/<base name>` for a directory. */
export async function downloadTarget(key: string, dst: string): Promise<string> {
  const isDir = dst.endsWith("/") || (await stat(dst).catch(() => undefined))?.isDirectory() === true;
  return isDir ? join(dst, basename(key)) : dst;
}

export function registerCp(program: Command, io: CliIo, setExit: (code: number) => void): void {
  addCommonOptions(
    addUploadOptions(
      program
        .command("cp")
        .description(
          "copy a local file to S3 (encrypting) or an S3 object to a local file (decrypting), as aws s3 cp",
        )
        .argument("<src>", "local file (or - for stdin), or s3://bucket/key")
        .argument("<dst>", "s3://bucket/key or s3://bucket/prefix/, or a local file or directory/")
        .option(
          "--kms-key-id <id>",
          "upload: the KMS key to encrypt under (required); download: the key expected",
        )
        .option("--allow-legacy", "download: allow legacy modes (AES-CBC RDS backups, V1)")
        .option(
          "--recursive",
          "upload every file under a local directory to s3://bucket/prefix/<relative path> (one bar for the set)",
        )
        .addOption(
          new Option(
            "--commitment-policy <policy>",
            "key-commitment policy: which formats an upload may write (forbid-encrypt-allow-decrypt writes v2), which a download may read",
          ).choices(Object.keys(POLICIES)),
        ),
    ),
  )
    .addHelpText(
      "after",
      `
Examples:
  s3-cse cp SalesDb.bak s3://my-backups/sales/ --kms-key-id alias/rds-backups --format rds
  s3-cse cp SalesDb.bak s3://my-backups/sales/SalesDb.bak --kms-key-id alias/rds-backups --format rds \\
      --storage-class STANDARD_IA --acl bucket-owner-full-control
  s3-cse cp s3://my-backups/sales/SalesDb.bak restore/ --allow-legacy
  s3-cse cp --recursive /backups/Sales/ s3://my-backups/sales/ --kms-key-id alias/rds-backups --format rds
${EXIT_CODES_HELP}`,
    )
    .action(async (src: string, dst: string, opts: CpOptions, cmd: Command) => {
      if (opts.recursive) {
        /* Precondition: an upload names its KMS key. */
        if (!opts.kmsKeyId)
          throw new UsageError("cp to S3 needs --kms-key-id (the KMS key to encrypt under)");
        await runRecursiveUpload(io, src, dst, opts, cmd.getOptionValueSource("format") === "cli");
        setExit(0);
        return;
      }
      /* Precondition: cp copies between a local path and an s3:// location. */
      if (isS3(src) === isS3(dst))
        throw new UsageError(
          isS3(src)
            ? "cp between two S3 locations is not supported: download then upload, or use rewrap"
            : `cp needs one s3:// location (got "${src}" and "${dst}")`,
        );
      if (!isS3(src)) {
        /* Precondition: an upload names its KMS key. */
        if (!opts.kmsKeyId)
          throw new UsageError("cp to S3 needs --kms-key-id (the KMS key to encrypt under)");
        const { bucket, key } = uploadTarget(src, dst);
        await runUpload(io, src, bucket, key, opts);
      } else {
        const { bucket, key } = parseS3Url(src);
        const file = await downloadTarget(key, dst);
        await mkdir(dirname(file), { recursive: true });
        await runDownload(io, bucket, key, file, opts);
      }
      setExit(0);
    });
}
