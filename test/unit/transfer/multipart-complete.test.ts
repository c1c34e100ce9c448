import { describe, expect, it } from "vitest";
import { completeMultipartUpload } from "../../../src/transfer/multipart-complete.js";

// biome-ignore lint/suspicious/noExplicitAny: a fake client that records the command input.
function fakeS3(): { sent: any[]; send: (c: any) => Promise<object> } {
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  const sent: any[] = [];
  return {
    sent,
    send: async (c) => {
      sent.push(c.input);
      return {};
    },
  };
}

const parts = [
  { PartNumber: 1, ETag: '"a"', ChecksumCRC32: "khqoaA==" },
  { PartNumber: 2, ETag: '"b"', ChecksumCRC32: "ZDvgyQ==" },
];
const target = { bucket: "b", key: "k", uploadId: "u" };

describe("completeMultipartUpload part checksums", () => {
  it("an upload created with ChecksumAlgorithm CRC32 lists each part's CRC32 (S3 refuses the completion otherwise)", async () => {
    const s3 = fakeS3();
    await completeMultipartUpload(s3, { ...target, checksumAlgorithm: "CRC32" }, parts, undefined);
    expect(s3.sent[0].MultipartUpload.Parts).toEqual(parts);
  });

  it("an upload created without a checksum algorithm lists part numbers and ETags only", async () => {
    const s3 = fakeS3();
    await completeMultipartUpload(s3, target, parts, undefined);
    expect(s3.sent[0].MultipartUpload.Parts).toEqual([
      { PartNumber: 1, ETag: '"a"' },
      { PartNumber: 2, ETag: '"b"' },
    ]);
  });
});
