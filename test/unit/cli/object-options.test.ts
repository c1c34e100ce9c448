import { describe, expect, it } from "vitest";
import { uploadTarget } from "../../../src/cli/commands/cp.js";
import { objectParamsFrom, parseMetadata } from "../../../src/cli/object-options.js";

describe("AWS CLI object options", () => {
  it("maps every option onto the upload's objectParams", () => {
    expect(
      objectParamsFrom({
        sse: "aws:kms",
        sseKmsKeyId: "alias/s",
        bucketKeyEnabled: true,
        acl: "bucket-owner-full-control",
        expectedBucketOwner: "111122223333",
        storageClass: "STANDARD_IA",
        contentType: "application/octet-stream",
        tagging: "a=b",
        checksumAlgorithm: "CRC32",
      }),
    ).toEqual({
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: "alias/s",
      BucketKeyEnabled: true,
      ACL: "bucket-owner-full-control",
      ExpectedBucketOwner: "111122223333",
      StorageClass: "STANDARD_IA",
      ContentType: "application/octet-stream",
      Tagging: "a=b",
      ChecksumAlgorithm: "CRC32",
    });
  });

  it("Object Lock options name the CRC32 checksum algorithm S3 requires for them", () => {
    expect(objectParamsFrom({ objectLockLegalHoldStatus: "ON" })).toEqual({
      ObjectLockLegalHoldStatus: "ON",
      ChecksumAlgorithm: "CRC32",
    });
  });

  it("Precondition: each --metadata entry is key=value with a non-empty key", () => {
    expect(parseMetadata("db=Sales,x-amz-meta-Env=prod")).toEqual({ db: "Sales", env: "prod" });
    expect(() => parseMetadata("db")).toThrow(/--metadata entry "db" must be key=value/);
  });

  it("Precondition: --metadata never sets an encryption metadata key", () => {
    for (const k of [
      "x-amz-key",
      "x-amz-key-v2",
      "X-Amz-Meta-x-amz-iv",
      "x-amz-matdesc",
      "x-amz-unencrypted-content-length",
    ])
      expect(() => parseMetadata(`${k}=v`)).toThrow(/reserved for the encryption metadata/);
  });

  it("Precondition: --object-lock-retain-until-date is a valid date", () => {
    expect(() =>
      objectParamsFrom({ objectLockMode: "GOVERNANCE", objectLockRetainUntilDate: "soon" }),
    ).toThrow(/is not a date/);
  });

  it("Precondition: Object Lock mode and retain-until date are given together", () => {
    expect(() => objectParamsFrom({ objectLockMode: "GOVERNANCE" })).toThrow(/must be given together/);
    expect(() => objectParamsFrom({ objectLockRetainUntilDate: "2030-01-01" })).toThrow(
      /must be given together/,
    );
  });

  it("Precondition: --sse-kms-key-id and --bucket-key-enabled need --sse aws:kms or aws:kms:dsse", () => {
    expect(() => objectParamsFrom({ sseKmsKeyId: "k" })).toThrow(/need --sse aws:kms/);
    expect(() => objectParamsFrom({ sse: "AES256", bucketKeyEnabled: true })).toThrow(/need --sse aws:kms/);
  });

  it("Precondition: cp from stdin names the whole destination key", () => {
    expect(uploadTarget("dir/Sales.bak", "s3://b/pre/")).toEqual({ bucket: "b", key: "pre/Sales.bak" });
    expect(uploadTarget("Sales.bak", "s3://b")).toEqual({ bucket: "b", key: "Sales.bak" });
    expect(uploadTarget("-", "s3://b/k")).toEqual({ bucket: "b", key: "k" });
    expect(() => uploadTarget("-", "s3://b/pre/")).toThrow(/needs a full key/);
  });
});
