import { describe, expect, it } from "vitest";
import "../../src/vitest.js";
import {
  cbcLength,
  v1Metadata,
  v2CbcKmsMetadata,
  v2GcmMetadata,
  v3KmsMetadata,
} from "../support/metadata.js";

const rdsHead = () => ({
  Metadata: v1Metadata(100),
  ContentLength: cbcLength(100),
  ServerSideEncryption: "AES256",
});

function fakeKms(failWith?: string) {
  const calls: Record<string, unknown>[] = [];
  return {
    calls,
    // biome-ignore lint/suspicious/noExplicitAny: SDK command shape.
    async send(command: any) {
      calls.push(command.input);
      if (failWith) {
        const e = new Error("no");
        e.name = failWith;
        throw e;
      }
      return { Plaintext: new Uint8Array(32) };
    },
  };
}

describe("toBeClientSideEncrypted", () => {
  it("passes on HeadObject output and on plain metadata maps, with and without a format", () => {
    expect(rdsHead()).toBeClientSideEncrypted();
    expect(rdsHead()).toBeClientSideEncrypted({ format: "rds" });
    expect(v3KmsMetadata()).toBeClientSideEncrypted({ format: "v3" });
    expect({ "x-amz-meta-x-amz-key-v2": "x" }).not.toBeClientSideEncrypted();
    expect({ ServerSideEncryption: "AES256" }).not.toBeClientSideEncrypted();
  });

  it("says which format was found when the format differs", () => {
    expect(() => expect(v2GcmMetadata()).toBeClientSideEncrypted({ format: "v3" })).toThrow(
      "expected client-side format V3, but the object is client-side V2 (x-amz-key-v2)",
    );
  });

  it("says exactly which key or value is wrong", () => {
    const broken = { ...v2GcmMetadata(), "x-amz-iv": Buffer.alloc(16, 1).toString("base64") };
    expect(() => expect(broken).toBeClientSideEncrypted()).toThrow(
      "[IV_LENGTH] x-amz-iv must be 12 bytes (found 16)",
    );
    expect(() => expect({ owner: "me" }).toBeClientSideEncrypted()).toThrow("[NOT_CLIENT_SIDE_ENCRYPTED]");
  });

  it("checks kmsKeyId against the kms_cmk_id a V2 kms object names", () => {
    expect(v2CbcKmsMetadata()).toBeClientSideEncrypted({ kmsKeyId: "alias/backups" });
    expect(() => expect(v2CbcKmsMetadata()).toBeClientSideEncrypted({ kmsKeyId: "alias/other" })).toThrow(
      'x-amz-matdesc kms_cmk_id is "alias/backups"',
    );
  });

  it("asks KMS (Decrypt with KeyId, stored context) when the metadata does not name the key", async () => {
    expect(() => expect(rdsHead()).toBeClientSideEncrypted({ kmsKeyId: "alias/rds" })).toThrow(
      "pass { kms: kmsClient }",
    );
    const kms = fakeKms();
    await expect(rdsHead()).toBeClientSideEncrypted({ kmsKeyId: "alias/rds", kms });
    expect(kms.calls[0]).toMatchObject({ KeyId: "alias/rds" });
    expect(kms.calls[0]).not.toHaveProperty("EncryptionContext");
    const v3 = fakeKms();
    await expect(v3KmsMetadata()).toBeClientSideEncrypted({ kmsKeyId: "alias/app", kms: v3 });
    expect(v3.calls[0]).toMatchObject({ EncryptionContext: { "aws:x-amz-cek-alg": "115" } });
    await expect(
      expect(rdsHead()).toBeClientSideEncrypted({
        kmsKeyId: "alias/rds",
        kms: fakeKms("IncorrectKeyException"),
      }),
    ).rejects.toThrow(
      "expected x-amz-key to unwrap under alias/rds, but KMS Decrypt for key alias/rds failed with IncorrectKeyException",
    );
  });
});

describe("toBeServerSideEncrypted", () => {
  it("passes for any or the given kind and names the kind found on failure", () => {
    expect(rdsHead()).toBeServerSideEncrypted();
    expect(rdsHead()).toBeServerSideEncrypted("SSE-S3");
    expect({ "x-amz-server-side-encryption": "aws:kms:dsse" }).toBeServerSideEncrypted("DSSE-KMS");
    expect({ SSECustomerAlgorithm: "AES256" }).toBeServerSideEncrypted("SSE-C");
    expect(() =>
      expect({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: "arn:k" }).toBeServerSideEncrypted("SSE-S3"),
    ).toThrow("expected server-side encryption SSE-S3, but the object is SSE-KMS (SSEKMSKeyId arn:k)");
    expect(() => expect({ Metadata: {} }).toBeServerSideEncrypted()).toThrow("has no ServerSideEncryption");
    expect({ Metadata: {} }).not.toBeServerSideEncrypted();
  });
});

describe("toBeRdsRestorable", () => {
  it("passes an RDS-style V1 object and explains every reason another object is not", () => {
    expect(rdsHead()).toBeRdsRestorable();
    expect(v3KmsMetadata()).not.toBeRdsRestorable();
    const withContext = { ...v1Metadata(), "x-amz-matdesc": '{"kms_cmk_id":"k"}' };
    expect(() => expect(withContext).toBeRdsRestorable()).toThrow(
      "[RDS_MATDESC_NOT_EMPTY] x-amz-matdesc is not {}",
    );
    const { "x-amz-iv": _iv, ...noIv } = v1Metadata();
    expect(() => expect({ Metadata: noIv, SSECustomerAlgorithm: "AES256" }).toBeRdsRestorable()).toThrow(
      /\[MISSING_KEY\] V1 metadata lacks x-amz-iv[\s\S]*\[RDS_METADATA_INCOMPLETE\][\s\S]*\(RDS: Object metadata \(x-amz-key\) incomplete\)[\s\S]*\[RDS_SSE_C\]/,
    );
  });
});
