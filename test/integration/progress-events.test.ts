/**
 * Library progress events against moto_server: an upload's `bytesUploaded` and `partsDone` count
 * only parts S3 acknowledged (checked against the UploadPart answers seen by a wrapping `{ send }`),
 * `bytesRead` runs ahead of them, `totalBytes` is the plaintext size; a single-stream download
 * reports `bytesDownloaded`, `totalBytes`, `partsDone` and `partsTotal`.
 */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import { type DownloadProgress, openDecryptedStream } from "../../src/transfer/download.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import type { UploadProgress } from "../../src/transfer/upload-options.js";
import { startTestAws, type TestAws } from "../support/aws.js";
import { writePolicyFor } from "../support/write-policy.js";

const MiB = 1024 * 1024;
let aws: TestAws;
beforeAll(async () => {
  aws = await startTestAws();
});
afterAll(async () => {
  await aws?.stop();
});

describe("progress events (library, moto)", () => {
  for (const format of ["rds", "v3"] as const) {
    it(`${format}: bytesUploaded and partsDone follow S3's UploadPart answers; bytesRead leads; download fields`, async () => {
      const data = randomBytes(16 * MiB + 12_345);
      let acknowledged = 0;
      let answers = 0;
      // The real client, with a count of what S3 answered for (after the answer, not at the send).
      const s3 = {
        send: async (command: { constructor: { name: string }; input: { ContentLength?: number } }) => {
          const out = await aws.s3.send(command as never);
          if (command.constructor.name === "UploadPartCommand") {
            acknowledged += command.input.ContentLength ?? 0;
            answers += 1;
          }
          return out;
        },
      };
      const events: (UploadProgress & { acknowledged: number; answers: number })[] = [];
      const key = `progress/${format}.bin`;
      const result = await encryptAndUpload({
        s3,
        bucket: aws.bucket,
        key,
        source: Readable.from([data.subarray(0, 7 * MiB), data.subarray(7 * MiB)]),
        keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
        format,
        commitmentPolicy: writePolicyFor(format),
        contentLength: data.length,
        partSize: 5 * MiB,
        concurrency: 4,
        onProgress: (p) => events.push({ ...p, acknowledged, answers }),
      });
      expect(result.parts).toBe(4);
      expect(events.length).toBeGreaterThan(4);
      for (const e of events) {
        expect(e.bytesUploaded).toBeLessThanOrEqual(e.acknowledged);
        expect(e.partsDone).toBeLessThanOrEqual(e.answers);
        expect(e.totalBytes).toBe(data.length);
      }
      // reading runs ahead of S3's answers at some point (the old bar's 100 % at a third)
      expect(events.some((e) => e.bytesRead > e.bytesUploaded)).toBe(true);
      const last = events.at(-1)!;
      expect(last.bytesRead).toBe(data.length);
      expect(last.partsDone).toBe(4);
      expect(last.bytesUploaded).toBe(acknowledged);
      expect(last.bytesUploaded).toBeGreaterThanOrEqual(data.length); // ciphertext: padding or tag

      const seen: DownloadProgress[] = [];
      const opened = await openDecryptedStream({
        s3: aws.s3,
        bucket: aws.bucket,
        key,
        keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
        ...(format === "rds" ? { allowLegacy: true } : {}),
        onProgress: (p) => seen.push(p),
      });
      expect((await buffer(opened.stream)).equals(data)).toBe(true);
      expect(seen.at(-1)).toEqual({
        bytesDownloaded: acknowledged,
        totalBytes: acknowledged,
        partsDone: 1,
        partsTotal: 1,
      });
      expect(seen.every((e, i) => i === 0 || e.bytesDownloaded >= seen[i - 1]!.bytesDownloaded)).toBe(true);
    }, 90_000);
  }
});
