/**
 * The last guard of a rewrap: the metadata it is about to write must decode to the object's own
 * format and content algorithm. No input reaches it through the real decoder (only the wrapped-key
 * field changes), so this file stands in a decoder that relabels the rewritten metadata, as a
 * future change to the key field's rules could, and checks the rewrap refuses before writing.
 */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { ContentMetadata } from "../../src/codec/content-metadata.js";
import { ErrorCodes } from "../../src/errors.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import { rewrapObject } from "../../src/transfer/rewrap.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import { useTestAws } from "../support/fixtures.js";

/** While set: the stored wrapped key (x-amz-3) whose replacement the stand-in decoder relabels. */
const relabel: { storedKey?: string } = {};

vi.mock("../../src/codec/decode.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/codec/decode.js")>();
  return {
    ...real,
    decodeContentMetadata: (...args: Parameters<typeof real.decodeContentMetadata>): ContentMetadata => {
      const decoded = real.decodeContentMetadata(...args);
      const key = args[0]["x-amz-3"];
      const rewritten = relabel.storedKey !== undefined && key !== undefined && key !== relabel.storedKey;
      return rewritten ? ({ ...decoded, format: "v2" } as ContentMetadata) : decoded;
    },
  };
});

const aws = useTestAws();
let newKeyId: string;
beforeAll(async () => {
  newKeyId = (await aws.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
});

describe("rewrap: the metadata written keeps the object's format", () => {
  it("Precondition: a rewrap never changes the object's format or content algorithm.", async () => {
    await encryptAndUpload({
      s3: aws.s3,
      bucket: aws.bucket,
      key: "guard.bak",
      source: Readable.from([randomBytes(1000)]),
      keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
      format: "v3",
    });
    const before = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: "guard.bak" }));
    relabel.storedKey = before.Metadata!["x-amz-3"];
    try {
      const failure = await rewrapObject({
        s3: aws.s3,
        kms: aws.kms,
        bucket: aws.bucket,
        key: "guard.bak",
        kmsKeyId: aws.keyId,
        newKmsKeyId: newKeyId,
      }).catch((err: unknown) => err);
      expect(failure).toMatchObject({ code: ErrorCodes.INVALID_METADATA });
      expect((failure as Error).message).toBe(
        "rewrap of s3://" + aws.bucket + "/guard.bak would change its format",
      );
    } finally {
      relabel.storedKey = undefined;
    }
    // Nothing was written: the object keeps its wrapped key.
    const after = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: "guard.bak" }));
    expect(after.Metadata).toEqual(before.Metadata);
    expect(after.ETag).toBe(before.ETag);
  });
});
