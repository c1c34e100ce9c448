import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, renameSync, statSync, utimesSync, writeFileSync, writeSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ListMultipartUploadsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../src/errors.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import { MiB } from "../../src/transfer/part-size.js";
import { encryptAndUploadFile } from "../../src/transfer/upload-file.js";
import { useTempDir, useTestAws } from "../support/fixtures.js";
import { recordingClient } from "../support/recording-client.js";

const aws = useTestAws();
const dir = useTempDir("s3cse-src-");

/** Rewrites the first bytes of `file` in place: same size, same inode. Optionally puts mtime back. */
function rewriteInPlace(file: string, keepMtime: boolean): void {
  const before = statSync(file);
  const fd = openSync(file, "r+");
  writeSync(fd, randomBytes(4096), 0, 4096, 0);
  closeSync(fd);
  if (keepMtime) utimesSync(file, before.atime, before.mtime);
}

async function expectNothingLeft(bucket: string) {
  const uploads = await aws.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  expect(uploads.Uploads ?? []).toEqual([]);
  const objects = await aws.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  expect(objects.KeyCount ?? 0).toBe(0);
}

describe("a source file rewritten during the upload fails it", () => {
  for (const keepMtime of [false, true]) {
    it(`Precondition: the source file is unchanged (size, mtime, ctime, inode) while it is uploaded — multipart, rewritten in place at the first UploadPart${keepMtime ? ", mtime put back" : ""}`, async () => {
      const bucket = await aws.newBucket();
      const file = join(dir, `multi-${keepMtime}.bak`);
      await writeFile(file, randomBytes(16 * MiB));
      let rewritten = false;
      const s3 = recordingClient(aws.s3, (cmd) => {
        if (cmd.name === "UploadPart" && !rewritten) {
          rewritten = true;
          rewriteInPlace(file, keepMtime);
        }
        return undefined;
      });
      const err = await encryptAndUploadFile({
        s3,
        bucket,
        key: "changed.bak",
        file,
        keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
        format: "rds",
        partSize: 5 * MiB,
        concurrency: 1,
      }).catch((e) => e);
      expect(rewritten).toBe(true);
      expect(err).toMatchObject({ code: ErrorCodes.SOURCE_CHANGED });
      expect(err.message).toMatch(keepMtime ? /ctime/ : /mtime/);
      expect(s3.names()).toContain("AbortMultipartUpload");
      expect(s3.names()).not.toContain("CompleteMultipartUpload");
      await expectNothingLeft(bucket);
    });
  }

  it("single PutObject: a file rewritten after it was opened (while KMS made the data key) is not uploaded", async () => {
    const bucket = await aws.newBucket();
    const file = join(dir, "single.bak");
    await writeFile(file, randomBytes(1000));
    const kms = recordingClient(aws.kms, (cmd) => {
      if (cmd.name === "GenerateDataKey") rewriteInPlace(file, false);
      return undefined;
    });
    const s3 = recordingClient(aws.s3);
    await expect(
      encryptAndUploadFile({
        s3,
        bucket,
        key: "single.bak",
        file,
        keyring: new KmsKeyring({ client: kms, keyId: aws.keyId }),
        format: "rds",
      }),
    ).rejects.toMatchObject({ code: ErrorCodes.SOURCE_CHANGED });
    expect(kms.names()).toContain("GenerateDataKey");
    expect(s3.names()).not.toContain("PutObject");
    await expectNothingLeft(bucket);
  });

  it("an unchanged file still uploads (the checks pass)", async () => {
    const bucket = await aws.newBucket();
    const file = join(dir, "steady.bak");
    await writeFile(file, randomBytes(11 * MiB));
    const r = await encryptAndUploadFile({
      s3: aws.s3,
      bucket,
      key: "steady.bak",
      file,
      keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
      format: "rds",
      partSize: 5 * MiB,
    });
    expect(r.parts).toBe(3);
    expect(r.bytes).toBe(11 * MiB);
  });

  it("Precondition: the source path is a regular file — a FIFO is refused without waiting for a writer", async () => {
    const fifo = join(dir, "src.fifo");
    execFileSync("mkfifo", [fifo]);
    const s3 = recordingClient(aws.s3);
    await expect(
      encryptAndUploadFile({
        s3,
        bucket: aws.bucket,
        key: "fifo.bak",
        file: fifo,
        keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
        format: "rds",
      }),
    ).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    expect(s3.sent).toEqual([]);
  });

  it("a file replaced by another one (rename over its path) during the upload is detected by its inode", async () => {
    const bucket = await aws.newBucket();
    const file = join(dir, "replaced.bak");
    await writeFile(file, randomBytes(11 * MiB));
    let replaced = false;
    const s3 = recordingClient(aws.s3, (cmd) => {
      if (cmd.name === "UploadPart" && !replaced) {
        replaced = true;
        writeFileSync(`${file}.new`, randomBytes(11 * MiB));
        renameSync(`${file}.new`, file);
      }
      return undefined;
    });
    const err = await encryptAndUploadFile({
      s3,
      bucket,
      key: "replaced.bak",
      file,
      keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
      format: "rds",
      partSize: 5 * MiB,
      concurrency: 1,
    }).catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCodes.SOURCE_CHANGED });
    expect(err.message).toMatch(/inode/);
    await expectNothingLeft(bucket);
  });
});
