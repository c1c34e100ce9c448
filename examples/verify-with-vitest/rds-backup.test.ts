// A test suite that checks uploaded backups with the s3-cse/vitest matchers.
//   BUCKET=my-backups KEY=backups/SalesDb.bak KMS_KEY_ID=alias/rds-backups npx vitest run --config examples/verify-with-vitest/vitest.config.ts
import { KMSClient } from "@aws-sdk/client-kms";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import "s3-cse/vitest";
import { afterAll, describe, expect, it } from "vitest";

const { BUCKET = "", KEY = "", KMS_KEY_ID = "" } = process.env;
const s3 = new S3Client({});
const kms = new KMSClient({});
afterAll(() => {
  s3.destroy();
  kms.destroy();
});

describe(`s3://${BUCKET}/${KEY}`, () => {
  it("is a backup RDS for SQL Server can restore, under the expected KMS key", async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY }));
    expect(head).toBeRdsRestorable();
    await expect(head).toBeClientSideEncrypted({ format: "rds", kmsKeyId: KMS_KEY_ID, kms });
  });

  it("is not merely server-side encrypted", async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY }));
    expect({ ServerSideEncryption: head.ServerSideEncryption }).not.toBeClientSideEncrypted();
  });
});
