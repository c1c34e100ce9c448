import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from "../../scripts/support/moto-server.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import { openDecryptedStream } from "../../src/transfer/download.js";
import { MiB } from "../../src/transfer/part-size.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import { startTestAws, type TestAws } from "../support/aws.js";
import { recordingClient } from "../support/recording-client.js";

// Object Lock buckets are where backups often go. S3 refuses an object upload there without an
// integrity checksum (Content-MD5 or an x-amz-checksum-*), for PutObject and for every UploadPart,
// and the lock fields of a multipart upload are given at CreateMultipartUpload.
//
// moto 5.2.1 (installed; PyPI has 5.2.5; its main branch at 5.2.3-1, 2026-08-22, is the same here)
// reads no x-amz-object-lock-* header at CreateMultipartUpload (moto/s3/responses.py: the "uploads"
// branch passes metadata, storage class, tags, ACL and SSE only; FakeMultipart has no lock fields),
// and complete_multipart_upload calls put_object without lock_mode/lock_until/legal hold, so the
// completed object has no retention and no legal hold, not even the bucket's default retention. It
// also checks the checksum requirement only on PutObject (upload_part is dispatched before the
// check). So what moto can prove is: the headers go out on the wire, the parts carry CRC32
// checksums that S3 stores (the composite checksum), and the upload completes; the last test here
// pins the gap so that a moto that applies the fields makes it fail (then assert them on the object).

let aws: TestAws;
let bucket: string;
let wire: S3Client;
const headers: { command: string; headers: Record<string, string> }[] = [];

beforeAll(async () => {
  aws = await startTestAws();
  bucket = `lock-${Date.now().toString(36)}`;
  await aws.s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  wire = new S3Client({
    endpoint: aws.moto.endpoint,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    forcePathStyle: true,
  });
  // The HTTP request as signed and sent (after the SDK's checksum and header serialisation).
  wire.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      headers.push({ command: String(context.commandName), headers: { ...(request.headers ?? {}) } });
      return next(args);
    },
    { step: "finalizeRequest", priority: "low", name: "recordHeaders" },
  );
});
afterAll(async () => {
  wire?.destroy();
  await aws?.stop();
});

const until = () => new Date(Date.now() + 86_400_000);

describe("multipart upload into an Object Lock bucket (moto)", () => {
  it("CreateMultipartUpload carries ObjectLockMode, RetainUntilDate and LegalHold; every part carries its CRC32; S3 stores the composite checksum", async () => {
    const data = randomBytes(11 * MiB);
    const s3 = recordingClient(wire);
    const retainUntil = until();
    const result = await encryptAndUpload({
      s3,
      bucket,
      key: "locked/Sales.bak",
      source: Readable.from([data]),
      contentLength: data.length,
      keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
      format: "v3",
      partSize: 5 * MiB,
      objectParams: {
        ObjectLockMode: "GOVERNANCE",
        ObjectLockRetainUntilDate: retainUntil,
        ObjectLockLegalHoldStatus: "ON",
        ChecksumAlgorithm: "CRC32",
      },
    });
    expect(result.parts).toBe(3);

    const create = s3.sent.find((c) => c.name === "CreateMultipartUpload");
    expect(create?.input).toMatchObject({
      ObjectLockMode: "GOVERNANCE",
      ObjectLockRetainUntilDate: retainUntil,
      ObjectLockLegalHoldStatus: "ON",
      ChecksumAlgorithm: "CRC32",
    });
    const sentCreate = headers.find((h) => h.command === "CreateMultipartUploadCommand")?.headers ?? {};
    expect(sentCreate["x-amz-object-lock-mode"]).toBe("GOVERNANCE");
    expect(sentCreate["x-amz-object-lock-legal-hold"]).toBe("ON");
    expect(new Date(sentCreate["x-amz-object-lock-retain-until-date"] ?? 0).getTime()).toBe(
      retainUntil.getTime(),
    );
    expect(sentCreate["x-amz-checksum-algorithm"]).toBe("CRC32");

    const parts = headers.filter((h) => h.command === "UploadPartCommand");
    expect(parts).toHaveLength(3);
    for (const p of parts) expect(p.headers["x-amz-checksum-crc32"]).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    const complete = s3.sent.find((c) => c.name === "CompleteMultipartUpload");
    const completed = complete?.input.MultipartUpload.Parts as { ChecksumCRC32?: string }[];
    expect(completed.map((p) => p.ChecksumCRC32)).toEqual(
      parts.map((p) => p.headers["x-amz-checksum-crc32"]),
    );

    const head = await aws.s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: "locked/Sales.bak", ChecksumMode: "ENABLED" }),
    );
    // moto computes the object's checksum from the part bodies it stored (a CRC32 of the parts'
    // CRC32s); the same value from the checksums s3-cse sent proves those were the parts' CRC32s.
    const sentCrcs = parts.map((p) => Buffer.from(p.headers["x-amz-checksum-crc32"] ?? "", "base64"));
    const composite = Buffer.alloc(4);
    composite.writeUInt32BE(crc32(Buffer.concat(sentCrcs)));
    expect(head.ChecksumCRC32?.replace(/-3$/, "")).toBe(composite.toString("base64"));

    const opened = await openDecryptedStream({
      s3: aws.s3,
      bucket,
      key: "locked/Sales.bak",
      keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
    });
    const chunks: Buffer[] = [];
    for await (const c of opened.stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  }, 120_000);

  it("moto gap (pinned): lock fields given at CreateMultipartUpload are not on the completed object — when this fails, moto applies them: assert them above", async () => {
    const key = "gap/plain.bin";
    const created = await aws.s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ObjectLockMode: "GOVERNANCE",
        ObjectLockRetainUntilDate: until(),
        ObjectLockLegalHoldStatus: "ON",
        ChecksumAlgorithm: "CRC32",
      }),
    );
    const part = await aws.s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: created.UploadId,
        PartNumber: 1,
        Body: randomBytes(1000),
        ChecksumAlgorithm: "CRC32",
      }),
    );
    await aws.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: created.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 }] },
      }),
    );
    const head = await aws.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ObjectLockMode).toBeUndefined();
    expect(head.ObjectLockLegalHoldStatus).toBeUndefined();
    expect(head.ObjectLockRetainUntilDate).toBeUndefined();
    const got = await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(got.ObjectLockMode).toBeUndefined();
    await got.Body?.transformToByteArray();
  }, 60_000);
});
