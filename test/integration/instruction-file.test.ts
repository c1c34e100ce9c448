import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import type { WriteFormat } from "../../src/materials/materials.js";
import { openDecryptedStream } from "../../src/transfer/download.js";
import { readObjectEncryption } from "../../src/transfer/object-metadata.js";
import { MiB } from "../../src/transfer/part-size.js";
import { getDecryptedRange } from "../../src/transfer/ranged-get.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import { awsError } from "../support/fake-kms.js";
import { useTestAws } from "../support/fixtures.js";
import { recordingClient } from "../support/recording-client.js";
import { writePolicyFor } from "../support/write-policy.js";

const aws = useTestAws();
let kms: KmsKeyring;
beforeAll(async () => {
  kms = new KmsKeyring({ client: aws.kms, keyId: aws.keyId });
});

async function readAll(
  key: string,
  options: { allowLegacy?: boolean; encryptionContext?: Record<string, string> } = {},
) {
  const { stream } = await openDecryptedStream({
    s3: aws.s3,
    bucket: aws.bucket,
    key,
    keyring: kms,
    ...options,
  });
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe("instruction-file mode against moto_server", () => {
  const cases: [WriteFormat, number, string[]][] = [
    ["v3", 1000, ["x-amz-c", "x-amz-d", "x-amz-i"]],
    ["v2", 1000, ["x-amz-unencrypted-content-length"]],
    ["v3", 6 * MiB + 5, ["x-amz-c", "x-amz-d", "x-amz-i"]],
  ];
  for (const [format, size, onObject] of cases) {
    it(`${format}, ${size} bytes: metadata in <key>.instruction, object keeps only ${onObject.join(", ")}`, async () => {
      const plain = randomBytes(size);
      const key = `instr/${format}-${size}`;
      const result = await encryptAndUpload({
        s3: aws.s3,
        bucket: aws.bucket,
        key,
        source: Readable.from([plain]),
        contentLength: size,
        keyring: kms,
        format,
        commitmentPolicy: writePolicyFor(format),
        encryptionContext: { tenant: "t1" },
        metadataPlacement: "instruction-file",
        partSize: 5 * MiB,
      });
      expect(result.instructionFileKey).toBe(`${key}.instruction`);
      const head = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
      expect(Object.keys(head.Metadata ?? {}).sort()).toEqual([...onObject].sort());

      const instr = await aws.s3.send(
        new GetObjectCommand({ Bucket: aws.bucket, Key: `${key}.instruction` }),
      );
      expect(instr.Metadata).toEqual({ "x-amz-crypto-instr-file": "" });
      const json = JSON.parse(await instr.Body!.transformToString()) as Record<string, string>;
      const keyName = format === "v3" ? "x-amz-3" : "x-amz-key-v2";
      expect(json[keyName]).toBeTruthy();
      for (const k of onObject) if (k !== "x-amz-unencrypted-content-length") expect(json[k]).toBeUndefined();
      const ctxKey = format === "v3" ? "x-amz-t" : "x-amz-matdesc";
      expect(JSON.parse(json[ctxKey]!)).toMatchObject({ tenant: "t1" });

      const resolved = await readObjectEncryption({ s3: aws.s3, bucket: aws.bucket, key });
      expect(resolved.location.kind).toBe(format === "v3" ? "v3-instruction-file" : "instruction-file");
      const opts = format === "v2" ? { allowLegacy: true } : {};
      expect((await readAll(key, { ...opts, encryptionContext: { tenant: "t1" } })).equals(plain)).toBe(true);
      const range = await getDecryptedRange({
        s3: aws.s3,
        bucket: aws.bucket,
        key,
        keyring: kms,
        range: { start: 3, end: 40 },
        allowUnauthenticatedRanges: true,
        encryptionContext: { tenant: "t1" },
        ...opts,
      });
      expect(range.equals(plain.subarray(3, 41))).toBe(true);
    });
  }

  it("Precondition: the rds format keeps its metadata on the object (RDS does not read instruction files)", async () => {
    await expect(
      encryptAndUpload({
        s3: aws.s3,
        bucket: aws.bucket,
        key: "instr/rds",
        source: Readable.from([Buffer.from("x")]),
        keyring: kms,
        format: "rds",
        metadataPlacement: "instruction-file",
      }),
    ).rejects.toThrow(/RDS restores do not read instruction files/);
  });
  it("a failed upload writes no instruction file and leaves no multipart upload", async () => {
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
        key: "broken.bin",
        source: Readable.from([randomBytes(11 * MiB)]),
        keyring: kms,
        format: "v3",
        partSize: 5 * MiB,
        concurrency: 1,
        metadataPlacement: "instruction-file",
      }),
    ).rejects.toThrow(/injected/);
    expect(s3.names()).not.toContain("PutObject");
    expect(s3.names()).not.toContain("DeleteObject");
    const listed = await aws.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.KeyCount ?? 0).toBe(0);
    const uploads = await aws.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  describe("a failed re-upload over an existing object leaves it and its instruction file untouched", () => {
    const upload = (
      s3: typeof aws.s3,
      key: string,
      data: Buffer,
      extra: { signal?: AbortSignal; partSize?: number } = {},
    ) =>
      encryptAndUpload({
        s3,
        bucket: aws.bucket,
        key,
        source: Readable.from([data]),
        contentLength: data.length,
        keyring: kms,
        format: "v3",
        partSize: 5 * MiB,
        concurrency: 1,
        metadataPlacement: "instruction-file",
        ...extra,
      });
    const snapshot = async (key: string) => {
      const get = async (k: string) => {
        const out = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: k }));
        return { etag: out.ETag, body: Buffer.from(await out.Body!.transformToByteArray()) };
      };
      return { object: await get(key), instruction: await get(`${key}.instruction`) };
    };
    const expectUntouched = async (
      key: string,
      before: Awaited<ReturnType<typeof snapshot>>,
      old: Buffer,
    ) => {
      const after = await snapshot(key);
      expect(after.object.etag).toBe(before.object.etag);
      expect(after.instruction.body.equals(before.instruction.body)).toBe(true);
      expect((await readAll(key)).equals(old)).toBe(true);
      const uploads = await aws.s3.send(new ListMultipartUploadsCommand({ Bucket: aws.bucket, Prefix: key }));
      expect(uploads.Uploads ?? []).toEqual([]);
    };

    it("multipart: UploadPart 2 fails", async () => {
      const key = "reup/multipart.bin";
      const old = randomBytes(6 * MiB + 1);
      await upload(aws.s3, key, old);
      const before = await snapshot(key);
      const s3 = recordingClient(aws.s3, (cmd) =>
        cmd.name === "UploadPart" && cmd.input.PartNumber === 2
          ? awsError("InternalError", "injected", 500)
          : undefined,
      );
      await expect(upload(s3, key, randomBytes(11 * MiB))).rejects.toThrow(/injected/);
      expect(s3.names()).not.toContain("PutObject");
      expect(s3.names()).not.toContain("DeleteObject");
      await expectUntouched(key, before, old);
    });

    it("multipart: CompleteMultipartUpload fails", async () => {
      const key = "reup/complete.bin";
      const old = randomBytes(6 * MiB + 1);
      await upload(aws.s3, key, old);
      const before = await snapshot(key);
      const s3 = recordingClient(aws.s3, (cmd) =>
        cmd.name === "CompleteMultipartUpload" ? awsError("InternalError", "injected", 500) : undefined,
      );
      await expect(upload(s3, key, randomBytes(6 * MiB + 7))).rejects.toThrow(/injected/);
      expect(s3.names()).toContain("AbortMultipartUpload");
      await expectUntouched(key, before, old);
    });

    it("multipart: cancelled through the AbortSignal after the first part", async () => {
      const key = "reup/cancelled.bin";
      const old = randomBytes(1000);
      await upload(aws.s3, key, old);
      const before = await snapshot(key);
      const controller = new AbortController();
      const s3 = recordingClient(aws.s3, (cmd, n) => {
        if (cmd.name === "UploadPart" && n === 1) controller.abort(new Error("user cancelled"));
        return undefined;
      });
      await expect(
        upload(s3, key, randomBytes(16 * MiB), { signal: controller.signal }),
      ).rejects.toMatchObject({
        code: "ABORTED",
      });
      await expectUntouched(key, before, old);
    });

    it("single PutObject: the data object's PutObject fails", async () => {
      const key = "reup/single.bin";
      const old = randomBytes(1000);
      await upload(aws.s3, key, old);
      const before = await snapshot(key);
      const s3 = recordingClient(aws.s3, (cmd) =>
        cmd.name === "PutObject" && cmd.input.Key === key
          ? awsError("InternalError", "injected", 500)
          : undefined,
      );
      await expect(upload(s3, key, randomBytes(2000))).rejects.toThrow(/injected/);
      expect(s3.sent.filter((c) => c.input.Key === `${key}.instruction`)).toEqual([]);
      expect(s3.names()).not.toContain("DeleteObject");
      await expectUntouched(key, before, old);
    });
  });

  it("the instruction file is written after the object; if that write fails the error says the object was replaced", async () => {
    const bucket = await aws.newBucket();
    const key = "late/instr.bin";
    const s3 = recordingClient(aws.s3, (cmd) =>
      cmd.name === "PutObject" && cmd.input.Key === `${key}.instruction`
        ? awsError("InternalError", "injected", 500)
        : undefined,
    );
    const err = await encryptAndUpload({
      s3,
      bucket,
      key,
      source: Readable.from([randomBytes(6 * MiB)]),
      keyring: kms,
      format: "v3",
      partSize: 5 * MiB,
      metadataPlacement: "instruction-file",
    }).catch((e) => e);
    expect(err).toMatchObject({ code: "S3_FAILURE" });
    expect(err.message).toMatch(
      /was written, but its instruction file late\/instr\.bin\.instruction could not be/,
    );
    const names = s3.names();
    expect(names.indexOf("CompleteMultipartUpload")).toBeLessThan(names.indexOf("PutObject"));
    expect(names).not.toContain("AbortMultipartUpload");
    expect(names.filter((n) => n === "PutObject")).toHaveLength(3);
  });
});
