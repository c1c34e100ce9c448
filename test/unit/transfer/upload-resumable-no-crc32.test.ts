/**
 * A resumable upload on a Node.js without zlib.crc32 (before 20.15): this file replaces hasCrc32
 * with one that says "absent" (the module's other exports stay real), since CI's Node has it.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { ErrorCodes } from "../../../src/errors.js";
import { RawAesKeyring } from "../../../src/materials/raw-aes-keyring.js";
import { encryptAndUploadFile } from "../../../src/transfer/upload-file.js";
import { memoryS3 } from "../../support/memory-s3.js";

vi.mock("../../../src/pipeline/crc32.js", async (original) => ({
  ...(await original<typeof import("../../../src/pipeline/crc32.js")>()),
  hasCrc32: () => false,
}));

describe("resumable upload without zlib.crc32", () => {
  it("Precondition: resumable uploads need zlib.crc32 to check rebuilt parts — refused before S3, no checkpoint written", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s3cse-nocrc-"));
    try {
      const file = join(dir, "db.bak");
      await writeFile(file, Buffer.alloc(1000, 7));
      const s3 = memoryS3();
      const err = await encryptAndUploadFile({
        s3,
        bucket: "b",
        key: "db.bak",
        file,
        keyring: new RawAesKeyring({ key: Buffer.alloc(32, 1), materialsDescription: { k: "crc" } }),
        format: "v3",
        checkpoint: {},
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: ErrorCodes.NOT_RESUMABLE,
        message: expect.stringMatching(/need zlib\.crc32 \(Node\.js 20\.15 or later\)/),
      });
      expect(s3.sent).toEqual([]);
      expect(existsSync(`${file}.s3cse-upload.json`)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
