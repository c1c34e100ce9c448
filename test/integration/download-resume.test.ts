/**
 * Resumable downloads (#11, "a download whose process died continues"): `downloadToFile({ resume })`
 * against moto_server through the fault proxy. A ranged GET that keeps failing stands in for a
 * lost network; the built CLI killed with SIGKILL is in cli-download-resume.test.ts.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { ErrorCodes } from "../../src/errors.js";
import { type DownloadResumeInfo, downloadToFile } from "../../src/transfer/download.js";
import { readDownloadState, resumePaths } from "../../src/transfer/download-state.js";
import { kmsKeyring, putEncrypted, useFaultProxy, useTempDir, useTestAws } from "../support/fixtures.js";

const aws = useTestAws();
const net = useFaultProxy(aws);
const proxy = net.proxy;
const viaProxy = net.s3;
const root = useTempDir("s3cse-dlresume-");
let dir: string;
const MiB = 1024 * 1024;
let n = 0;

beforeEach(async () => {
  dir = join(root, `t${++n}`);
  await mkdir(dir);
});

const keyring = () => kmsKeyring(aws);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const common = {
  retryBaseDelayMs: 1,
  allowLegacy: true,
  commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" as const,
};
type Format = "rds" | "v2" | "v3";

async function put(key: string, data: Buffer, format: Format, multipart?: { partSize: number }) {
  // Multipart uploads declare CRC32, so S3 keeps part checksums (what lets a CBC object be checked).
  await putEncrypted(
    aws,
    key,
    data,
    format,
    multipart ? { partSize: multipart.partSize, objectParams: { ChecksumAlgorithm: "CRC32" as const } } : {},
  );
}

const gets = (key: string) => proxy.matching({ method: "GET", path: `/${aws.bucket}/${key}` });
/** Range header of the ranged GET for ciphertext range `index` (CBC fetches the block before it). */
const rangeAt = (index: number, size: number, cbc: boolean) =>
  new RegExp(`^bytes=${index === 0 ? 0 : index * size - (cbc ? 16 : 0)}-`);

// biome-ignore lint/suspicious/noExplicitAny: test options.
function download(key: string, s3: any, extra: Record<string, unknown> = {}) {
  return downloadToFile({
    s3,
    bucket: aws.bucket,
    key,
    file: join(dir, "out.bak"),
    keyring: keyring(),
    resume: true,
    partSize: MiB,
    concurrency: 1,
    ...common,
    ...extra,
  });
}

/** A resumable download that dies at range `index` (every GET of it fails): its partial is kept. */
async function interrupted(key: string, format: Format, index: number) {
  proxy.addRule({
    method: "GET",
    path: `/${aws.bucket}/${key}`,
    headers: { range: rangeAt(index, MiB, format === "rds") },
    fault: { kind: "status", status: 503, code: "SlowDown" },
  });
  const err = await download(key, viaProxy, { maxRetries: 0 }).catch((e) => e);
  expect(err).toMatchObject({ code: ErrorCodes.S3_FAILURE });
  proxy.clearRules();
  const paths = resumePaths(join(dir, "out.bak"));
  expect(existsSync(join(dir, "out.bak"))).toBe(false);
  const state = await readDownloadState(paths.state);
  expect(state).toMatchObject({
    bucket: aws.bucket,
    key,
    bytes: index * MiB,
    format: format === "rds" ? "v1" : format,
  });
  return { paths, state: state! };
}

describe("downloadToFile({ resume: true })", () => {
  for (const format of ["rds", "v2", "v3"] as const) {
    it(`${format}: a download that failed at range 3 keeps its partial and state; resumed, it fetches only the rest and is byte-exact`, async () => {
      const key = `resume/${format}.bak`;
      const data = randomBytes(5 * MiB + 123);
      await put(key, data, format);
      const { paths, state } = await interrupted(key, format, 3);
      // The state names the object version and the bytes done; never key material or plaintext.
      expect(Object.keys(state).sort()).toEqual(
        [
          "bucket",
          "bytes",
          "ciphertextLength",
          "contentAlgorithm",
          "etag",
          "format",
          "key",
          "s3cseDownloadState",
          "updatedAt",
        ].sort(),
      );
      expect((await stat(paths.partial)).mode & 0o777).toBe(0o600);
      const before = gets(key).length;
      const infos: DownloadResumeInfo[] = [];
      const result = await download(key, viaProxy, { onResume: (i: DownloadResumeInfo) => infos.push(i) });
      expect(result.resumedFrom).toBe(3 * MiB);
      expect(infos).toEqual([
        {
          partialPath: paths.partial,
          statePath: paths.state,
          from: 3 * MiB,
          totalBytes: state.ciphertextLength,
        },
      ]);
      expect(sha(await readFile(join(dir, "out.bak")))).toBe(sha(data));
      const resumed = gets(key).slice(before);
      expect(resumed[0]!.headers.range).toMatch(rangeAt(3, MiB, format === "rds"));
      expect(resumed.every((r) => r.headers["if-match"] === state.etag)).toBe(true);
      expect(resumed).toHaveLength(3);
      expect(await readdir(dir)).toEqual(["out.bak"]);
    });
  }

  for (const [format, code] of [
    ["rds", ErrorCodes.CHECKSUM_MISMATCH],
    ["v2", ErrorCodes.AUTHENTICATION_FAILED],
    ["v3", ErrorCodes.AUTHENTICATION_FAILED],
  ] as const) {
    it(`${format}: a byte of the partial file changed between the runs: the resume is refused (${code}), the partial discarded, no target`, async () => {
      const key = `tamper-partial/${format}.bak`;
      await put(key, randomBytes(4 * MiB + 7), format);
      const { paths } = await interrupted(key, format, 2);
      const h = await open(paths.partial, "r+");
      const b = Buffer.alloc(1);
      await h.read(b, 0, 1, 1000);
      b[0]! ^= 0x40;
      await h.write(b, 0, 1, 1000);
      await h.close();
      const err = await download(key, viaProxy).catch((e) => e);
      expect(err).toMatchObject({ code });
      expect(err.message).toMatch(/was discarded: run the download again to start over/);
      expect(await readdir(dir)).toEqual([]);
    });
  }

  for (const [format, code] of [
    ["rds", ErrorCodes.CHECKSUM_MISMATCH],
    ["v2", ErrorCodes.AUTHENTICATION_FAILED],
    ["v3", ErrorCodes.AUTHENTICATION_FAILED],
  ] as const) {
    it(`${format}: the rest of the object corrupted in transit on resume: refused (${code}), the tag/CRC32 covers prefix and rest; no target`, async () => {
      const key = `tamper-rest/${format}.bak`;
      // Multipart with part CRC32s: what lets a CBC object's bytes be checked at all.
      await put(key, randomBytes(12 * MiB + 5), format, { partSize: 5 * MiB });
      await interrupted(key, format, 4);
      proxy.addRule({
        method: "GET",
        path: `/${aws.bucket}/${key}`,
        headers: { range: rangeAt(7, MiB, format === "rds") },
        fault: { kind: "flip", at: 4321 },
      });
      const err = await download(key, viaProxy).catch((e) => e);
      expect(err).toMatchObject({ code });
      expect(existsSync(join(dir, "out.bak"))).toBe(false);
      expect(await readdir(dir)).toEqual([]);
    });
  }

  for (const [format, code] of [
    ["rds", ErrorCodes.CHECKSUM_MISMATCH],
    ["v3", ErrorCodes.AUTHENTICATION_FAILED],
  ] as const) {
    it(`${format}: a byte corrupted in transit inside the prefix during the interrupted run is caught after the resume (${code}: S3's part CRC32s for CBC, the tag for GCM); no target`, async () => {
      const key = `transit-prefix/${format}.bak`;
      await put(key, randomBytes(12 * MiB + 5), format, { partSize: 5 * MiB });
      proxy.addRule({
        method: "GET",
        path: `/${aws.bucket}/${key}`,
        headers: { range: rangeAt(1, MiB, format === "rds") },
        fault: { kind: "flip", at: 500_000 },
      });
      await interrupted(key, format, 3);
      const err = await download(key, viaProxy).catch((e) => e);
      expect(err).toMatchObject({ code });
      expect(await readdir(dir)).toEqual([]);
    });
  }

  for (const format of ["rds", "v3"] as const) {
    it(`${format}: Precondition: a resumed download continues the same object version (ETag, VersionId, length, format) — the object rewritten between the runs (same key, same size): OBJECT_CHANGED, partial discarded, no target; the next run starts cleanly`, async () => {
      const key = `replaced/${format}.bak`;
      await put(key, randomBytes(4 * MiB), format);
      const { state } = await interrupted(key, format, 2);
      const replacement = randomBytes(4 * MiB);
      await put(key, replacement, format);
      const err = await download(key, viaProxy).catch((e) => e);
      expect(err).toMatchObject({ code: ErrorCodes.OBJECT_CHANGED });
      expect(err.message).toContain(`ETag ${state.etag}`);
      expect(err.message).toMatch(/was discarded; run the download again to start over/);
      expect(await readdir(dir)).toEqual([]);
      const again = await download(key, viaProxy);
      expect(again.resumedFrom).toBe(0);
      expect((await readFile(join(dir, "out.bak"))).equals(replacement)).toBe(true);
    });
  }

  it("Precondition: a download state beside the target belongs to the object being downloaded — another object's state: CHECKPOINT_MISMATCH naming both; the partial is kept", async () => {
    await put("other/a.bak", randomBytes(3 * MiB), "v2");
    await put("other/b.bak", randomBytes(3 * MiB), "v2");
    const { paths } = await interrupted("other/a.bak", "v2", 1);
    const err = await download("other/b.bak", viaProxy).catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCodes.CHECKPOINT_MISMATCH });
    expect(err.message).toContain(`s3://${aws.bucket}/other/a.bak`);
    expect(err.message).toContain(`s3://${aws.bucket}/other/b.bak`);
    expect(existsSync(paths.partial)).toBe(true);
    expect(existsSync(paths.state)).toBe(true);
  });

  it("a state file that is not JSON: refused with CHECKPOINT_INVALID telling to remove it", async () => {
    await put("bad-state.bak", randomBytes(1000), "v2");
    const paths = resumePaths(join(dir, "out.bak"));
    await writeFile(paths.state, "{ torn");
    const err = await download("bad-state.bak", aws.s3).catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCodes.CHECKPOINT_INVALID });
    expect(err.message).toMatch(/remove it/);
  });

  it("no state file: a stale partial file is ignored and the download starts cleanly from byte 0", async () => {
    const data = randomBytes(2 * MiB + 1);
    await put("fresh.bak", data, "rds");
    const paths = resumePaths(join(dir, "out.bak"));
    await writeFile(paths.partial, randomBytes(3 * MiB));
    const result = await download("fresh.bak", aws.s3);
    expect(result.resumedFrom).toBe(0);
    expect((await readFile(join(dir, "out.bak"))).equals(data)).toBe(true);
    expect(await readdir(dir)).toEqual(["out.bak"]);
  });

  it("a state claiming more bytes than the partial file holds: starts cleanly from byte 0", async () => {
    const data = randomBytes(3 * MiB);
    await put("short-partial.bak", data, "v3");
    const { paths } = await interrupted("short-partial.bak", "v3", 2);
    const h = await open(paths.partial, "r+");
    await h.truncate(MiB);
    await h.close();
    const result = await download("short-partial.bak", aws.s3);
    expect(result.resumedFrom).toBe(0);
    expect((await readFile(join(dir, "out.bak"))).equals(data)).toBe(true);
  });

  it("without resume, a failed download leaves no partial file and no state", async () => {
    await put("no-resume.bak", randomBytes(3 * MiB), "v2");
    proxy.addRule({
      method: "GET",
      path: `/${aws.bucket}/no-resume.bak`,
      headers: { range: rangeAt(1, MiB, false) },
      fault: { kind: "status", status: 503, code: "SlowDown" },
    });
    const err = await download("no-resume.bak", viaProxy, { resume: false, maxRetries: 0 }).catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCodes.S3_FAILURE });
    expect(await readdir(dir)).toEqual([]);
  });
});
