import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS } from "../../scripts/support/moto-server.js";
import { createAwsClients } from "../../src/aws/clients.js";
import { runBuiltCli } from "../support/cli.js";
import { useTempDir, useTestAws } from "../support/fixtures.js";
import { startStallProxy } from "../support/stall-proxy.js";

const aws = useTestAws();
const dir = useTempDir("s3cse-nohang-");
const env = {
  AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  AWS_REGION: "us-east-1",
};

beforeAll(async () => {
  Object.assign(process.env, env);
});

const motoTarget = () => {
  const u = new URL(aws.moto.endpoint);
  return { host: u.hostname, port: Number(u.port) };
};

describe("no hang: connect/read timeouts on the S3 and KMS clients", () => {
  it("a stalled S3 request fails with TimeoutError after the read timeout, retried per attempt", async () => {
    const stall = await startStallProxy();
    const clients = createAwsClients({
      region: "us-east-1",
      endpointUrl: stall.endpoint,
      readTimeoutMs: 300,
      maxAttempts: 2,
    });
    try {
      const started = Date.now();
      await expect(clients.s3.send(new HeadObjectCommand({ Bucket: "b", Key: "k" }))).rejects.toMatchObject({
        name: "TimeoutError",
      });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(stall.connections).toBe(2);
    } finally {
      clients.destroy();
      await stall.close();
    }
  });

  it("a stalled KMS request fails with TimeoutError too", async () => {
    const stall = await startStallProxy();
    const clients = createAwsClients({
      region: "us-east-1",
      endpointUrl: stall.endpoint,
      readTimeoutMs: 300,
      maxAttempts: 1,
    });
    try {
      await expect(
        clients.kms.send(new GenerateDataKeyCommand({ KeyId: aws.keyId, KeySpec: "AES_256" })),
      ).rejects.toMatchObject({ name: "TimeoutError" });
    } finally {
      clients.destroy();
      await stall.close();
    }
  });

  it("a request whose first attempt stalls is retried and succeeds", async () => {
    const stall = await startStallProxy({ stall: 1, target: motoTarget() });
    const clients = createAwsClients({
      region: "us-east-1",
      endpointUrl: stall.endpoint,
      readTimeoutMs: 500,
    });
    try {
      await clients.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: "nohang/retried", Body: "x" }));
      const head = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: "nohang/retried" }));
      expect(head.ContentLength).toBe(1);
      expect(stall.stalled).toBe(1);
      expect(stall.connections).toBeGreaterThanOrEqual(2);
    } finally {
      clients.destroy();
      await stall.close();
    }
  });

  it("the CLI (built binary) fails with a timeout error naming --cli-read-timeout instead of hanging", async () => {
    const stall = await startStallProxy();
    const file = join(dir, "small.bak");
    await writeFile(file, Buffer.alloc(1000, 7));
    try {
      const started = Date.now();
      const r = await runBuiltCli(
        [
          "upload",
          file,
          "s3://b/k",
          "--kms-key-id",
          "alias/x",
          "--endpoint-url",
          stall.endpoint,
          "--cli-read-timeout",
          "1",
          "--cli-connect-timeout",
          "1",
        ],
        { env },
      );
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/TimeoutError|timed out/);
      expect(r.stderr).toMatch(/--cli-read-timeout/);
      expect(stall.connections).toBe(3); // the SDK's standard 3 attempts, each timed out
    } finally {
      await stall.close();
    }
  }, 40_000);

  it("the CLI (built binary) retries a stalled first attempt and uploads", async () => {
    const stall = await startStallProxy({ stall: 1, target: motoTarget() });
    const file = join(dir, "retry.bak");
    await writeFile(file, Buffer.alloc(5000, 3));
    try {
      const r = await runBuiltCli(
        [
          "upload",
          file,
          `s3://${aws.bucket}/nohang/cli.bak`,
          "--kms-key-id",
          aws.aliasName,
          "--endpoint-url",
          stall.endpoint,
          "--cli-read-timeout",
          "1",
          "--json",
        ],
        { env },
      );
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.json()).toMatchObject({ ok: true, bytes: 5000 });
      expect(stall.stalled).toBe(1);
    } finally {
      await stall.close();
    }
  }, 40_000);
});

const nodeMajor = Number(process.versions.node.split(".")[0]);

// The SDK only warns on Node < 22; on 22+ there is nothing to suppress.
describe.runIf(nodeMajor < 22)("NodeVersionSupportWarning on Node < 22", () => {
  it("the built CLI prints no NodeVersionSupportWarning block", async () => {
    const r = await runBuiltCli(
      ["verify", `s3://${aws.bucket}/nohang/none`, "--endpoint-url", aws.moto.endpoint],
      { env },
    );
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning/);
    expect(r.code).toBe(1); // it did run and report the missing object
    expect(r.stdout + r.stderr).not.toBe("");
  }, 30_000);

  it("library users keep the SDK's warning (the CLI entry alone silences it)", async () => {
    const { spawnSync } = await import("node:child_process");
    const r = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        "const m = await import('./dist/index.js'); const { S3Client } = await import('@aws-sdk/client-s3');" +
          " const s3 = new S3Client({ region: 'us-east-1' }); new m.S3EncryptionClient({ client: s3, kmsKeyId: 'alias/demo' }); s3.destroy();",
      ],
      { env: { ...process.env, NODE_NO_WARNINGS: "" }, encoding: "utf8" },
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/NodeVersionSupportWarning/);
  });
});

describe("--dryrun and --expected-size (built binary)", () => {
  it("--dryrun resolves key, region, format and part plan and sends nothing", async () => {
    const stall = await startStallProxy();
    const file = join(dir, "plan.bak");
    await writeFile(file, Buffer.alloc(40 * 1024 * 1024 + 5));
    try {
      const r = await runBuiltCli(
        [
          "cp",
          file,
          "s3://b/backups/",
          "--kms-key-id",
          "alias/x",
          "--format",
          "rds",
          "--dryrun",
          "--json",
          "--endpoint-url",
          stall.endpoint,
        ],
        { env },
      );
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.json()).toEqual({
        ok: true,
        dryrun: true,
        source: file,
        bucket: "b",
        key: "backups/plan.bak",
        region: "us-east-1",
        format: "rds",
        bytes: 40 * 1024 * 1024 + 5,
        partSize: 16 * 1024 * 1024,
        parts: 3,
      });
      expect(stall.connections).toBe(0); // nothing was sent, not even to KMS
    } finally {
      await stall.close();
    }
  }, 30_000);

  it("--expected-size sizes the parts of a stream past 156 GiB as the AWS CLI does", async () => {
    const r = await runBuiltCli(
      [
        "upload",
        "-",
        "s3://b/k",
        "--kms-key-id",
        "alias/x",
        "--dryrun",
        "--json",
        "--expected-size",
        "200GiB",
      ],
      { env },
    );
    expect(r.code).toBe(0);
    const plan = r.json();
    expect(plan.partSize as number).toBeGreaterThan(16 * 1024 * 1024);
    expect(plan.parts as number).toBeLessThanOrEqual(10_000);
  }, 30_000);
});
