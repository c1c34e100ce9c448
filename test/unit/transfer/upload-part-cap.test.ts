/**
 * The 10,000-part cap on a stream of unknown length, through encryptAndUpload itself. Reaching
 * 10,001 real parts means encrypting 50 GB, so this file lowers the cap to 3 (the module's other
 * exports stay real) and checks the constant separately: the production check, cheaply.
 */
import { describe, expect, it, vi } from "vitest";
import { RawAesKeyring } from "../../../src/materials/raw-aes-keyring.js";
import * as partSize from "../../../src/transfer/part-size.js";
import { encryptAndUpload } from "../../../src/transfer/upload.js";
import { httpS3Double } from "../../support/http-s3-double.js";

vi.mock("../../../src/transfer/part-size.js", async (original) => ({
  ...(await original<typeof import("../../../src/transfer/part-size.js")>()),
  MAX_PARTS: 3,
}));

const keyring = new RawAesKeyring({ key: Buffer.alloc(32, 3), materialsDescription: { k: "cap" } });
const PART = 5 * 1024 * 1024;

describe("the part cap", () => {
  it("is S3's 10,000 parts", async () => {
    const real = await vi.importActual<typeof partSize>("../../../src/transfer/part-size.js");
    expect(real.MAX_PARTS).toBe(10_000);
  });

  it("Precondition: an upload has at most 10,000 parts", async () => {
    expect(partSize.MAX_PARTS).toBe(3); // the lowered cap this file runs with
    const chunk = Buffer.alloc(PART);
    async function* unknownLength() {
      for (let i = 0; i < 4; i++) yield chunk; // 4 parts' worth, no contentLength
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
      code: "INVALID_ARGUMENT",
      message: expect.stringMatching(/more than 3 parts/),
    });
    expect(Math.max(...double.attempts.map((a) => a.partNumber))).toBeLessThanOrEqual(3);
    expect(double.operations.at(-1)).toBe("AbortMultipartUpload");
    expect(double.operations).not.toContain("CompleteMultipartUpload");
  });
});
