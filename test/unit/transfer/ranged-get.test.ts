import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../../src/errors.js";
import { RawAesKeyring } from "../../../src/materials/raw-aes-keyring.js";
import { getDecryptedRange } from "../../../src/transfer/ranged-get.js";
import { encryptObject } from "../../support/envelope.js";

const keyring = new RawAesKeyring({ key: randomBytes(32) });

/** A fake S3 serving one object; `contentRange` overrides what GetObject reports. */
function fakeS3(
  metadata: Record<string, string>,
  body: Buffer,
  opts: { contentLength?: number | null; contentRange?: string } = {},
) {
  const sent: unknown[] = [];
  return {
    sent,
    async send(command: unknown) {
      sent.push(command);
      if (command instanceof HeadObjectCommand) {
        return {
          Metadata: metadata,
          ContentLength: opts.contentLength === null ? undefined : body.length,
          ETag: '"e1"',
        };
      }
      if (command instanceof GetObjectCommand) {
        const m = /^bytes=(\d+)-(\d+)$/.exec(command.input.Range ?? "")!;
        const [s, e] = [Number(m[1]), Number(m[2])];
        return {
          Body: Readable.from([body.subarray(s, e + 1)]),
          ContentRange: opts.contentRange ?? `bytes ${s}-${e}/${body.length}`,
        };
      }
      throw new Error("unexpected command");
    },
  };
}

describe("getDecryptedRange (unit, fake S3)", () => {
  it("sends the block-aligned range pinned to the HEAD's ETag and trims the plaintext", async () => {
    const plain = randomBytes(200);
    const obj = await encryptObject("v3", keyring, plain);
    const s3 = fakeS3(obj.metadata, obj.body);
    const got = await getDecryptedRange({
      s3,
      bucket: "b",
      key: "k",
      keyring,
      range: { start: 37, end: 90 },
      allowUnauthenticatedRanges: true,
    });
    expect(got.equals(plain.subarray(37, 91))).toBe(true);
    const get = s3.sent.find((c) => c instanceof GetObjectCommand) as GetObjectCommand;
    expect(get.input).toMatchObject({ Range: "bytes=32-90", IfMatch: '"e1"' });
  });

  it("Precondition: the object's ciphertext length is known", async () => {
    const obj = await encryptObject("v3", keyring, randomBytes(50));
    const s3 = fakeS3(obj.metadata, obj.body, { contentLength: null });
    await expect(
      getDecryptedRange({
        s3,
        bucket: "b",
        key: "k",
        keyring,
        range: { start: 0 },
        allowUnauthenticatedRanges: true,
      }),
    ).rejects.toThrow(/no Content-Length/);
  });

  it("Precondition: S3 answered with exactly the requested ciphertext range", async () => {
    const obj = await encryptObject("v3", keyring, randomBytes(50));
    const s3 = fakeS3(obj.metadata, obj.body, { contentRange: "bytes 0-65/66" });
    await expect(
      getDecryptedRange({
        s3,
        bucket: "b",
        key: "k",
        keyring,
        range: { start: 20, end: 30 },
        allowUnauthenticatedRanges: true,
      }),
    ).rejects.toMatchObject({ code: ErrorCodes.TRUNCATED });
  });

  it("refuses before any GetObject when the policy forbids the object", async () => {
    const obj = await encryptObject("v2", keyring, randomBytes(50));
    const s3 = fakeS3(obj.metadata, obj.body);
    await expect(
      getDecryptedRange({
        s3,
        bucket: "b",
        key: "k",
        keyring,
        range: { start: 0 },
        allowUnauthenticatedRanges: true,
      }),
    ).rejects.toMatchObject({ code: ErrorCodes.COMMITMENT_POLICY });
    expect(s3.sent.some((c) => c instanceof GetObjectCommand)).toBe(false);
  });
});
