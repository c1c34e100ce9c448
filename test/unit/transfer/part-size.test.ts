import { describe, expect, it } from "vitest";
import { choosePartSize, GiB, MAX_PARTS, MiB } from "../../../src/transfer/part-size.js";

describe("part size", () => {
  it("defaults to 16 MiB and grows in whole MiB so 5 TiB fits in 10,000 parts", () => {
    expect(choosePartSize(undefined)).toBe(16 * MiB);
    expect(choosePartSize(100 * GiB)).toBe(16 * MiB);
    const fiveTiB = 5 * 1024 * GiB - 16;
    const p = choosePartSize(fiveTiB);
    expect(p % MiB).toBe(0);
    expect(Math.ceil((fiveTiB + 16) / p)).toBeLessThanOrEqual(MAX_PARTS);
    expect(Math.ceil((fiveTiB + 16) / (p - MiB))).toBeGreaterThan(MAX_PARTS);
  });

  it("Precondition: the object fits S3's 5 TiB limit", () => {
    expect(() => choosePartSize(5 * 1024 * GiB)).toThrow(/5 TiB/);
  });

  it("Precondition: a requested part size is a multiple of 16 bytes between 5 MiB and 5 GiB", () => {
    expect(choosePartSize(100, 5 * MiB)).toBe(5 * MiB);
    expect(() => choosePartSize(100, 4 * MiB)).toThrow(/between 5 MiB and 5 GiB/);
    expect(() => choosePartSize(100, 6 * GiB)).toThrow(/between 5 MiB and 5 GiB/);
    expect(() => choosePartSize(100, 5 * MiB + 8)).toThrow(/multiple of 16/);
    expect(() => choosePartSize(200 * GiB, 5 * MiB)).toThrow(/more than 10000 parts/);
  });
});
