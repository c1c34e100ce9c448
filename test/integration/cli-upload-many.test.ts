/**
 * `s3-cse upload a.bak b.bak c.bak s3://B/prefix/` on moto_server: concurrent uploads under a prefix
 * with their own data keys, one summary (--json: files + totals), the restore T-SQL of a striped
 * set (a wildcard) or of separate backups, and a failure of one that cancels the others with no
 * multipart upload left (fault proxy). One run goes through the built binary.
 */
import { randomBytes } from "node:crypto";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS } from "../../scripts/support/moto-server.js";
import { startTestAws, type TestAws } from "../support/aws.js";
import { EMULATOR_ENV, runBuiltCli, runCli } from "../support/cli.js";
import { type FaultProxy, startFaultProxy } from "../support/fault-proxy.js";
import { makeStripes } from "../support/stripes.js";

let aws: TestAws;
let dir: string;
let stripes: string[];
const FULL = new URL("../../fixtures/bak/FullBackup.bak", import.meta.url).pathname;
const LOG = new URL("../../fixtures/bak/TransactionLogBackup.bak", import.meta.url).pathname;

beforeAll(async () => {
  aws = await startTestAws();
  dir = await mkdtemp(join(tmpdir(), "s3cse-many-"));
  stripes = await makeStripes(LOG, dir, "Sales", 3);
  process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey;
  process.env.AWS_REGION = "us-east-1";
});
afterAll(async () => {
  await aws?.stop();
  await rm(dir, { recursive: true, force: true });
});

const up = (...args: string[]) => runCli(["upload", ...args, "--endpoint-url", aws.moto.endpoint]);

async function openUploads(bucket: string, prefix: string) {
  const r = await aws.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return r.Uploads ?? [];
}

describe("upload several files under a prefix", () => {
  it("uploads a striped set concurrently, each file with its own data key, one --json summary with totals and the set's restore T-SQL", async () => {
    const r = await up(
      ...stripes,
      `s3://${aws.bucket}/sets/a/`,
      "--kms-key-id",
      aws.aliasName,
      "--format",
      "rds",
      "--json",
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json() as {
      files: { file: string; key: string; bytes: number; metadata: Record<string, string> }[];
      totals: { files: number; bytes: number };
      restoreSql: string;
    };
    expect(out.files.map((f) => f.key)).toEqual([
      "sets/a/Sales1-of-3.bak",
      "sets/a/Sales2-of-3.bak",
      "sets/a/Sales3-of-3.bak",
    ]);
    expect(new Set(out.files.map((f) => f.metadata["x-amz-key"])).size).toBe(3);
    expect(out.totals).toMatchObject({ files: 3, bytes: 3 * (await readFile(LOG)).length });
    expect(out.restoreSql).toBe(
      `-- striped backup set: 3 files match arn:aws:s3:::${aws.bucket}/sets/a/Sales* (RDS restores every object under that prefix)\n` +
        `exec msdb.dbo.rds_restore_database @restore_db_name='Sales', @s3_arn_to_restore_from='arn:aws:s3:::${aws.bucket}/sets/a/Sales*', @kms_master_key_arn='${aws.keyArn}';\n` +
        "exec msdb.dbo.rds_task_status @db_name='Sales';",
    );
    // The set verifies as a set, and verify prints the same T-SQL.
    const v = await runCli([
      "verify",
      `s3://${aws.bucket}/sets/a/Sales*`,
      "--rds",
      "--kms-key-id",
      aws.keyArn,
      "--deep",
      "--json",
      "--endpoint-url",
      aws.moto.endpoint,
    ]);
    expect(v.code, v.stdout).toBe(0);
    expect(v.json().restoreSql).toBe(out.restoreSql);
  });

  it("separate backups get one restore call each; text output has one line per file and a total", async () => {
    const full = join(dir, "Full.bak");
    const log = join(dir, "Log.bak");
    await copyFile(FULL, full);
    await copyFile(LOG, log);
    const r = await up(full, log, `s3://${aws.bucket}/sep/`, "--kms-key-id", aws.keyId, "--format", "rds");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `uploaded ${(await readFile(FULL)).length} bytes to s3://${aws.bucket}/sep/Full.bak`,
    );
    expect(r.stdout).toContain(`to s3://${aws.bucket}/sep/Log.bak`);
    expect(r.stdout).toMatch(/2 files, \d+ bytes .*each with its own data key/);
    expect(r.stdout).toContain(
      `@restore_db_name='Full', @s3_arn_to_restore_from='arn:aws:s3:::${aws.bucket}/sep/Full.bak'`,
    );
    expect(r.stdout).toContain(
      `@restore_db_name='Log', @s3_arn_to_restore_from='arn:aws:s3:::${aws.bucket}/sep/Log.bak'`,
    );
    expect(r.stdout).not.toContain("*'");
  });

  it("Precondition: --db-name names the database of one backup (one file or one striped set).", async () => {
    const full = join(dir, "Full2.bak");
    await copyFile(FULL, full);
    const r = await up(
      full,
      LOG,
      `s3://${aws.bucket}/dbn/`,
      "--kms-key-id",
      aws.keyId,
      "--format",
      "rds",
      "--db-name",
      "X",
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--db-name names one database/);
    expect(await openUploads(aws.bucket, "dbn/")).toEqual([]);
  });

  it("Precondition: several files go under a prefix (s3://bucket/prefix/, with the trailing '/').", async () => {
    const r = await up(...stripes, `s3://${aws.bucket}/no-slash`, "--kms-key-id", aws.keyId);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/need a destination prefix ending in '\/'/);
  });

  it("Precondition: no two files of a multi-file upload have the same name.", async () => {
    const r = await up(LOG, LOG, `s3://${aws.bucket}/dup/`, "--kms-key-id", aws.keyId);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/would both be uploaded to dup\/TransactionLogBackup\.bak/);
  });

  it("Precondition: stdin (-) is uploaded alone.", async () => {
    const r = await up("-", LOG, `s3://${aws.bucket}/stdin/`, "--kms-key-id", aws.keyId);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stdin \(-\) is uploaded alone/);
  });

  it("Precondition: stdin goes to an object key, not a prefix.", async () => {
    const s = await up("-", `s3://${aws.bucket}/stdin/`, "--kms-key-id", aws.keyId);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/stdin \(-\) needs s3:\/\/bucket\/key/);
  });

  it("Precondition: a multi-file upload is not resumable (--resume is for one file).", async () => {
    const r = await up(...stripes, `s3://${aws.bucket}/res/`, "--kms-key-id", aws.keyId, "--resume");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--resume and --checkpoint take one file/);
  });

  it("Precondition: every file of a multi-file upload is a regular file.", async () => {
    const r = await up(LOG, join(dir, "missing.bak"), `s3://${aws.bucket}/reg/`, "--kms-key-id", aws.keyId);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing\.bak is not a regular file/);
    await expect(
      aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: "reg/TransactionLogBackup.bak" })),
    ).rejects.toThrow();
  });

  it("upload with a file and no destination names the missing s3url (exit 2)", async () => {
    const r = await up(LOG, "--kms-key-id", aws.keyId);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument 's3url'/);
  });

  it("one file to a prefix keeps its name", async () => {
    const r = await up(LOG, `s3://${aws.bucket}/one/`, "--kms-key-id", aws.keyId, "--format", "v3", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().key).toBe("one/TransactionLogBackup.bak");
  });
});

describe("a failure of one file cancels the others (fault proxy)", () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(aws.moto.endpoint);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it("aborts every multipart upload in flight and leaves no object of the cancelled files", async () => {
    const files = ["a.bin", "b.bin", "c.bin"].map((n) => join(dir, n));
    for (const f of files) await writeFile(f, randomBytes(11 * 1024 * 1024));
    // b's first part is refused; a's and c's second parts are held back long enough to be cancelled.
    proxy.addRule({
      method: "PUT",
      path: /\/fail\/b\.bin\?.*partNumber=1/,
      fault: { kind: "status", status: 403, code: "AccessDenied" },
    });
    proxy.addRule({
      method: "PUT",
      path: /\/fail\/[ac]\.bin\?.*partNumber=2/,
      fault: { kind: "stall", afterBytes: 0, ms: 4000 },
    });
    const r = await runCli([
      "upload",
      ...files,
      `s3://${aws.bucket}/fail/`,
      "--kms-key-id",
      aws.keyId,
      "--part-size",
      "5MiB",
      "--endpoint-url",
      proxy.endpoint,
    ]);
    proxy.clearRules();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the upload of .*b\.bin failed, so the others were cancelled/);
    expect(r.stderr).toMatch(/a\.bin → .*: aborted/);
    expect(r.stderr).toMatch(/c\.bin → .*: aborted/);
    expect(await openUploads(aws.bucket, "fail/")).toEqual([]);
    for (const k of ["fail/a.bin", "fail/b.bin", "fail/c.bin"])
      await expect(aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: k }))).rejects.toThrow();
    expect(proxy.matching({ method: "DELETE", path: /\/fail\/[abc]\.bin\?uploadId=/ }).length).toBe(3);
  });
});

describe("cancelling a multi-file upload (Ctrl-C: the CLI's signal)", () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(aws.moto.endpoint);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it("aborts the multipart upload of every file in flight", async () => {
    const files = ["x.bin", "y.bin", "z.bin"].map((n) => join(dir, n));
    for (const f of files) await writeFile(f, randomBytes(11 * 1024 * 1024));
    proxy.addRule({
      method: "PUT",
      path: /\/cancel\/[xyz]\.bin\?.*partNumber=2/,
      fault: { kind: "stall", afterBytes: 0, ms: 5000 },
    });
    const controller = new AbortController();
    const running = runCli(
      [
        "upload",
        ...files,
        `s3://${aws.bucket}/cancel/`,
        "--kms-key-id",
        aws.keyId,
        "--part-size",
        "5MiB",
        "--endpoint-url",
        proxy.endpoint,
      ],
      { signal: controller.signal },
    );
    // Cancel once every file has a part 2 in flight (the stall holds them there).
    for (
      let i = 0;
      i < 200 && proxy.matching({ method: "PUT", path: /\/cancel\/[xyz]\.bin\?.*partNumber=2/ }).length < 3;
      i++
    )
      await new Promise((r) => setTimeout(r, 25));
    controller.abort();
    const r = await running;
    proxy.clearRules();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/cancelled; the multipart uploads of the files in flight were aborted/);
    expect(r.stderr).toMatch(/x\.bin → cancel\/x\.bin: aborted/);
    expect(r.stderr).not.toMatch(/failed, so the others were cancelled/);
    expect(await openUploads(aws.bucket, "cancel/")).toEqual([]);
    expect(proxy.matching({ method: "DELETE", path: /\/cancel\/[xyz]\.bin\?uploadId=/ }).length).toBe(3);
    for (const k of ["cancel/x.bin", "cancel/y.bin", "cancel/z.bin"])
      await expect(aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: k }))).rejects.toThrow();
  });
});

describe("built binary", () => {
  it("uploads several files under a prefix and prints one summary", async () => {
    const r = await runBuiltCli(
      [
        "upload",
        ...stripes,
        `s3://${aws.bucket}/built/`,
        "--kms-key-id",
        aws.keyArn,
        "--format",
        "rds",
        "--json",
        "--endpoint-url",
        aws.moto.endpoint,
      ],
      { env: EMULATOR_ENV },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json() as { files: unknown[]; totals: { files: number }; restoreSql: string };
    expect(out.totals.files).toBe(3);
    expect(out.restoreSql).toContain(`arn:aws:s3:::${aws.bucket}/built/Sales*`);
  });
});
