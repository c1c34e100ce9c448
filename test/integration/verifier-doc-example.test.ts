/**
 * The example test of docs/verifier.md, run against moto_server. The docs show the `it` block
 * between the markers verbatim, and the imports below except the moto helper (a unit test checks both).
 */
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { encryptAndUploadFile, KmsKeyring } from "s3-cse";
import "s3-cse/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAws, type TestAws } from "../support/aws.js";

let aws: TestAws;
beforeAll(async () => {
  aws = await startTestAws();
});
afterAll(async () => {
  await aws?.stop();
});

describe("docs/verifier.md example", () => {
  const env = () => ({ s3: aws.s3, kms: aws.kms, bucket: aws.bucket, keyArn: aws.keyArn });
  // docs/verifier.md example: start
  it("uploads a backup that RDS can restore", async () => {
    const { s3, kms, bucket, keyArn } = env(); // your S3/KMS clients, bucket and key
    await encryptAndUploadFile({
      s3,
      bucket,
      key: "nightly/db.bak",
      file: "fixtures/bak/FullBackup.bak",
      keyring: new KmsKeyring({ client: kms, keyId: keyArn }),
      format: "rds",
      objectParams: { ServerSideEncryption: "AES256" },
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "nightly/db.bak" }));

    expect(head).toBeClientSideEncrypted({ format: "v1" });
    await expect(head).toBeClientSideEncrypted({ kmsKeyId: keyArn, kms }); // asks KMS: async
    expect(head).toBeServerSideEncrypted("SSE-S3");
    expect(head).toBeRdsRestorable();
    expect(head.Metadata).toBeRdsRestorable(); // a plain metadata map works too
    expect(head.Metadata).not.toBeClientSideEncrypted({ format: "v3" });
  });
  // docs/verifier.md example: end
});
