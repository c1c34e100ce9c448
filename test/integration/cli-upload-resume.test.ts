/**
 * `s3-cse upload --resume` end to end: the built binary, against moto_server through the fault
 * proxy, is SIGKILLed while a chosen request is held at the proxy (mid-part, between parts, before
 * CompleteMultipartUpload, after a part S3 stored but never acknowledged), then run again with
 * --resume. The object is downloaded with the CLI and compared with the source (SHA-256), the
 * UploadPart requests of the second run are counted at the proxy (only the missing parts), and
 * the stored ciphertext is compared with what an uninterrupted upload with the same data key and
 * IV / message id stores. No sleeps: the test waits on proxy events and on the checkpoint file.
 */
import { createCipheriv, createHash } from "node:crypto";
import { readFileSync, utimesSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, ListMultipartUploadsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS } from "../../scripts/support/moto-server.js";
import { createContentEncryptor } from "../../src/ciphers/content-cipher.js";
import { decodeContentMetadata } from "../../src/codec/decode.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import { downloadToFile } from "../../src/transfer/download.js";
import { MiB } from "../../src/transfer/part-size.js";
import { readCheckpoint, type UploadCheckpoint } from "../../src/transfer/upload-checkpoint.js";
import { startTestAws, type TestAws } from "../support/aws.js";
import { type CliRun, runBuiltCli } from "../support/cli.js";
import { isUploadPart, partNumberOf, startBuiltCli, until } from "../support/cli-process.js";
import { type Fault, type FaultProxy, type ProxiedRequest, startFaultProxy } from "../support/fault-proxy.js";

const PART = 5 * MiB; // S3's (and moto's) smallest part but the last
const SIZE = 2 * PART + 54_321; // three parts

const env = {
  AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  AWS_REGION: "us-east-1",
  AWS_EC2_METADATA_DISABLED: "true",
};

let aws: TestAws;
let proxy: FaultProxy;
let dir: string;
beforeAll(async () => {
  aws = await startTestAws();
  proxy = await startFaultProxy(aws.moto.endpoint);
  dir = await mkdtemp(join(tmpdir(), "s3cse-cli-resume-"));
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  await aws?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Seeded bytes: the AES-128-CTR keystream of a fixed key. */
function seeded(n: number, seed: number): Buffer {
  const key = createHash("sha256").update(String(seed)).digest().subarray(0, 16);
  return createCipheriv("aes-128-ctr", key, Buffer.alloc(16)).update(Buffer.alloc(n));
}
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let n = 0;
/** A fresh source file with a whole-second mtime (so a test can put it back exactly). */
async function sourceFile(size = SIZE) {
  n += 1;
  const file = join(dir, `src-${n}.bak`);
  const data = seeded(size, n);
  await writeFile(file, data);
  utimesSync(file, 1_700_000_000, 1_700_000_000);
  return { file, data, checkpoint: `${file}.s3cse-upload.json`, key: `resume/src-${n}.bak` };
}

interface Format {
  readonly name: string;
  readonly upload: readonly string[];
  readonly download: readonly string[];
  readonly instructionFile?: boolean;
}
const V2_WRITE = ["--format", "v2", "--commitment-policy", "forbid-encrypt-allow-decrypt"];
const V2_READ = ["--commitment-policy", "require-encrypt-allow-decrypt"];
const FORMATS: readonly Format[] = [
  { name: "rds", upload: ["--format", "rds"], download: ["--allow-legacy"] },
  { name: "v2", upload: V2_WRITE, download: V2_READ },
  { name: "v3", upload: ["--format", "v3"], download: [] },
  {
    name: "v2 --instruction-file",
    upload: [...V2_WRITE, "--instruction-file"],
    download: V2_READ,
    instructionFile: true,
  },
];

const uploadArgs = (f: Format, file: string, key: string, ...extra: string[]) => [
  "upload",
  file,
  `s3://${aws.bucket}/${key}`,
  "--kms-key-id",
  aws.aliasName,
  ...f.upload,
  "--part-size",
  "5MiB",
  "--concurrency",
  "1",
  "--endpoint-url",
  proxy.endpoint,
  "--no-progress",
  ...extra,
];

const isComplete = (r: ProxiedRequest) => r.method === "POST" && /[?&]uploadId=/.test(r.url);
const isCreate = (r: ProxiedRequest) => r.method === "POST" && /[?&]uploads(=|&|$)/.test(r.url);

const checkpointOf = (path: string): Promise<UploadCheckpoint | undefined> =>
  readCheckpoint(path).catch(() => undefined);

/** A kill point: the request the proxy holds, and what the checkpoint must say before the kill. */
interface KillPoint {
  readonly name: string;
  readonly rule: { method: string; path: RegExp; fault: Fault };
  readonly recorded: readonly number[];
  readonly completing?: boolean;
  /** Parts the resumed run sends. */
  readonly resent: readonly number[];
}
const KILL_POINTS: readonly KillPoint[] = [
  {
    name: "mid-part (1 MiB of part 2 reached S3)",
    rule: { method: "PUT", path: /[?&]partNumber=2(&|$)/, fault: { kind: "hold", afterBytes: MiB } },
    recorded: [1],
    resent: [2, 3],
  },
  {
    name: "between parts (part 2 acknowledged, part 3 not yet at S3)",
    rule: { method: "PUT", path: /[?&]partNumber=3(&|$)/, fault: { kind: "hold" } },
    recorded: [1, 2],
    resent: [3],
  },
  {
    name: "before Complete (every part acknowledged, CompleteMultipartUpload held)",
    rule: { method: "POST", path: /[?&]uploadId=/, fault: { kind: "hold" } },
    recorded: [1, 2, 3],
    completing: true,
    resent: [],
  },
];

/**
 * Runs the upload until the proxy holds the kill point's request and the checkpoint records what
 * it should, then SIGKILLs it. Resolves with the checkpoint as the kill left it.
 */
async function killAt(args: string[], checkpoint: string, point: KillPoint): Promise<UploadCheckpoint> {
  proxy.clearRules();
  proxy.addRule(point.rule);
  const held = proxy.nextHeld();
  const run = startBuiltCli(args, { env, onlyEnv: true });
  const first = await Promise.race([
    held.then(() => "held" as const),
    run.exited.then(() => "exited" as const),
  ]);
  expect(first, `the upload ended before the kill point: ${run.stderr()}`).toBe("held");
  await until("the checkpoint to record the acknowledged parts", async () => {
    const cp = await checkpointOf(checkpoint);
    return (
      cp !== undefined &&
      cp.parts.map((p) => p.partNumber).join() === point.recorded.join() &&
      (point.completing === undefined || cp.completing === point.completing)
    );
  });
  run.child.kill("SIGKILL");
  expect(await run.exited).toEqual({ code: null, signal: "SIGKILL" });
  proxy.clearRules();
  expect(run.stderr()).toMatch(/checkpoint .*s3cse-upload\.json: if interrupted, run the same command again/);
  return (await checkpointOf(checkpoint))!;
}

/** Runs the command again (`--json` unless told otherwise); the run and the requests it sent. */
async function runAgain(args: string[], json = true): Promise<{ r: CliRun; sent: ProxiedRequest[] }> {
  const from = proxy.requests.length;
  const r = await runBuiltCli(json ? [...args, "--json"] : args, { env, onlyEnv: true });
  return { r, sent: proxy.requests.slice(from) };
}

const listUploads = async (prefix: string) =>
  (await aws.s3.send(new ListMultipartUploadsCommand({ Bucket: aws.bucket, Prefix: prefix }))).Uploads ?? [];

async function getRaw(key: string): Promise<{ body: Buffer; metadata: Record<string, string> }> {
  const out = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
  return { body: Buffer.from(await out.Body!.transformToByteArray()), metadata: out.Metadata ?? {} };
}

/** What an uninterrupted upload of `data` with the stored data key and IV / message id stores. */
async function expectedCiphertext(key: string, f: Format, data: Buffer, metadata: Record<string, string>) {
  const instruction = f.instructionFile
    ? JSON.parse((await getRaw(`${key}.instruction`)).body.toString())
    : undefined;
  const cm = decodeContentMetadata(metadata, instruction);
  const keyring = new KmsKeyring({ client: aws.kms, keyId: aws.keyId });
  const dataKey = await keyring.unwrapDataKey({ metadata: cm, encryptionContext: {} });
  const enc = createContentEncryptor(
    cm.format === "v3"
      ? { suite: cm.suite, dataKey, messageId: cm.messageId }
      : { suite: cm.suite, dataKey, iv: cm.iv },
  );
  return Buffer.concat([enc.update(data), enc.final()]);
}

/** Downloads (straight from moto) with the built CLI or in-process; the plaintext's SHA-256. */
async function downloadSha(f: Format, key: string, viaCli: boolean): Promise<string> {
  const out = join(dir, `${key.replace(/\W/g, "_")}.out`);
  if (!viaCli) {
    await downloadToFile({
      s3: aws.s3,
      bucket: aws.bucket,
      key,
      file: out,
      keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
      ...(f.name === "rds" ? { allowLegacy: true } : {}),
      ...(f.name.startsWith("v2") ? { commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" as const } : {}),
    });
    return sha256(readFileSync(out));
  }
  const r = await runBuiltCli(
    [
      "download",
      `s3://${aws.bucket}/${key}`,
      out,
      "--kms-key-id",
      aws.aliasName,
      ...f.download,
      "--endpoint-url",
      aws.moto.endpoint,
      "--no-progress",
    ],
    { env, onlyEnv: true },
  );
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return sha256(readFileSync(out));
}

describe("upload --resume after SIGKILL (built CLI, moto through the fault proxy)", () => {
  for (const f of FORMATS) {
    for (const point of KILL_POINTS) {
      it(`${f.name}: killed ${point.name}, resumed: only parts [${point.resent.join(", ")}] are sent; SHA-256 and ciphertext as an uninterrupted upload`, async () => {
        const { file, data, checkpoint, key } = await sourceFile();
        const args = uploadArgs(f, file, key, "--resume");
        const cp = await killAt(args, checkpoint, point);
        expect(cp).toMatchObject({ bucket: aws.bucket, key, partSize: PART });
        expect(await listUploads(key)).toHaveLength(1);

        const { r, sent: second } = await runAgain(args);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.json()).toMatchObject({
          ok: true,
          parts: 3,
          bytes: SIZE,
          resumedParts: point.recorded.length,
        });
        expect(second.filter(isUploadPart).map(partNumberOf)).toEqual(point.resent);
        expect(second.filter(isCreate)).toHaveLength(0);
        expect(second.filter(isComplete)).toHaveLength(1);

        expect(await checkpointOf(checkpoint)).toBeUndefined();
        expect(await listUploads(key)).toEqual([]);
        const stored = await getRaw(key);
        expect(stored.body.equals(await expectedCiphertext(key, f, data, stored.metadata))).toBe(true);
        // The built CLI downloads once per format; the other kill points download in-process.
        expect(await downloadSha(f, key, point === KILL_POINTS[0])).toBe(sha256(data));
      }, 60_000);
    }
  }

  it("rds: killed after S3 stored part 2 but before its answer arrived: part 2 is sent again (it was never recorded), the object is byte-exact", async () => {
    const f = FORMATS[0]!;
    const { file, data, checkpoint, key } = await sourceFile();
    const args = uploadArgs(f, file, key, "--resume");
    await killAt(args, checkpoint, {
      name: "ack lost",
      rule: { method: "PUT", path: /[?&]partNumber=2(&|$)/, fault: { kind: "holdResponse" } },
      recorded: [1],
      resent: [2, 3],
    });
    const { r, sent } = await runAgain(args, false);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("3 parts, resumed: 1 already uploaded");
    expect(sent.filter(isUploadPart).map(partNumberOf)).toEqual([2, 3]);
    const stored = await getRaw(key);
    expect(stored.body.equals(await expectedCiphertext(key, f, data, stored.metadata))).toBe(true);
    expect(await downloadSha(f, key, true)).toBe(sha256(data));
  }, 60_000);

  const completedBehind: KillPoint = {
    name: "Complete done by S3, answer lost",
    rule: { method: "POST", path: /[?&]uploadId=/, fault: { kind: "holdResponse" } },
    recorded: [1, 2, 3],
    completing: true,
    resent: [],
  };

  it("v2 --instruction-file: killed after S3 completed the upload but before its answer arrived: the resume finds the object, writes the missing instruction file and sends no part", async () => {
    const f = FORMATS[3]!;
    const { file, data, checkpoint, key } = await sourceFile();
    const args = uploadArgs(f, file, key, "--resume");
    await killAt(args, checkpoint, completedBehind);
    expect(await listUploads(key)).toEqual([]); // S3 completed it
    const { r, sent: second } = await runAgain(args);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({
      ok: true,
      parts: 3,
      bytes: SIZE,
      instructionFileKey: `${key}.instruction`,
    });
    expect(second.filter(isUploadPart)).toEqual([]);
    expect(second.filter(isComplete)).toEqual([]);
    expect(second.filter((q) => q.method === "PUT").map((q) => q.url.split("?")[0])).toEqual([
      `/${aws.bucket}/${key}.instruction`,
    ]);
    expect(await checkpointOf(checkpoint)).toBeUndefined();
    const stored = await getRaw(key);
    expect(stored.body.equals(await expectedCiphertext(key, f, data, stored.metadata))).toBe(true);
    expect(await downloadSha(f, key, true)).toBe(sha256(data));
  }, 60_000);

  it("Precondition: an object taken as the completed upload has its multipart ETag, size and encryption metadata — replaced after the kill: UPLOAD_NOT_FOUND, nothing written", async () => {
    const f = FORMATS[0]!;
    const { file, checkpoint, key } = await sourceFile();
    const args = uploadArgs(f, file, key, "--resume");
    await killAt(args, checkpoint, completedBehind);
    const before = await getRaw(key);
    await aws.s3.send(
      new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: before.body, Metadata: before.metadata }),
    );
    const { r, sent } = await runAgain(args);
    expect(r.code).toBe(1);
    expect((r.json().error as { code: string }).code).toBe("UPLOAD_NOT_FOUND");
    expect(r.stderr).toContain(
      `it was interrupted while being completed, but s3://${aws.bucket}/${key} is not the object it would have made — check it with s3-cse verify`,
    );
    expect(sent.filter((q) => q.method === "PUT")).toEqual([]);
    expect(await checkpointOf(checkpoint)).toBeDefined();
  }, 60_000);

  it("v3: killed twice (mid-part 2, then again while the resumed run waits on part 3): the third run sends part 3 only", async () => {
    const f = FORMATS[2]!;
    const { file, data, checkpoint, key } = await sourceFile();
    const args = uploadArgs(f, file, key, "--resume");
    const first = await killAt(args, checkpoint, KILL_POINTS[0]!);
    const second = await killAt(args, checkpoint, KILL_POINTS[1]!);
    expect(second.uploadId).toBe(first.uploadId);
    const { r, sent } = await runAgain(args);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ ok: true, parts: 3, resumedParts: 2 });
    expect(sent.filter(isUploadPart).map(partNumberOf)).toEqual([3]);
    const stored = await getRaw(key);
    expect(stored.body.equals(await expectedCiphertext(key, f, data, stored.metadata))).toBe(true);
  }, 90_000);
});
