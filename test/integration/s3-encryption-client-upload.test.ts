import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { KMSClient } from "@aws-sdk/client-kms";
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { EncryptedUpload, type EncryptedUploadProgress } from "../../src/client/encrypted-upload.js";
import { S3EncryptionClient } from "../../src/client/s3-encryption-client.js";
import { ErrorCodes } from "../../src/errors.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import { useTestAws } from "../support/fixtures.js";

const MiB = 1024 * 1024;
const aws = useTestAws();
let client: S3EncryptionClient;
beforeAll(async () => {
  client = new S3EncryptionClient({
    client: aws.s3,
    keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyArn }),
  });
});

async function openUploads(bucket: string): Promise<number> {
  const out = await aws.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return out.Uploads?.length ?? 0;
}

describe("EncryptedUpload: lib-storage's Upload options and events, encrypted", () => {
  it("uploads a stream in parts (partSize, queueSize, tags) with httpUploadProgress events; the object decrypts", async () => {
    const data = randomBytes(12 * MiB + 5);
    const upload = new EncryptedUpload({
      client,
      params: {
        Bucket: aws.bucket,
        Key: "u/big.bin",
        Body: Readable.from([data]),
        ContentType: "application/x-bak",
      },
      partSize: 5 * MiB,
      queueSize: 2,
      tags: [{ Key: "db", Value: "Sales" }],
    });
    const events: EncryptedUploadProgress[] = [];
    upload.on("httpUploadProgress", (p) => events.push(p));
    const out = await upload.done();
    expect(out).toMatchObject({ Bucket: aws.bucket, Key: "u/big.bin" });
    expect(out.ETag).toBeDefined();
    expect(events.map((e) => e.part)).toEqual([1, 2, 3]);
    expect(events.map((e) => e.loaded)).toEqual([5 * MiB, 10 * MiB, data.length]);
    for (const e of events) expect(e).toMatchObject({ Bucket: aws.bucket, Key: "u/big.bin" });
    const head = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: "u/big.bin" }));
    expect(head.Metadata?.["x-amz-3"]).toBeDefined();
    expect(head.ContentType).toBe("application/x-bak");
    expect(head.ContentLength).toBe(data.length + 16);
    const tags = await aws.s3.send(new GetObjectTaggingCommand({ Bucket: aws.bucket, Key: "u/big.bin" }));
    expect(tags.TagSet).toEqual([{ Key: "db", Value: "Sales" }]);
    const got = await client.send(new GetObjectCommand({ Bucket: aws.bucket, Key: "u/big.bin" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
  });

  it("a small body: one part, one event with loaded = total", async () => {
    const upload = new EncryptedUpload({
      client,
      params: { Bucket: aws.bucket, Key: "u/small.txt", Body: "tiny" },
    });
    const events: EncryptedUploadProgress[] = [];
    upload.on("httpUploadProgress", (p) => events.push(p));
    await upload.done();
    expect(events).toEqual([{ loaded: 4, total: 4, part: 1, Key: "u/small.txt", Bucket: aws.bucket }]);
  });

  it("abort() cancels: done() rejects with ABORTED, the multipart upload is aborted, nothing is stored", async () => {
    const bucket = await aws.newBucket();
    let sent = 0;
    const source = new Readable({
      read() {
        // Two parts' worth, then the source stalls: only abort() can end the upload.
        if (sent < 2) this.push(randomBytes(5 * MiB));
        sent++;
      },
    });
    const upload = new EncryptedUpload({
      client,
      params: { Bucket: bucket, Key: "u/ab", Body: source },
      partSize: 5 * MiB,
    });
    upload.on("httpUploadProgress", () => void upload.abort());
    await expect(upload.done()).rejects.toMatchObject({ code: ErrorCodes.ABORTED });
    expect(await openUploads(bucket)).toBe(0);
    const list = await aws.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(list.KeyCount ?? 0).toBe(0);
  });

  it("Precondition: leavePartsOnError is not asked for (a failed upload is always aborted)", () => {
    expect(
      () =>
        new EncryptedUpload({
          client,
          params: { Bucket: aws.bucket, Key: "u/x", Body: "x" },
          leavePartsOnError: true,
        }),
    ).toThrow(/leavePartsOnError/);
  });

  it("Precondition: done() runs once per EncryptedUpload", async () => {
    const upload = new EncryptedUpload({ client, params: { Bucket: aws.bucket, Key: "u/once", Body: "x" } });
    await upload.done();
    await expect(upload.done()).rejects.toThrow(/already run/);
  });

  it("Precondition: EncryptedUpload has a client and params", () => {
    expect(() => new EncryptedUpload({ client } as never)).toThrow(/needs \{ client, params \}/);
  });
});

describe("lib-storage Upload and paginators on the drop-in client", () => {
  it.each([
    ["a small body", 1000],
    ["a multipart body", 6 * MiB],
  ])("lib-storage's Upload fails clearly with %s and stores nothing", async (_, size) => {
    const bucket = await aws.newBucket();
    const upload = new Upload({
      client: client as unknown as S3Client,
      params: { Bucket: bucket, Key: "u/lib", Body: randomBytes(size) },
    });
    const err = await upload.done().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCodes.UNENCRYPTED_WRITE_REFUSED });
    expect((err as Error).message).toMatch(/EncryptedUpload/);
    const list = await aws.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(list.KeyCount ?? 0).toBe(0);
    expect(await openUploads(bucket)).toBe(0);
  });

  it("paginateListObjectsV2 works on the drop-in client (reads pass through)", async () => {
    const bucket = await aws.newBucket();
    for (const k of ["p/1", "p/2", "p/3", "p/4", "p/5"])
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: k }));
    const keys: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2(
      { client: client as unknown as S3Client, pageSize: 2 },
      { Bucket: bucket },
    )) {
      pages++;
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    }
    expect(pages).toBe(3);
    expect(keys).toEqual(["p/1", "p/2", "p/3", "p/4", "p/5"]);
  });
});

describe("destroy() ends what the client created, not what it was given", () => {
  it("the KMS client the kmsKeyId shorthand built is destroyed; the wrapped S3 client and a passed kmsClient are not", () => {
    const kmsDestroy = vi.spyOn(KMSClient.prototype, "destroy");
    const s3Destroy = vi.spyOn(aws.s3, "destroy");
    try {
      const built = new S3EncryptionClient({ client: aws.s3, kmsKeyId: aws.keyArn });
      built.destroy();
      expect(kmsDestroy).toHaveBeenCalledTimes(1);
      expect(kmsDestroy.mock.contexts[0]).toBeInstanceOf(KMSClient);
      expect(kmsDestroy.mock.contexts[0]).not.toBe(aws.kms);
      built.destroy(); // twice is harmless
      expect(kmsDestroy).toHaveBeenCalledTimes(1);

      const given = new S3EncryptionClient({ client: aws.s3, kmsKeyId: aws.keyArn, kmsClient: aws.kms });
      given.destroy();
      const withKeyring = new S3EncryptionClient({
        client: aws.s3,
        keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyArn }),
      });
      withKeyring.destroy();
      expect(kmsDestroy).toHaveBeenCalledTimes(1);
      expect(s3Destroy).not.toHaveBeenCalled();
    } finally {
      kmsDestroy.mockRestore();
      s3Destroy.mockRestore();
    }
  });

  it("after destroy(), the caller's own clients still work", async () => {
    const given = new S3EncryptionClient({ client: aws.s3, kmsKeyId: aws.keyArn, kmsClient: aws.kms });
    given.destroy();
    await given.send(new PutObjectCommand({ Bucket: aws.bucket, Key: "d/after", Body: "still here" }));
    const got = await given.send(new GetObjectCommand({ Bucket: aws.bucket, Key: "d/after" }));
    expect(await got.Body!.transformToString()).toBe("still here");
  });
});
