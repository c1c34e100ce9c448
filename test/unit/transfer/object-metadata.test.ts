import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../../src/errors.js";
import {
  fetchInstructionFile,
  MAX_INSTRUCTION_FILE_BYTES,
  resolveContentMetadata,
} from "../../../src/transfer/object-metadata.js";

const notFound = () => Object.assign(new Error("The specified key does not exist."), { name: "NoSuchKey" });

/** An S3 double whose GetObject answers with `body` (a body already in memory: transformToString only). */
const s3With = (answer: () => unknown) => ({
  keys: [] as string[],
  async send(command: { input: { Key?: string } }) {
    this.keys.push(command.input.Key ?? "");
    return answer();
  },
});

/** A JSON instruction file of exactly `size` bytes (padded with JSON whitespace). */
const instructionOf = (size: number) => {
  const compact = JSON.stringify({ "x-amz-key-v2": "AAAA", "x-amz-iv": "AAAAAAAAAAAAAAAA" });
  return `${compact.slice(0, -1)}${" ".repeat(size - Buffer.byteLength(compact))}}`;
};

describe("fetchInstructionFile", () => {
  it("Precondition: an instruction file is at most 64 KiB (a body already in memory too)", async () => {
    const inMemory = (text: string) => s3With(() => ({ Body: { transformToString: async () => text } }));
    const over = inMemory(instructionOf(MAX_INSTRUCTION_FILE_BYTES + 1));
    await expect(fetchInstructionFile({ s3: over, bucket: "b", key: "k" } as never)).rejects.toMatchObject({
      code: ErrorCodes.INSTRUCTION_FILE_TOO_LARGE,
      message: expect.stringContaining("instruction file k.instruction is larger than the 65536-byte limit"),
    });
    const at = inMemory(instructionOf(MAX_INSTRUCTION_FILE_BYTES));
    await expect(fetchInstructionFile({ s3: at, bucket: "b", key: "k" } as never)).resolves.toMatchObject({
      "x-amz-key-v2": "AAAA",
    });
  });
});

describe("resolveContentMetadata", () => {
  it("Precondition: an object without S3EC metadata has an instruction file, or it is not client-side encrypted", async () => {
    const s3 = s3With(() => {
      throw notFound();
    });
    const locator = { s3, bucket: "b", key: "plain.txt" } as never;
    await expect(resolveContentMetadata(locator, { "content-type": "text/plain" })).rejects.toMatchObject({
      code: ErrorCodes.UNSUPPORTED_FORMAT,
      message: expect.stringMatching(/^s3:\/\/b\/plain\.txt is not client-side encrypted \(no x-amz-key/),
    });
    expect(s3.keys).toEqual(["plain.txt.instruction"]);
    // V3 keeps x-amz-c, x-amz-d and x-amz-i on the object and the rest in the instruction file.
    const v3Core = { "x-amz-c": "115", "x-amz-d": "A".repeat(38), "x-amz-i": "A".repeat(38) };
    await expect(resolveContentMetadata(locator, v3Core)).rejects.toMatchObject({
      code: ErrorCodes.UNSUPPORTED_FORMAT,
      message: "s3://b/plain.txt has V3 metadata that points to an instruction file, but none exists",
    });
  });
});
