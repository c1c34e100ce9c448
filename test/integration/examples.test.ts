import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from "../../scripts/support/moto-server.js";
import { startTestAws, type TestAws } from "../support/aws.js";
import { ensureBuilt } from "../support/cli.js";

// Each program under examples/ run as a user runs it (its own process, `import … from "s3-cse"`),
// against a moto_server this file starts. The examples name the package, not src/: inside this
// repository Node, tsx, vitest (examples/verify-with-vitest has its own config, without the alias
// of the root vitest.config.ts) and Jest resolve "s3-cse" by the package's self-reference through
// package.json "exports", i.e. to the built dist/ — so this also checks what the package exports.

const BACKUP = "fixtures/bak/FullBackup.bak";
let aws: TestAws;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  ensureBuilt();
  aws = await startTestAws();
  dir = await mkdtemp(join(tmpdir(), "s3cse-examples-"));
  env = {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_REGION: EMULATOR_REGION,
    AWS_ENDPOINT_URL: aws.moto.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    BUCKET: aws.bucket,
    KMS_KEY_ID: aws.aliasName,
  };
});
afterAll(async () => {
  await aws?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function run(
  args: string[],
  extra: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...env, ...extra },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

const tsx = (file: string, extra?: NodeJS.ProcessEnv) => run(["--import", "tsx", file], extra);
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("examples/ against moto_server", () => {
  it("upload-rds-backup.ts uploads a real .bak in the RDS format and prints the restore T-SQL", async () => {
    const r = await tsx("examples/upload-rds-backup.ts", { FILE: BACKUP, KEY: "backups/FullBackup.bak" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/uploaded s3:\/\/.*\/backups\/FullBackup\.bak: \d+ bytes, format rds/);
    expect(r.stdout).toContain("exec msdb.dbo.rds_restore_database");
    expect(r.stdout).toContain(`@kms_master_key_arn='${aws.keyArn}'`);
    const head = await aws.s3.send(
      new HeadObjectCommand({ Bucket: aws.bucket, Key: "backups/FullBackup.bak" }),
    );
    expect(head.Metadata?.["x-amz-key"]).toBeTruthy();
  }, 120_000);

  it("download-rds-backup.ts brings the backup home byte for byte", async () => {
    const out = join(dir, "FullBackup.bak");
    const r = await tsx("examples/download-rds-backup.ts", { KEY: "backups/FullBackup.bak", FILE: out });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/decrypted .* \(v1, AES\/CBC\/PKCS5Padding\)/);
    expect(sha256(await readFile(out))).toBe(sha256(await readFile(BACKUP)));
  }, 120_000);

  it("verify-with-vitest: a Vitest suite with s3-cse/vitest passes on the backup", async () => {
    const r = await run(
      ["node_modules/vitest/vitest.mjs", "run", "--config", "examples/verify-with-vitest/vitest.config.ts"],
      { KEY: "backups/FullBackup.bak" },
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/Tests\s+.*2 passed/);
  }, 120_000);

  it("verify-with-jest: a real Jest run with s3-cse/jest (CommonJS require) passes on the backup", async () => {
    const r = await run(
      ["node_modules/jest/bin/jest.js", "--config", "examples/verify-with-jest/jest.config.cjs", "--ci"],
      { KEY: "backups/FullBackup.bak" },
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toMatch(/Tests:\s+3 passed, 3 total/);
  }, 120_000);

  it("the Jest and Vitest suites fail on an object RDS cannot restore (the matchers can fail)", async () => {
    // The drop-in example writes V3 (GCM, with an encryption context): not what RDS restores.
    const put = await tsx("examples/drop-in-put-get.ts");
    expect(put.code, put.stderr).toBe(0);
    const jest = await run(
      ["node_modules/jest/bin/jest.js", "--config", "examples/verify-with-jest/jest.config.cjs", "--ci"],
      { KEY: "examples/drop-in.txt" },
    );
    expect(jest.code).toBe(1);
    expect(jest.stderr).toMatch(/toBeRdsRestorable/);
    const vitest = await run(
      ["node_modules/vitest/vitest.mjs", "run", "--config", "examples/verify-with-vitest/vitest.config.ts"],
      { KEY: "examples/drop-in.txt" },
    );
    expect(vitest.code).toBe(1);
    expect(vitest.stdout).toMatch(/Tests\s+.*1 failed.*1 passed/);
    expect(vitest.stdout).toMatch(/RDS/);
  }, 180_000);

  it("drop-in-put-get.ts puts and gets through S3EncryptionClient; S3 holds V3 ciphertext", async () => {
    const r = await tsx("examples/drop-in-put-get.ts");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("decrypted: hello, encrypted world");
    expect(r.stdout).toMatch(/metadata keys: .*x-amz-3/);
  }, 120_000);
});
