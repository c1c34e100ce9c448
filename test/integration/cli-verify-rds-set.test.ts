/**
 * `s3-cse verify 's3://B/prefix/name*' --rds` (striped backup sets, checked as a set) and
 * `verify … --db-instance` (the RDS-side preflight from the CLI), on moto_server.
 */
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS } from "../../scripts/support/moto-server.js";
import { startTestAws, type TestAws } from "../support/aws.js";
import { EMULATOR_ENV, runBuiltCli, runCli } from "../support/cli.js";
import { createRdsSetup, policy } from "../support/rds-setup.js";
import { makeStripes } from "../support/stripes.js";

let aws: TestAws;
let dir: string;
const FULL = new URL("../../fixtures/bak/FullBackup.bak", import.meta.url).pathname;
const LOG = new URL("../../fixtures/bak/TransactionLogBackup.bak", import.meta.url).pathname;

beforeAll(async () => {
  aws = await startTestAws();
  dir = await mkdtemp(join(tmpdir(), "s3cse-vset-"));
  process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey;
  process.env.AWS_REGION = "us-east-1";
});
afterAll(async () => {
  await aws?.stop();
  await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli([...args, "--endpoint-url", aws.moto.endpoint]);

async function upload(files: string[], prefix: string, bucket = aws.bucket, keyId = aws.keyId) {
  const r = await cli(
    "upload",
    ...files,
    `s3://${bucket}/${prefix}`,
    "--kms-key-id",
    keyId,
    "--format",
    "rds",
    "--json",
  );
  expect(r.code, r.stderr).toBe(0);
}

type SetJson = {
  ok: boolean;
  set: {
    ok: boolean;
    numberOfFiles: number;
    findings: { code: string; severity: string; rdsError?: string }[];
  };
  restoreSql?: string;
};

async function verifySet(pattern: string, ...extra: string[]): Promise<{ code: number; out: SetJson }> {
  const r = await cli(
    "verify",
    `s3://${aws.bucket}/${pattern}`,
    "--rds",
    "--kms-key-id",
    aws.keyArn,
    "--json",
    ...extra,
  );
  return { code: r.code, out: r.json() as SetJson };
}

const codes = (out: SetJson) => out.set.findings.map((f) => f.code);

describe("verify an RDS wildcard as a backup set", () => {
  it("a complete NofM set passes (with --deep: one media set, each family once) and gets the wildcard T-SQL", async () => {
    const d = await mkdtemp(join(dir, "ok-"));
    await upload(await makeStripes(LOG, d, "Sales", 3), "ok/");
    const { code, out } = await verifySet("ok/Sales*", "--deep");
    expect(code).toBe(0);
    expect(out.set).toMatchObject({ ok: true, numberOfFiles: 3, findings: [] });
    expect(out.restoreSql).toContain(`@s3_arn_to_restore_from='arn:aws:s3:::${aws.bucket}/ok/Sales*'`);
    expect(out.restoreSql).toContain("-- striped backup set: 3 files");
    expect(out.restoreSql).not.toContain("@number_of_files");
  });

  it("Precondition: every member 1..M of an NofM set is there, all with the same M.", async () => {
    const d = await mkdtemp(join(dir, "miss-"));
    const [one, , three] = await makeStripes(LOG, d, "Gap", 3);
    await upload([one!, three!], "miss/");
    const { code, out } = await verifySet("miss/Gap*");
    expect(code).toBe(1);
    expect(codes(out)).toEqual(["RDS_SET_MEMBER_MISSING"]);
    expect(out.set.findings[0]!.rdsError).toBe(
      "The media set has 3 media families but only 2 are provided. All members must be provided.",
    );
    expect(out.restoreSql).toBeUndefined();
    const d2 = await mkdtemp(join(dir, "mix-"));
    const [a] = await makeStripes(LOG, d2, "Mix", 2);
    const [, b] = await makeStripes(LOG, d2, "Mix", 3);
    await upload([a!, b!], "mix/");
    expect(codes((await verifySet("mix/Mix*")).out)).toContain("RDS_SET_MEMBER_MISSING");
  });

  it("Precondition: a set has at most 10 files (RDS's limit).", async () => {
    const d = await mkdtemp(join(dir, "many-"));
    const stripes = await makeStripes(LOG, d, "Big", 11);
    await upload(stripes.slice(0, 6), "many/");
    await upload(stripes.slice(6), "many/");
    const { code, out } = await verifySet("many/Big*");
    expect(code).toBe(1);
    expect(codes(out)).toContain("RDS_SET_TOO_MANY_FILES");
    expect(out.set.findings.find((f) => f.code === "RDS_SET_TOO_MANY_FILES")?.rdsError).toMatch(
      /unable to restore from more than 10 backup file/,
    );
  });

  it("Precondition: nothing but the set's files shares the set's prefix.", async () => {
    const d = await mkdtemp(join(dir, "foreign-"));
    await upload(await makeStripes(LOG, d, "Fo", 2), "foreign/");
    await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: "foreign/Fo-notes.txt", Body: "x" }));
    const { code, out } = await verifySet("foreign/Fo*");
    expect(code).toBe(1);
    expect(codes(out)).toContain("RDS_SET_FOREIGN_OBJECT");
  });

  it("Precondition: the RDS wildcard matches at least one object.", async () => {
    const { code, out } = await verifySet("nothing-here/x*");
    expect(code).toBe(1);
    expect(codes(out)).toEqual(["RDS_SET_EMPTY"]);
  });

  it("Precondition: each media family of the set is there once (distinct MTF media family IDs).", async () => {
    const d = await mkdtemp(join(dir, "dup-"));
    await upload(await makeStripes(LOG, d, "Dup", 2, [7, 7]), "dup/");
    const { code, out } = await verifySet("dup/Dup*", "--deep");
    expect(code).toBe(1);
    expect(codes(out)).toEqual(["RDS_SET_MEDIA_MISMATCH"]);
    expect(out.set.findings[0]!.severity).toBe("error");
  });

  it("Precondition: all files of the set belong to one SQL Server media set.", async () => {
    const d = await mkdtemp(join(dir, "two-"));
    await copyFile(FULL, join(d, "Two1-of-2.bak"));
    await copyFile(LOG, join(d, "Two2-of-2.bak"));
    await upload([join(d, "Two1-of-2.bak"), join(d, "Two2-of-2.bak")], "two/");
    const { out } = await verifySet("two/Two*", "--deep");
    const f = out.set.findings.find((x) => x.code === "RDS_SET_MEDIA_MISMATCH");
    expect(f?.severity).toBe("warning");
    expect(out.set.findings.map((x) => x.code)).toEqual(["RDS_SET_MEDIA_MISMATCH"]);
  });

  it("Precondition: an RDS wildcard has one '*', at the end.", async () => {
    const r = await cli("verify", `s3://${aws.bucket}/a*/b*`, "--rds", "--kms-key-id", aws.keyArn);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/one trailing '\*'/);
  });

  it("text output names the set check and its findings", async () => {
    const r = await cli("verify", `s3://${aws.bucket}/miss/Gap*`, "--rds", "--kms-key-id", aws.keyArn);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL backup set miss\/Gap\*: 2 files/);
    expect(r.stdout).toContain("RDS_SET_MEMBER_MISSING");
  });
});

describe("verify --db-instance (the RDS-side preflight from the CLI)", () => {
  async function uploaded(parts: Parameters<typeof createRdsSetup>[1] = {}) {
    const s = await createRdsSetup(aws, parts);
    const file = join(dir, "Sales.bak");
    await copyFile(LOG, file);
    await upload([file], "b/", s.bucket, s.keyArn);
    return s;
  }
  const verify = (s: { bucket: string; keyArn: string; dbInstanceId: string }, ...extra: string[]) =>
    cli(
      "verify",
      `s3://${s.bucket}/b/Sales.bak`,
      "--rds",
      "--kms-key-id",
      s.keyArn,
      "--db-instance",
      s.dbInstanceId,
      ...extra,
    );

  it("a complete setup: exit 0, every check listed, and the restore T-SQL printed (text and --json)", async () => {
    const s = await uploaded();
    const text = await verify(s);
    expect(text.code, text.stdout + text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(`OK   RDS side: DB instance ${s.dbInstanceId} \\(sqlserver-se, us-east-1\\)`),
    );
    expect(text.stdout).toContain("✓ rds.amazonaws.com may assume role");
    expect(text.stdout).toContain(
      `exec msdb.dbo.rds_restore_database @restore_db_name='Sales', @s3_arn_to_restore_from='arn:aws:s3:::${s.bucket}/b/Sales.bak', @kms_master_key_arn='${s.keyArn}';`,
    );
    const json = await verify(s, "--json");
    expect(json.code).toBe(0);
    const out = json.json() as {
      ok: boolean;
      rdsSide: { ok: boolean; findings: unknown[] };
      restoreSql: string;
    };
    expect(out.rdsSide).toMatchObject({ ok: true, findings: [] });
    expect(out.restoreSql).toContain("rds_task_status @db_name='Sales'");
  });

  it("a broken setup (the role is not a key user): exit 1, the RDS error quoted, the statement to add, no T-SQL", async () => {
    const s = await uploaded({
      managed: (_b, keyArn) =>
        policy({
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"],
          Resource: keyArn,
        }),
    });
    const r = await verify(s);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("RDS_ROLE_KMS_RESTORE");
    expect(r.stdout).toMatch(
      /assumed-role\/rds-restore-\w+\/RDS-SqlServerBackupRestore is not authorized to perform: kms:DescribeKey/,
    );
    expect(r.stdout).toContain(`{"Effect":"Allow","Action":["kms:DescribeKey"],"Resource":"${s.keyArn}"}`);
    expect(r.stdout).not.toContain("exec msdb.dbo.rds_restore_database");
  });

  it("Precondition: --db-instance comes with --rds.", async () => {
    const r = await cli("verify", `s3://${aws.bucket}/x.bak`, "--db-instance", "db");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--db-instance needs --rds/);
  });

  it("Precondition: --db-instance checks one object or one RDS wildcard, not a prefix.", async () => {
    const r = await cli(
      "verify",
      `s3://${aws.bucket}/p/`,
      "--rds",
      "--kms-key-id",
      aws.keyArn,
      "--db-instance",
      "db",
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a prefix/);
  });

  it("--before-upload: the RDS side is checked before anything is uploaded (passing and broken setup)", async () => {
    const s = await createRdsSetup(aws);
    const args = (x: { bucket: string; keyArn: string; dbInstanceId: string }) => [
      "verify",
      `s3://${x.bucket}/later/Sales.bak`,
      "--rds",
      "--kms-key-id",
      x.keyArn,
      "--db-instance",
      x.dbInstanceId,
      "--before-upload",
    ];
    const good = await cli(...args(s));
    expect(good.code, good.stdout).toBe(0);
    expect(good.stdout).toMatch(/OK {3}RDS side/);
    expect(good.stdout).toContain("itself was not checked (--before-upload)");
    expect(good.stdout).not.toContain("rds_restore_database");
    const broken = await createRdsSetup(aws, { option: false });
    const bad = await cli(...args(broken), "--json");
    expect(bad.code).toBe(1);
    const out = bad.json() as { beforeUpload: boolean; rdsSide: { findings: { code: string }[] } };
    expect(out.beforeUpload).toBe(true);
    expect(out.rdsSide.findings.map((f) => f.code)).toEqual(["RDS_OPTION_MISSING"]);
  });

  it("Precondition: --before-upload comes with --db-instance.", async () => {
    const r = await cli(
      "verify",
      `s3://${aws.bucket}/x.bak`,
      "--rds",
      "--kms-key-id",
      aws.keyArn,
      "--before-upload",
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--before-upload checks only the RDS side/);
  });

  it("Precondition: --iam-simulate comes with --db-instance.", async () => {
    const r = await cli(
      "verify",
      `s3://${aws.bucket}/x.bak`,
      "--rds",
      "--kms-key-id",
      aws.keyArn,
      "--iam-simulate",
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--iam-simulate cross-checks the RDS-side preflight: add --db-instance/);
  });

  it("--iam-simulate on moto_server (no SimulatePrincipalPolicy): reported as not checked, never a pass", async () => {
    const s = await uploaded();
    const r = await verify(s, "--iam-simulate");
    expect(r.stdout).toMatch(/RDS_NOT_CHECKED.*iam:SimulatePrincipalPolicy/);
    expect(r.stdout).toContain("NOT fully checked");
    expect(r.stdout).not.toContain("SimulatePrincipalPolicy agrees");
  });

  it("the built binary runs the preflight for a set wildcard", async () => {
    const s = await createRdsSetup(aws);
    const d = await mkdtemp(join(dir, "built-"));
    await upload(await makeStripes(LOG, d, "Built", 2), "set/", s.bucket, s.keyArn);
    const r = await runBuiltCli(
      [
        "verify",
        `s3://${s.bucket}/set/Built*`,
        "--rds",
        "--kms-key-id",
        s.keyArn,
        "--db-instance",
        s.dbInstanceId,
        "--json",
        "--endpoint-url",
        aws.moto.endpoint,
      ],
      { env: EMULATOR_ENV },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json() as { set: { numberOfFiles: number }; rdsSide: { ok: boolean }; restoreSql: string };
    expect(out.set.numberOfFiles).toBe(2);
    expect(out.rdsSide.ok).toBe(true);
    expect(out.restoreSql).toContain(`arn:aws:s3:::${s.bucket}/set/Built*`);
  });
});
