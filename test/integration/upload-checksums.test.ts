import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import * as zlib from "node:zlib";
import { GetObjectCommand, ListPartsCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import { MiB } from "../../src/transfer/part-size.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import { useTestAws } from "../support/fixtures.js";
import { recordingClient } from "../support/recording-client.js";

const aws = useTestAws();

const crc32 = (b: Buffer) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE((zlib as unknown as { crc32(d: Uint8Array): number }).crc32(b) >>> 0);
  return out.toString("base64");
};

describe("multipart uploads declare CRC32, so S3 stores each part's checksum", () => {
  for (const format of ["rds", "v3"] as const) {
    it(`${format}: CreateMultipartUpload names CRC32, Complete lists the part CRC32s, S3 stores them`, async () => {
      const data = randomBytes(11 * MiB + 5);
      const s3 = recordingClient(aws.s3);
      // Keep the upload open at Complete to read its parts: ListParts on a completed upload is gone.
      let listed: { PartNumber?: number; ChecksumCRC32?: string; Size?: number }[] = [];
      const probing = {
        // biome-ignore lint/suspicious/noExplicitAny: pass-through of SDK commands.
        send: async (command: any, options?: any) => {
          if (command.constructor.name === "CompleteMultipartUploadCommand") {
            const parts = await aws.s3.send(
              new ListPartsCommand({
                Bucket: aws.bucket,
                Key: `crc-${format}`,
                UploadId: command.input.UploadId,
              }),
            );
            listed = parts.Parts ?? [];
          }
          return s3.send(command, options);
        },
      };
      await encryptAndUpload({
        s3: probing,
        bucket: aws.bucket,
        key: `crc-${format}`,
        source: Readable.from([data]),
        contentLength: data.length,
        keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
        format,
        partSize: 5 * MiB,
      });
      const create = s3.sent.find((c) => c.name === "CreateMultipartUpload")!;
      expect(create.input.ChecksumAlgorithm).toBe("CRC32");
      const complete = s3.sent.find((c) => c.name === "CompleteMultipartUpload")!;
      const declared = complete.input.MultipartUpload.Parts as {
        PartNumber: number;
        ChecksumCRC32?: string;
      }[];
      expect(declared.map((p) => p.PartNumber)).toEqual([1, 2, 3]);

      // The stored object, cut at the part boundaries, gives the CRC32s S3 stored per part.
      const got = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: `crc-${format}` }));
      const body = Buffer.from(await got.Body!.transformToByteArray());
      const expected = [0, 1, 2].map((i) => crc32(body.subarray(i * 5 * MiB, (i + 1) * 5 * MiB)));
      expect(declared.map((p) => p.ChecksumCRC32)).toEqual(expected);
      expect(listed.map((p) => p.PartNumber)).toEqual([1, 2, 3]);
      // moto 5.2.1's ListParts omits ChecksumCRC32 (real S3 returns it): compare where present.
      listed.forEach((p, i) => {
        if (p.ChecksumCRC32 !== undefined) expect(p.ChecksumCRC32).toBe(expected[i]);
      });
      // What S3 stored: the composite checksum is the CRC32 of the part CRC32s, with the part count.
      const stored = await aws.s3.send(
        new GetObjectCommand({ Bucket: aws.bucket, Key: `crc-${format}`, ChecksumMode: "ENABLED" }),
      );
      await stored.Body!.transformToByteArray();
      const composite = crc32(Buffer.concat(expected.map((e) => Buffer.from(e, "base64"))));
      expect(stored.ChecksumCRC32).toBe(`${composite}-3`);
      expect(stored.ChecksumType).toBe("COMPOSITE");
    });
  }

  it("a caller's own ChecksumAlgorithm is kept, and the part CRC32s are then not listed at Complete", async () => {
    const data = randomBytes(6 * MiB);
    const s3 = recordingClient(aws.s3);
    await encryptAndUpload({
      s3,
      bucket: aws.bucket,
      key: "crc-own",
      source: Readable.from([data]),
      contentLength: data.length,
      keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
      format: "v3",
      partSize: 5 * MiB,
      objectParams: { ChecksumAlgorithm: "CRC32" },
    });
    const create = s3.sent.find((c) => c.name === "CreateMultipartUpload")!;
    expect(create.input.ChecksumAlgorithm).toBe("CRC32");
    const complete = s3.sent.find((c) => c.name === "CompleteMultipartUpload")!;
    expect(
      complete.input.MultipartUpload.Parts.every((p: { ChecksumCRC32?: string }) => p.ChecksumCRC32),
    ).toBe(true);
  });
});
