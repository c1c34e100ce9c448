/**
 * Payload signing on the wire (moto_server behind a recording HTTP / HTTPS front): `auto` sends
 * UNSIGNED-PAYLOAD over HTTPS and signs over HTTP, `always` / `never` override it, the parts keep
 * their CRC32 either way, and the uploaded object decrypts back to the same bytes.
 */
import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from "../../scripts/support/moto-server.js";
import { createRequestHandler } from "../../src/aws/clients.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import { openDecryptedStream } from "../../src/transfer/download.js";
import { MiB } from "../../src/transfer/part-size.js";
import type { PayloadSigning } from "../../src/transfer/unsigned-payload.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import { runCli } from "../support/cli.js";
import { useCliCredentials, useTempDir, useTestAws } from "../support/fixtures.js";
import { type RecordingFront, startRecordingFront } from "../support/recording-front.js";

const aws = useTestAws();
useCliCredentials();
const dir = useTempDir("s3cse-signing-");
let https: RecordingFront;
let http: RecordingFront;

beforeAll(async () => {
  https = await startRecordingFront(aws.moto.endpoint, { tls: true, dir });
  http = await startRecordingFront(aws.moto.endpoint, { tls: false, dir });
});
afterAll(async () => {
  await https?.close();
  await http?.close();
});

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** An S3 client through `front`, trusting its certificate through the CA-bundle option. */
function clientVia(front: RecordingFront): S3Client {
  return new S3Client({
    endpoint: front.endpoint,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    forcePathStyle: true,
    requestHandler: createRequestHandler(front.certFile ? { caBundle: front.certFile } : {}),
  });
}

/** Uploads `size` bytes through `front` and returns the body requests (PutObject / UploadPart) it saw. */
async function upload(front: RecordingFront, key: string, size: number, payloadSigning?: PayloadSigning) {
  const s3 = clientVia(front);
  const data = randomBytes(size);
  const from = front.requests.length;
  try {
    await encryptAndUpload({
      s3,
      bucket: aws.bucket,
      key,
      source: Readable.from([data]),
      contentLength: size,
      keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
      format: "v3",
      partSize: 5 * MiB,
      ...(payloadSigning ? { payloadSigning } : {}),
    });
  } finally {
    s3.destroy();
  }
  const opened = await openDecryptedStream({
    s3: aws.s3,
    bucket: aws.bucket,
    key,
    keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
  });
  const chunks: Buffer[] = [];
  for await (const c of opened.stream) chunks.push(c as Buffer);
  expect(sha256(Buffer.concat(chunks))).toBe(sha256(data));
  return front.requests
    .slice(from)
    .filter((r) => r.method === "PUT" && r.url.includes(key.split("/").pop()!));
}

const HEX64 = /^[0-9a-f]{64}$/;

describe("payload signing on the wire", () => {
  it("auto over HTTPS: UploadPart carries x-amz-content-sha256: UNSIGNED-PAYLOAD and its CRC32; the object decrypts", async () => {
    const sent = await upload(https, "sign/auto-https.bin", 11 * MiB);
    expect(sent.length).toBe(3);
    for (const r of sent) {
      expect(r.headers["x-amz-content-sha256"]).toBe("UNSIGNED-PAYLOAD");
      expect(r.headers["x-amz-checksum-crc32"]).toMatch(/^[A-Za-z0-9+/]{6}==$/);
      expect(String(r.headers.authorization)).toMatch(/SignedHeaders=[^,]*x-amz-content-sha256/);
    }
  }, 60_000);

  it("auto over HTTPS: a single-part PutObject is unsigned too", async () => {
    const sent = await upload(https, "sign/auto-https-small.bin", 1000);
    expect(sent.map((r) => r.headers["x-amz-content-sha256"])).toEqual(["UNSIGNED-PAYLOAD"]);
  }, 60_000);

  it("auto over HTTP: every part body is signed (its SHA-256 in x-amz-content-sha256)", async () => {
    const sent = await upload(http, "sign/auto-http.bin", 11 * MiB);
    expect(sent.length).toBe(3);
    for (const r of sent) expect(r.headers["x-amz-content-sha256"]).toMatch(HEX64);
  }, 60_000);

  it("always over HTTPS signs the payload; never over HTTP does not", async () => {
    const signed = await upload(https, "sign/always-https.bin", 6 * MiB, "always");
    for (const r of signed) expect(r.headers["x-amz-content-sha256"]).toMatch(HEX64);
    const unsigned = await upload(http, "sign/never-http.bin", 6 * MiB, "never");
    for (const r of unsigned) expect(r.headers["x-amz-content-sha256"]).toBe("UNSIGNED-PAYLOAD");
    expect(signed.length + unsigned.length).toBe(4);
  }, 60_000);

  it("an unknown payload signing mode is refused before anything is sent", async () => {
    const from = http.requests.length;
    await expect(
      encryptAndUpload({
        s3: clientVia(http),
        bucket: aws.bucket,
        key: "sign/bad.bin",
        source: Readable.from([Buffer.alloc(1)]),
        keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
        format: "v3",
        payloadSigning: "sometimes" as PayloadSigning,
      }),
    ).rejects.toThrow(/payload signing must be auto, always or never/);
    expect(http.requests.length).toBe(from);
  });

  it("CLI --payload-signing: auto over HTTPS (trusted with --ca-bundle) is unsigned, always signs, never over HTTP is unsigned", async () => {
    const file = join(dir, "cli.bin");
    await writeFile(file, randomBytes(6 * MiB));
    const cli = async (front: RecordingFront, name: string, ...extra: string[]) => {
      const from = front.requests.length;
      const r = await runCli([
        "upload",
        file,
        `s3://${aws.bucket}/sign/${name}`,
        "--kms-key-id",
        aws.keyId,
        "--part-size",
        "5MiB",
        "--json",
        "--endpoint-url",
        front.endpoint,
        ...(front.certFile ? ["--ca-bundle", front.certFile] : []),
        ...extra,
      ]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const parts = front.requests.slice(from).filter((q) => q.method === "PUT" && q.url.includes(name));
      expect(parts.length).toBe(2);
      return parts.map((q) => q.headers["x-amz-content-sha256"]);
    };
    expect(await cli(https, "cli-auto")).toEqual(["UNSIGNED-PAYLOAD", "UNSIGNED-PAYLOAD"]);
    for (const h of await cli(https, "cli-always", "--payload-signing", "always")) expect(h).toMatch(HEX64);
    for (const h of await cli(http, "cli-auto-http")) expect(h).toMatch(HEX64);
    expect(await cli(http, "cli-never", "--payload-signing", "never")).toEqual([
      "UNSIGNED-PAYLOAD",
      "UNSIGNED-PAYLOAD",
    ]);
  }, 90_000);
});
