import { Readable } from "node:stream";
import { PutObjectCommand, S3Client, UploadPartCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import {
  type PayloadSigning,
  payloadSigningOf,
  sendsUnsignedPayload,
  UNSIGNED_PAYLOAD,
  withPayloadSigning,
} from "../../../src/transfer/unsigned-payload.js";

/** An S3 client whose "network" records the signed request and answers 200. */
function capturingClient(endpoint = "https://s3.example.test") {
  const sent: { headers: Record<string, string> }[] = [];
  const s3 = new S3Client({
    region: "us-east-1",
    endpoint,
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
const HEX64 = /^[0-9a-f]{64}$/;

describe("payload signing", () => {
  const table: [PayloadSigning | boolean | undefined, string, "unsigned" | "signed"][] = [
    [undefined, "https://s3.example.test", "unsigned"],
    [undefined, "http://s3.example.test", "signed"],
    ["auto", "https://s3.example.test", "unsigned"],
    ["auto", "http://s3.example.test", "signed"],
    ["always", "https://s3.example.test", "signed"],
    ["always", "http://s3.example.test", "signed"],
    ["never", "https://s3.example.test", "unsigned"],
    ["never", "http://s3.example.test", "unsigned"],
    [true, "http://s3.example.test", "unsigned"],
    [false, "https://s3.example.test", "signed"],
  ];
  for (const [mode, endpoint, expected] of table) {
    it(`${String(mode)} to ${endpoint.split(":")[0]}: the part body is ${expected}`, async () => {
      const { s3, sent } = capturingClient(endpoint);
      await s3.send(withPayloadSigning(part(), mode));
      const header = sent[0]?.headers["x-amz-content-sha256"];
      if (expected === "unsigned") expect(header).toBe(UNSIGNED_PAYLOAD);
      else expect(header).toMatch(HEX64);
      // The header is signed in both cases, and the part keeps its CRC32.
      expect(sent[0]?.headers.authorization).toMatch(/SignedHeaders=[^,]*x-amz-content-sha256.*Signature=/);
      expect(sent[0]?.headers["x-amz-checksum-crc32"]).toBeDefined();
    });
  }

  it("never: PutObject is sent with UNSIGNED-PAYLOAD too", async () => {
    const { s3, sent } = capturingClient("http://s3.example.test");
    await s3.send(withPayloadSigning(new PutObjectCommand({ Bucket: "b", Key: "k", Body: "x" }), "never"));
    expect(sent[0]?.headers["x-amz-content-sha256"]).toBe(UNSIGNED_PAYLOAD);
  });

  it("payloadSigningOf: payloadSigning wins, then unsignedPayload (true = never, false = always), else auto", () => {
    expect(payloadSigningOf({})).toBe("auto");
    expect(payloadSigningOf({ unsignedPayload: true })).toBe("never");
    expect(payloadSigningOf({ unsignedPayload: false })).toBe("always");
    expect(payloadSigningOf({ payloadSigning: "always", unsignedPayload: true })).toBe("always");
    expect(sendsUnsignedPayload("auto", undefined)).toBe(false);
  });

  it("the payload signing mode is auto, always or never", () => {
    expect(() => payloadSigningOf({ payloadSigning: "sometimes" as PayloadSigning })).toThrow(
      /payload signing must be auto, always or never/,
    );
  });

  it("leaves objects without a middleware stack alone", () => {
    const plain = { input: {} };
    expect(withPayloadSigning(plain, true)).toBe(plain);
  });
});
