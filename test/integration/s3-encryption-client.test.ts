import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { S3EncryptionClient } from "../../src/client/s3-encryption-client.js";
import { ErrorCodes } from "../../src/errors.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import { useTestAws } from "../support/fixtures.js";

const aws = useTestAws();
let client: S3EncryptionClient;
beforeAll(async () => {
  client = new S3EncryptionClient({
    client: aws.s3,
    keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyArn }),
    encryptionContext: { app: "ledger" },
  });
});

describe("S3EncryptionClient, a drop-in for S3Client.send", () => {
  it("PutObject encrypts (V3 by default), GetObject decrypts with the SDK's body helpers", async () => {
    await client.send(
      new PutObjectCommand({
        Bucket: aws.bucket,
        Key: "c/a.txt",
        Body: "hello, ledger",
        ContentType: "text/plain",
      }),
    );
    const raw = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: "c/a.txt" }));
    expect(raw.Metadata!["x-amz-c"]).toBe("115");
    expect(raw.ContentType).toBe("text/plain");
    expect(raw.ContentLength).toBe("hello, ledger".length + 16);
    const got = await client.send(new GetObjectCommand({ Bucket: aws.bucket, Key: "c/a.txt" }));
    expect(got.ContentLength).toBe(13);
    expect(await got.Body!.transformToString()).toBe("hello, ledger");
  });

  it("streams a Readable body of several parts", async () => {
    const data = randomBytes(12 * 1024 * 1024 + 7);
    const big = new S3EncryptionClient({
      client: aws.s3,
      keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
      format: "v2",
      commitmentPolicy: "FORBID_ENCRYPT_ALLOW_DECRYPT",
      partSize: 5 * 1024 * 1024,
      maxBufferBytes: 64 * 1024 * 1024,
    });
    await big.send(
      new PutObjectCommand({ Bucket: aws.bucket, Key: "c/big.bin", Body: Readable.from([data]) }),
    );
    const got = await big.send(new GetObjectCommand({ Bucket: aws.bucket, Key: "c/big.bin" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
  });

  it("checks the encryption context on read, per request", async () => {
    await client.send(new PutObjectCommand({ Bucket: aws.bucket, Key: "c/ctx.txt", Body: "x" }), {
      encryptionContext: { app: "payroll" },
    });
    await expect(
      client.send(new GetObjectCommand({ Bucket: aws.bucket, Key: "c/ctx.txt" })),
    ).rejects.toMatchObject({
      code: ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH,
    });
    const ok = await client.send(new GetObjectCommand({ Bucket: aws.bucket, Key: "c/ctx.txt" }), {
      encryptionContext: { app: "payroll" },
    });
    expect(await ok.Body!.transformToString()).toBe("x");
  });

  it("passes other commands through and deletes instruction files with objects", async () => {
    await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: "c/del.bin.instruction", Body: "{}" }));
    await client.send(new PutObjectCommand({ Bucket: aws.bucket, Key: "c/del.bin", Body: "bye" }));
    await client.send(new DeleteObjectCommand({ Bucket: aws.bucket, Key: "c/del.bin" }));
    const list = await client.send(new ListObjectsV2Command({ Bucket: aws.bucket, Prefix: "c/del" }));
    expect(list.KeyCount ?? 0).toBe(0);
  });

  it("DeleteObjects of 520 keys sends their instruction files too, over 1,000 keys per request", async () => {
    const keys = Array.from({ length: 520 }, (_, i) => `c/many/${String(i).padStart(3, "0")}.bak`);
    const put = (Key: string) => aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key, Body: "x" }));
    // Objects and instruction files on both sides of the 1,000-key batch boundary (S3 reports
    // a key that does not exist as deleted, so the others need not be written).
    const stored = [keys[0]!, keys[1]!, keys[499]!, keys[500]!, keys[501]!, keys[519]!];
    await Promise.all(stored.map(put));
    await Promise.all([keys[0]!, keys[499]!, keys[500]!, keys[519]!].map((k) => put(`${k}.instruction`)));
    const out = await client.send(
      new DeleteObjectsCommand({ Bucket: aws.bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
    );
    expect(out.Errors ?? []).toEqual([]);
    expect(new Set(out.Deleted?.map((d) => d.Key))).toEqual(
      new Set(keys.flatMap((k) => [k, `${k}.instruction`])),
    );
    const list = await aws.s3.send(new ListObjectsV2Command({ Bucket: aws.bucket, Prefix: "c/many/" }));
    expect(list.KeyCount ?? 0).toBe(0);
  });

  it("Precondition: commands that would store object content unencrypted are refused (CreateMultipartUpload)", async () => {
    await expect(
      client.send(new CreateMultipartUploadCommand({ Bucket: aws.bucket, Key: "c/m" })),
    ).rejects.toThrow(/PutObjectCommand/);
  });

  it("Precondition: ranged reads of GCM objects need allowUnauthenticatedRanges", async () => {
    await expect(
      client.send(new GetObjectCommand({ Bucket: aws.bucket, Key: "c/a.txt", Range: "bytes=0-3" })),
    ).rejects.toMatchObject({
      code: ErrorCodes.LEGACY_MODE_REQUIRED,
      message: expect.stringMatching(/allowUnauthenticatedRanges/),
    });
  });

  it("new S3EncryptionClient({ client, kmsKeyId, kmsClient }): the shorthand builds a KMS keyring", async () => {
    const short = new S3EncryptionClient({ client: aws.s3, kmsKeyId: aws.keyArn, kmsClient: aws.kms });
    await short.send(new PutObjectCommand({ Bucket: aws.bucket, Key: "c/short.txt", Body: "shorthand" }));
    const head = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: "c/short.txt" }));
    expect(head.Metadata?.["x-amz-3"]).toBeDefined();
    // Written under no context; the main client expects { app: ledger } and refuses it.
    await expect(
      client.send(new GetObjectCommand({ Bucket: aws.bucket, Key: "c/short.txt" })),
    ).rejects.toMatchObject({ code: ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH });
    const back = await short.send(new GetObjectCommand({ Bucket: aws.bucket, Key: "c/short.txt" }));
    expect(await back.Body!.transformToString()).toBe("shorthand");
  });

  it("Precondition: the encryption client wraps a client with send() and has a keyring", () => {
    expect(() => new S3EncryptionClient({ client: aws.s3 })).toThrow(
      /needs \{ client, keyring \} or \{ client, kmsKeyId/,
    );
  });

  it("Precondition: a keyring and the kmsKeyId shorthand are not given together", () => {
    const keyring = new KmsKeyring({ client: aws.kms, keyId: aws.keyArn });
    expect(() => new S3EncryptionClient({ client: aws.s3, keyring, kmsKeyId: aws.keyArn })).toThrow(
      /not both/,
    );
  });

  it("Precondition: without kmsClient, the S3 client must expose its region and credentials", async () => {
    expect(
      () => new S3EncryptionClient({ client: { send: aws.s3.send.bind(aws.s3) }, kmsKeyId: "k" }),
    ).toThrow(/needs kmsClient/);
    // With a real S3Client, the KMS client is built in its region.
    expect(() => new S3EncryptionClient({ client: aws.s3, kmsKeyId: aws.keyArn })).not.toThrow();
  });
});
