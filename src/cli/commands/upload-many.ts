/**
 * `s3-cse upload a.bak b.bak c.bak s3://B/prefix/`: several files under one prefix (file names
 * kept), uploaded concurrently, each its own upload with its own data key; one progress display,
 * one summary (`--json`: the results plus totals). The first failure cancels the others: each
 * aborts its multipart upload, so none is left behind; objects already complete stay.
 */
import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import { AbortError, UsageError } from "../../errors.js";
import { checkBackupHeader, MTF_HEAD_BYTES } from "../../inspect/mtf-header.js";
import { defaultDbName, restoreSql } from "../../inspect/rds-restore-sql.js";
import type { UploadResult } from "../../transfer/upload.js";
import { encryptAndUploadFile } from "../../transfer/upload-file.js";
import { clientsFor, hidesProgress, showsResult } from "../common-options.js";
import { type CliIo, writeJson, writeLine } from "../io.js";
import { createSetProgress } from "../progress.js";
import {
  printDryRun,
  progressUpdater,
  rdsKeyArn,
  type UploadOptions,
  uploadedLine,
  uploadRequest,
  uploadSettings,
  warnIfBackup,
} from "./upload.js";

/** Files uploaded at the same time (each with --concurrency parts in flight). */
export const FILES_IN_FLIGHT = 4;

export interface UploadTarget {
  readonly file: string;
  readonly key: string;
  /** How the progress display names the file (default: `file`; cp --recursive: its relative path). */
  readonly name?: string;
}

/** A destination that ends in `/` (or is the bucket) is a prefix: the file's name is appended. */
export function isPrefixKey(key: string): boolean {
  return key === "" || key.endsWith("/");
}

/** The object key of each file under a prefix (file names kept). */
export function prefixTargets(files: readonly string[], prefix: string): UploadTarget[] {
  /* Precondition: several files go under a prefix (s3://bucket/prefix/, with the trailing '/'). */
  if (files.length > 1 && !isPrefixKey(prefix))
    throw new UsageError(
      `${files.length} files need a destination prefix ending in '/' (s3://bucket/${prefix}/), under which each keeps its file name`,
    );
  /* Precondition: stdin (-) is uploaded alone. */
  if (files.length > 1 && files.includes("-"))
    throw new UsageError("stdin (-) is uploaded alone: give files, or one - and an object key");
  const targets = files.map((file) => ({ file, key: `${prefix}${basename(file)}` }));
  const seen = new Map<string, string>();
  for (const t of targets) {
    const other = seen.get(t.key);
    /* Precondition: no two files of a multi-file upload have the same name. */
    if (other !== undefined)
      throw new UsageError(`${other} and ${t.file} would both be uploaded to ${t.key}: rename one`);
    seen.set(t.key, t.file);
  }
  return targets;
}

/** The longest common start of the strings. */
function commonStart(values: readonly string[]): string {
  let start = values[0] ?? "";
  for (const v of values) while (!v.startsWith(start)) start = start.slice(0, -1);
  return start;
}

/** True when every file is a SQL Server backup of one media set (the stripes of one BACKUP … TO DISK=…, DISK=…). */
export async function isStripedSet(files: readonly string[]): Promise<boolean> {
  if (files.length < 2) return false;
  const ids = new Set<string>();
  for (const file of files) {
    const handle = await open(file, "r");
    try {
      const head = Buffer.alloc(MTF_HEAD_BYTES);
      const { bytesRead } = await handle.read(head, 0, MTF_HEAD_BYTES, 0);
      const h = checkBackupHeader(head.subarray(0, bytesRead));
      if (!h.looksLikeBackup || h.mediaSetId === undefined) return false;
      ids.add(h.mediaSetId);
    } finally {
      await handle.close();
    }
  }
  return ids.size === 1;
}

/**
 * The restore T-SQL of an rds multi-file upload: one wildcard call for a striped set (the keys'
 * common start + `*`), or one call per file for separate backups.
 */
export function restoreSqlForFiles(
  bucket: string,
  prefix: string,
  targets: readonly UploadTarget[],
  keyArn: string,
  striped: boolean,
  dbName: string | undefined,
): { set?: string; perFile: Map<string, string> } {
  const perFile = new Map<string, string>();
  if (striped) {
    const stem = commonStart(targets.map((t) => t.key.slice(prefix.length)));
    return {
      set: restoreSql({
        bucket,
        key: `${prefix}${stem}*`,
        kmsKeyArn: keyArn,
        dbName: dbName ?? defaultDbName(stem.replace(/[\d\-_. ]+$/, "")),
        numberOfFiles: targets.length,
      }),
      perFile,
    };
  }
  for (const t of targets)
    perFile.set(t.key, restoreSql({ bucket, key: t.key, kmsKeyArn: keyArn, dbName: defaultDbName(t.file) }));
  return { perFile };
}

type Status = "uploaded" | "failed" | "aborted" | "not started";

interface Outcome {
  readonly target: UploadTarget;
  status: Status;
  result?: UploadResult;
  error?: unknown;
}

/** Runs `task` over the items with at most `limit` at once; stops starting new ones once `stop()` is true. */
async function pool<T>(
  items: readonly T[],
  limit: number,
  stop: () => boolean,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function sizes(targets: readonly UploadTarget[]) {
  return Promise.all(
    targets.map(async (t) => {
      const st = await stat(t.file).catch(() => undefined);
      /* Precondition: every file of a multi-file upload is a regular file. */
      if (!st?.isFile()) throw new UsageError(`${t.file} is not a regular file (or cannot be read)`);
      return { name: t.name ?? t.file, bytes: st.size };
    }),
  );
}

/** Uploads every file to s3://bucket/<prefix><file name>; prints one summary. */
export async function runUploadMany(
  io: CliIo,
  targets: readonly UploadTarget[],
  bucket: string,
  prefix: string,
  opts: UploadOptions,
  formatGiven: boolean,
): Promise<void> {
  const files = targets.map((t) => t.file);
  /* Precondition: a multi-file upload is not resumable (--resume is for one file). */
  if (opts.resume || opts.checkpoint !== undefined)
    throw new UsageError("--resume and --checkpoint take one file: upload the files one by one to resume");
  const settings = uploadSettings(opts, false);
  const setFiles = await sizes(targets);
  const striped = opts.format === "rds" && (await isStripedSet(files));
  /* Precondition: --db-name names the database of one backup (one file or one striped set). */
  if (opts.dbName !== undefined && opts.format === "rds" && !striped)
    throw new UsageError(
      "--db-name names one database, but these files are separate backups (not the stripes of one media set): upload them one by one to name each",
    );
  const clients = clientsFor(opts, io.env, io.stderr);
  try {
    if (opts.dryrun) {
      for (const t of targets)
        await printDryRun(io, t.file, bucket, t.key, opts, settings.partSize, undefined, clients);
      return;
    }
    for (const t of targets) await warnIfBackup(io, t.file, opts, formatGiven);
    const keyArn = await rdsKeyArn(io, clients, bucket, opts);
    const outcomes = await uploadAll(io, opts, settings, clients, bucket, targets, setFiles);
    const failed = outcomes.find((o) => o.status === "failed");
    if (failed && !io.signal.aborted) {
      reportFailure(io, outcomes);
      throw failed.error;
    }
    if (io.signal.aborted) {
      reportCancel(io, outcomes);
      throw outcomes.find((o) => o.error !== undefined)?.error ?? new AbortError();
    }
    const sql =
      keyArn === undefined
        ? undefined
        : restoreSqlForFiles(bucket, prefix, targets, keyArn, striped, opts.dbName);
    summarize(io, opts, outcomes, sql);
  } finally {
    clients.destroy();
  }
}

async function uploadAll(
  io: CliIo,
  opts: UploadOptions,
  settings: ReturnType<typeof uploadSettings>,
  clients: ReturnType<typeof clientsFor>,
  bucket: string,
  targets: readonly UploadTarget[],
  setFiles: { name: string; bytes: number }[],
): Promise<Outcome[]> {
  // One signal for the set: Ctrl-C, or the first failure, cancels every upload still running.
  const cancel = new AbortController();
  const onAbort = () => cancel.abort(io.signal.reason);
  if (io.signal.aborted) onAbort();
  else io.signal.addEventListener("abort", onAbort, { once: true });
  const progress = createSetProgress(
    io,
    `upload ${targets.length} files ${opts.format}`,
    hidesProgress(opts),
    setFiles,
  );
  const outcomes: Outcome[] = targets.map((target) => ({ target, status: "not started" }));
  try {
    await pool(
      outcomes,
      FILES_IN_FLIGHT,
      () => cancel.signal.aborted,
      async (o) => {
        const bar = progress.file(o.target.name ?? o.target.file);
        try {
          o.result = await encryptAndUploadFile({
            ...uploadRequest(
              io,
              opts,
              settings,
              clients,
              { bucket, key: o.target.key },
              progressUpdater(bar),
              cancel.signal,
            ),
            file: o.target.file,
          });
          o.status = "uploaded";
        } catch (err) {
          o.error = err;
          o.status = cancel.signal.aborted ? "aborted" : "failed";
          if (!cancel.signal.aborted) cancel.abort(err);
        } finally {
          bar.stop();
        }
      },
    );
  } finally {
    progress.stop();
    io.signal.removeEventListener("abort", onAbort);
  }
  return outcomes;
}

function reportFailure(io: CliIo, outcomes: readonly Outcome[]): void {
  const failed = outcomes.find((o) => o.status === "failed");
  writeLine(
    io.stderr,
    `s3-cse: the upload of ${failed?.target.file} failed, so the others were cancelled (their multipart uploads aborted; nothing partial is left):`,
  );
  for (const o of outcomes)
    writeLine(
      io.stderr,
      `  ${o.target.file} → s3://${o.result?.bucket ?? "…"}/${o.target.key}: ${o.status}${o.status === "uploaded" ? " (complete; it stays)" : ""}`,
    );
}

function reportCancel(io: CliIo, outcomes: readonly Outcome[]): void {
  writeLine(io.stderr, "s3-cse: cancelled; the multipart uploads of the files in flight were aborted:");
  for (const o of outcomes) writeLine(io.stderr, `  ${o.target.file} → ${o.target.key}: ${o.status}`);
}

function summarize(
  io: CliIo,
  opts: UploadOptions,
  outcomes: readonly Outcome[],
  sql: ReturnType<typeof restoreSqlForFiles> | undefined,
): void {
  const results = outcomes.map((o) => o.result!);
  const totals = {
    files: results.length,
    bytes: results.reduce((n, r) => n + r.bytes, 0),
    ciphertextBytes: results.reduce((n, r) => n + r.ciphertextBytes, 0),
    parts: results.reduce((n, r) => n + r.parts, 0),
  };
  if (opts.json) {
    writeJson(io, {
      ok: true,
      files: outcomes.map((o) => {
        const perFile = sql?.perFile.get(o.target.key);
        return { file: o.target.file, ...o.result, ...(perFile ? { restoreSql: perFile } : {}) };
      }),
      totals,
      ...(sql?.set !== undefined ? { restoreSql: sql.set } : {}),
    });
    return;
  }
  if (!showsResult(opts)) return;
  for (const r of results) writeLine(io.stdout, uploadedLine(r));
  writeLine(
    io.stdout,
    `${totals.files} files, ${totals.bytes} bytes (${totals.ciphertextBytes} encrypted), each with its own data key`,
  );
  if (sql?.set !== undefined)
    writeLine(io.stdout, `restore the striped set on RDS for SQL Server with:\n${sql.set}`);
  else if (sql && sql.perFile.size > 0) {
    writeLine(io.stdout, "restore each on RDS for SQL Server with:");
    for (const s of sql.perFile.values()) writeLine(io.stdout, s);
  }
}
