import { randomBytes } from "node:crypto";
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS } from "../../scripts/support/moto-server.js";
import { spawnCli } from "../support/cli.js";
import { type DelayProxy, isAbortMultipartUpload, startDelayProxy } from "../support/delay-proxy.js";
import { useTestAws } from "../support/fixtures.js";

const aws = useTestAws();
let proxy: DelayProxy;
/** How long the proxy holds AbortMultipartUpload back, per test. */
let abortDelayMs = 0;
beforeAll(async () => {
  proxy = await startDelayProxy(aws.moto.endpoint, (req) => (isAbortMultipartUpload(req) ? abortDelayMs : 0));
});
afterAll(async () => {
  await proxy?.stop();
});

const listUploads = async (bucket: string) =>
  (await aws.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];

/** Starts `upload - s3://bucket/key` through the proxy; resolves once its multipart upload exists. */
async function startUpload(bucket: string, key: string) {
  const child = spawnCli(
    [
      "upload",
      "-",
      `s3://${bucket}/${key}`,
      "--kms-key-id",
      aws.keyId,
      "--format",
      "rds",
      "--part-size",
      "5MiB",
      "--endpoint-url",
      proxy.endpoint,
    ],
    {
      AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
      AWS_REGION: "us-east-1",
    },
  );
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  child.stdin.on("error", () => undefined); // the child stops reading once it is interrupted
  const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  child.stdin.write(randomBytes(12 * 1024 * 1024)); // two parts' worth; stdin stays open (a slow source)
  let uploads: Awaited<ReturnType<typeof listUploads>> = [];
  for (let i = 0; i < 200 && uploads.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    uploads = await listUploads(bucket);
  }
  expect(uploads).toHaveLength(1);
  const waitFor = async (re: RegExp) => {
    for (let i = 0; i < 300 && !re.test(stderr); i++) await new Promise((r) => setTimeout(r, 20));
    expect(stderr).toMatch(re);
  };
  return { child, exited, uploadId: uploads[0]!.UploadId!, stderr: () => stderr, waitFor };
}

describe("signals during a CLI upload", () => {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`${signal} twice: the second waits for the abort; exit ${code}, no multipart upload left`, async () => {
      abortDelayMs = 1500;
      const bucket = await aws.newBucket();
      const run = await startUpload(bucket, "twice.bak");
      run.child.kill(signal);
      await run.waitFor(new RegExp(`${signal} received`));
      run.child.kill(signal);
      expect(await run.exited).toBe(code);
      expect(await listUploads(bucket)).toEqual([]);
      expect(run.stderr()).toContain(
        `aws s3api abort-multipart-upload --bucket ${bucket} --key twice.bak --upload-id ${run.uploadId}`,
      );
    });
  }

  it("a third SIGINT exits at once (130) and prints the upload id and the exact command that removes it", async () => {
    abortDelayMs = 30_000;
    const bucket = await aws.newBucket();
    const run = await startUpload(bucket, "thrice.bak");
    run.child.kill("SIGINT");
    await run.waitFor(/SIGINT received/);
    run.child.kill("SIGINT");
    await run.waitFor(/still aborting 1 multipart upload/);
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(130);
    const command = `aws s3api abort-multipart-upload --bucket ${bucket} --key thrice.bak --upload-id ${run.uploadId}`;
    expect(run.stderr()).toContain(`exiting before the multipart upload ${run.uploadId}`);
    expect(run.stderr()).toContain(`remove it with: ${command}`);
    // What the printed command does (the AWS CLI is not installed here).
    await aws.s3.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: "thrice.bak", UploadId: run.uploadId }),
    );
    expect(await listUploads(bucket)).toEqual([]);
  });
});
