/**
 * `s3-cse download … --resume` (built binary) killed with SIGKILL mid-way, then run again: the
 * partial file and its state survive the kill, the second run fetches only the rest, and the
 * result is byte-exact for rds, v2 and v3; an object rewritten between kill and resume is refused.
 * moto_server behind the fault proxy, whose per-response rate cap keeps the first run slow enough
 * to be killed part-way.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS } from "../../scripts/support/moto-server.js";
import { readDownloadState, resumePaths } from "../../src/transfer/download-state.js";
import { BUILT_CLI, ensureBuilt, runBuiltCli } from "../support/cli.js";
import { putEncrypted, useFaultProxy, useTempDir, useTestAws } from "../support/fixtures.js";

const aws = useTestAws();
const proxy = useFaultProxy(aws).proxy;
const root = useTempDir("s3cse-cli-dlresume-");
let dir: string;
let n = 0;
const MiB = 1024 * 1024;
const env = {
  AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  AWS_REGION: "us-east-1",
};

beforeAll(() => ensureBuilt());
beforeEach(async () => {
  proxy.setBytesPerSecond(undefined);
  dir = join(root, `t${++n}`);
  await mkdir(dir);
});

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const put = (key: string, data: Buffer, format: "rds" | "v2" | "v3") => putEncrypted(aws, key, data, format);

const args = (key: string, target: string) => [
  "download",
  `s3://${aws.bucket}/${key}`,
  target,
  "--resume",
  "--allow-legacy",
  "--part-size",
  "1MiB",
  "--concurrency",
  "2",
  "--endpoint-url",
  proxy.endpoint,
  "--no-progress",
];

/** Starts the download slowly (512 KiB/s per response), sends `signal` once its state records ≥ 2 MiB. */
async function killMidway(key: string, target: string, signal: NodeJS.Signals = "SIGKILL") {
  proxy.setBytesPerSecond(512 * 1024);
  const child = spawn(process.execPath, [BUILT_CLI, ...args(key, target)], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<NodeJS.Signals | number | null>((r) => child.on("exit", (c, s) => r(s ?? c)));
  const paths = resumePaths(target);
  let bytes = 0;
  for (let i = 0; i < 600 && bytes < 2 * MiB; i++) {
    await new Promise((r) => setTimeout(r, 50));
    bytes = (await readDownloadState(paths.state).catch(() => undefined))?.bytes ?? 0;
  }
  child.kill(signal);
  expect(await exited, stderr).toBe(signal === "SIGKILL" ? "SIGKILL" : 130);
  proxy.setBytesPerSecond(undefined);
  const state = await readDownloadState(paths.state);
  expect(state?.bytes).toBeGreaterThanOrEqual(2 * MiB);
  expect(state!.bytes).toBeLessThan(state!.ciphertextLength);
  expect(existsSync(target)).toBe(false);
  expect(existsSync(paths.partial)).toBe(true);
  return { paths, state: state!, stderr };
}

describe("download --resume (built binary) after SIGKILL", () => {
  for (const format of ["rds", "v2", "v3"] as const) {
    it(`${format}: killed mid-way, run again: resumes at the recorded byte, fetches only the rest, SHA-256 equal`, async () => {
      const key = `kill/${format}.bak`;
      const data = randomBytes(8 * MiB + 333);
      await put(key, data, format);
      const target = join(dir, "SalesDb.bak");
      const { state } = await killMidway(key, target);
      const before = proxy.requests.length;
      const r = await runBuiltCli(args(key, target), { env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`resuming the download of s3://${aws.bucket}/${key} at byte ${state.bytes}`);
      expect(sha(await readFile(target))).toBe(sha(data));
      expect(await readdir(dir)).toEqual(["SalesDb.bak"]);
      const ranges = proxy.requests
        .slice(before)
        .filter((q) => q.method === "GET" && q.headers.range !== undefined)
        .map((q) => Number(/^bytes=(\d+)-/.exec(String(q.headers.range))![1]));
      expect(Math.min(...ranges)).toBe(state.bytes - (format === "rds" ? 16 : 0));
    }, 60_000);
  }

  for (const format of ["rds", "v3"] as const) {
    it(`${format}: the rest of the object rewritten between kill and resume (modified ciphertext, same metadata and size): refused, target not created, partial discarded`, async () => {
      const key = `kill-tamper/${format}.bak`;
      await put(key, randomBytes(8 * MiB), format);
      const target = join(dir, "t.bak");
      const { state } = await killMidway(key, target);
      const head = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
      const stored = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
      const body = Buffer.from(await stored.Body!.transformToByteArray());
      body[state.bytes + 100_000]! ^= 0x01;
      await aws.s3.send(
        new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: body, Metadata: head.Metadata }),
      );
      const r = await runBuiltCli(args(key, target), { env });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/OBJECT_CHANGED|changed since the interrupted download/);
      expect(r.stderr).toMatch(/was discarded/);
      expect(await readdir(dir)).toEqual([]);
    }, 60_000);
  }

  it("a failed --resume download says the partial was kept and how to continue; without a state it starts cleanly", async () => {
    const key = "kept/x.bak";
    const data = randomBytes(3 * MiB);
    await put(key, data, "v2");
    const target = join(dir, "x.bak");
    proxy.addRule({
      method: "GET",
      path: `/${aws.bucket}/${key}`,
      headers: { range: /^bytes=2097152-/ },
      fault: { kind: "status", status: 403, code: "AccessDenied" },
    });
    try {
      const r = await runBuiltCli(args(key, target), { env });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("the partial download was kept");
      expect(r.stderr).toContain("run the same command again to continue");
    } finally {
      proxy.clearRules();
    }
    const again = await runBuiltCli(args(key, target), { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("at byte 2097152");
    expect((await readFile(target)).equals(data)).toBe(true);
    // No state: a fresh --resume download prints no resume line.
    const fresh = await runBuiltCli(args(key, join(dir, "y.bak")), { env });
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stderr).not.toContain("resuming");
  }, 60_000);

  it("SIGINT: the download is cancelled (exit 130), the partial and its state are kept and the message says how to continue; a run without --resume points it out and starts over", async () => {
    const key = "sigint/x.bak";
    const data = randomBytes(8 * MiB);
    await put(key, data, "v3");
    const target = join(dir, "x.bak");
    const { stderr, paths } = await killMidway(key, target, "SIGINT");
    expect(stderr).toContain("the partial download was kept");
    const plain = await runBuiltCli(
      args(key, target).filter((a) => a !== "--resume"),
      { env },
    );
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toContain(`note: ${paths.state} records an interrupted resumable download`);
    expect((await readFile(target)).equals(data)).toBe(true);
    // The kept partial is left alone by the plain run.
    expect(existsSync(paths.partial)).toBe(true);
  }, 60_000);

  it("cp s3://B/K FILE --resume continues a kept partial download as download --resume does", async () => {
    const key = "cp/x.bak";
    const data = randomBytes(8 * MiB);
    await put(key, data, "rds");
    const target = join(dir, "cp.bak");
    const { state } = await killMidway(key, target);
    const r = await runBuiltCli(
      [
        "cp",
        `s3://${aws.bucket}/${key}`,
        target,
        "--resume",
        "--allow-legacy",
        "--endpoint-url",
        proxy.endpoint,
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`at byte ${state.bytes}`);
    expect(sha(await readFile(target))).toBe(sha(data));
  }, 60_000);

  it("Precondition: download --resume writes to a file, not - (stdout)", async () => {
    const r = await runBuiltCli(["download", `s3://${aws.bucket}/kept/x.bak`, "-", "--resume"], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--resume needs a file/);
  });
});
