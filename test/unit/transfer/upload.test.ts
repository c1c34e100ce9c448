import { createDecipheriv, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { ErrorCodes } from "../../../src/errors.js";
import { KmsKeyring } from "../../../src/materials/kms-keyring.js";
import { MiB } from "../../../src/transfer/part-size.js";
import { encryptAndUpload } from "../../../src/transfer/upload.js";
import { awsError, fakeKms } from "../../support/fake-kms.js";
import { seededInt } from "../../support/seeded-random.js";
import { writePolicyFor } from "../../support/write-policy.js";

const PART = 5 * MiB;
const s3 = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
const s3Mock = mockClient(s3);
/** Per-test UploadPart behaviour (registered once: the mock library misbehaves when callsFake is re-registered). */
let onUploadPart: (input: { PartNumber?: number }) => unknown;
/**
 * Each part body as it was sent, copied at send time like a network would: the engine reuses a
 * part's buffer once S3 acknowledged it, so the mock's recorded inputs are overwritten later.
 */
const sentParts = new Map<number, Buffer>();

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).resolves({ ETag: '"put"' });
  s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: "up-1" });
  onUploadPart = (input) => ({ ETag: `"e${input.PartNumber}"` });
  sentParts.clear();
  s3Mock.on(UploadPartCommand).callsFake((input) => {
    sentParts.set(input.PartNumber, Buffer.from(input.Body as Buffer));
    return onUploadPart(input);
  });
  s3Mock.on(CompleteMultipartUploadCommand).resolves({ ETag: '"done"' });
  s3Mock.on(AbortMultipartUploadCommand).resolves({});
});

function chunked(data: Buffer, sizes: () => number): Readable {
  let off = 0;
  return new Readable({
    read() {
      if (off >= data.length) return void this.push(null);
      const n = Math.max(1, sizes());
      this.push(data.subarray(off, off + n));
      off += n;
    },
  });
}

function upload(data: Buffer, kms = fakeKms(), extra: Partial<Parameters<typeof encryptAndUpload>[0]> = {}) {
  return encryptAndUpload({
    s3,
    bucket: "b",
    key: "k.bak",
    source: chunked(data, seededInt(data.length, 1, 300_000)),
    contentLength: data.length,
    keyring: new KmsKeyring({ client: kms.kms, keyId: "alias/backups" }),
    format: "rds",
    partSize: PART,
    ...extra,
  });
}

/** Decrypts the bodies the mock received, in part order. */
function decryptSent(dataKey: Buffer, iv: string): Buffer {
  const puts = s3Mock.commandCalls(PutObjectCommand);
  const bodies = puts.length
    ? [puts[0]!.args[0].input.Body as Buffer]
    : [...sentParts.entries()].sort((a, b) => a[0] - b[0]).map(([, body]) => body);
  const d = createDecipheriv("aes-256-cbc", dataKey, Buffer.from(iv, "base64"));
  return Buffer.concat([...bodies.map((b) => d.update(b)), d.final()]);
}

describe("encryptAndUpload call sequences", () => {
  for (const size of [0, 1, 15, 16, 17, PART - 1, PART, PART + 1, 3 * PART + 5]) {
    it(`${size} bytes: ${size <= PART ? "one PutObject" : "multipart"} with V1 metadata, parts multiples of 16`, async () => {
      const kms = fakeKms();
      const data = randomBytes(size);
      const result = await upload(data, kms);
      const multipart = size > PART;
      expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(multipart ? 0 : 1);
      expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(multipart ? 1 : 0);
      const metadata = multipart
        ? s3Mock.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input.Metadata!
        : s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input.Metadata!;
      expect(Object.keys(metadata).sort()).toEqual([
        "x-amz-iv",
        "x-amz-key",
        "x-amz-matdesc",
        "x-amz-unencrypted-content-length",
      ]);
      expect(metadata["x-amz-unencrypted-content-length"]).toBe(String(size));
      const parts = s3Mock.commandCalls(UploadPartCommand).map((c) => c.args[0].input);
      for (const p of parts.filter((p) => p.PartNumber! < parts.length))
        expect((p.Body as Buffer).length).toBe(PART);
      expect(result.parts).toBe(parts.length);
      expect(decryptSent(kms.dataKey, metadata["x-amz-iv"]!).equals(data)).toBe(true);
      // GenerateDataKey with no encryption context: what RDS needs.
      expect(kms.mock.commandCalls(GenerateDataKeyCommand)[0]!.args[0].input).toEqual({
        KeyId: "alias/backups",
        KeySpec: "AES_256",
      });
    });
  }

  for (const [name, fix] of [
    ["NotFoundException", /check the key id/],
    ["DisabledException", /enable the key/],
    ["AccessDeniedException", /grant this principal/],
  ] as const) {
    it(`KMS ${name} fails with KEYRING_FAILURE before any S3 call`, async () => {
      const kms = fakeKms();
      kms.mock.on(GenerateDataKeyCommand).rejects(awsError(name));
      await expect(upload(randomBytes(100), kms)).rejects.toMatchObject({
        code: ErrorCodes.KEYRING_FAILURE,
        message: expect.stringMatching(fix),
      });
      expect(s3Mock.calls()).toHaveLength(0);
    });
  }

  it("an S3 failure on a middle part aborts the multipart upload and surfaces that first error", async () => {
    onUploadPart = (input) => {
      if (input.PartNumber === 2) throw awsError("InternalError", "We encountered an internal error", 500);
      return { ETag: `"e${input.PartNumber}"` };
    };
    await expect(upload(randomBytes(4 * PART), fakeKms(), { concurrency: 2 })).rejects.toMatchObject({
      code: ErrorCodes.S3_FAILURE,
      message: expect.stringMatching(/UploadPart .*InternalError/),
    });
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)[0]!.args[0].input.UploadId).toBe("up-1");
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it("if every abort attempt fails, the error keeps the first cause and names the upload id", async () => {
    onUploadPart = () => {
      throw awsError("InternalError", "boom", 500);
    };
    s3Mock.on(AbortMultipartUploadCommand).rejects(awsError("AccessDenied"));
    const err = await upload(randomBytes(2 * PART), fakeKms()).catch((e) => e);
    expect(err.message).toMatch(/InternalError.*up-1 could not be aborted/);
    expect(err.cause.message).toMatch(/InternalError/);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(3);
  });

  it("Precondition: S3 acknowledged each part with an ETag", async () => {
    onUploadPart = () => ({});
    await expect(upload(randomBytes(2 * PART))).rejects.toThrow(/UploadPart .*no ETag/);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });

  it("a failure in CompleteMultipartUpload aborts the upload", async () => {
    s3Mock.on(CompleteMultipartUploadCommand).rejects(awsError("EntityTooSmall"));
    await expect(upload(randomBytes(2 * PART))).rejects.toThrow(/CompleteMultipartUpload .*EntityTooSmall/);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });

  it("an AbortSignal cancels: the upload is aborted and an AbortError is thrown", async () => {
    const controller = new AbortController();
    onUploadPart = (input) => {
      if (input.PartNumber === 2) controller.abort();
      return { ETag: `"e${input.PartNumber}"` };
    };
    await expect(
      upload(randomBytes(5 * PART), fakeKms(), { signal: controller.signal, concurrency: 1 }),
    ).rejects.toMatchObject({
      code: ErrorCodes.ABORTED,
    });
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(UploadPartCommand).length).toBeLessThan(5);
  });

  it("Precondition: the bytes read equal the declared plaintext length", async () => {
    await expect(
      upload(randomBytes(2 * PART), fakeKms(), { contentLength: 2 * PART + 1 }),
    ).rejects.toMatchObject({
      code: ErrorCodes.IO_FAILURE,
      message: expect.stringMatching(/source changed/),
    });
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });

  it("Precondition: a requested part size is a multiple of 16 bytes between 5 MiB and 5 GiB", async () => {
    await expect(upload(randomBytes(10), fakeKms(), { partSize: MiB })).rejects.toMatchObject({
      code: ErrorCodes.INVALID_ARGUMENT,
    });
    await expect(upload(randomBytes(10), fakeKms(), { partSize: PART + 1 })).rejects.toThrow(
      /multiple of 16/,
    );
  });

  it("Precondition: bucket and key are non-empty", async () => {
    for (const target of [{ bucket: "" }, { key: "" }]) {
      await expect(upload(randomBytes(10), fakeKms(), target)).rejects.toMatchObject({
        code: ErrorCodes.INVALID_ARGUMENT,
        message: "bucket and key are required",
      });
    }
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it("Precondition: concurrency is an integer from 1 to 64", async () => {
    for (const concurrency of [0, -1, 1.5, 65, Number.NaN]) {
      await expect(upload(randomBytes(10), fakeKms(), { concurrency })).rejects.toMatchObject({
        code: ErrorCodes.INVALID_ARGUMENT,
        message: `concurrency must be an integer from 1 to 64, got ${concurrency}`,
      });
    }
    expect(s3Mock.calls()).toHaveLength(0);
    await expect(upload(randomBytes(10), fakeKms(), { concurrency: 64 })).resolves.toBeDefined();
  });

  it("Precondition: contentLength, when given, is a non-negative integer", async () => {
    for (const contentLength of [-1, 0.5, 2 ** 53]) {
      await expect(upload(randomBytes(10), fakeKms(), { contentLength })).rejects.toMatchObject({
        code: ErrorCodes.INVALID_ARGUMENT,
        message: `contentLength must be a non-negative integer, got ${contentLength}`,
      });
    }
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it("Precondition: extra user metadata does not use S3 Encryption Client key names", async () => {
    await expect(upload(randomBytes(10), fakeKms(), { metadata: { "x-amz-iv": "x" } })).rejects.toThrow(
      /reserved/,
    );
  });

  it("Precondition: the V1 (RDS) format carries no encryption context", async () => {
    await expect(upload(randomBytes(10), fakeKms(), { encryptionContext: { a: "b" } })).rejects.toThrow(
      /no encryption context/,
    );
  });

  it("v2 and v3 use kms+context with the reserved aws:x-amz-cek-alg entry", async () => {
    for (const [format, alg] of [
      ["v2", "AES/GCM/NoPadding"],
      ["v3", "115"],
    ] as const) {
      const kms = fakeKms();
      await upload(randomBytes(100), kms, {
        format,
        commitmentPolicy: writePolicyFor(format),
        encryptionContext: { db: "sales" },
      });
      expect(kms.mock.commandCalls(GenerateDataKeyCommand)[0]!.args[0].input.EncryptionContext).toEqual({
        db: "sales",
        "aws:x-amz-cek-alg": alg,
      });
      s3Mock.resetHistory();
    }
  });
});
