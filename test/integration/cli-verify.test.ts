/** `s3-cse verify` run in-process against moto_server: exit codes, JSON schema, prefixes. */
import { randomBytes } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS } from "../../scripts/support/moto-server.js";
import { run } from "../../src/cli/main.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import { encryptAndUploadFile } from "../../src/transfer/upload-file.js";
import { useTestAws } from "../support/fixtures.js";

const aws = useTestAws();
const LOG = new URL("../../fixtures/bak/TransactionLogBackup.bak", import.meta.url).pathname;

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return Object.assign(w, { text: () => chunks.join("") });
}

async function cli(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string; json: unknown[] }> {
  const stdout = sink();
  const stderr = sink();
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  };
  const code = await run(["verify", ...args, "--endpoint-url", aws.moto.endpoint, "--region", "us-east-1"], {
    stdout,
    stderr,
    stdin: Readable.from([]),
    env,
    signal: new AbortController().signal,
  });
  const out = stdout.text();
  const json = args.includes("--json")
    ? out
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l))
    : [];
  return { code, stdout: out, stderr: stderr.text(), json };
}

beforeAll(async () => {
  // The SDK's default credential chain reads the process environment.
  process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey;
  const keyring = new KmsKeyring({ client: aws.kms, keyId: aws.keyArn });
  for (const [key, format] of [
    ["backups/log.bak", "rds"],
    ["backups/log-v3.bak", "v3"],
  ] as const) {
    await encryptAndUploadFile({ s3: aws.s3, bucket: aws.bucket, key, file: LOG, keyring, format });
  }
  await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: "backups/readme.txt", Body: "plain" }));
  await aws.s3.send(
    new PutObjectCommand({
      Bucket: aws.bucket,
      Key: "other/x",
      Body: randomBytes(10),
      ServerSideEncryption: "AES256",
    }),
  );
});

describe("s3-cse verify", () => {
  it("exits 0 for an RDS-ready backup with --rds --deep --compare and prints the JSON contract", async () => {
    const url = `s3://${aws.bucket}/backups/log.bak`;
    const r = await cli(url, "--rds", "--kms-key-id", aws.keyArn, "--deep", "--compare", LOG, "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toHaveLength(1);
    const out = r.json[0] as Record<string, unknown>;
    expect(out).toMatchObject({
      target: url,
      ok: true,
      encryption: { clientSide: "v1", serverSide: null },
      deep: { decrypted: true, compare: { match: true }, backupHeader: { looksLikeBackup: true } },
    });
    const findings = out.findings as { code: string; severity: string; message: string }[];
    expect(Array.isArray(findings)).toBe(true);
    for (const f of findings) {
      expect(Object.keys(f)).toEqual(expect.arrayContaining(["code", "severity", "message"]));
      expect(["error", "warning", "info"]).toContain(f.severity);
    }
  });

  it("verify --rds prints the restore T-SQL when everything passed (text and --json restoreSql, --db-name)", async () => {
    const url = `s3://${aws.bucket}/backups/log.bak`;
    const text = await cli(url, "--rds", "--kms-key-id", aws.keyArn);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      `exec msdb.dbo.rds_restore_database @restore_db_name='log', @s3_arn_to_restore_from='arn:aws:s3:::${aws.bucket}/backups/log.bak', @kms_master_key_arn='${aws.keyArn}';`,
    );
    expect(text.stdout).toContain("exec msdb.dbo.rds_task_status @db_name='log';");
    const json = await cli(url, "--rds", "--kms-key-id", aws.keyArn, "--db-name", "Sales", "--json");
    expect((json.json[0] as { restoreSql?: string }).restoreSql).toContain("@restore_db_name='Sales'");
    const failed = await cli(
      `s3://${aws.bucket}/backups/log-v3.bak`,
      "--rds",
      "--kms-key-id",
      aws.keyArn,
      "--json",
    );
    expect((failed.json[0] as { restoreSql?: string }).restoreSql).toBeUndefined();
  });

  it("exits 1 when a check fails (a V3 object checked for RDS), naming the RDS error in text output", async () => {
    const r = await cli(`s3://${aws.bucket}/backups/log-v3.bak`, "--rds", "--kms-key-id", aws.keyArn);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FAIL s3://");
    expect(r.stdout).toContain("[RDS_NOT_V1]");
    expect(r.stdout).toContain("RDS restore error this prevents: Object metadata (x-amz-key) incomplete");
  });

  it("exits 1 for an object that is not client-side encrypted and reports its server-side layer", async () => {
    const r = await cli(`s3://${aws.bucket}/other/x`, "--json");
    expect(r.code).toBe(1);
    expect(r.json[0]).toMatchObject({
      ok: false,
      encryption: { clientSide: null, serverSide: "SSE-S3" },
      findings: [{ code: "NOT_CLIENT_SIDE_ENCRYPTED", severity: "error" }],
    });
  });

  it("verifies every object under a prefix, one JSON object each", async () => {
    const r = await cli(`s3://${aws.bucket}/backups/`, "--json");
    expect(r.code).toBe(1); // readme.txt is not encrypted
    const byKey = Object.fromEntries(
      (r.json as { key: string; ok: boolean; encryption: { clientSide: string | null } }[]).map((o) => [
        o.key,
        [o.ok, o.encryption.clientSide],
      ]),
    );
    expect(byKey).toEqual({
      "backups/log-v3.bak": [true, "v3"],
      "backups/log.bak": [true, "v1"],
      "backups/readme.txt": [false, null],
    });
  });

  it("--rds names the key RDS will use (--kms-key-id): usage error, exit 2", async () => {
    const r = await cli(`s3://${aws.bucket}/backups/log.bak`, "--rds");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--kms-key-id");
  });

  it("--compare names one object, not a prefix, and the --compare file exists (usage errors, exit 2)", async () => {
    expect((await cli(`s3://${aws.bucket}/backups/`, "--compare", LOG)).code).toBe(2);
    expect((await cli(`s3://${aws.bucket}/backups/log.bak`, "--compare", "/nonexistent/file.bak")).code).toBe(
      2,
    );
  });

  it("rejects a URL that is not s3:// with exit 2", async () => {
    expect((await cli("https://example.com/x")).code).toBe(2);
  });

  it("exits 1 for an empty prefix", async () => {
    const r = await cli(`s3://${aws.bucket}/nothing-here/`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no objects under");
  });
  it("--deep with --context reads a kms+context object; without it the finding says to pass --context", async () => {
    const key = "ctx/with-context.bin";
    await encryptAndUpload({
      s3: aws.s3,
      bucket: aws.bucket,
      key,
      source: Readable.from([randomBytes(5000)]),
      keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
      format: "v3",
      encryptionContext: { tenant: "acme" },
    });
    const without = await cli(`s3://${aws.bucket}/${key}`, "--deep", "--json");
    expect(without.code).toBe(1);
    const findings = (without.json[0] as { findings: { code: string; message: string }[] }).findings;
    expect(findings.map((f) => f.code)).toContain("DEEP_CONTEXT_MISMATCH");
    const withCtx = await cli(`s3://${aws.bucket}/${key}`, "--deep", "--context", "tenant=acme", "--json");
    expect(withCtx.code).toBe(0);
    expect(withCtx.json[0]).toMatchObject({ ok: true, deep: { decrypted: true, plaintextBytes: 5000 } });
  });
});
