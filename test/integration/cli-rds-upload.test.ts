/** `s3-cse upload --format rds`: the restore T-SQL, the TAPE warning, the pre-upload key checks (moto_server). */
import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CreateKeyCommand, DisableKeyCommand } from "@aws-sdk/client-kms";
import { CreateBucketCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS } from "../../scripts/support/moto-server.js";
import { defaultDbName, restoreSql } from "../../src/inspect/rds-restore-sql.js";
import { EMULATOR_ENV, runBuiltCli, runCli } from "../support/cli.js";
import { useCliCredentials, useTempDir, useTestAws } from "../support/fixtures.js";

const aws = useTestAws();
useCliCredentials();
const dir = useTempDir("s3cse-rdsup-");
let bak: string;
const LOG = new URL("../../fixtures/bak/TransactionLogBackup.bak", import.meta.url).pathname;

beforeAll(async () => {
  bak = join(dir, "Sales Db's.bak");
  await copyFile(LOG, bak);
});

const up = (...args: string[]) => runCli(["upload", ...args, "--endpoint-url", aws.moto.endpoint]);

describe("restore T-SQL after upload --format rds", () => {
  it("prints rds_restore_database with the key ARN resolved from an alias, and rds_task_status", async () => {
    const r = await up(
      bak,
      `s3://${aws.bucket}/backups/sales.bak`,
      "--kms-key-id",
      aws.aliasName,
      "--format",
      "rds",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `exec msdb.dbo.rds_restore_database @restore_db_name='Sales_Db_s', @s3_arn_to_restore_from='arn:aws:s3:::${aws.bucket}/backups/sales.bak', @kms_master_key_arn='${aws.keyArn}';`,
    );
    expect(r.stdout).toContain(`exec msdb.dbo.rds_task_status @db_name='Sales_Db_s';`);
  });

  it("--json carries restoreSql; --db-name sets the name and quotes are doubled", async () => {
    const r = await up(
      bak,
      `s3://${aws.bucket}/backups/o'k.bak`,
      "--kms-key-id",
      aws.keyId,
      "--format",
      "rds",
      "--db-name",
      "Bob's",
      "--json",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().restoreSql).toBe(
      `exec msdb.dbo.rds_restore_database @restore_db_name='Bob''s', @s3_arn_to_restore_from='arn:aws:s3:::${aws.bucket}/backups/o''k.bak', @kms_master_key_arn='${aws.keyArn}';\nexec msdb.dbo.rds_task_status @db_name='Bob''s';`,
    );
  });

  it("a v3 upload has no restoreSql", async () => {
    const r = await up(
      bak,
      `s3://${aws.bucket}/v3.bak`,
      "--kms-key-id",
      aws.keyId,
      "--format",
      "v3",
      "--json",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().restoreSql).toBeUndefined();
  });

  it("Precondition: a restore database name is not empty and at most 128 characters.", () => {
    expect(() => restoreSql({ bucket: "b", key: "k", kmsKeyArn: "a", dbName: "" })).toThrow(/--db-name/);
    expect(() => restoreSql({ bucket: "b", key: "k", kmsKeyArn: "a", dbName: "x".repeat(129) })).toThrow(
      /--db-name/,
    );
  });

  it("the default name is the sanitised base name; a set uses the wildcard and names its file count in a comment", () => {
    expect(defaultDbName("/x/y/Full-Backup.2026.bak")).toBe("Full_Backup_2026");
    expect(defaultDbName("1.bak")).toBe("db_1");
    expect(restoreSql({ bucket: "b", key: "p/n*", kmsKeyArn: "arn", dbName: "d", numberOfFiles: 3 })).toBe(
      "-- striped backup set: 3 files match arn:aws:s3:::b/p/n* (RDS restores every object under that prefix)\n" +
        "exec msdb.dbo.rds_restore_database @restore_db_name='d', @s3_arn_to_restore_from='arn:aws:s3:::b/p/n*', @kms_master_key_arn='arn';\n" +
        "exec msdb.dbo.rds_task_status @db_name='d';",
    );
  });
});

describe("guardrails at upload", () => {
  it("Precondition: a SQL Server backup uploaded without --format rds gets a warning naming --format rds.", async () => {
    const warned = await up(bak, `s3://${aws.bucket}/w1.bak`, "--kms-key-id", aws.keyId);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toMatch(/SQL Server backup.*--format rds/);
    const silent = await up(bak, `s3://${aws.bucket}/w2.bak`, "--kms-key-id", aws.keyId, "--format", "v3");
    expect(silent.code, silent.stderr).toBe(0);
    expect(silent.stderr).not.toMatch(/--format rds/);
    const plain = join(dir, "notes.txt");
    await writeFile(plain, "not a backup");
    const other = await up(plain, `s3://${aws.bucket}/w3.txt`, "--kms-key-id", aws.keyId);
    expect(other.stderr).not.toMatch(/--format rds/);
  });

  it("Precondition: an rds upload's key is SYMMETRIC_DEFAULT.", async () => {
    const rsa = await aws.kms.send(
      new CreateKeyCommand({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" }),
    );
    const r = await up(
      bak,
      `s3://${aws.bucket}/rsa.bak`,
      "--kms-key-id",
      rsa.KeyMetadata!.Arn!,
      "--format",
      "rds",
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/RSA_2048.*SYMMETRIC_DEFAULT.*--no-rds-checks/);
    await expect(
      aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: "rsa.bak" })),
    ).rejects.toThrow();
  });

  it("Precondition: an rds upload's key is enabled.", async () => {
    const k = await aws.kms.send(new CreateKeyCommand({}));
    await aws.kms.send(new DisableKeyCommand({ KeyId: k.KeyMetadata!.KeyId! }));
    const r = await up(
      bak,
      `s3://${aws.bucket}/dis.bak`,
      "--kms-key-id",
      k.KeyMetadata!.Arn!,
      "--format",
      "rds",
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Disabled.*--no-rds-checks/);
    await expect(
      aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: "dis.bak" })),
    ).rejects.toThrow();
  });

  it("Precondition: an rds upload's key is in the bucket's region.", async () => {
    const s3w = new S3Client({
      endpoint: aws.moto.endpoint,
      region: "eu-west-1",
      credentials: EMULATOR_CREDENTIALS,
      forcePathStyle: true,
    });
    const bucket = `eu-${Date.now()}`;
    await s3w.send(
      new CreateBucketCommand({
        Bucket: bucket,
        CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
      }),
    );
    s3w.destroy();
    const r = await up(bak, `s3://${bucket}/x.bak`, "--kms-key-id", aws.keyArn, "--format", "rds");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/us-east-1 but bucket .* is in eu-west-1.*--no-rds-checks/);
    const forced = await up(
      bak,
      `s3://${bucket}/x.bak`,
      "--kms-key-id",
      aws.keyArn,
      "--format",
      "rds",
      "--no-rds-checks",
    );
    expect(forced.code, forced.stderr).toBe(0);
  });
});

describe("built binary", () => {
  const env = EMULATOR_ENV;

  it("upload --format rds prints the restore T-SQL with the alias resolved to the key ARN, and rds_task_status", async () => {
    const r = await runBuiltCli(
      [
        "upload",
        bak,
        `s3://${aws.bucket}/built/sales.bak`,
        "--kms-key-id",
        aws.aliasName,
        "--format",
        "rds",
        "--endpoint-url",
        aws.moto.endpoint,
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `exec msdb.dbo.rds_restore_database @restore_db_name='Sales_Db_s', @s3_arn_to_restore_from='arn:aws:s3:::${aws.bucket}/built/sales.bak', @kms_master_key_arn='${aws.keyArn}';`,
    );
    expect(r.stdout).toContain("exec msdb.dbo.rds_task_status @db_name='Sales_Db_s';");
  });

  it("a backup uploaded without --format gets the TAPE warning naming --format rds; --format v3 silences it", async () => {
    const warned = await runBuiltCli(
      [
        "upload",
        bak,
        `s3://${aws.bucket}/built/w.bak`,
        "--kms-key-id",
        aws.keyId,
        "--endpoint-url",
        aws.moto.endpoint,
      ],
      { env },
    );
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toMatch(/SQL Server backup.*--format rds/);
    const silent = await runBuiltCli(
      [
        "upload",
        bak,
        `s3://${aws.bucket}/built/s.bak`,
        "--kms-key-id",
        aws.keyId,
        "--format",
        "v3",
        "--endpoint-url",
        aws.moto.endpoint,
      ],
      { env },
    );
    expect(silent.code, silent.stderr).toBe(0);
    expect(silent.stderr).not.toMatch(/--format rds/);
  });
});
