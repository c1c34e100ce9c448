import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import { ErrorCodes } from "../../src/errors.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import type { WriteFormat } from "../../src/materials/materials.js";
import { RawAesKeyring } from "../../src/materials/raw-aes-keyring.js";
import { MiB } from "../../src/transfer/part-size.js";
import { getDecryptedRange, openDecryptedRange } from "../../src/transfer/ranged-get.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import { useTestAws } from "../support/fixtures.js";
import { writePolicyFor } from "../support/write-policy.js";

const aws = useTestAws();
let kms: KmsKeyring;
beforeAll(async () => {
  kms = new KmsKeyring({ client: aws.kms, keyId: aws.keyId });
});

async function upload(format: WriteFormat, plain: Buffer, key: string, partSize?: number) {
  await encryptAndUpload({
    s3: aws.s3,
    bucket: aws.bucket,
    key,
    source: Readable.from([plain]),
    keyring: kms,
    format,
    commitmentPolicy: writePolicyFor(format),
    contentLength: plain.length,
    ...(partSize ? { partSize } : {}),
  });
}

const read = (key: string, start: number, end?: number) =>
  getDecryptedRange({
    s3: aws.s3,
    bucket: aws.bucket,
    key,
    keyring: kms,
    range: end === undefined ? { start } : { start, end },
    allowUnauthenticatedRanges: true,
    allowLegacy: true,
  });

describe("ranged GET decryption against moto_server", () => {
  const cases: [string, WriteFormat][] = [
    ["V3 (key-committing GCM, CTR)", "v3"],
    ["V2 (GCM, CTR)", "v2"],
    ["V1 CBC (rds)", "rds"],
  ];
  for (const [name, format] of cases) {
    it(`${name}: first byte, last byte, block edges, whole object`, async () => {
      const size = 1000;
      const plain = randomBytes(size);
      const key = `ranged/${format}`;
      await upload(format, plain, key);
      const ranges: [number, number | undefined][] = [
        [0, 0],
        [size - 1, size - 1],
        [0, size - 1],
        [0, undefined],
        [15, 16],
        [16, 31],
        [17, 47],
        [31, 32],
        [500, 999],
        [992, 5000],
        [size - 17, undefined],
      ];
      for (const [s, e] of ranges) {
        const got = await read(key, s, e);
        expect(got.equals(plain.subarray(s, Math.min(e ?? size - 1, size - 1) + 1)), `${s}-${e}`).toBe(true);
      }
    });
  }

  it("reads ranges that cross part boundaries of a multipart V3 and CBC object", async () => {
    const plain = randomBytes(10 * MiB + 100);
    for (const format of ["v3", "rds"] as const) {
      const key = `ranged/multipart-${format}`;
      await upload(format, plain, key, 5 * MiB);
      for (const s of [5 * MiB - 20, 5 * MiB, 10 * MiB - 1]) {
        const got = await read(key, s, s + 40);
        expect(got.equals(plain.subarray(s, s + 41))).toBe(true);
      }
    }
  });

  it("refuses a GCM range without allowUnauthenticatedRanges, naming the option", async () => {
    const key = "ranged/v3-refused";
    await upload("v3", randomBytes(100), key);
    await expect(
      openDecryptedRange({ s3: aws.s3, bucket: aws.bucket, key, keyring: kms, range: { start: 0, end: 9 } }),
    ).rejects.toMatchObject({
      code: ErrorCodes.LEGACY_MODE_REQUIRED,
      message: expect.stringMatching(/allowUnauthenticatedRanges: true/),
    });
  });

  it("reads a range of a raw-AES V3 object", async () => {
    const keyring = new RawAesKeyring({ key: randomBytes(32) });
    const plain = randomBytes(300);
    await encryptAndUpload({
      s3: aws.s3,
      bucket: aws.bucket,
      key: "ranged/aes",
      source: Readable.from([plain]),
      keyring,
      format: "v3",
    });
    const got = await getDecryptedRange({
      s3: aws.s3,
      bucket: aws.bucket,
      key: "ranged/aes",
      keyring,
      range: { start: 100, end: 199 },
      allowUnauthenticatedRanges: true,
    });
    expect(got.equals(plain.subarray(100, 200))).toBe(true);
  });
});
