import { describe, expect, it } from "vitest";
import { FindingCodes } from "../../../src/inspect/findings.js";
import { inspectObject } from "../../../src/inspect/inspect-object.js";
import { checkRdsFormat, RDS_MAX_FILE_BYTES, RdsErrors } from "../../../src/inspect/rds-format.js";
import { cbcLength, v1Metadata, v2CbcKmsMetadata, v3KmsMetadata } from "../../support/metadata.js";

const rds = (input: Parameters<typeof inspectObject>[0], opts?: Parameters<typeof inspectObject>[1]) =>
  checkRdsFormat(inspectObject(input, opts));

describe("checkRdsFormat", () => {
  it("passes an RDS-style V1 object (SSE-S3 at rest)", () => {
    expect(
      rds({ Metadata: v1Metadata(100), ContentLength: cbcLength(100), ServerSideEncryption: "AES256" }),
    ).toEqual([]);
  });

  it("RDS restores V1 (x-amz-key) objects only", () => {
    for (const meta of [v2CbcKmsMetadata(), v3KmsMetadata(), {}]) {
      const [f, ...rest] = rds({ Metadata: meta });
      expect(rest).toEqual([]);
      expect(f).toMatchObject({
        code: FindingCodes.RDS_NOT_V1,
        severity: "error",
        rdsError: RdsErrors.METADATA_INCOMPLETE,
      });
      expect(f?.fix).toContain("rds");
    }
  });

  it("RDS reads the encryption metadata from the object, not from an instruction file", () => {
    const f = rds({ Metadata: {} }, { instructionFile: { status: "found", body: v1Metadata() } });
    expect(f.map((x) => x.code)).toEqual([FindingCodes.RDS_INSTRUCTION_FILE]);
    expect(f[0]?.rdsError).toBe("Object metadata (x-amz-key) incomplete");
  });

  it("the object carries x-amz-key, x-amz-iv and x-amz-matdesc", () => {
    const { "x-amz-matdesc": _m, "x-amz-iv": _i, ...meta } = v1Metadata();
    const f = rds({ Metadata: meta });
    expect(f.map((x) => x.code)).toEqual([FindingCodes.RDS_METADATA_INCOMPLETE]);
    expect(f[0]?.message).toBe("object metadata lacks x-amz-iv, x-amz-matdesc");
  });

  it("the material description is {} (the data key was wrapped with no encryption context)", () => {
    const f = rds({ Metadata: { ...v1Metadata(), "x-amz-matdesc": '{"kms_cmk_id":"alias/x"}' } });
    expect(f.map((x) => x.code)).toEqual([FindingCodes.RDS_MATDESC_NOT_EMPTY]);
    expect(rds({ Metadata: { ...v1Metadata(), "x-amz-matdesc": "[]" } }).map((x) => x.code)).toEqual([
      FindingCodes.RDS_MATDESC_NOT_EMPTY,
    ]);
  });

  it("the backup file is within the documented 5 TB per-file limit", () => {
    const meta = v1Metadata();
    delete meta["x-amz-unencrypted-content-length"];
    const f = rds({ Metadata: meta, ContentLength: RDS_MAX_FILE_BYTES + 16 });
    expect(f.map((x) => x.code)).toEqual([FindingCodes.RDS_SIZE_LIMIT]);
    const express = rds({ Metadata: meta, ContentLength: 11 * 1024 ** 3 });
    expect(express.map((x) => [x.code, x.severity])).toEqual([
      [FindingCodes.RDS_EXPRESS_SIZE_LIMIT, "warning"],
    ]);
  });

  it("RDS can read the object at rest (not SSE-C)", () => {
    const f = rds({ Metadata: v1Metadata(), SSECustomerAlgorithm: "AES256" });
    expect(f.map((x) => x.code)).toEqual([FindingCodes.RDS_SSE_C]);
    const kms = rds({ Metadata: v1Metadata(), ServerSideEncryption: "aws:kms", SSEKMSKeyId: "arn:k" });
    expect(kms.map((x) => [x.code, x.severity])).toEqual([[FindingCodes.RDS_SSE_KMS_KEY_ACCESS, "warning"]]);
  });
});
