import * as zlib from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32Base64, crc32Combine, crc32FromBase64 } from "../../../src/pipeline/crc32.js";

const crc = (b: Uint8Array) => zlib.crc32(b);

describe("crc32Combine", () => {
  it("crc32(A‖B) from crc32(A), crc32(B) and |B|, as zlib computes it over the concatenation", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
        const joined = Buffer.concat([a, b]);
        expect(crc32Combine(crc(a), crc(b), b.length)).toBe(crc(joined));
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it("folds any split of a buffer into pieces back to the buffer's CRC32", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 2000 }),
        fc.array(fc.nat(2000), { maxLength: 8 }),
        (data, cuts) => {
          const points = [...new Set(cuts.map((c) => c % data.length))].sort((x, y) => x - y);
          let value = 0;
          let from = 0;
          for (const to of [...points, data.length]) {
            const piece = data.subarray(from, to);
            value = crc32Combine(value, crc(piece), piece.length);
            from = to;
          }
          expect(value).toBe(crc(data));
        },
      ),
      { seed: 12, numRuns: 200 },
    );
  });

  it("lengths past 2^32 (a terabyte backup): n + n zero bytes combine as 2n, with no 32-bit wrap of the length", () => {
    const a = crc(Buffer.from("s3-cse"));
    for (const n of [2 ** 31 + 3, 2 ** 32 + 1, 3 * 2 ** 40 + 17]) {
      // A length truncated to 32 bits would make the left side the operator of (2n mod 2^32) zero bytes.
      expect(crc32Combine(a, 0, 2 * n)).toBe(crc32Combine(crc32Combine(a, 0, n), 0, n));
    }
    expect(crc32Combine(a, 0, 0)).toBe(a);
  });

  it("parses S3's base64 CRC32, with or without the composite -N suffix", () => {
    const value = crc(Buffer.from("hello"));
    expect(crc32FromBase64(crc32Base64(value))).toBe(value);
    expect(crc32FromBase64(`${crc32Base64(value)}-12`)).toBe(value);
    expect(crc32FromBase64("AAAA")).toBeUndefined();
  });
});
