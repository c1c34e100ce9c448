/**
 * Downloads that survive (#11): a reset, an early end or a stall in the middle of a GetObject body
 * is resumed from the byte where it stopped (Range + If-Match on the first ETag), byte-exact;
 * a replaced object is refused. Through the fault proxy, against moto_server.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../src/errors.js";
import { downloadToFile, openDecryptedStream } from "../../src/transfer/download.js";
import { kmsKeyring, putEncrypted, useFaultProxy, useTempDir, useTestAws } from "../support/fixtures.js";

const aws = useTestAws();
const { proxy, s3: viaProxy } = useFaultProxy(aws);
const dir = useTempDir("s3cse-dlretry-");
const keyring = () => kmsKeyring(aws);
const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const fast = { retryBaseDelayMs: 5, commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" as const };

const put = (key: string, data: Buffer, format: "rds" | "v2" | "v3") => putEncrypted(aws, key, data, format);

const gets = (key: string) =>
  proxy
    .matching({ method: "GET", path: `/${aws.bucket}/${key}` })
    .filter((r) => !r.url.includes(".instruction"));

async function download(key: string, extra: Record<string, unknown> = {}) {
  const file = join(dir, `${key.replace(/\//g, "_")}.out`);
  const result = await downloadToFile({
    s3: viaProxy,
    bucket: aws.bucket,
    key,
    file,
    keyring: keyring(),
    allowLegacy: true,
    ...fast,
    ...extra,
  });
  return { file, result, data: await readFile(file) };
}

describe("a GetObject body that fails mid-way is resumed from the byte where it stopped", () => {
  for (const format of ["rds", "v2", "v3"] as const) {
    it(`reset once (${format}): one ranged GET from the byte reached, If-Match on the ETag, byte-exact`, async () => {
      const key = `reset-once/${format}.bin`;
      const data = randomBytes(3 * MiB + 7);
      await put(key, data, format);
      proxy.addRule({
        method: "GET",
        path: `/${aws.bucket}/${key}`,
        nth: 1,
        fault: { kind: "reset", afterBytes: MiB + 3 },
      });
      const { data: got } = await download(key);
      expect(sha(got)).toBe(sha(data));
      const seen = gets(key);
      expect(seen).toHaveLength(2);
      const etag = seen[0]!.headers["if-match"];
      expect(etag).toMatch(/^"[0-9a-f]+"$/);
      const resumedAt = Number(/^bytes=(\d+)-/.exec(String(seen[1]!.headers.range))![1]);
      expect(resumedAt).toBeGreaterThan(0);
      expect(resumedAt).toBeLessThanOrEqual(MiB + 3);
      expect(seen[1]!.headers["if-match"]).toBe(etag);
    });
  }

  it("reset several times in a row, each after some progress: still byte-exact", async () => {
    const key = "reset-many/x.bak";
    const data = randomBytes(2 * MiB + 100);
    await put(key, data, "rds");
    proxy.addRule({
      method: "GET",
      path: `/${aws.bucket}/${key}`,
      nth: [1, 2, 3, 4],
      fault: { kind: "reset", afterBytes: 300_000 },
    });
    const { data: got } = await download(key);
    expect(got.equals(data)).toBe(true);
    expect(gets(key).length).toBe(5);
  });

  it("a body truncated (clean FIN short of Content-Length) is resumed", async () => {
    const key = "truncate/x.bin";
    const data = randomBytes(MiB + 1);
    await put(key, data, "v2");
    proxy.addRule({
      method: "GET",
      path: `/${aws.bucket}/${key}`,
      nth: 1,
      fault: { kind: "truncate", afterBytes: 500_000 },
    });
    const { data: got } = await download(key);
    expect(got.equals(data)).toBe(true);
    expect(String(gets(key)[1]!.headers.range)).toMatch(/^bytes=500000-/);
  });

  it("a stalled body is abandoned after the read timeout and resumed", async () => {
    const key = "stall/x.bin";
    const data = randomBytes(MiB);
    await put(key, data, "v3");
    proxy.addRule({
      method: "GET",
      path: `/${aws.bucket}/${key}`,
      nth: 1,
      fault: { kind: "stall", afterBytes: 200_000, ms: 5000 },
    });
    const started = Date.now();
    const { data: got } = await download(key, { readTimeoutMs: 400 });
    expect(got.equals(data)).toBe(true);
    expect(Date.now() - started).toBeLessThan(4500);
    expect(gets(key)).toHaveLength(2);
  });

  it("the streaming read (openDecryptedStream) resumes the same way and feeds the same decryptor", async () => {
    const key = "stream/x.bin";
    const data = randomBytes(2 * MiB + 5);
    await put(key, data, "v2");
    proxy.addRule({
      method: "GET",
      path: `/${aws.bucket}/${key}`,
      nth: [1, 2],
      fault: { kind: "reset", afterBytes: 700_000 },
    });
    const opened = await openDecryptedStream({
      s3: viaProxy,
      bucket: aws.bucket,
      key,
      keyring: keyring(),
      ...fast,
    });
    const parts: Buffer[] = [];
    for await (const c of opened.stream) parts.push(c as Buffer);
    expect(Buffer.concat(parts).equals(data)).toBe(true);
    const seen = gets(key);
    expect(seen).toHaveLength(3);
    expect(seen[0]!.headers.range).toBeUndefined();
    expect(seen[1]!.headers["if-match"]).toBe(seen[2]!.headers["if-match"]);
  });

  it("an object replaced between attempts is refused with OBJECT_CHANGED; nothing is written", async () => {
    const key = "replaced/x.bak";
    const data = randomBytes(2 * MiB);
    await put(key, data, "rds");
    proxy.addRule({
      method: "GET",
      path: `/${aws.bucket}/${key}`,
      nth: 1,
      fault: { kind: "reset", afterBytes: 400_000 },
    });
    // The retry's GET finds a new version of the object (same metadata, other bytes).
    let replaced = false;
    const s3 = {
      // biome-ignore lint/suspicious/noExplicitAny: pass-through of SDK commands.
      send: async (command: any, options?: any) => {
        if (
          command.constructor.name === "GetObjectCommand" &&
          command.input.IfMatch &&
          !replaced &&
          proxy.requests.some((r) => r.fault === "reset")
        ) {
          replaced = true;
          await put(key, randomBytes(2 * MiB), "rds");
        }
        return viaProxy.send(command, options);
      },
    };
    const before = await readdir(dir);
    const file = join(dir, "replaced.out");
    const err = await downloadToFile({
      s3,
      bucket: aws.bucket,
      key,
      file,
      keyring: keyring(),
      allowLegacy: true,
      ...fast,
    }).catch((e) => e);
    expect(replaced).toBe(true);
    expect(err).toMatchObject({ code: ErrorCodes.OBJECT_CHANGED });
    expect(err.message).toMatch(/replaced or deleted during the download/);
    expect(existsSync(file)).toBe(false);
    expect(await readdir(dir)).toEqual(before);
  });

  it("a body that fails without progress more than maxRetries times gives up with S3_FAILURE; nothing is written", async () => {
    const key = "hopeless/x.bin";
    await put(key, randomBytes(100_000), "v2");
    proxy.addRule({ method: "GET", path: `/${aws.bucket}/${key}`, fault: { kind: "reset", afterBytes: 0 } });
    const before = await readdir(dir);
    const file = join(dir, "hopeless.out");
    const err = await downloadToFile({
      s3: viaProxy,
      bucket: aws.bucket,
      key,
      file,
      keyring: keyring(),
      maxRetries: 2,
      ...fast,
    }).catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCodes.S3_FAILURE });
    expect(err.message).toMatch(/after 2 retries without progress/);
    expect(gets(key).length).toBeGreaterThanOrEqual(3);
    expect(existsSync(file)).toBe(false);
    expect(await readdir(dir)).toEqual(before);
  });
});
