import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../../src/errors.js";
import { replaceObjectMetadata } from "../../../src/transfer/copy-object.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** An S3 double that records command names and answers CopyObject. */
function s3() {
  const sent: string[] = [];
  return {
    sent,
    async send(command: { constructor: { name: string } }) {
      sent.push(command.constructor.name.replace(/Command$/, ""));
      return { CopyObjectResult: { ETag: '"new"' } };
    },
  };
}
const head = (size: number, etag: string | undefined = '"e"') => ({
  $metadata: {},
  ContentLength: size,
  ...(etag ? { ETag: etag } : {}),
});

describe("replaceObjectMetadata", () => {
  it("Precondition: the copy threshold is a positive size no larger than the 5 GiB CopyObject limit", async () => {
    for (const copyThreshold of [0, -1, 5 * GiB + 1, Number.NaN]) {
      const client = s3();
      await expect(
        replaceObjectMetadata({
          s3: client,
          bucket: "b",
          key: "k",
          head: head(10),
          metadata: {},
          copyThreshold,
        }),
      ).rejects.toMatchObject({
        code: ErrorCodes.INVALID_ARGUMENT,
        message: "the copy threshold must be between 1 byte and 5 GiB",
      });
      expect(client.sent).toEqual([]);
    }
    const client = s3();
    await expect(
      replaceObjectMetadata({
        s3: client,
        bucket: "b",
        key: "k",
        head: head(10),
        metadata: {},
        copyThreshold: 5 * GiB,
      }),
    ).resolves.toBe("copy-object");
    expect(client.sent).toEqual(["CopyObject"]);
  });

  it("Precondition: the copy needs the ETag read with the metadata (it is conditional on it)", async () => {
    const client = s3();
    await expect(
      replaceObjectMetadata({ s3: client, bucket: "b", key: "k", head: head(10, ""), metadata: {} }),
    ).rejects.toMatchObject({
      code: ErrorCodes.INVALID_ARGUMENT,
      message: "HeadObject s3://b/k returned no ETag",
    });
    expect(client.sent).toEqual([]);
  });

  it("Precondition: copy parts are 5 MiB to 5 GiB and at most 10,000", async () => {
    // Above the threshold the copy is multipart; these part sizes are refused before any S3 call.
    for (const [size, copyPartSize] of [
      [20 * MiB, 5 * MiB - 1],
      [20 * MiB, 5 * GiB + 1],
      [10_001 * 5 * MiB, 5 * MiB],
    ] as const) {
      const client = s3();
      await expect(
        replaceObjectMetadata({
          s3: client,
          bucket: "b",
          key: "k",
          head: head(size),
          metadata: {},
          copyThreshold: 10 * MiB,
          copyPartSize,
        }),
      ).rejects.toMatchObject({
        code: ErrorCodes.INVALID_ARGUMENT,
        message: "copy part size must be 5 MiB–5 GiB and give at most 10,000 parts",
      });
      expect(client.sent).toEqual([]);
    }
  });
});
