import { randomBytes } from "node:crypto";
import * as zlib from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../../src/errors.js";
import { crc32Base64 } from "../../../src/pipeline/crc32.js";
import {
  CiphertextChecksum,
  resolveStoredChecksum,
  type StoredChecksum,
} from "../../../src/transfer/object-checksum.js";
import { planRanges } from "../../../src/transfer/parallel-download.js";

const data = randomBytes(10_000);
const partSizes = [4096, 4096, 10_000 - 8192];
const composite = (): StoredChecksum => {
  let at = 0;
  const crcs = partSizes.map((n) => {
    const c = zlib.crc32(data.subarray(at, at + n));
    at += n;
    return Buffer.from(crc32Base64(c), "base64");
  });
  return { kind: "composite", crc32: zlib.crc32(Buffer.concat(crcs)), partSizes };
};
const full = (): StoredChecksum => ({ kind: "full", crc32: zlib.crc32(data), partSizes: [data.length] });

/** Feeds `bytes` through ranges of `size`, finished in a shuffled order, in chunks of `chunk`. */
function feed(check: CiphertextChecksum, bytes: Buffer, size: number, chunk: number, order: number[]) {
  const ranges = planRanges(bytes.length, size);
  const shuffled = order.length
    ? ranges
        .map((r, i) => ({ r, k: order[i % order.length]! }))
        .sort((a, b) => a.k - b.k)
        .map((x) => x.r)
    : ranges;
  for (const r of shuffled) {
    const acc = check.range(r.start);
    for (let at = r.start; at <= r.end; at += chunk)
      acc.update(bytes.subarray(at, Math.min(at + chunk, r.end + 1)));
    acc.finish();
  }
}

describe("CiphertextChecksum", () => {
  for (const [name, stored] of [
    ["composite", composite],
    ["full", full],
  ] as const) {
    it(`${name}: ranges of any size, finished in any order, chunks of any size, match; a flipped byte does not`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 300 }),
          fc.integer({ min: 1, max: 999 }),
          fc.array(fc.nat(), { maxLength: 20 }),
          fc.nat(9999),
          (blocks, chunk, order, flipAt) => {
            const good = new CiphertextChecksum(stored(), "s3://b/k");
            feed(good, data, blocks * 16, chunk, order);
            good.verify();
            const bad = Buffer.from(data);
            bad[flipAt]! ^= 0x40;
            const check = new CiphertextChecksum(stored(), "s3://b/k");
            feed(check, bad, blocks * 16, chunk, order);
            expect(() => check.verify()).toThrow(
              expect.objectContaining({ code: ErrorCodes.CHECKSUM_MISMATCH }),
            );
          },
        ),
        { seed: 21, numRuns: 60 },
      );
    });
  }

  it("Precondition: the checked pieces cover the object exactly once — a missing range is a mismatch", () => {
    const check = new CiphertextChecksum(full(), "s3://b/k");
    const acc = check.range(0);
    acc.update(data.subarray(0, 5000));
    acc.finish();
    expect(() => check.verify()).toThrow(/do not cover the object/);
  });
});

describe("CiphertextChecksum against S3's value", () => {
  it("Precondition: the downloaded ciphertext has the CRC32 S3 stored for it — the error names both values", () => {
    for (const [stored, suffix] of [
      [full(), ")"],
      [composite(), " (composite of 3 parts))"],
    ] as const) {
      const wrong = { ...stored, crc32: (stored.crc32 + 1) >>> 0 };
      const check = new CiphertextChecksum(wrong, "s3://b/k");
      feed(check, data, 4096, 1000, []);
      expect(() => check.verify()).toThrow(
        expect.objectContaining({
          code: ErrorCodes.CHECKSUM_MISMATCH,
          message: expect.stringContaining(
            `its CRC32 is ${crc32Base64(stored.crc32)}, S3 stored ${crc32Base64(wrong.crc32)}${suffix}`,
          ),
        }),
      );
      const right = new CiphertextChecksum(stored, "s3://b/k");
      feed(right, data, 4096, 1000, []);
      expect(() => right.verify()).not.toThrow();
    }
  });
});

describe("resolveStoredChecksum", () => {
  /** An S3 double answering HeadObject PartNumber=n with the n-th of `sizes`. */
  const s3 = (sizes: number[]) => ({
    requested: [] as number[],
    async send(command: { input: { PartNumber?: number } }) {
      const n = command.input.PartNumber ?? 0;
      this.requested.push(n);
      return { ContentLength: sizes[n - 1], PartsCount: sizes.length };
    },
  });
  const head = {
    $metadata: {},
    ChecksumCRC32: `${crc32Base64(1234)}-3`,
    ContentLength: 10_000,
    ETag: '"abc-3"',
  };

  it("Precondition: the parts' sizes add up to the object's length", async () => {
    const odd = s3([100, 100, 100]); // not "equal parts but the last": each part is asked for
    await expect(
      resolveStoredChecksum({ s3: odd, bucket: "b", key: "k" } as never, head),
    ).rejects.toMatchObject({
      code: ErrorCodes.INVALID_METADATA,
      message: "s3://b/k: its 3 parts do not add up to its 10000 bytes",
    });
    expect(odd.requested).toEqual([1, 2, 3]);
    const uneven = s3([100, 9000, 900]);
    await expect(
      resolveStoredChecksum({ s3: uneven, bucket: "b", key: "k" } as never, head),
    ).resolves.toEqual({ kind: "composite", crc32: 1234, partSizes: [100, 9000, 900] });
  });
});

describe("planRanges", () => {
  it("covers from..total-1 with 16-byte-aligned ranges; a last range under two blocks joins the previous one", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 700 }),
        fc.nat(300),
        (blocks, size, fromBlocks) => {
          const total = blocks * 16;
          const from = Math.min(fromBlocks, blocks - 1) * 16;
          const ranges = planRanges(total, size, from);
          expect(ranges[0]!.start).toBe(from);
          expect(ranges.at(-1)!.end).toBe(total - 1);
          for (let i = 0; i < ranges.length; i++) {
            expect(ranges[i]!.start % 16).toBe(0);
            if (i > 0) expect(ranges[i]!.start).toBe(ranges[i - 1]!.end + 1);
          }
          if (ranges.length > 1)
            expect(ranges.at(-1)!.end - ranges.at(-1)!.start + 1).toBeGreaterThanOrEqual(32);
        },
      ),
      { seed: 31, numRuns: 300 },
    );
  });
});
