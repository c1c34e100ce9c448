/**
 * Parallel ranged download (#11) and the integrity of CBC objects in transit (#9), against
 * moto_server through the fault proxy.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import * as zlib from "node:zlib";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../src/errors.js";
import { crc32Base64 } from "../../src/pipeline/crc32.js";
import { type DownloadProgress, downloadToFile } from "../../src/transfer/download.js";
import { kmsKeyring, putEncrypted, useFaultProxy, useTempDir, useTestAws } from "../support/fixtures.js";

const aws = useTestAws();
const { proxy, s3: viaProxy } = useFaultProxy(aws);
const dir = useTempDir("s3cse-pardl-");
const MiB = 1024 * 1024;
const keyring = () => kmsKeyring(aws);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const common = {
  retryBaseDelayMs: 5,
  allowLegacy: true,
  commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" as const,
};

function put(key: string, data: Buffer, format: "rds" | "v2" | "v3", multipart?: { partSize: number }) {
  // What c-resume makes the default: the multipart upload declares CRC32, so S3 keeps part checksums.
  return putEncrypted(
    aws,
    key,
    data,
    format,
    multipart ? { partSize: multipart.partSize, objectParams: { ChecksumAlgorithm: "CRC32" as const } } : {},
  );
}

const gets = (key: string) => proxy.matching({ method: "GET", path: `/${aws.bucket}/${key}` });
/** Range header pattern of the ranged GET for ciphertext range `index` of `size` bytes (CBC fetches the block before it). */
const rangeHeader = (index: number, size: number, cbc: boolean) =>
  new RegExp(`^bytes=${index === 0 ? 0 : index * size - (cbc ? 16 : 0)}-`);

// biome-ignore lint/suspicious/noExplicitAny: test options.
async function download(key: string, s3: any, extra: Record<string, unknown> = {}) {
  const file = join(dir, `${key.replace(/\//g, "_")}.out`);
  const result = await downloadToFile({
    s3,
    bucket: aws.bucket,
    key,
    file,
    keyring: keyring(),
    ...common,
    ...extra,
  });
  return { file, result, data: await readFile(file) };
}

async function expectRefused(key: string, s3: unknown, code: string, extra: Record<string, unknown> = {}) {
  const before = await readdir(dir);
  const file = join(dir, "refused.out");
  const err = await downloadToFile({
    // biome-ignore lint/suspicious/noExplicitAny: test client.
    s3: s3 as any,
    bucket: aws.bucket,
    key,
    file,
    keyring: keyring(),
    ...common,
    ...extra,
  }).catch((e) => e);
  expect(err).toMatchObject({ code });
  expect(existsSync(file)).toBe(false);
  expect(await readdir(dir)).toEqual(before);
  return err;
}

describe("parallel ranged download", () => {
  for (const format of ["rds", "v2", "v3"] as const) {
    it(`${format}: 1 MiB ranges, 4 in flight, byte-exact; one ranged GET per range, each pinned with If-Match; progress counts every byte and range`, async () => {
      const key = `par/${format}.bin`;
      const data = randomBytes(5 * MiB + MiB / 2 + 3);
      await put(key, data, format);
      const events: DownloadProgress[] = [];
      const { data: got, result } = await download(key, viaProxy, {
        partSize: MiB,
        concurrency: 4,
        onProgress: (p: DownloadProgress) => events.push(p),
      });
      expect(sha(got)).toBe(sha(data));
      expect(result.bytes).toBe(data.length);
      const seen = gets(key);
      expect(seen).toHaveLength(6);
      for (const r of seen) {
        expect(r.headers.range).toMatch(/^bytes=\d+-\d+$/);
        expect(r.headers["if-match"]).toMatch(/^"/);
      }
      const last = events.at(-1)!;
      expect(last).toEqual({
        bytesDownloaded: result.ciphertextBytes,
        totalBytes: result.ciphertextBytes,
        partsDone: 6,
        partsTotal: 6,
      });
      expect(events.every((e, i) => i === 0 || e.bytesDownloaded >= events[i - 1]!.bytesDownloaded)).toBe(
        true,
      );
    });

    it(`${format}: tiny ranges (48 bytes) over an odd-sized object: every block boundary, byte-exact`, async () => {
      const key = `tiny/${format}.bin`;
      const data = randomBytes(1000 + (format === "rds" ? 5 : 11));
      await put(key, data, format);
      const { data: got } = await download(key, aws.s3, { partSize: 48, concurrency: 5 });
      expect(got.equals(data)).toBe(true);
    });
  }

  for (const format of ["rds", "v2", "v3"] as const) {
    it(`${format}: an empty object (CBC: one padding block) and one whose last range would be only its padding block`, async () => {
      await put(`empty/${format}`, Buffer.alloc(0), format);
      expect((await download(`empty/${format}`, aws.s3)).data.length).toBe(0);
      const data = randomBytes(64 * 3);
      await put(`pad-range/${format}`, data, format);
      const { data: got } = await download(`pad-range/${format}`, aws.s3, { partSize: 64 });
      expect(got.equals(data)).toBe(true);
    });
  }

  it("an object no larger than one range is a single GET", async () => {
    const key = "small/x.bak";
    const data = randomBytes(100_000);
    await put(key, data, "rds");
    const { data: got } = await download(key, viaProxy);
    expect(got.equals(data)).toBe(true);
    expect(gets(key)).toHaveLength(1);
  });

  for (const format of ["rds", "v3"] as const) {
    it(`${format}: resets in several ranges are each resumed on their own; byte-exact`, async () => {
      const key = `resets/${format}.bin`;
      const data = randomBytes(4 * MiB + 100);
      await put(key, data, format);
      const cbc = format === "rds";
      for (const index of [1, 3]) {
        proxy.addRule({
          method: "GET",
          path: `/${aws.bucket}/${key}`,
          headers: { range: rangeHeader(index, MiB, cbc) },
          nth: 1,
          fault: { kind: "reset", afterBytes: 200_000 + index },
        });
      }
      const { data: got } = await download(key, viaProxy, { partSize: MiB, concurrency: 3 });
      expect(got.equals(data)).toBe(true);
      expect(gets(key)).toHaveLength(5 + 2);
      expect(proxy.requests.filter((r) => r.fault === "reset" && r.url.includes(key))).toHaveLength(2);
    });
  }

  for (const format of ["v2", "v3"] as const) {
    it(`${format}: a byte flipped in one range fails authentication; no target file`, async () => {
      const key = `tamper/${format}.bin`;
      await put(key, randomBytes(3 * MiB), format);
      proxy.addRule({
        method: "GET",
        path: `/${aws.bucket}/${key}`,
        headers: { range: rangeHeader(2, MiB, false) },
        fault: { kind: "flip", at: 777 },
      });
      await expectRefused(key, viaProxy, ErrorCodes.AUTHENTICATION_FAILED, { partSize: MiB });
    });
  }
});

describe("integrity of CBC objects in transit", () => {
  it("multipart RDS object with part CRC32s: a clean download is checked against the composite checksum", async () => {
    const key = "crc/clean.bak";
    const data = randomBytes(12 * MiB + 5);
    await put(key, data, "rds", { partSize: 5 * MiB });
    // Ranges that straddle part boundaries: each part's CRC32 is combined from pieces.
    const { data: got, result } = await download(key, viaProxy, { partSize: 3 * MiB, concurrency: 3 });
    expect(got.equals(data)).toBe(true);
    expect(result.checksumVerified).toBe(true);
  });

  it("multipart RDS object: a byte flipped in transit is caught (CHECKSUM_MISMATCH); no target file", async () => {
    const key = "crc/flip.bak";
    await put(key, randomBytes(12 * MiB + 5), "rds", { partSize: 5 * MiB });
    proxy.addRule({
      method: "GET",
      path: `/${aws.bucket}/${key}`,
      headers: { range: rangeHeader(2, 2 * MiB, true) },
      fault: { kind: "flip", at: 100_000 },
    });
    const err = await expectRefused(key, viaProxy, ErrorCodes.CHECKSUM_MISMATCH, { partSize: 2 * MiB });
    expect(err.message).toMatch(/composite of 3 parts/);
  });

  it("a flipped byte in the block a range fetches as its IV is caught even without a stored checksum", async () => {
    const key = "crc/iv-flip.bak";
    await put(key, randomBytes(3 * MiB), "rds");
    proxy.addRule({
      method: "GET",
      path: `/${aws.bucket}/${key}`,
      headers: { range: rangeHeader(1, MiB, true) },
      fault: { kind: "flip", at: 5 },
    });
    const err = await expectRefused(key, viaProxy, ErrorCodes.CHECKSUM_MISMATCH, { partSize: MiB });
    expect(err.message).toMatch(/two ranged reads returned different bytes/);
  });

  describe("single-part objects: moto stores no checksum for PutObject, so a sink that reports it stands in for S3", () => {
    /** HeadObject answers with the CRC32 of the bytes really stored, as S3 does for a PutObject with ChecksumCRC32. */
    const withStoredCrc = (key: string) => ({
      // biome-ignore lint/suspicious/noExplicitAny: pass-through of SDK commands.
      send: async (command: any, options?: any) => {
        const out = await viaProxy.send(command, options);
        if (command.constructor.name !== "HeadObjectCommand" || command.input.PartNumber) return out;
        const stored = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
        const bytes = await stored.Body!.transformToByteArray();
        return { ...out, ChecksumCRC32: crc32Base64(zlib.crc32(bytes)), ChecksumType: "FULL_OBJECT" };
      },
    });

    it("a clean download is checked against the full-object CRC32", async () => {
      const key = "crc/single-clean.bak";
      const data = randomBytes(MiB + 3);
      await put(key, data, "rds");
      const { data: got, result } = await download(key, withStoredCrc(key), { partSize: MiB / 4 });
      expect(got.equals(data)).toBe(true);
      expect(result.checksumVerified).toBe(true);
    });

    it("a byte flipped in transit is caught (CHECKSUM_MISMATCH); no target file", async () => {
      const key = "crc/single-flip.bak";
      await put(key, randomBytes(MiB + 3), "rds");
      proxy.addRule({ method: "GET", path: `/${aws.bucket}/${key}`, fault: { kind: "flip", at: 1234 } });
      await expectRefused(key, withStoredCrc(key), ErrorCodes.CHECKSUM_MISMATCH);
    });

    it("without a stored checksum (moto's PutObject) the same flip goes undetected: the documented limit", async () => {
      const key = "crc/single-unchecked.bak";
      const data = randomBytes(MiB + 3);
      await put(key, data, "rds");
      proxy.addRule({ method: "GET", path: `/${aws.bucket}/${key}`, fault: { kind: "flip", at: 1234 } });
      const { data: got, result } = await download(key, viaProxy);
      expect(result.checksumVerified).toBe(false);
      expect(got.equals(data)).toBe(false);
    });
  });
});
