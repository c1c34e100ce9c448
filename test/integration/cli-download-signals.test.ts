/**
 * The CLI download (built binary) under signals and umask (#9): SIGINT exits 130 and SIGTERM 143,
 * leaving no target and no partial file; the finished file's mode follows the shell's umask.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS } from "../../scripts/support/moto-server.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import { startTestAws, type TestAws } from "../support/aws.js";
import { BUILT_CLI, ensureBuilt } from "../support/cli.js";
import { type DelayProxy, startDelayProxy } from "../support/delay-proxy.js";

let aws: TestAws;
let proxy: DelayProxy;
let dir: string;
const DATA = randomBytes(3 * 1024 * 1024 + 5);
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  AWS_REGION: "us-east-1",
};

beforeAll(async () => {
  ensureBuilt();
  aws = await startTestAws();
  // The body GETs of "slow/" objects are held back, so a download is in flight when the signal comes.
  proxy = await startDelayProxy(aws.moto.endpoint, (req) =>
    req.method === "GET" && req.url?.includes("/slow/") && !req.url.includes("x-id=HeadObject") ? 60_000 : 0,
  );
  dir = await mkdtemp(join(tmpdir(), "s3cse-dl-signals-"));
  for (const key of ["slow/a.bak", "fast/a.bak"]) {
    await encryptAndUpload({
      s3: aws.s3,
      bucket: aws.bucket,
      key,
      source: Readable.from([DATA]),
      keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyArn }),
      format: "v3",
    });
  }
});
afterAll(async () => {
  await proxy?.stop();
  await aws?.stop();
  await rm(dir, { recursive: true, force: true });
});

function download(key: string, target: string, shellPrefix = "") {
  const args = [BUILT_CLI, "download", `s3://${aws.bucket}/${key}`, target, "--endpoint-url", proxy.endpoint];
  const child = shellPrefix
    ? spawn("sh", ["-c", `${shellPrefix} exec "$0" "$@"`, process.execPath, ...args], { env })
    : spawn(process.execPath, args, { env });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  return { child, exited, stderr: () => stderr };
}

describe("CLI download under signals (built binary)", () => {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`${signal} while the body is being fetched: exit ${code}, no target and no partial file`, async () => {
      const sub = await mkdtemp(join(dir, `${signal}-`));
      const target = join(sub, "a.bak");
      const run = download("slow/a.bak", target);
      // The partial file is created before the first byte is fetched: wait for it.
      for (let i = 0; i < 300 && (await readdir(sub)).length === 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect((await readdir(sub)).some((f) => f.endsWith(".s3cse-partial"))).toBe(true);
      run.child.kill(signal);
      expect(await run.exited, run.stderr()).toBe(code);
      expect(run.stderr()).toMatch(new RegExp(`${signal} received`));
      expect(await readdir(sub)).toEqual([]);
    });
  }
});

describe("CLI download file mode (built binary)", () => {
  for (const [mask, mode] of [
    ["027", 0o640],
    ["002", 0o664],
  ] as const) {
    it(`umask ${mask}: the downloaded file's mode is ${mode.toString(8)} (0666 & ~umask)`, async () => {
      const target = join(dir, `umask-${mask}.bak`);
      const run = download("fast/a.bak", target, `umask ${mask};`);
      expect(await run.exited, run.stderr()).toBe(0);
      expect((await stat(target)).mode & 0o777).toBe(mode);
      expect((await readFile(target)).equals(DATA)).toBe(true);
    });
  }

  it("an existing target keeps no mode of its own: it is replaced by a file with the umask's mode", async () => {
    const target = join(dir, "existing.bak");
    await writeFile(target, "old", { mode: 0o600 });
    const run = download("fast/a.bak", target, "umask 022;");
    expect(await run.exited, run.stderr()).toBe(0);
    expect((await stat(target)).mode & 0o777).toBe(0o644);
  });
});
