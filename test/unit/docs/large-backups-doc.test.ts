import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { choosePartSize, MiB } from "../../../src/transfer/part-size.js";

const doc = readFileSync(new URL("../../../docs/large-backups.md", import.meta.url), "utf8");
const GiB = 1024 * MiB;
const UNITS: Record<string, number> = { GiB, TiB: 1024 * GiB };

describe("docs/large-backups.md", () => {
  const rows = [...doc.matchAll(/^\| ([\d.]+) (GiB|TiB) \| ([\d.]+) MiB \| (\d+) MiB \| ([\d,]+) \|$/gm)];

  it("has the part-size table", () => {
    expect(rows.length).toBeGreaterThanOrEqual(4);
  });

  it("states the floor, the part size choosePartSize picks and the part count for each backup size", () => {
    for (const [row, n, unit, floor, picked, parts] of rows) {
      const size = Number(n) * UNITS[unit!]!;
      const part = choosePartSize(size);
      expect(Number(floor), row).toBeCloseTo(size / 10_000 / MiB, 1);
      expect(part / MiB, row).toBe(Number(picked));
      // The ciphertext is up to 16 bytes longer than the plaintext.
      expect(Math.ceil((size + 16) / part), row).toBe(Number(parts!.replace(/,/g, "")));
    }
  });

  it("counts 8,193 parts of 256 MiB for 2 TiB, as it says", () => {
    expect(doc).toContain("256 MiB for 2 TiB: 8,193 parts");
    expect(Math.ceil((2 * 1024 * GiB + 16) / (256 * MiB))).toBe(8193);
  });
});
