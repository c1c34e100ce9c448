/**
 * The 10,000-part cap for a source of known length, through encryptAndUpload with the real
 * constants (upload-part-cap.test.ts covers a stream of unknown length): without a part size the
 * part size grows until the object fits in 10,000 parts; a part size too small for the length is
 * refused before anything is read, wrapped or sent.
 */
import { describe, expect, it } from "vitest";
import { KmsKeyring } from "../../../src/materials/kms-keyring.js";
import { GiB, MAX_PARTS, MiB } from "../../../src/transfer/part-size.js";
import { encryptAndUpload } from "../../../src/transfer/upload.js";
import { statefulFakeKms } from "../../support/kms-doubles.js";
import { memoryS3 } from "../../support/memory-s3.js";

// V1 (rds, AES-CBC): GCM formats stop at 64 GiB per object, below these sizes.
const keyring = new KmsKeyring({ client: statefulFakeKms("k1"), keyId: "k1" });

describe("a known length that needs more than 10,000 parts", () => {
  it("without a part size, grows the part size (whole MiB) so the object fits in 10,000 parts", async () => {
    // 170 GiB in 16 MiB parts would be 10,880 parts; 18 MiB parts make 9,671.
    const declared = 170 * GiB;
    expect(Math.ceil((declared + 16) / (16 * MiB))).toBeGreaterThan(MAX_PARTS);
    const sizes: number[] = [];
    const s3 = memoryS3({
      failWhen: (name, input) => {
        if (name === "UploadPart") sizes.push((input.Body as Buffer).length);
        return undefined;
      },
    });
    // The source holds a little more than one part, so the first part is cut and sent; the
    // upload then fails because the source is shorter than declared, and is aborted.
    const oneChunk = Buffer.alloc(18 * MiB + 1, 1);
    async function* source() {
      yield oneChunk;
    }
    const err = await encryptAndUpload({
      s3,
      bucket: "b",
      key: "k",
      source: source(),
      contentLength: declared,
      keyring,
      format: "rds",
      concurrency: 1,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "IO_FAILURE",
      message: expect.stringMatching(/expected 182536110080 bytes/),
    });
    expect(sizes[0]).toBe(18 * MiB);
    expect(Math.ceil((declared + 16) / sizes[0]!)).toBeLessThanOrEqual(MAX_PARTS);
    expect(s3.sent).toContain("AbortMultipartUpload");
    expect(s3.sent).not.toContain("CompleteMultipartUpload");
    expect(s3.uploads.size).toBe(0);
  });

  it("with a part size too small for it, refuses before reading the source or sending anything", async () => {
    const s3 = memoryS3();
    let read = false;
    async function* source() {
      read = true;
      yield Buffer.alloc(1);
    }
    const err = await encryptAndUpload({
      s3,
      bucket: "b",
      key: "k",
      source: source(),
      contentLength: 100 * GiB,
      partSize: 5 * MiB,
      keyring,
      format: "rds",
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringMatching(
        /needs more than 10000 parts of 5242880 bytes; use a part size of at least 16777216 bytes/,
      ),
    });
    expect(read).toBe(false);
    expect(s3.sent).toEqual([]);
  });
});
