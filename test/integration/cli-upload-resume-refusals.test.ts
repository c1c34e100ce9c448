/**
 * What `s3-cse upload --resume` refuses, through the built CLI against moto_server (via the fault
 * proxy, which counts what is sent): a changed source (size, mtime, inode, or a same-size rewrite
 * only the rebuilt part's CRC32 reveals), an upload aborted behind its back, a checkpoint of
 * another target, stdin. Each refusal exits 1 with a stable code (--json) and a message that says
 * what to do; nothing is sent and nothing is destroyed. Then `abort-upload --checkpoint`, and
 * SIGINT with and without --resume.
 */
import { createCipheriv, createHash } from "node:crypto";
import {
  appendFileSync,
  closeSync,
  copyFileSync,
  existsSync,
  openSync,
  renameSync,
  utimesSync,
  writeSync,
} from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from "../../scripts/support/moto-server.js";
import { ErrorCodes } from "../../src/errors.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import type { WriteFormat } from "../../src/materials/materials.js";
import { MiB } from "../../src/transfer/part-size.js";
import { readCheckpoint } from "../../src/transfer/upload-checkpoint.js";
import { encryptAndUploadFile } from "../../src/transfer/upload-file.js";
import { startTestAws, type TestAws } from "../support/aws.js";
import { type CliRun, runBuiltCli } from "../support/cli.js";
import { isUploadPart, partNumberOf, startBuiltCli, until } from "../support/cli-process.js";
import { type FaultProxy, type ProxiedRequest, startFaultProxy } from "../support/fault-proxy.js";

const PART = 5 * MiB;
const SIZE = 2 * PART + 4321; // three parts
const MTIME = 1_700_000_000;

const env = {
  AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  AWS_REGION: "us-east-1",
  AWS_EC2_METADATA_DISABLED: "true",
};

let aws: TestAws;
let proxy: FaultProxy;
/** Through the proxy, one attempt per request: a 500 there fails the part at once. */
let s3ViaProxy: S3Client;
let dir: string;
beforeAll(async () => {
  aws = await startTestAws();
  proxy = await startFaultProxy(aws.moto.endpoint);
  s3ViaProxy = new S3Client({
    endpoint: proxy.endpoint,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    forcePathStyle: true,
    maxAttempts: 1,
  });
  dir = await mkdtemp(join(tmpdir(), "s3cse-cli-refuse-"));
}, 60_000);
afterAll(async () => {
  s3ViaProxy?.destroy();
  await proxy?.close();
  await aws?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function seeded(n: number, seed: number): Buffer {
  const key = createHash("sha256").update(`refuse-${seed}`).digest().subarray(0, 16);
  return createCipheriv("aes-128-ctr", key, Buffer.alloc(16)).update(Buffer.alloc(n));
}

let n = 0;
/**
 * A resumable upload of a fresh file, interrupted after part 1: part 2 fails (a 500 at the proxy),
 * so the multipart upload and its checkpoint (part 1 recorded) are kept, as after a crash.
 */
async function interrupted(format: WriteFormat = "rds") {
  n += 1;
  const file = join(dir, `src-${n}.bak`);
  const key = `refuse/src-${n}.bak`;
  await writeFile(file, seeded(SIZE, n));
  utimesSync(file, MTIME, MTIME);
  proxy.clearRules();
  proxy.addRule({ method: "PUT", path: /[?&]partNumber=2(&|$)/, fault: { kind: "status", status: 500 } });
  const err = await encryptAndUploadFile({
    s3: s3ViaProxy,
    bucket: aws.bucket,
    key,
    file,
    keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
    format,
    partSize: PART,
    concurrency: 1,
    checkpoint: {},
  }).catch((e) => e);
  proxy.clearRules();
  expect(err).toMatchObject({ code: ErrorCodes.S3_FAILURE });
  const checkpoint = `${file}.s3cse-upload.json`;
  const cp = (await readCheckpoint(checkpoint))!;
  expect(cp.parts.map((p) => p.partNumber)).toEqual([1]);
  return { file, key, checkpoint, uploadId: cp.uploadId };
}

const uploadArgs = (file: string, key: string, ...extra: string[]) => [
  "upload",
  file,
  `s3://${aws.bucket}/${key}`,
  "--kms-key-id",
  aws.aliasName,
  "--format",
  "rds",
  "--part-size",
  "5MiB",
  "--concurrency",
  "1",
  "--endpoint-url",
  proxy.endpoint,
  "--no-progress",
  ...extra,
];

const uploadIds = async (key: string) =>
  (
    (await aws.s3.send(new ListMultipartUploadsCommand({ Bucket: aws.bucket, Prefix: key }))).Uploads ?? []
  ).map((u) => u.UploadId);

/** Runs the CLI with --json; returns the run and the S3 requests it sent. */
async function cli(args: string[]): Promise<{ r: CliRun; sent: ProxiedRequest[] }> {
  const from = proxy.requests.length;
  const r = await runBuiltCli([...args, "--json"], { env, onlyEnv: true });
  return { r, sent: proxy.requests.slice(from) };
}

/** A refusal: exit 1, the code in --json, the message on stderr; no part sent, nothing destroyed. */
async function expectRefused(
  run: { r: CliRun; sent: ProxiedRequest[] },
  code: string,
  message: RegExp | string,
  kept?: { key: string; uploadId: string; checkpoint: string },
) {
  const { r, sent } = run;
  expect(r.code).toBe(1);
  const error = r.json().error as { code: string; message: string };
  expect(error.code).toBe(code);
  if (typeof message === "string") expect(r.stderr).toContain(message);
  else expect(r.stderr).toMatch(message);
  expect(sent.filter(isUploadPart)).toEqual([]);
  expect(sent.filter((q) => q.method === "POST" && /[?&]upload/.test(q.url))).toEqual([]);
  if (kept) {
    expect(await uploadIds(kept.key)).toEqual([kept.uploadId]);
    expect(existsSync(kept.checkpoint)).toBe(true);
  }
}

describe("upload --resume refusals (built CLI)", () => {
  it("Precondition: the source is the file the checkpoint was written for, unchanged (size, mtime, inode) — size: SOURCE_CHANGED, exit 1", async () => {
    const u = await interrupted();
    appendFileSync(u.file, "x");
    utimesSync(u.file, MTIME, MTIME);
    await expectRefused(
      await cli(uploadArgs(u.file, u.key, "--resume")),
      ErrorCodes.SOURCE_CHANGED,
      `${u.file} changed since the upload recorded in ${u.checkpoint} was interrupted (size ${SIZE} → ${SIZE + 1}): it cannot be resumed; remove that upload with s3-cse abort-upload --checkpoint ${u.checkpoint} and upload again`,
      u,
    );
  }, 60_000);

  it("Precondition: the source is the file the checkpoint was written for, unchanged (size, mtime, inode) — mtime", async () => {
    const u = await interrupted();
    utimesSync(u.file, MTIME + 60, MTIME + 60);
    await expectRefused(
      await cli(uploadArgs(u.file, u.key, "--resume")),
      ErrorCodes.SOURCE_CHANGED,
      "was interrupted (mtime): it cannot be resumed",
      u,
    );
  }, 60_000);

  it("Precondition: the source is the file the checkpoint was written for, unchanged (size, mtime, inode) — inode: the same bytes and mtime in another file", async () => {
    const u = await interrupted();
    const copy = `${u.file}.copy`;
    copyFileSync(u.file, copy);
    utimesSync(copy, MTIME, MTIME);
    renameSync(copy, u.file);
    await expectRefused(
      await cli(uploadArgs(u.file, u.key, "--resume")),
      ErrorCodes.SOURCE_CHANGED,
      "was interrupted (inode: another file): it cannot be resumed",
      u,
    );
  }, 60_000);

  it("Precondition: a part rebuilt from the source has the size and CRC32 of the part uploaded before — a same-size rewrite in place, mtime put back", async () => {
    const u = await interrupted();
    const fd = openSync(u.file, "r+");
    writeSync(fd, Buffer.from([0x5a]), 0, 1, 1000);
    closeSync(fd);
    utimesSync(u.file, MTIME, MTIME);
    const run = await cli(uploadArgs(u.file, u.key, "--resume"));
    // The identity matches, so the checks go on to ListParts and the rebuilt part 1: its CRC32 differs.
    expect(run.r.code).toBe(1);
    expect((run.r.json().error as { code: string }).code).toBe(ErrorCodes.SOURCE_CHANGED);
    expect(run.r.stderr).toContain(
      "part 1 rebuilt from the source does not match the part uploaded before (CRC32 differs)",
    );
    expect(run.r.stderr).toContain(`s3-cse abort-upload --checkpoint ${u.checkpoint} and upload again`);
    // Running the same command again cannot continue it: the CLI does not suggest that.
    expect(run.r.stderr).not.toContain("run the same command again");
    expect(run.r.stderr).toContain(
      `was left as it was (checkpoint ${u.checkpoint}), but the source changed, so it cannot be resumed: remove it with: s3-cse abort-upload --checkpoint ${u.checkpoint}`,
    );
    expect(run.sent.filter(isUploadPart)).toEqual([]);
    expect(run.sent.filter((q) => q.method === "POST" && /[?&]upload/.test(q.url))).toEqual([]);
    expect(await uploadIds(u.key)).toEqual([u.uploadId]);
    expect(existsSync(u.checkpoint)).toBe(true);
  }, 60_000);

  it("Precondition: the multipart upload a checkpoint names still exists — aborted behind its back: UPLOAD_NOT_FOUND", async () => {
    const u = await interrupted();
    await aws.s3.send(
      new AbortMultipartUploadCommand({ Bucket: aws.bucket, Key: u.key, UploadId: u.uploadId }),
    );
    await expectRefused(
      await cli(uploadArgs(u.file, u.key, "--resume")),
      ErrorCodes.UPLOAD_NOT_FOUND,
      `the multipart upload ${u.uploadId} recorded in ${u.checkpoint} no longer exists (aborted, expired by a lifecycle rule); remove ${u.checkpoint} and upload again`,
    );
    expect(existsSync(u.checkpoint)).toBe(true); // the user removes it, as the message says
  }, 60_000);

  it("Precondition: a checkpoint is resumed only for its own bucket, key, format, metadata placement and part size — another key, another format", async () => {
    const u = await interrupted();
    const other = `${u.key}.other`;
    await expectRefused(
      await cli(uploadArgs(u.file, other, "--resume", "--checkpoint", u.checkpoint)),
      ErrorCodes.CHECKPOINT_MISMATCH,
      `the checkpoint ${u.checkpoint} belongs to s3://${aws.bucket}/${u.key}, not s3://${aws.bucket}/${other}; resume with the same target and options, or remove that upload with: s3-cse abort-upload --checkpoint ${u.checkpoint}`,
      u,
    );
    expect(await uploadIds(other)).toEqual([]);
    const v3 = uploadArgs(u.file, u.key, "--resume").map((a) => (a === "rds" ? "v3" : a));
    await expectRefused(
      await cli(v3),
      ErrorCodes.CHECKPOINT_MISMATCH,
      `the checkpoint ${u.checkpoint} is a --format rds upload, not v3`,
      u,
    );
  }, 60_000);

  it("Precondition: stdin is not resumable — upload - --resume: NOT_RESUMABLE before anything is sent", async () => {
    const from = proxy.requests.length;
    const r = await runBuiltCli(uploadArgs("-", "refuse/stdin.bak", "--resume", "--json"), {
      env,
      onlyEnv: true,
      stdin: seeded(1000, 0),
    });
    expect(r.code).toBe(1);
    expect((r.json().error as { code: string }).code).toBe(ErrorCodes.NOT_RESUMABLE);
    expect(r.stderr).toContain("stdin cannot be resumed");
    expect(r.stderr).toContain("write it to a file and upload that with --resume");
    expect(proxy.requests.slice(from)).toEqual([]);
  }, 60_000);

  it("abort-upload --checkpoint removes the multipart upload (ListMultipartUploads empty) and the checkpoint; Precondition: abort-upload is given an existing checkpoint", async () => {
    const u = await interrupted();
    const r = await runBuiltCli(
      ["abort-upload", "--checkpoint", u.checkpoint, "--endpoint-url", aws.moto.endpoint],
      { env, onlyEnv: true },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `aborted multipart upload ${u.uploadId} of s3://${aws.bucket}/${u.key} and removed ${u.checkpoint}`,
    );
    expect(await uploadIds(u.key)).toEqual([]);
    expect(existsSync(u.checkpoint)).toBe(false);

    const again = await runBuiltCli(
      ["abort-upload", "--checkpoint", u.checkpoint, "--endpoint-url", aws.moto.endpoint, "--json"],
      { env, onlyEnv: true },
    );
    expect(again.code).toBe(1);
    expect((again.json().error as { code: string }).code).toBe(ErrorCodes.CHECKPOINT_INVALID);
    expect(again.stderr).toContain(`there is no upload checkpoint at ${u.checkpoint}`);
  }, 60_000);
});

describe("SIGINT during a resumable and a plain upload (built CLI)", () => {
  /** Starts the CLI and waits until part 2 is held at the proxy (part 1 acknowledged). */
  async function startHeldAtPart2(args: string[]) {
    proxy.clearRules();
    proxy.addRule({ method: "PUT", path: /[?&]partNumber=2(&|$)/, fault: { kind: "hold" } });
    const held = proxy.nextHeld();
    const run = startBuiltCli(args, { env, onlyEnv: true });
    const first = await Promise.race([held.then(() => "held"), run.exited.then(() => "exited")]);
    expect(first, run.stderr()).toBe("held");
    return run;
  }

  it("--resume: SIGINT keeps the upload and prints its checkpoint (exit 130); the same command continues it", async () => {
    n += 1;
    const file = join(dir, `sigint-${n}.bak`);
    const key = `refuse/sigint-${n}.bak`;
    await writeFile(file, seeded(SIZE, n));
    const checkpoint = `${file}.s3cse-upload.json`;
    const args = uploadArgs(file, key, "--resume");
    const run = await startHeldAtPart2(args);
    await until("part 1 in the checkpoint", async () => {
      const cp = await readCheckpoint(checkpoint).catch(() => undefined);
      return cp?.parts.length === 1;
    });
    run.child.kill("SIGINT");
    expect(await run.exited).toEqual({ code: 130, signal: null });
    proxy.clearRules();
    const [uploadId] = await uploadIds(key);
    expect(uploadId).toBeDefined();
    expect(run.stderr()).toContain(
      `s3-cse: keeping multipart upload ${uploadId} of s3://${aws.bucket}/${key} for --resume (checkpoint ${checkpoint}); remove it instead with: s3-cse abort-upload --checkpoint ${checkpoint}`,
    );
    expect(run.stderr()).toContain(
      `was kept for --resume (checkpoint ${checkpoint}); run the same command again`,
    );
    expect(existsSync(checkpoint)).toBe(true);

    const { r, sent } = await cli(args);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ ok: true, parts: 3, resumedParts: 1 });
    expect(sent.filter(isUploadPart).map(partNumberOf)).toEqual([2, 3]);
    expect(await uploadIds(key)).toEqual([]);
    expect(existsSync(checkpoint)).toBe(false);
  }, 60_000);

  it("without --resume: SIGINT aborts the upload (exit 130, none left of it) and names the checkpoint an earlier resumable upload left", async () => {
    const u = await interrupted();
    const run = await startHeldAtPart2(uploadArgs(u.file, u.key));
    const ids = await uploadIds(u.key);
    expect(ids).toHaveLength(2);
    const fresh = ids.find((id) => id !== u.uploadId)!;
    run.child.kill("SIGINT");
    expect(await run.exited).toEqual({ code: 130, signal: null });
    proxy.clearRules();
    expect(run.stderr()).toContain(
      `s3-cse: note: ${u.checkpoint} records an interrupted resumable upload of ${u.file}; add --resume to continue it`,
    );
    expect(run.stderr()).toContain(`aborting multipart upload ${fresh} of s3://${aws.bucket}/${u.key}`);
    // The plain upload is gone; the earlier resumable one and its checkpoint are left for the user.
    expect(await uploadIds(u.key)).toEqual([u.uploadId]);
    expect(existsSync(u.checkpoint)).toBe(true);
  }, 60_000);
});
