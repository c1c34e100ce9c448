import { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import type { Keyring } from "../../../src/materials/keyring.js";
import { encryptAndUpload } from "../../../src/transfer/upload.js";

const keyring: Keyring = {
  description: "test keyring",
  generateDataKey: async () => ({
    dataKey: Buffer.alloc(32, 1),
    encryptedDataKey: Buffer.alloc(60, 2),
    wrapAlgorithm: "AES/GCM",
    materialsDescription: {},
  }),
  unwrapDataKey: async () => Buffer.alloc(32, 1),
};

interface Sent {
  method: string;
  query: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body: Buffer;
}

/** A real S3Client over a fake network that answers the multipart calls and records them. */
function fakeS3() {
  const sent: Sent[] = [];
  const s3 = new S3Client({
    region: "us-east-1",
    endpoint: "https://s3.example.test",
    forcePathStyle: true,
    credentials: { accessKeyId: "AKID", secretAccessKey: "SECRET" },
    requestChecksumCalculation: "WHEN_SUPPORTED",
    requestHandler: {
      handle: async (req: Omit<Sent, "body"> & { body?: unknown }) => {
        const body = Buffer.isBuffer(req.body) ? Buffer.from(req.body) : Buffer.alloc(0);
        sent.push({ method: req.method, query: req.query, headers: { ...req.headers }, body });
        const xml =
          "uploads" in req.query
            ? "<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>"
            : req.method === "POST"
              ? "<CompleteMultipartUploadResult><ETag>e</ETag></CompleteMultipartUploadResult>"
              : "";
        return {
          response: { statusCode: 200, headers: { etag: '"e"' }, body: Readable.from([Buffer.from(xml)]) },
        };
      },
    },
  });
  return { s3, sent };
}

const crcBase64 = (b: Buffer) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b) >>> 0);
  return out.toString("base64");
};

describe("encryptAndUpload fast path", () => {
  for (const [unsignedPayload, encryptInWorker] of [
    [false, false],
    [true, false],
    [false, true],
  ] as const) {
    it(`sends each part with the CRC32 computed while encrypting (unsignedPayload ${unsignedPayload}, worker ${encryptInWorker})`, async () => {
      const { s3, sent } = fakeS3();
      const size = 5 * 1024 * 1024 * 2 + 7;
      const plain = Buffer.alloc(size, 3);
      await encryptAndUpload({
        s3,
        bucket: "b",
        key: "k",
        source: Readable.from([plain.subarray(0, 1000), plain.subarray(1000)]),
        keyring,
        format: "v2",
        commitmentPolicy: "FORBID_ENCRYPT_ALLOW_DECRYPT",
        partSize: 5 * 1024 * 1024,
        concurrency: 2,
        unsignedPayload,
        encryptInWorker,
      });
      const parts = sent.filter((r) => r.method === "PUT");
      expect(parts).toHaveLength(3);
      for (const p of parts) {
        expect(p.headers["x-amz-checksum-crc32"]).toBe(crcBase64(p.body));
        if (unsignedPayload) expect(p.headers["x-amz-content-sha256"]).toBe("UNSIGNED-PAYLOAD");
        else expect(p.headers["x-amz-content-sha256"]).toMatch(/^[0-9a-f]{64}$/);
      }
      expect(parts.reduce((n, p) => n + p.body.length, 0)).toBe(size + 16);
    });
  }

  it("a single-part object goes up as one PutObject with its CRC32 and UNSIGNED-PAYLOAD when asked", async () => {
    const { s3, sent } = fakeS3();
    await encryptAndUpload({
      s3,
      bucket: "b",
      key: "k",
      source: Readable.from([Buffer.from("hello")]),
      keyring,
      format: "v3",
      unsignedPayload: true,
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers["x-amz-checksum-crc32"]).toBe(crcBase64(sent[0]!.body));
    expect(sent[0]?.headers["x-amz-content-sha256"]).toBe("UNSIGNED-PAYLOAD");
  });
});
