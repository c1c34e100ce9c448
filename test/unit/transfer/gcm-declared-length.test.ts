/**
 * The last check of a GCM file download: the plaintext written has the length
 * x-amz-unencrypted-content-length declares (V2; V3 declares none). The body-length check before the transfer makes it
 * unreachable through a consistent S3, so a stand-in ranged downloader reports one byte short (as a
 * future change to range planning could) and the download must refuse before the file appears.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ErrorCodes, SecurityError } from "../../../src/errors.js";
import { RawAesKeyring } from "../../../src/materials/raw-aes-keyring.js";
import { downloadToFile } from "../../../src/transfer/download-file.js";
import { encryptAndUpload } from "../../../src/transfer/upload.js";
import { memoryS3 } from "../../support/memory-s3.js";

const shortBy: { bytes: number } = { bytes: 0 };

vi.mock("../../../src/transfer/parallel-download.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../../src/transfer/parallel-download.js")>();
  return {
    ...real,
    downloadGcmRanges: async (...args: Parameters<typeof real.downloadGcmRanges>) =>
      (await real.downloadGcmRanges(...args)) - shortBy.bytes,
  };
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "s3-cse-gcm-length-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("GCM file download: the declared plaintext length", () => {
  it("Precondition: a GCM download decrypts to the declared plaintext length.", async () => {
    const keyring = new RawAesKeyring({ key: Buffer.alloc(32, 3), materialsDescription: { k: "len" } });
    const s3 = memoryS3();
    await encryptAndUpload({
      s3,
      bucket: "b",
      key: "k",
      source: Readable.from([Buffer.alloc(1000, 1)]),
      keyring,
      format: "v2",
      commitmentPolicy: "FORBID_ENCRYPT_ALLOW_DECRYPT",
    });
    const file = join(dir, "out.bin");
    shortBy.bytes = 1;
    const failure = await downloadToFile({
      s3,
      bucket: "b",
      key: "k",
      keyring,
      file,
      partSize: 64,
      commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SecurityError);
    expect((failure as SecurityError).code).toBe(ErrorCodes.TRUNCATED);
    expect((failure as Error).message).toBe(
      "decrypted 999 bytes, but x-amz-unencrypted-content-length says 1000",
    );
    expect(await readdir(dir)).toEqual([]);
    shortBy.bytes = 0;
    await downloadToFile({
      s3,
      bucket: "b",
      key: "k",
      keyring,
      file,
      commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
    });
    expect(await readdir(dir)).toEqual(["out.bin"]);
  });
});
