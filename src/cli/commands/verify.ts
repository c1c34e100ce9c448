import { access } from "node:fs/promises";
import type { Command } from "commander";
import { createPreflightClients } from "../../aws/clients.js";
import { INSTRUCTION_FILE_SUFFIX } from "../../codec/metadata-keys.js";
import { UsageError } from "../../errors.js";
import { defaultDbName, restoreSql } from "../../inspect/rds-restore-sql.js";
import { type BackupSetResult, checkBackupSet } from "../../inspect/rds-set.js";
import { checkRdsSide, type RdsSideResult } from "../../inspect/rds-side/check-rds-side.js";
import { type VerifyResult, verifyObject } from "../../inspect/verify-object.js";
import { KmsKeyring } from "../../materials/kms-keyring.js";
import { listObjectKeys } from "../../transfer/bucket-location.js";
import { addCommonOptions, awsSettingsFor, type CommonOptions, clientsFor } from "../common-options.js";
import { ExitCode } from "../exit-codes.js";
import { examplesHelp } from "../help.js";
import { type CliIo, writeJson, writeLine } from "../io.js";
import { parsePairs, parseS3Url } from "../s3-url.js";
import { formatBackupSet, formatRdsSide, formatVerifyResult } from "../verify-report.js";

interface VerifyOptions extends CommonOptions {
  rds?: boolean;
  kmsKeyId?: string;
  deep?: boolean;
  compare?: string;
  context?: string[];
  dbName?: string;
  dbInstance?: string;
  iamSimulate?: boolean;
  beforeUpload?: boolean;
}

/**
 * The restore T-SQL when every check passed (key ARN as DescribeKey returned it); for an RDS
 * wildcard the wildcard itself, with the number of files.
 */
function restoreSqlFor(
  results: readonly VerifyResult[],
  ok: boolean,
  bucket: string,
  key: string,
  dbName: string | undefined,
  numberOfFiles?: number,
): string | undefined {
  const keyArn = results[0]?.rds?.key?.keyArn;
  if (!ok || keyArn === undefined) return undefined;
  return restoreSql({
    bucket,
    key,
    kmsKeyArn: keyArn,
    dbName: dbName ?? defaultDbName(key.replace(/[*\-_.]+$/, "")),
    ...(numberOfFiles !== undefined ? { numberOfFiles } : {}),
  });
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

async function checkOptions(opts: VerifyOptions, isPrefix: boolean, wildcard: boolean): Promise<void> {
  /* Precondition: --rds names the key RDS will use (--kms-key-id). */
  if (opts.rds && !opts.kmsKeyId) {
    throw new UsageError("--rds needs --kms-key-id <key ARN> (the key you will pass as @kms_master_key_arn)");
  }
  /* Precondition: --db-instance comes with --rds. */
  if (opts.dbInstance !== undefined && !opts.rds)
    throw new UsageError("--db-instance needs --rds --kms-key-id <key ARN>");
  /* Precondition: --before-upload comes with --db-instance. */
  if (opts.beforeUpload && opts.dbInstance === undefined)
    throw new UsageError(
      "--before-upload checks only the RDS side of a restore: add --rds --kms-key-id <key ARN> --db-instance <id>",
    );
  /* Precondition: --iam-simulate comes with --db-instance. */
  if (opts.iamSimulate && opts.dbInstance === undefined)
    throw new UsageError("--iam-simulate cross-checks the RDS-side preflight: add --db-instance <id>");
  /* Precondition: --db-instance checks one object or one RDS wildcard, not a prefix. */
  if (opts.dbInstance !== undefined && isPrefix && !wildcard)
    throw new UsageError(
      "--db-instance needs one object (s3://bucket/key) or an RDS wildcard (s3://bucket/prefix/name*), not a prefix",
    );
  if (opts.compare !== undefined) {
    /* Precondition: --compare names one object, not a prefix. */
    if (isPrefix || wildcard)
      throw new UsageError("--compare needs a single object (s3://bucket/key), not a prefix");
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
      .argument(
        "<s3url>",
        "s3://bucket/key; s3://bucket/prefix/ for every object under the prefix; s3://bucket/prefix/name* for an RDS striped backup set (quote it)",
      )
      .option("--rds", "check the object will restore with rds_restore_database (needs --kms-key-id)")
      .option(
        "--kms-key-id <id>",
        "the KMS key (ARN) RDS will be given as @kms_master_key_arn; also used by --deep",
      )
      .option(
        "--db-instance <id>",
        "with --rds: also check the RDS side (instance, option group, restore role, key and bucket policies; read-only calls)",
      )
      .option(
        "--before-upload",
        "with --db-instance: the object is not uploaded yet; check only the RDS side for this key and object name",
      )
      .option(
        "--iam-simulate",
        "with --db-instance: also ask IAM SimulatePrincipalPolicy (needs iam:SimulatePrincipalPolicy) and report where it disagrees",
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
        "s3-cse verify s3://my-backups/sales/SalesDb.bak --rds --kms-key-id arn:aws:kms:…:key/… --db-instance sales-prod",
        "s3-cse verify 's3://my-backups/sales/SalesDb*' --rds --kms-key-id arn:aws:kms:…:key/… --deep",
        "s3-cse verify s3://my-backups/sales/SalesDb.bak --deep --compare SalesDb.bak --allow-legacy",
        "s3-cse verify s3://my-backups/sales/ --json",
      ]),
    )
    .action(async (s3url: string, opts: VerifyOptions) => {
      const location = parseS3Url(s3url, { allowPrefix: true });
      const encryptionContext = parsePairs(opts.context, "--context");
      const wildcard = location.key.endsWith("*");
      /* Precondition: an RDS wildcard has one '*', at the end. */
      if (location.key.slice(0, -1).includes("*"))
        throw new UsageError(
          `"${s3url}": RDS restores a set with one trailing '*' (s3://bucket/prefix/name*), not a '*' inside the key`,
        );
      const isPrefix = location.key === "" || location.key.endsWith("/");
      await checkOptions(opts, isPrefix, wildcard);
      const clients = clientsFor(opts, io.env, io.stderr);
      if (opts.beforeUpload && opts.dbInstance !== undefined && opts.kmsKeyId) {
        try {
          const side = await runRdsSide(
            io,
            opts,
            clients,
            location.bucket,
            [location.key],
            opts.dbInstance,
            opts.kmsKeyId,
          );
          reportBeforeUpload(io, opts, s3url, side, opts.dbInstance);
          setExit(side.ok ? ExitCode.OK : ExitCode.FAILURE);
        } finally {
          clients.destroy();
        }
        return;
      }
      try {
        const prefix = wildcard ? location.key.slice(0, -1) : location.key;
        const listed =
          isPrefix || wildcard
            ? (await listObjectKeys({ s3: clients.s3, bucket: location.bucket, prefix, signal: io.signal }))
                .map((o) => o.key)
                .filter((k) => !k.endsWith("/"))
            : [location.key];
        const keys = isPrefix || wildcard ? targetsUnderPrefix(listed) : listed;
        if (keys.length === 0 && !wildcard) {
          const message = `no objects under s3://${location.bucket}/${location.key}`;
          if (opts.json) writeJson(io, { target: s3url, ok: false, error: { code: "NO_OBJECTS", message } });
          writeLine(io.stderr, `s3-cse: ${message}`);
          setExit(ExitCode.FAILURE);
          return;
        }
        const results: VerifyResult[] = [];
        for (const key of keys)
          results.push(
            await verifyObject({
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
            }),
          );
        const set = wildcard
          ? checkBackupSet({ bucket: location.bucket, pattern: location.key, listedKeys: listed, results })
          : undefined;
        const rdsSide =
          opts.dbInstance !== undefined && opts.kmsKeyId
            ? await runRdsSide(io, opts, clients, location.bucket, keys, opts.dbInstance, opts.kmsKeyId)
            : undefined;
        const ok = results.every((r) => r.ok) && (set?.ok ?? true) && (rdsSide?.ok ?? true);
        const sql = opts.rds
          ? restoreSqlFor(
              results,
              ok && keys.length > 0,
              location.bucket,
              wildcard || !isPrefix ? location.key : (keys[0] ?? ""),
              opts.dbName,
              set?.numberOfFiles,
            )
          : undefined;
        report(io, opts, { s3url, results, set, rdsSide, sql, ok, wildcard, isPrefix });
        setExit(ok ? ExitCode.OK : ExitCode.FAILURE);
      } finally {
        clients.destroy();
      }
    });
}

async function runRdsSide(
  io: CliIo,
  opts: VerifyOptions,
  clients: ReturnType<typeof clientsFor>,
  bucket: string,
  keys: string[],
  dbInstanceId: string,
  kmsKeyId: string,
): Promise<RdsSideResult> {
  const side = await createPreflightClients(awsSettingsFor(opts, io.stderr), io.env);
  try {
    return await checkRdsSide({
      rds: side.rds,
      iam: side.iam,
      kms: clients.kms,
      s3: clients.s3,
      dbInstanceId,
      bucket,
      keys,
      kmsKeyId,
      ...(opts.iamSimulate ? { crossCheckWithIam: true } : {}),
      signal: io.signal,
    });
  } finally {
    side.destroy();
  }
}

interface Report {
  s3url: string;
  results: VerifyResult[];
  set: BackupSetResult | undefined;
  rdsSide: RdsSideResult | undefined;
  sql: string | undefined;
  ok: boolean;
  wildcard: boolean;
  isPrefix: boolean;
}

function report(io: CliIo, opts: VerifyOptions, r: Report): void {
  const extra = {
    ...(r.rdsSide ? { rdsSide: r.rdsSide } : {}),
    ...(r.sql !== undefined ? { restoreSql: r.sql } : {}),
  };
  if (opts.json) {
    if (r.wildcard) writeJson(io, { target: r.s3url, ok: r.ok, set: r.set, objects: r.results, ...extra });
    else if (r.isPrefix) for (const result of r.results) writeJson(io, result);
    else writeJson(io, { ...r.results[0], ok: r.ok, ...extra });
    return;
  }
  for (const result of r.results) io.stdout.write(formatVerifyResult(result));
  if (r.set) io.stdout.write(formatBackupSet(r.set));
  if (r.rdsSide && opts.dbInstance) io.stdout.write(formatRdsSide(r.rdsSide, opts.dbInstance));
  if (r.sql !== undefined) writeLine(io.stdout, `restore on RDS for SQL Server with:\n${r.sql}`);
}

/** --before-upload: the RDS side only; the object is checked (and the T-SQL printed) after the upload. */
function reportBeforeUpload(
  io: CliIo,
  opts: VerifyOptions,
  s3url: string,
  side: RdsSideResult,
  dbInstanceId: string,
): void {
  if (opts.json) {
    writeJson(io, { target: s3url, ok: side.ok, beforeUpload: true, rdsSide: side });
    return;
  }
  io.stdout.write(formatRdsSide(side, dbInstanceId));
  writeLine(
    io.stdout,
    `${s3url} itself was not checked (--before-upload): upload it with --format rds, then run verify --rds again for the object checks and the restore T-SQL`,
  );
}
