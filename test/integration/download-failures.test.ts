import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { GetObjectCommand, ListMultipartUploadsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../src/errors.js";
import { downloadToFile, openDecryptedStream } from "../../src/transfer/download.js";
import { MiB } from "../../src/transfer/part-size.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import { awsError } from "../support/fake-kms.js";
import { kmsKeyring, putEncrypted, useTempDir, useTestAws } from "../support/fixtures.js";
import { recordingClient } from "../support/recording-client.js";

const aws = useTestAws();
const dir = useTempDir("s3cse-dl-");
const keyring = () => kmsKeyring(aws);

const put = (key: string, data: Buffer, format: "rds" | "v2" | "v3") => putEncrypted(aws, key, data, format);

/** Rewrites an object's body, keeping its metadata: simulates corruption or truncation at rest. */
async function rewriteBody(key: string, edit: (body: Buffer) => Buffer) {
  const obj = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
  const body = Buffer.from(await obj.Body!.transformToByteArray());
  await aws.s3.send(
    new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: edit(body), Metadata: obj.Metadata }),
  );
}

async function expectNoOutput(key: string, code: string) {
  const before = await readdir(dir);
  const file = join(dir, `${key.replace(/\//g, "_")}.out`);
  await expect(
    downloadToFile({ s3: aws.s3, bucket: aws.bucket, key, file, keyring: keyring(), allowLegacy: true }),
  ).rejects.toMatchObject({ code });
  expect(existsSync(file)).toBe(false);
  expect(await readdir(dir)).toEqual(before);
}

describe("download failures leave nothing behind", () => {
  it("a truncated CBC body is refused before decryption (the one CBC failure, AUTHENTICATION_FAILED)", async () => {
    await put("t/cbc-trunc.bak", randomBytes(1000), "rds");
    await rewriteBody("t/cbc-trunc.bak", (b) => b.subarray(0, b.length - 16));
    await expectNoOutput("t/cbc-trunc.bak", ErrorCodes.AUTHENTICATION_FAILED);
  });

  it("a corrupted last CBC block fails the padding check or the length check", async () => {
    await put("t/cbc-pad.bak", randomBytes(1000), "rds");
    await rewriteBody("t/cbc-pad.bak", (b) => {
      b[b.length - 1]! ^= 0xff;
      return b;
    });
    const file = join(dir, "pad.out");
    const err = await downloadToFile({
      s3: aws.s3,
      bucket: aws.bucket,
      key: "t/cbc-pad.bak",
      file,
      keyring: keyring(),
      allowLegacy: true,
    }).catch((e) => e);
    expect([ErrorCodes.AUTHENTICATION_FAILED, ErrorCodes.TRUNCATED]).toContain(err.code);
    expect(existsSync(file)).toBe(false);
  });

  for (const format of ["v2", "v3"] as const) {
    it(`a single flipped bit in a ${format} body fails authentication; the stream emits no plaintext`, async () => {
      const key = `t/${format}-flip.bin`;
      await put(key, randomBytes(3000), format);
      await rewriteBody(key, (b) => {
        b[1234]! ^= 0x01;
        return b;
      });
      await expectNoOutput(key, ErrorCodes.AUTHENTICATION_FAILED);
      const opened = await openDecryptedStream({
        s3: aws.s3,
        bucket: aws.bucket,
        key,
        keyring: keyring(),
        commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
      });
      const seen: Buffer[] = [];
      const err = await new Promise((resolve) => {
        opened.stream.on("data", (c: Buffer) => seen.push(c));
        opened.stream.on("error", resolve);
        opened.stream.on("end", () => resolve(undefined));
      });
      expect(err).toMatchObject({ code: ErrorCodes.AUTHENTICATION_FAILED });
      expect(seen).toHaveLength(0);
    });
  }

  it("an object that is not client-side encrypted is refused with UNSUPPORTED_FORMAT", async () => {
    await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: "t/plain.txt", Body: "hello" }));
    await expectNoOutput("t/plain.txt", ErrorCodes.UNSUPPORTED_FORMAT);
  });

  it("an S3 failure injected on part 2 aborts the upload: ListMultipartUploads is empty", async () => {
    const bucket = await aws.newBucket();
    const s3 = recordingClient(aws.s3, (cmd) =>
      cmd.name === "UploadPart" && cmd.input.PartNumber === 2
        ? awsError("InternalError", "injected", 500)
        : undefined,
    );
    await expect(
      encryptAndUpload({
        s3,
        bucket,
        key: "x.bak",
        source: Readable.from([randomBytes(16 * MiB)]),
        keyring: keyring(),
        format: "rds",
        partSize: 5 * MiB,
        concurrency: 1,
      }),
    ).rejects.toThrow(/UploadPart .*injected/);
    expect(s3.names()).toContain("AbortMultipartUpload");
    const list = await aws.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(list.Uploads ?? []).toEqual([]);
  });
});
