/**
 * The resumable download's state file (download-state.ts) and the resume pieces
 * (download-resume.ts): validation, atomic updates after an fsync of the partial file, reopening
 * the partial file, and the re-encryption of the prefix.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, open, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ContentKey,
  createContentEncryptor,
  generateContentKey,
} from "../../../src/ciphers/content-cipher.js";
import {
  ALG_AES_256_CBC_IV16_NO_KDF,
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
} from "../../../src/codec/algorithm-suites.js";
import { ErrorCodes } from "../../../src/errors.js";
import { openResumablePartial, replayPrefix } from "../../../src/transfer/download-resume.js";
import {
  type DownloadState,
  DownloadStateWriter,
  readDownloadState,
  resumePaths,
} from "../../../src/transfer/download-state.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "s3cse-dlstate-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const state = (over: Partial<DownloadState> = {}): DownloadState => ({
  s3cseDownloadState: 1,
  bucket: "b",
  key: "k.bak",
  etag: '"e"',
  ciphertextLength: 1024,
  format: "v2",
  contentAlgorithm: "AES/GCM/NoPadding",
  bytes: 512,
  updatedAt: "2026-12-04T00:00:00.000Z",
  ...over,
});

describe("download state file", () => {
  it("lives beside the target, never under the target's name", () => {
    expect(resumePaths("/x/y/SalesDb.bak")).toEqual({
      partial: "/x/y/.SalesDb.bak.resume.s3cse-partial",
      state: "/x/y/.SalesDb.bak.resume.s3cse-partial.json",
    });
  });

  it("no file: undefined", async () => {
    expect(await readDownloadState(join(dir, "none.json"))).toBeUndefined();
  });

  it("Precondition: a download state is a version-1 s3-cse download state", async () => {
    const p = join(dir, "v.json");
    for (const text of ["not json", JSON.stringify({ ...state(), s3cseDownloadState: 2 }), "null"]) {
      await writeFile(p, text);
      await expect(readDownloadState(p)).rejects.toMatchObject({ code: ErrorCodes.CHECKPOINT_INVALID });
    }
  });

  it("Precondition: a download state names its object and a whole number of 16-byte blocks within it", async () => {
    const p = join(dir, "f.json");
    const bad: Partial<Record<keyof DownloadState, unknown>>[] = [
      { bucket: "" },
      { etag: 5 },
      { versionId: 7 },
      { bytes: 17 },
      { bytes: -16 },
      { bytes: 2048 },
      { ciphertextLength: "1024" },
    ];
    for (const over of bad) {
      await writeFile(p, JSON.stringify({ ...state(), ...over }));
      await expect(readDownloadState(p), JSON.stringify(over)).rejects.toMatchObject({
        code: ErrorCodes.CHECKPOINT_INVALID,
        message: expect.stringMatching(/remove it/),
      });
    }
    await writeFile(p, JSON.stringify(state({ versionId: "v1" })));
    expect(await readDownloadState(p)).toEqual(state({ versionId: "v1" }));
  });

  it("the writer fsyncs the partial file before each state write, coalesces, ignores the end of the object", async () => {
    const p = join(dir, "w.json");
    const events: string[] = [];
    const w = new DownloadStateWriter(p, state({ bytes: 0 }), async () => {
      events.push("sync");
    });
    await w.write();
    for (const b of [16, 32, 48, 64]) w.record(b);
    w.record(32); // never backwards
    w.record(1024); // the whole object: not recorded
    await w.settle();
    expect((await readDownloadState(p))?.bytes).toBe(64);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.length).toBeLessThanOrEqual(3); // 0, 16, then one write for 32..64
    expect(await readdir(dir)).not.toContainEqual(expect.stringMatching(/\.tmp$/));
  });

  it("a failed fsync is kept and thrown by settle(); the state on disk stays at the last good version", async () => {
    const p = join(dir, "fail.json");
    let fail = false;
    const w = new DownloadStateWriter(p, state({ bytes: 0 }), async () => {
      if (fail) throw new Error("EIO");
    });
    await w.write();
    fail = true;
    w.record(256);
    await expect(w.settle()).rejects.toMatchObject({ code: ErrorCodes.IO_FAILURE });
    expect((await readDownloadState(p))?.bytes).toBe(0);
  });

  it("the state holds no key material: only the named fields", async () => {
    const p = join(dir, "fields.json");
    const w = new DownloadStateWriter(p, state(), async () => undefined);
    await w.write();
    expect(Object.keys(JSON.parse(await readFile(p, "utf8"))).sort()).toEqual(Object.keys(state()).sort());
  });
});

describe("reopening the partial file", () => {
  it("Precondition: a download's partial file, when it exists, is a regular file (not a symlink)", async () => {
    const target = join(dir, "victim");
    await writeFile(target, "do not touch");
    const link = join(dir, "link.partial");
    await symlink(target, link);
    await expect(openResumablePartial(link, 0, 1024)).rejects.toMatchObject({
      code: ErrorCodes.NOT_A_REGULAR_FILE,
    });
    expect(await readFile(target, "utf8")).toBe("do not touch");
  });

  it("keeps the recorded prefix when the file holds it; else empties the file and starts at 0", async () => {
    const p = join(dir, "p.partial");
    await writeFile(p, randomBytes(600));
    const cases: [number, number][] = [
      [512, 512], // file holds it
      [608, 0], // file is shorter than recorded
      [0, 0],
      [1024 - 16, 0], // would leave less than two blocks to fetch
    ];
    for (const [recorded, from] of cases) {
      await writeFile(p, randomBytes(600));
      const { handle, from: got } = await openResumablePartial(p, recorded, 1024);
      expect(got, `recorded ${recorded}`).toBe(from);
      expect((await handle.stat()).size).toBe(from === 0 ? 0 : 600);
      await handle.close();
    }
    const created = join(dir, "new.partial");
    const { handle, from } = await openResumablePartial(created, 0, 1024);
    expect(from).toBe(0);
    expect((await handle.stat()).mode & 0o777).toBe(0o600);
    await handle.close();
  });
});

describe("replaying the prefix", () => {
  const suites: [string, () => ContentKey][] = [
    ["CBC", () => generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF)],
    ["GCM", () => generateContentKey(ALG_AES_256_GCM_IV12_TAG16_NO_KDF)],
    ["V3", () => generateContentKey(ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY)],
  ];
  for (const [name, key] of suites) {
    it(`${name}: re-encrypting the written plaintext gives exactly the object's ciphertext prefix (property, seeded)`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 200 }),
          fc.integer({ min: 1, max: 150 }),
          async (total, at) => {
            const blocks = Math.min(at, total);
            const plaintext = randomBytes(total * 16 + 5);
            const k = key();
            const e = createContentEncryptor(k);
            const ciphertext = Buffer.concat([e.update(plaintext), e.final()]);
            const p = join(dir, `replay-${name}`);
            await writeFile(p, plaintext);
            const h = await open(p, "r");
            const seen: Buffer[] = [];
            const last = await replayPrefix(h, blocks * 16, k, (c) => seen.push(Buffer.from(c)));
            await h.close();
            expect(Buffer.concat(seen).equals(ciphertext.subarray(0, blocks * 16))).toBe(true);
            expect(last.equals(ciphertext.subarray(blocks * 16 - 16, blocks * 16))).toBe(true);
          },
        ),
        { seed: 1104, numRuns: 25 },
      );
    });
  }

  it("Precondition: the partial file still holds the bytes its state records", async () => {
    const p = join(dir, "short");
    await writeFile(p, randomBytes(100));
    const h = await open(p, "r");
    await expect(
      replayPrefix(h, 160, generateContentKey(ALG_AES_256_GCM_IV12_TAG16_NO_KDF), () => undefined),
    ).rejects.toMatchObject({
      code: ErrorCodes.IO_FAILURE,
      message: expect.stringMatching(/ended at byte 100/),
    });
    await h.close();
    expect(existsSync(p)).toBe(true);
  });
});
