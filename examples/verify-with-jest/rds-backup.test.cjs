// A Jest suite that checks uploaded backups with the s3-cse/jest matchers (registered by the
// setupFilesAfterEnv entry in jest.config.cjs; require("s3-cse/jest") in a test works too).
//   BUCKET=my-backups KEY=backups/SalesDb.bak KMS_KEY_ID=alias/rds-backups npx jest --config examples/verify-with-jest/jest.config.cjs
const { KMSClient } = require("@aws-sdk/client-kms");
const { HeadObjectCommand, S3Client } = require("@aws-sdk/client-s3");
const { s3CseMatchers } = require("s3-cse/jest");

const { BUCKET = "", KEY = "", KMS_KEY_ID = "" } = process.env;
const s3 = new S3Client({});
const kms = new KMSClient({});
afterAll(() => {
  s3.destroy();
  kms.destroy();
});

describe(`s3://${BUCKET}/${KEY}`, () => {
  test("is a backup RDS for SQL Server can restore, under the expected KMS key", async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY }));
    expect(head).toBeRdsRestorable();
    await expect(head).toBeClientSideEncrypted({ format: "rds", kmsKeyId: KMS_KEY_ID, kms });
  });

  test("is not merely server-side encrypted", async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY }));
    expect({ ServerSideEncryption: head.ServerSideEncryption }).not.toBeClientSideEncrypted();
  });

  test("the matchers are plain functions too (for expect.extend from @jest/globals)", () => {
    expect(Object.keys(s3CseMatchers).sort()).toEqual([
      "toBeClientSideEncrypted",
      "toBeRdsRestorable",
      "toBeServerSideEncrypted",
    ]);
  });
});
