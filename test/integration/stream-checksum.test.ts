/**
 * Integrity of CBC objects in transit (#9) on the streaming read — `openDecryptedStream`, the drop-in
 * client's GetObject (and with it the CLI's `download … -`): the ciphertext is checked against the
 * CRC32 S3 stored, against moto_server through the fault proxy.
 */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import * as zlib from "node:zlib";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from "../../scripts/support/moto-server.js";
import { S3EncryptionClient } from "../../src/client/s3-encryption-client.js";
import { ErrorCodes } from "../../src/errors.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import { crc32Base64 } from "../../src/pipeline/crc32.js";
import { openDecryptedStream } from "../../src/transfer/download.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import { startTestAws, type TestAws } from "../support/aws.js";
import { type FaultProxy, startFaultProxy } from "../support/fault-proxy.js";

let aws: TestAws;
let proxy: FaultProxy;
let viaProxy: S3Client;
const MiB = 1024 * 1024;

beforeAll(async () => {
  aws = await startTestAws();
  proxy = await startFaultProxy(aws.moto.endpoint);
  viaProxy = new S3Client({
    endpoint: proxy.endpoint,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    forcePathStyle: true,
    maxAttempts: 1,
  });
});
afterAll(async () => {
  viaProxy?.destroy();
  await proxy?.close();
  await aws?.stop();
});
beforeEach(() => proxy.clearRules());

const keyring = () => new KmsKeyring({ client: aws.kms, keyId: aws.keyId });
const legacy = { allowLegacy: true, commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" as const };

async function putRds(key: string, data: Buffer, partSize?: number) {
  await encryptAndUpload({
    s3: aws.s3,
    bucket: aws.bucket,
    key,
    source: Readable.from([data]),
    keyring: keyring(),
    format: "rds",
    ...(partSize ? { partSize, objectParams: { ChecksumAlgorithm: "CRC32" as const } } : {}),
  });
}

/** Reads the stream to its end: the plaintext, or the error it failed with (and what it released first). */
async function drain(stream: Readable): Promise<{ data?: Buffer; err?: { code?: string; message: string } }> {
  const seen: Buffer[] = [];
  stream.on("data", (c: Buffer) => seen.push(c));
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once("end", resolve);
      stream.once("error", reject);
    });
    return { data: Buffer.concat(seen) };
  } catch (err) {
    return { err: err as { code?: string; message: string } };
  }
}

/** HeadObject answers with the CRC32 of the bytes really stored, as S3 does for a PutObject with ChecksumCRC32. */
const withStoredCrc = (key: string) => ({
  // biome-ignore lint/suspicious/noExplicitAny: pass-through of SDK commands.
  send: async (command: any, options?: any) => {
    const out = await viaProxy.send(command, options);
    if (command.constructor.name !== "HeadObjectCommand" || command.input.PartNumber) return out;
    const stored = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
    const bytes = await stored.Body!.transformToByteArray();
    return { ...out, ChecksumCRC32: crc32Base64(zlib.crc32(bytes)), ChecksumType: "FULL_OBJECT" };
  },
});

describe("openDecryptedStream: CBC ciphertext checked against S3's CRC32", () => {
  it("multipart RDS object, clean: checksumChecked, byte-exact", async () => {
    const key = "stream/clean.bak";
    const data = randomBytes(11 * MiB + 7);
    await putRds(key, data, 5 * MiB);
    const opened = await openDecryptedStream({
      s3: viaProxy,
      bucket: aws.bucket,
      key,
      keyring: keyring(),
      ...legacy,
    });
    expect(opened.checksumChecked).toBe(true);
    const { data: got } = await drain(opened.stream);
    expect(got?.equals(data)).toBe(true);
  });

  it("Precondition: the downloaded ciphertext has the CRC32 S3 stored for it — multipart RDS, a byte flipped in transit", async () => {
    const key = "stream/flip.bak";
    const data = randomBytes(11 * MiB + 7);
    await putRds(key, data, 5 * MiB);
    proxy.addRule({ method: "GET", path: `/${aws.bucket}/${key}`, fault: { kind: "flip", at: 6 * MiB } });
    const opened = await openDecryptedStream({
      s3: viaProxy,
      bucket: aws.bucket,
      key,
      keyring: keyring(),
      ...legacy,
    });
    const { data: got, err } = await drain(opened.stream);
    expect(got).toBeUndefined();
    expect(err?.code).toBe(ErrorCodes.CHECKSUM_MISMATCH);
    expect(err?.message).toMatch(/composite of 3 parts/);
    expect(err?.message).toMatch(/discard the plaintext it already released/);
  });

  it("single-part RDS object with a stored full-object CRC32: a flipped byte is caught", async () => {
    const key = "stream/single-flip.bak";
    await putRds(key, randomBytes(MiB + 3));
    proxy.addRule({ method: "GET", path: `/${aws.bucket}/${key}`, fault: { kind: "flip", at: 4321 } });
    const opened = await openDecryptedStream({
      s3: withStoredCrc(key),
      bucket: aws.bucket,
      key,
      keyring: keyring(),
      ...legacy,
    });
    expect(opened.checksumChecked).toBe(true);
    expect((await drain(opened.stream)).err?.code).toBe(ErrorCodes.CHECKSUM_MISMATCH);
  });

  it("verifyChecksum: false skips the check (the flip then goes undetected, as CBC has no authentication)", async () => {
    const key = "stream/unchecked.bak";
    const data = randomBytes(6 * MiB);
    await putRds(key, data, 5 * MiB);
    proxy.addRule({ method: "GET", path: `/${aws.bucket}/${key}`, fault: { kind: "flip", at: 1000 } });
    const opened = await openDecryptedStream({
      s3: viaProxy,
      bucket: aws.bucket,
      key,
      keyring: keyring(),
      ...legacy,
      verifyChecksum: false,
    });
    expect(opened.checksumChecked).toBe(false);
    const { data: got } = await drain(opened.stream);
    expect(got?.length).toBe(data.length);
    expect(got?.equals(data)).toBe(false);
  });

  it("a reset mid-body is resumed and the resumed bytes are checked too", async () => {
    const key = "stream/reset.bak";
    const data = randomBytes(11 * MiB + 7);
    await putRds(key, data, 5 * MiB);
    proxy.addRule({
      method: "GET",
      path: `/${aws.bucket}/${key}`,
      nth: 1,
      fault: { kind: "reset", afterBytes: 3 * MiB },
    });
    const opened = await openDecryptedStream({
      s3: viaProxy,
      bucket: aws.bucket,
      key,
      keyring: keyring(),
      ...legacy,
      retryBaseDelayMs: 5,
    });
    const { data: got, err } = await drain(opened.stream);
    expect(err).toBeUndefined();
    expect(got?.equals(data)).toBe(true);
  });
});

describe("drop-in S3EncryptionClient GetObject", () => {
  it("a multipart RDS object with a byte flipped in transit: the Body fails with CHECKSUM_MISMATCH", async () => {
    const key = "stream/dropin-flip.bak";
    await putRds(key, randomBytes(11 * MiB + 7), 5 * MiB);
    proxy.addRule({ method: "GET", path: `/${aws.bucket}/${key}`, fault: { kind: "flip", at: 10 * MiB } });
    const client = new S3EncryptionClient({ client: viaProxy, keyring: keyring(), ...legacy });
    const out = await client.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
    await expect(buffer(out.Body as Readable)).rejects.toMatchObject({ code: ErrorCodes.CHECKSUM_MISMATCH });
  });
});
