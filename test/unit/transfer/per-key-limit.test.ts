/**
 * The GCM suites' per-key plaintext limit (2^36 - 32 bytes, NIST SP 800-38D), through the upload
 * and offline-encryption paths themselves. Reaching 64 GiB for real is out of reach of a unit test,
 * so this file lowers the limit on the suite objects the production code reads (and checks the
 * real figure first); each test file runs in its own module instance, so nothing else sees it.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
  type AlgorithmSuite,
} from "../../../src/codec/algorithm-suites.js";
import { ErrorCodes } from "../../../src/errors.js";
import { RawAesKeyring } from "../../../src/materials/raw-aes-keyring.js";
import { encryptFile } from "../../../src/transfer/offline.js";
import { encryptAndUpload } from "../../../src/transfer/upload.js";
import { httpS3Double } from "../../support/http-s3-double.js";

const PART = 5 * 1024 * 1024;
const LIMIT = 2 * PART + 1000;
const GCM_SUITES = [ALG_AES_256_GCM_IV12_TAG16_NO_KDF, ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY];
const keyring = new RawAesKeyring({ key: Buffer.alloc(32, 5), materialsDescription: { k: "limit" } });
const writable = (suite: AlgorithmSuite) => suite as { maxPlaintextLength: number };

describe("the GCM per-key plaintext limit", () => {
  it("is 2^36 - 32 bytes for both GCM suites", () => {
    for (const suite of GCM_SUITES) expect(suite.maxPlaintextLength).toBe(2 ** 36 - 32);
  });

  describe(`lowered to ${LIMIT} bytes`, () => {
    beforeAll(() => {
      for (const suite of GCM_SUITES) writable(suite).maxPlaintextLength = LIMIT;
    });
    afterAll(() => {
      for (const suite of GCM_SUITES) writable(suite).maxPlaintextLength = 2 ** 36 - 32;
    });

    it("Precondition: an upload's plaintext stays within the suite's per-key limit — refused while reading, the multipart upload aborted", async () => {
      const chunk = Buffer.alloc(PART, 1);
      async function* unknownLength() {
        yield chunk;
        yield chunk;
        yield chunk; // past the limit, no contentLength given
      }
      const double = httpS3Double(() => undefined);
      const err = await encryptAndUpload({
        s3: double.s3,
        bucket: "b",
        key: "k",
        source: unknownLength(),
        keyring,
        format: "v3",
        partSize: PART,
        concurrency: 1,
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: ErrorCodes.INVALID_ARGUMENT,
        message: expect.stringMatching(
          new RegExp(
            `v3 \\(ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY\\) can encrypt at most ${LIMIT} bytes per object`,
          ),
        ),
      });
      expect(double.operations[0]).toBe("CreateMultipartUpload");
      expect(double.operations).not.toContain("CompleteMultipartUpload");
      expect(double.operations.at(-1)).toBe("AbortMultipartUpload");
    });

    it("Precondition: an offline encryption's plaintext stays within the suite's per-key limit — no output is left", async () => {
      const dir = mkdtempSync(join(tmpdir(), "s3cse-limit-"));
      try {
        const input = join(dir, "in.bak");
        writeFileSync(input, Buffer.alloc(LIMIT + 1, 2));
        const output = join(dir, "in.bak.enc");
        await expect(
          encryptFile({
            input,
            output,
            keyring,
            format: "v2",
            commitmentPolicy: "FORBID_ENCRYPT_ALLOW_DECRYPT",
          }),
        ).rejects.toMatchObject({
          code: ErrorCodes.INVALID_ARGUMENT,
          message: `v2 can encrypt at most ${LIMIT} bytes`,
        });
        expect(existsSync(output)).toBe(false);
        expect(readdirSync(dir)).toEqual(["in.bak"]);
        // Exactly at the limit is allowed.
        writeFileSync(input, Buffer.alloc(LIMIT, 2));
        await expect(
          encryptFile({
            input,
            output,
            keyring,
            format: "v2",
            commitmentPolicy: "FORBID_ENCRYPT_ALLOW_DECRYPT",
          }),
        ).resolves.toMatchObject({
          output,
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
