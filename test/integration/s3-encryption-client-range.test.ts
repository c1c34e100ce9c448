import { randomBytes } from "node:crypto";
import { GetObjectCommand, PutBucketVersioningCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { S3EncryptionClient, type S3EncryptionClientOptions } from "../../src/client/s3-encryption-client.js";
import { ErrorCodes } from "../../src/errors.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import type { WriteFormat } from "../../src/materials/materials.js";
import { useTestAws } from "../support/fixtures.js";
import { recordingClient } from "../support/recording-client.js";

const aws = useTestAws();

function client(format: WriteFormat, extra: Partial<S3EncryptionClientOptions> = {}) {
  return new S3EncryptionClient({
    client: aws.s3,
    keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyArn }),
    format,
    ...(format === "v2" ? { commitmentPolicy: "FORBID_ENCRYPT_ALLOW_DECRYPT" as const } : {}),
    ...extra,
  });
}

const SIZE = 1000;
describe.each([
  ["V3", "v3" as const, { allowUnauthenticatedRanges: true }],
  ["V2", "v2" as const, { allowUnauthenticatedRanges: true }],
  ["V1 CBC (rds)", "rds" as const, { allowLegacy: true }],
])("GetObject with Range through S3EncryptionClient: %s", (_, format, optIn) => {
  const plain = randomBytes(SIZE);
  const key = `range/${format}.bin`;
  beforeAll(async () => {
    await client(format).send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: plain }));
  });

  it.each([
    ["first byte", 0, 0],
    ["block-crossing", 10, 40],
    ["two blocks exactly", 16, 47],
    ["last byte", SIZE - 1, SIZE - 1],
    ["whole object", 0, SIZE - 1],
  ])("%s: the decrypted range, byte-exact, with its Content-Range", async (_n, start, end) => {
    const got = await client(format, optIn).send(
      new GetObjectCommand({ Bucket: aws.bucket, Key: key, Range: `bytes=${start}-${end}` }),
    );
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.equals(plain.subarray(start, end + 1))).toBe(true);
    expect(got.ContentLength).toBe(end - start + 1);
    expect(got.ContentRange).toBe(`bytes ${start}-${end}/${SIZE}`);
  });

  it("an open-ended range (bytes=990-) and one past the end read to the last byte", async () => {
    for (const range of ["bytes=990-", `bytes=990-${SIZE + 50}`]) {
      const got = await client(format, optIn).send(
        new GetObjectCommand({ Bucket: aws.bucket, Key: key, Range: range }),
      );
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(plain.subarray(990))).toBe(true);
    }
  });

  it("without the opt-in, a range is refused and names the option", async () => {
    const err = await client(format, format === "rds" ? { allowUnauthenticatedRanges: true } : {})
      .send(new GetObjectCommand({ Bucket: aws.bucket, Key: key, Range: "bytes=0-3" }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCodes.LEGACY_MODE_REQUIRED });
    expect((err as Error).message).toMatch(format === "rds" ? /allowLegacy/ : /allowUnauthenticatedRanges/);
  });
});

describe("GetObject field handling", () => {
  it("Precondition: Range is a single bytes=START-[END] range", async () => {
    await client("v3").send(new PutObjectCommand({ Bucket: aws.bucket, Key: "range/s", Body: "abc" }));
    for (const Range of ["bytes=-2", "bytes=0-1,3-4", "items=0-1"]) {
      await expect(
        client("v3", { allowUnauthenticatedRanges: true }).send(
          new GetObjectCommand({ Bucket: aws.bucket, Key: "range/s", Range }),
        ),
      ).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, message: expect.stringContaining(Range) });
    }
  });

  it("Precondition: GetObject through the encryption client does not read parts", async () => {
    await expect(
      client("v3").send(new GetObjectCommand({ Bucket: aws.bucket, Key: "range/s", PartNumber: 1 })),
    ).rejects.toMatchObject({
      code: ErrorCodes.INVALID_ARGUMENT,
      message: expect.stringMatching(/PartNumber/),
    });
  });

  it("VersionId reaches the HeadObject and the GetObject: an older version decrypts to its own plaintext", async () => {
    const bucket = await aws.newBucket();
    await aws.s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
    const c = client("v3", { allowUnauthenticatedRanges: true });
    const first = await c.send(new PutObjectCommand({ Bucket: bucket, Key: "v", Body: "first version" }));
    await c.send(new PutObjectCommand({ Bucket: bucket, Key: "v", Body: "second version" }));
    expect(first.VersionId).toBeDefined();
    const whole = await c.send(
      new GetObjectCommand({ Bucket: bucket, Key: "v", VersionId: first.VersionId }),
    );
    expect(await whole.Body!.transformToString()).toBe("first version");
    const s3 = recordingClient(aws.s3);
    const ranged = new S3EncryptionClient({
      client: s3,
      keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyArn }),
      allowUnauthenticatedRanges: true,
    });
    const part = await ranged.send(
      new GetObjectCommand({ Bucket: bucket, Key: "v", VersionId: first.VersionId, Range: "bytes=0-4" }),
    );
    expect(await part.Body!.transformToString()).toBe("first");
    expect(s3.sent.map((c) => [c.name, c.input.VersionId])).toEqual([
      ["HeadObject", first.VersionId],
      ["GetObject", first.VersionId],
    ]);
  });

  it("Precondition: a GetObject field s3-cse does not know is refused, never dropped", async () => {
    const cmd = new GetObjectCommand({ Bucket: aws.bucket, Key: "range/s" });
    Object.assign(cmd.input, { SomeFutureField: "x" });
    await expect(client("v3").send(cmd)).rejects.toThrow(/SomeFutureField/);
  });
});
