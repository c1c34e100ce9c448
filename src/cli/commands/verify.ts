import { access } from "node:fs/promises";
import type { Command } from "commander";
import { INSTRUCTION_FILE_SUFFIX } from "../../codec/metadata-keys.js";
import { UsageError } from "../../errors.js";
import { defaultDbName, restoreSql } from "../../inspect/rds-restore-sql.js";
import { type VerifyResult, verifyObject } from "../../inspect/verify-object.js";
import { KmsKeyring } from "../../materials/kms-keyring.js";
import { listObjectKeys } from "../../transfer/bucket-location.js";
import { addCommonOptions, type CommonOptions, clientsFor } from "../common-options.js";
import { ExitCode } from "../exit-codes.js";
import { examplesHelp } from "../help.js";
import { type CliIo, writeJson, writeLine } from "../io.js";
import { parsePairs, parseS3Url } from "../s3-url.js";
import { formatVerifyResult } from "../verify-report.js";

interface VerifyOptions extends CommonOptions {
  rds?: boolean;
  kmsKeyId?: string;
  deep?: boolean;
  compare?: string;
  context?: string[];
  dbName?: string;
}

/** The restore T-SQL for an object that passed every --rds check (key ARN as DescribeKey returned it). */
function restoreSqlFor(
  result: VerifyResult,
  bucket: string,
  key: string,
  dbName?: string,
): string | undefined {
  const keyArn = result.rds?.key?.keyArn;
  if (!result.ok || keyArn === undefined) return undefined;
  return restoreSql({ bucket, key, kmsKeyArn: keyArn, dbName: dbName ?? defaultDbName(key) });
}

/** Object keys to verify under a prefix: instruction files belong to their object and are skipped. */
export function targetsUnderPrefix(keys: readonly string[]): string[] {
  const all = new Set(keys);
  return keys.filter((k) => {
    if (k.endsWith("/")) return false; // "folder" marker
    if (k.endsWith(INSTRUCTION_FILE_SUFFIX) && all.has(k.slice(0, -INSTRUCTION_FILE_SUFFIX.length)))
      return false;
    return true;
  });
}

async function checkOptions(opts: VerifyOptions, isPrefix: boolean): Promise<void> {
  /* Precondition: --rds names the key RDS will use (--kms-key-id). */
  if (opts.rds && !opts.kmsKeyId) {
    throw new UsageError("--rds needs --kms-key-id <key ARN> (the key you will pass as @kms_master_key_arn)");
  }
  if (opts.compare !== undefined) {
    /* Precondition: --compare names one object, not a prefix. */
    if (isPrefix) throw new UsageError("--compare needs a single object (s3://bucket/key), not a prefix");
    try {
      await access(opts.compare);
    } catch {
      /* Precondition: the --compare file exists. */
      throw new UsageError(`--compare file ${opts.compare} cannot be read`);
    }
  }
}

export function registerVerify(program: Command, io: CliIo, setExit: (code: number) => void): void {
  addCommonOptions(
    program
      .command("verify")
      .description(
        "check an object's encryption (client-side V1/V2/V3 and server-side), its metadata, and optionally RDS readiness and a full decrypt",
      )
      .argument("<s3url>", "s3://bucket/key, or s3://bucket/prefix/ for every object under the prefix")
      .option("--rds", "check the object will restore with rds_restore_database (needs --kms-key-id)")
      .option(
        "--kms-key-id <id>",
        "the KMS key (ARN) RDS will be given as @kms_master_key_arn; also used by --deep",
      )
      .option(
        "--db-name <name>",
        "with --rds: database name in the printed restore T-SQL (default: the object's base name)",
      )
      .option("--deep", "decrypt the whole object (nothing is written) and check it is a SQL Server backup")
      .option(
        "--context <key=value>",
        "KMS encryption context the object was written with, for --deep (repeatable)",
        (value: string, previous: string[] = []) => [...previous, value],
      )
      .option(
        "--compare <file>",
        "decrypt fully (implies --deep); the plaintext SHA-256 must equal this local file's",
      ),
  )
    .addHelpText(
      "after",
      examplesHelp([
        "s3-cse verify s3://my-backups/sales/SalesDb.bak --rds --kms-key-id arn:aws:kms:us-east-1:111122223333:key/…",
        "s3-cse verify s3://my-backups/sales/SalesDb.bak --deep --compare SalesDb.bak --allow-legacy",
        "s3-cse verify s3://my-backups/sales/ --json",
      ]),
    )
    .action(async (s3url: string, opts: VerifyOptions) => {
      const location = parseS3Url(s3url, { allowPrefix: true });
      const encryptionContext = parsePairs(opts.context, "--context");
      const isPrefix = location.key === "" || location.key.endsWith("/");
      await checkOptions(opts, isPrefix);
      const clients = clientsFor(opts, io.env, io.stderr);
      try {
        const keys = isPrefix
          ? targetsUnderPrefix(
              (
                await listObjectKeys({
                  s3: clients.s3,
                  bucket: location.bucket,
                  prefix: location.key,
                  signal: io.signal,
                })
              ).map((o) => o.key),
            )
          : [location.key];
        if (keys.length === 0) {
          const message = `no objects under s3://${location.bucket}/${location.key}`;
          if (opts.json) writeJson(io, { target: s3url, ok: false, error: { code: "NO_OBJECTS", message } });
          writeLine(io.stderr, `s3-cse: ${message}`);
          setExit(ExitCode.FAILURE);
          return;
        }
        let allOk = true;
        for (const key of keys) {
          const result: VerifyResult = await verifyObject({
            s3: clients.s3,
            kms: clients.kms,
            bucket: location.bucket,
            key,
            ...(opts.rds && opts.kmsKeyId ? { rds: { kmsKeyId: opts.kmsKeyId } } : {}),
            ...(opts.deep ? { deep: true } : {}),
            ...(opts.compare !== undefined ? { compareFile: opts.compare } : {}),
            encryptionContext,
            ...(opts.kmsKeyId
              ? { keyring: new KmsKeyring({ client: clients.kms, keyId: opts.kmsKeyId }) }
              : {}),
            signal: io.signal,
          });
          allOk &&= result.ok;
          const sql = opts.rds ? restoreSqlFor(result, location.bucket, key, opts.dbName) : undefined;
          if (opts.json) writeJson(io, sql === undefined ? result : { ...result, restoreSql: sql });
          else {
            io.stdout.write(formatVerifyResult(result));
            if (sql !== undefined) writeLine(io.stdout, `restore on RDS for SQL Server with:\n${sql}`);
          }
        }
        setExit(allOk ? ExitCode.OK : ExitCode.FAILURE);
      } finally {
        clients.destroy();
      }
    });
}
