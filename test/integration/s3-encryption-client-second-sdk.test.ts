import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { S3EncryptionClient } from "../../src/client/s3-encryption-client.js";
import { ErrorCodes } from "../../src/errors.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import { useTestAws } from "../support/fixtures.js";
import { loadSecondClientS3 } from "../support/second-sdk.js";

const OLD_VERSION = "3.600.0";
const aws = useTestAws();
let client: S3EncryptionClient;
let other: typeof import("@aws-sdk/client-s3");
beforeAll(async () => {
  other = loadSecondClientS3(OLD_VERSION);
  client = new S3EncryptionClient({
    client: aws.s3,
    keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyArn }),
  });
}, 320_000);

describe(`S3EncryptionClient with commands from another copy of @aws-sdk/client-s3 (${OLD_VERSION})`, () => {
  it("the second copy is a real, separate installation", () => {
    expect(new other.PutObjectCommand({ Bucket: "b", Key: "k" })).not.toBeInstanceOf(
      (require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3")).PutObjectCommand,
    );
  });

  it("its PutObjectCommand is encrypted: the stored object is ciphertext with encryption metadata", async () => {
    const plaintext = "plaintext from another SDK copy";
    await client.send(new other.PutObjectCommand({ Bucket: aws.bucket, Key: "o/put.txt", Body: plaintext }));
    const raw = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: "o/put.txt" }));
    const stored = Buffer.from(await raw.Body!.transformToByteArray());
    expect(stored.includes(Buffer.from(plaintext))).toBe(false);
    expect(stored.length).toBe(Buffer.byteLength(plaintext) + 16);
    expect(raw.Metadata!["x-amz-c"]).toBe("115");
    expect(raw.Metadata!["x-amz-3"]).toBeDefined();
    const got = await client.send(new other.GetObjectCommand({ Bucket: aws.bucket, Key: "o/put.txt" }));
    expect(await got.Body!.transformToString()).toBe(plaintext);
  });

  it("Precondition: commands that would store object content unencrypted are refused (other copy's UploadPart)", async () => {
    await expect(
      client.send(
        new other.UploadPartCommand({
          Bucket: aws.bucket,
          Key: "o/p",
          UploadId: "x",
          PartNumber: 1,
          Body: "p",
        }),
      ),
    ).rejects.toMatchObject({ code: ErrorCodes.UNENCRYPTED_WRITE_REFUSED });
  });

  it("read-only commands of the other copy pass through", async () => {
    const head = await client.send(new other.HeadObjectCommand({ Bucket: aws.bucket, Key: "o/put.txt" }));
    const ours = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: "o/put.txt" }));
    expect(head.ETag).toBe(ours.ETag);
  });
});
