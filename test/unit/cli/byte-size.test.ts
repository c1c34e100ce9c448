import { describe, expect, it } from "vitest";
import { parseByteSize } from "../../../src/cli/byte-size.js";
import { GiB, MiB } from "../../../src/transfer/part-size.js";

describe("byte sizes on the command line", () => {
  it("Precondition: a size is a number with an optional binary unit", () => {
    expect(parseByteSize("16MiB")).toBe(16 * MiB);
    expect(parseByteSize("1GiB")).toBe(GiB);
    expect(parseByteSize("512 KiB")).toBe(512 * 1024);
    expect(parseByteSize("8388608")).toBe(8 * MiB);
    expect(parseByteSize("1.5GiB")).toBe(1.5 * GiB);
    expect(() => parseByteSize("lots")).toThrow(/not a size/);
    expect(() => parseByteSize("16 parsecs")).toThrow(/not a size/);
    expect(() => parseByteSize("0.3")).toThrow(/whole number/);
  });
});
