/** The checks a download makes on its options and on S3's answers before any plaintext is written. */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { CBC_FAILURE_MESSAGE } from "../../../src/ciphers/content-cipher.js";
import { ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY } from "../../../src/codec/algorithm-suites.js";
import { decodeContentMetadata } from "../../../src/codec/decode.js";
import { ErrorCodes } from "../../../src/errors.js";
import { RawAesKeyring } from "../../../src/materials/raw-aes-keyring.js";
import { downloadToFile, openDecryptedStream } from "../../../src/transfer/download.js";
import { prepareObjectDownload } from "../../../src/transfer/download-file.js";
import { assertBodyLength } from "../../../src/transfer/download-options.js";

const keyring = new RawAesKeyring({ key: Buffer.alloc(32, 9), materialsDescription: { k: "dl" } });
const b64 = (n: number) => randomBytes(n).toString("base64");
/** Valid V2 (AES/GCM-wrapped, GCM content) metadata of a `plain`-byte object. */
const v2Metadata = (plain: number) => ({
  "x-amz-key-v2": b64(60),
  "x-amz-iv": b64(12),
  "x-amz-cek-alg": "AES/GCM/NoPadding",
  "x-amz-wrap-alg": "AES/GCM",
  "x-amz-tag-len": "128",
  "x-amz-matdesc": '{"k":"dl"}',
  "x-amz-unencrypted-content-length": String(plain),
});
const v1Metadata = (plain: number) => ({
  "x-amz-key": b64(48),
  "x-amz-iv": b64(16),
  "x-amz-matdesc": "{}",
  "x-amz-unencrypted-content-length": String(plain),
});

/** An S3 double that answers every command with `answer(name)` and records the names. */
function s3(answer: (name: string) => unknown) {
  const sent: string[] = [];
  return {
    sent,
    async send(command: { constructor: { name: string } }) {
      const name = command.constructor.name.replace(/Command$/, "");
      sent.push(name);
      return answer(name);
    },
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "s3cse-dl-checks-"));
  dirs.push(d);
  return d;
};

describe("downloadToFile options", () => {
  it("Precondition: a download's part size is a whole number of bytes, at least 16", async () => {
    const client = s3(() => ({}));
    for (const partSize of [0, 15, 16.5, Number.NaN]) {
      await expect(
        downloadToFile({
          s3: client,
          bucket: "b",
          key: "k",
          file: join(tempDir(), "out"),
          keyring,
          partSize,
        }),
      ).rejects.toMatchObject({
        code: ErrorCodes.INVALID_ARGUMENT,
        message: `download part size must be a whole number of bytes, at least 16 (got ${partSize})`,
      });
    }
    expect(client.sent).toEqual([]);
  });

  it("Precondition: a download's concurrency is a whole number from 1 to 10000", async () => {
    const client = s3(() => ({}));
    for (const concurrency of [0, 10_001, 2.5]) {
      await expect(
        downloadToFile({
          s3: client,
          bucket: "b",
          key: "k",
          file: join(tempDir(), "out"),
          keyring,
          concurrency,
        }),
      ).rejects.toMatchObject({
        code: ErrorCodes.INVALID_ARGUMENT,
        message: `download concurrency must be a whole number from 1 to 10000 (got ${concurrency})`,
      });
    }
    expect(client.sent).toEqual([]);
  });
});

describe("S3's answers", () => {
  it("Precondition: HeadObject returned the object's length and ETag (ranges are pinned to it) — nothing is left in the target directory", async () => {
    for (const [head, missing] of [
      [{ ContentLength: 116 }, "ETag"],
      [{ ETag: '"e"' }, "Content-Length"],
    ] as const) {
      const client = s3(() => ({ ...head, Metadata: v2Metadata(100) }));
      await expect(
        prepareObjectDownload({ s3: client, bucket: "b", key: "k", keyring }),
      ).rejects.toMatchObject({
        code: ErrorCodes.INVALID_METADATA,
        message: `HeadObject s3://b/k returned no ${missing}`,
      });
      const dir = tempDir();
      await expect(
        downloadToFile({ s3: client, bucket: "b", key: "k", file: join(dir, "out"), keyring }),
      ).rejects.toMatchObject({ message: expect.stringContaining(`returned no ${missing}`) });
      expect(readdirSync(dir)).toEqual([]);
      expect(client.sent.filter((n) => n === "GetObject")).toEqual([]);
    }
  });

  it("Precondition: a whole-object GET has no Content-Range — the body is released", async () => {
    const body = Readable.from([Buffer.alloc(116)]);
    const client = s3(() => ({
      Body: body,
      ContentLength: 116,
      ContentRange: "bytes 0-115/1000",
      Metadata: v2Metadata(100),
    }));
    await expect(openDecryptedStream({ s3: client, bucket: "b", key: "k", keyring })).rejects.toMatchObject({
      code: ErrorCodes.INVALID_METADATA,
      message: "GetObject returned a partial body (bytes 0-115/1000) for a whole-object read",
    });
    expect(body.destroyed).toBe(true);
  });
});

describe("assertBodyLength", () => {
  it("Precondition: the body length agrees with the content algorithm and x-amz-unencrypted-content-length", () => {
    const gcm = decodeContentMetadata(v2Metadata(100));
    expect(() => assertBodyLength(gcm, 116)).not.toThrow();
    expect(() => assertBodyLength(gcm, undefined)).not.toThrow();
    for (const length of [115, 117, 0]) {
      expect(() => assertBodyLength(gcm, length)).toThrow(
        expect.objectContaining({
          code: ErrorCodes.TRUNCATED,
          message: `object body is ${length} bytes, which does not fit AES/GCM/NoPadding and a 100-byte plaintext (x-amz-unencrypted-content-length): the object is truncated or was modified`,
        }),
      );
    }
    // CBC: the one CBC failure, whatever is wrong (no padding oracle).
    const cbc = decodeContentMetadata(v1Metadata(100));
    expect(() => assertBodyLength(cbc, 112)).not.toThrow();
    for (const length of [96, 128, 111]) {
      expect(() => assertBodyLength(cbc, length)).toThrow(
        expect.objectContaining({ code: ErrorCodes.AUTHENTICATION_FAILED, message: CBC_FAILURE_MESSAGE }),
      );
    }
    // V3 declares no plaintext length: the body is at least the tag.
    const v3 = { format: "v3", suite: ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY } as never;
    expect(() => assertBodyLength(v3, 16)).not.toThrow();
    expect(() => assertBodyLength(v3, 15)).toThrow(expect.objectContaining({ code: ErrorCodes.TRUNCATED }));
  });
});
