/**
 * Tampering with multi-part V2/V3 ciphertext, read through the production download paths:
 * `openDecryptedStream` (the stream `download`, the CLI's stdout and the drop-in GetObject use;
 * it builds the known-length GCM decryptor from Content-Length) and `downloadToFile` (parallel
 * ranged GETs into one known-length decryptor). The objects are written by `encryptAndUpload` as
 * real multipart uploads into an in-memory S3, one byte is changed in the stored ciphertext, and
 * both paths must refuse it with a SecurityError and release no plaintext: the stream emits
 * nothing, and the file path leaves no target and no temporary file (an existing target keeps
 * its bytes).
 *
 * - Small parts (64 bytes; this file lifts part-size.ts's 5 MiB floor, as upload-part-cap.test.ts
 *   lowers the part cap): every byte position of the object, at seeded random body chunk sizes
 *   (1 byte included) and download range sizes.
 * - Real 5 MiB parts: a seeded sample covering every region (each part's first, middle and last
 *   byte, both sides of each part boundary, each range boundary, the tag).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SecurityError } from "../../../src/errors.js";
import { RawAesKeyring } from "../../../src/materials/raw-aes-keyring.js";
import { openDecryptedStream } from "../../../src/transfer/download.js";
import { downloadToFile } from "../../../src/transfer/download-file.js";
import * as partSize from "../../../src/transfer/part-size.js";
import { encryptAndUpload } from "../../../src/transfer/upload.js";
import { type MemoryS3, memoryS3 } from "../../support/memory-s3.js";
import { writePolicyFor } from "../../support/write-policy.js";

vi.mock("../../../src/transfer/part-size.js", async (original) => {
  const real = await original<typeof import("../../../src/transfer/part-size.js")>();
  return {
    ...real,
    // Small parts (multiples of 16) pass; every other request gets the real checks.
    choosePartSize: (size: number | undefined, requested?: number) =>
      requested !== undefined && requested < real.MIN_PART_SIZE && requested % 16 === 0
        ? requested
        : real.choosePartSize(size, requested),
  };
});

const SEED = 0x5eb10b;
const keyring = new RawAesKeyring({ key: Buffer.alloc(32, 7), materialsDescription: { k: "tamper" } });
const FORMATS = ["v2", "v3"] as const;
const readOptions = { commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" as const };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "s3-cse-tamper-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function plaintextOf(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 131 + 17) & 0xff;
  return out;
}

async function* source(buf: Buffer) {
  yield buf;
}

async function upload(s3: MemoryS3, format: "v2" | "v3", plain: Buffer, part: number): Promise<Buffer> {
  await encryptAndUpload({
    s3,
    bucket: "b",
    key: format,
    source: source(plain),
    contentLength: plain.length,
    keyring,
    format,
    commitmentPolicy: writePolicyFor(format),
    partSize: part,
    concurrency: 2,
  });
  expect(s3.count("UploadPart")).toBe(Math.ceil((plain.length + 16) / part));
  return s3.objects.get(format)!.body;
}

/** Reads through openDecryptedStream; returns what it emitted and how it failed. */
async function readStream(s3: MemoryS3, key: string) {
  const emitted: Buffer[] = [];
  try {
    const opened = await openDecryptedStream({ s3, bucket: "b", key, keyring, ...readOptions });
    for await (const chunk of opened.stream) emitted.push(chunk as Buffer);
    return { emitted, error: undefined as unknown };
  } catch (error) {
    return { emitted, error };
  }
}

/** Downloads through downloadToFile over an existing target; returns the error and what is left. */
async function readFileDownload(s3: MemoryS3, key: string, rangeSize: number, concurrency: number) {
  const here = join(dir, key);
  await mkdir(here, { recursive: true });
  const target = join(here, "out.bak");
  await writeFile(target, "previous contents");
  const error = await downloadToFile({
    s3,
    bucket: "b",
    key,
    keyring,
    ...readOptions,
    file: target,
    partSize: rangeSize,
    concurrency,
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, target: await readFile(target), files: await readdir(here) };
}

function expectRefused(error: unknown): void {
  expect(error, String(error)).toBeInstanceOf(SecurityError);
  expect((error as SecurityError).code).toMatch(/^(AUTHENTICATION_FAILED|TRUNCATED)$/);
}

async function expectBothPathsRefuse(
  s3: MemoryS3,
  key: string,
  rangeSize: number,
  concurrency: number,
): Promise<void> {
  const streamed = await readStream(s3, key);
  expectRefused(streamed.error);
  expect(streamed.emitted).toHaveLength(0);
  const file = await readFileDownload(s3, key, rangeSize, concurrency);
  expectRefused(file.error);
  expect(file.target.toString()).toBe("previous contents");
  expect(file.files).toEqual(["out.bak"]);
}

describe("a changed byte in multi-part GCM ciphertext is refused by both download paths", () => {
  const PART = 64;
  const plain = plaintextOf(3 * PART + 41); // ciphertext 64 + 64 + 64 + 57 bytes: 4 parts

  for (const format of FORMATS) {
    it(`${format}: every byte position, random body chunks and range sizes`, async () => {
      let bodyChunk = 1;
      const s3 = memoryS3({ bodyChunk: () => bodyChunk });
      const body = await upload(s3, format, plain, PART);
      expect(body.length).toBe(plain.length + 16);

      // The untouched object reads back through both paths (the refusals below are not vacuous).
      const ok = await readStream(s3, format);
      expect(ok.error).toBeUndefined();
      expect(Buffer.concat(ok.emitted).equals(plain)).toBe(true);
      const okFile = await readFileDownload(s3, format, 48, 3);
      expect(okFile.error).toBeUndefined();
      expect(okFile.target.equals(plain)).toBe(true);

      const draws = fc.sample(
        fc.record({
          xor: fc.integer({ min: 1, max: 255 }),
          chunk: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 100 })),
          range: fc.integer({ min: 16, max: 96 }),
          concurrency: fc.integer({ min: 1, max: 4 }),
        }),
        { seed: SEED + (format === "v3" ? 1 : 0), numRuns: body.length },
      );
      for (let position = 0; position < body.length; position++) {
        const draw = draws[position]!;
        bodyChunk = draw.chunk;
        body[position]! ^= draw.xor;
        await expectBothPathsRefuse(s3, format, draw.range, draw.concurrency);
        body[position]! ^= draw.xor;
      }
    });
  }
});

describe("a changed byte in 5 MiB-part GCM ciphertext is refused by both download paths", () => {
  const PART = 5 * 1024 * 1024;
  const RANGE = 1024 * 1024 + 16 * 37; // range boundaries fall inside parts, not on them
  const plain = plaintextOf(PART + 4099); // 2 parts: one full, one short

  for (const format of FORMATS) {
    it(`${format}: a seeded sample of each part, part and range boundaries, and the tag`, async () => {
      const s3 = memoryS3({ bodyChunk: 256 * 1024 });
      const body = await upload(s3, format, plain, PART);
      const n = body.length;
      const ok = await readFileDownload(s3, format, RANGE, 4);
      expect(ok.error).toBeUndefined();
      expect(ok.target.equals(plain)).toBe(true);

      const partStarts = [0, PART];
      const rangeStarts = Array.from({ length: Math.ceil(n / RANGE) }, (_, i) => i * RANGE);
      const regions = [
        ...partStarts.flatMap((s) => [s - 1, s, s + 1000, s + PART - 1]),
        ...rangeStarts.slice(1, 3).flatMap((s) => [s - 1, s]), // two range boundaries inside part 1
        n - 17, // the last ciphertext byte before the tag
        n - 16, // the tag's first and last byte
        n - 1,
      ].filter((p) => p >= 0 && p < n);
      const position = fc.oneof(
        fc.constantFrom(...regions),
        fc.integer({ min: n - 16, max: n - 1 }), // anywhere in the tag
        fc.integer({ min: 0, max: n - 1 }), // anywhere
      );
      // Every listed region once, then a seeded random sample.
      for (const p of regions) {
        body[p]! ^= 0x80;
        await expectBothPathsRefuse(s3, format, RANGE, 4);
        body[p]! ^= 0x80;
      }
      await fc.assert(
        fc.asyncProperty(position, fc.integer({ min: 1, max: 255 }), async (p, xor) => {
          body[p]! ^= xor;
          try {
            await expectBothPathsRefuse(s3, format, RANGE, 4);
          } finally {
            body[p]! ^= xor;
          }
        }),
        { seed: SEED, numRuns: 6 },
      );
    }, 120_000);
  }
});

it("this file's part-size override only admits small parts", () => {
  expect(partSize.choosePartSize(undefined, 64)).toBe(64);
  expect(() => partSize.choosePartSize(undefined, 100)).toThrow(/part size/);
  expect(partSize.choosePartSize(1000, 5 * 1024 * 1024)).toBe(5 * 1024 * 1024);
});
