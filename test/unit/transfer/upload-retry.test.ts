/**
 * Encrypt once: when the SDK retries a failed UploadPart, the retry carries the same ciphertext
 * bytes as the first attempt (the part buffer is kept until S3 acknowledged it, never re-encrypted).
 */
import { Readable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RawAesKeyring } from "../../../src/materials/raw-aes-keyring.js";
import { MiB } from "../../../src/transfer/part-size.js";
import { encryptAndUpload } from "../../../src/transfer/upload.js";
import { httpS3Double } from "../../support/http-s3-double.js";

const PART = 5 * MiB;
const keyring = new RawAesKeyring({ key: Buffer.alloc(32, 7), materialsDescription: { k: "retry" } });

describe("a retried part", () => {
  it("resends the same ciphertext: the SDK's retry of a failed UploadPart carries the bytes of the first attempt", async () => {
    // Seeded: the same part numbers fail on every run.
    const plain = Buffer.from(
      fc.sample(fc.uint8Array({ minLength: 1024, maxLength: 1024 }), { numRuns: 1, seed: 10 })[0]!,
    );
    const source = Buffer.concat(
      Array.from({ length: Math.ceil((2 * PART + 4096) / plain.length) }, () => plain),
    );
    const double = httpS3Double((partNumber, attempt) =>
      attempt === 1 && partNumber !== 3 ? 500 : undefined,
    );
    const result = await encryptAndUpload({
      s3: double.s3,
      bucket: "b",
      key: "k",
      source: Readable.from([source]),
      keyring,
      format: "v2",
      commitmentPolicy: "FORBID_ENCRYPT_ALLOW_DECRYPT",
      partSize: PART,
      concurrency: 2,
    });
    expect(result.parts).toBe(3);
    const byPart = (n: number) => double.attempts.filter((a) => a.partNumber === n);
    for (const n of [1, 2]) {
      const [first, retry, ...more] = byPart(n);
      expect(more).toEqual([]);
      expect(first?.attempt).toBe(1);
      expect(retry?.attempt).toBe(2);
      expect(retry!.body.length).toBe(first!.body.length);
      expect(retry!.body.equals(first!.body)).toBe(true);
    }
    expect(byPart(3)).toHaveLength(1);
    expect(double.operations.filter((o) => o === "AbortMultipartUpload")).toEqual([]);
    // The bytes S3 kept are the encryption of the source (one cipher state across the parts).
    const stored = Buffer.concat([1, 2, 3].map((n) => byPart(n).at(-1)!.body));
    expect(stored.length).toBe(source.length + 16);
    expect(stored.subarray(0, 16).equals(source.subarray(0, 16))).toBe(false);
  });

  it("a part that fails every attempt aborts the upload, after the SDK's retries, with the S3 error", async () => {
    const double = httpS3Double((partNumber) => (partNumber === 2 ? 500 : undefined));
    await expect(
      encryptAndUpload({
        s3: double.s3,
        bucket: "b",
        key: "k",
        source: Readable.from([Buffer.alloc(PART + 100)]),
        keyring,
        format: "v3",
        partSize: PART,
      }),
    ).rejects.toMatchObject({ code: "S3_FAILURE" });
    const part2 = double.attempts.filter((a) => a.partNumber === 2);
    expect(part2).toHaveLength(3);
    expect(part2.every((a) => a.body.equals(part2[0]!.body))).toBe(true);
    expect(double.operations.at(-1)).toBe("AbortMultipartUpload");
  });
});
