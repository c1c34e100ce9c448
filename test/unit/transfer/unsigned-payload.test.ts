import { Readable } from "node:stream";
import { PutObjectCommand, S3Client, UploadPartCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { UNSIGNED_PAYLOAD, withPayloadSigning } from "../../../src/transfer/unsigned-payload.js";

/** An S3 client whose "network" records the signed request and answers 200. */
function capturingClient() {
  const sent: { headers: Record<string, string> }[] = [];
  const s3 = new S3Client({
    region: "us-east-1",
    endpoint: "https://s3.example.test",
    forcePathStyle: true,
    credentials: { accessKeyId: "AKID", secretAccessKey: "SECRET" },
    requestHandler: {
      handle: async (request: { headers: Record<string, string> }) => {
        sent.push({ headers: { ...request.headers } });
        return { response: { statusCode: 200, headers: { etag: '"e"' }, body: Readable.from([]) } };
      },
    },
  });
  return { s3, sent };
}

const part = () =>
  new UploadPartCommand({ Bucket: "b", Key: "k", UploadId: "u", PartNumber: 1, Body: Buffer.alloc(32, 7) });

describe("UNSIGNED-PAYLOAD", () => {
  it("is off by default: the part body is hashed into x-amz-content-sha256", async () => {
    const { s3, sent } = capturingClient();
    await s3.send(withPayloadSigning(part(), undefined));
    expect(sent[0]?.headers["x-amz-content-sha256"]).toMatch(/^[0-9a-f]{64}$/);
    expect(sent[0]?.headers.authorization).toContain("Signature=");
  });

  it("when enabled, UploadPart and PutObject are signed with x-amz-content-sha256: UNSIGNED-PAYLOAD", async () => {
    const { s3, sent } = capturingClient();
    await s3.send(withPayloadSigning(part(), true));
    await s3.send(withPayloadSigning(new PutObjectCommand({ Bucket: "b", Key: "k", Body: "x" }), true));
    for (const r of sent) {
      expect(r.headers["x-amz-content-sha256"]).toBe(UNSIGNED_PAYLOAD);
      expect(r.headers.authorization).toContain("x-amz-content-sha256");
      expect(r.headers["x-amz-checksum-crc32"]).toBeDefined();
    }
  });

  it("leaves objects without a middleware stack alone", () => {
    const plain = { input: {} };
    expect(withPayloadSigning(plain, true)).toBe(plain);
  });
});
