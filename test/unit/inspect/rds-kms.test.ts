import { describe, expect, it } from "vitest";
import { FindingCodes } from "../../../src/inspect/findings.js";
import { checkRdsKms, regionOfKmsArn } from "../../../src/inspect/rds-kms.js";

const ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const GOOD = {
  Arn: ARN,
  KeySpec: "SYMMETRIC_DEFAULT",
  KeyUsage: "ENCRYPT_DECRYPT",
  KeyState: "Enabled",
  Enabled: true,
  KeyManager: "CUSTOMER",
};

function namedError(name: string): Error {
  const e = new Error(`${name} from fake KMS`);
  e.name = name;
  return e;
}

/** A fake KMS: DescribeKey returns `meta` (or throws), Decrypt succeeds unless `decryptError`. */
function fakeKms(meta: object | Error, decryptError?: Error) {
  const calls: { name: string; input: Record<string, unknown> }[] = [];
  return {
    calls,
    // biome-ignore lint/suspicious/noExplicitAny: SDK command shape.
    async send(command: any) {
      calls.push({ name: command.constructor.name, input: command.input });
      if (command.constructor.name === "DescribeKeyCommand") {
        if (meta instanceof Error) throw meta;
        return { KeyMetadata: meta };
      }
      if (decryptError) throw decryptError;
      return { Plaintext: new Uint8Array(32).fill(7) };
    },
  };
}

const blob = new Uint8Array([1, 2, 3]);
const run = (kms: ReturnType<typeof fakeKms>, bucketRegion = "eu-west-1") =>
  checkRdsKms({ kms, kmsKeyId: ARN, bucketRegion, encryptedDataKey: blob });

describe("checkRdsKms", () => {
  it("passes a symmetric, enabled, customer key in the bucket's region that unwraps x-amz-key without context", async () => {
    const kms = fakeKms(GOOD);
    const r = await run(kms);
    expect(r.findings).toEqual([]);
    expect(r.key).toEqual({
      keyArn: ARN,
      keyRegion: "eu-west-1",
      keySpec: "SYMMETRIC_DEFAULT",
      keyState: "Enabled",
    });
    const decrypt = kms.calls.find((c) => c.name === "DecryptCommand");
    expect(decrypt?.input).toEqual({ CiphertextBlob: blob, KeyId: ARN });
  });

  it("the RDS key exists", async () => {
    const r = await run(fakeKms(namedError("NotFoundException")));
    expect(r.findings.map((f) => f.code)).toEqual([FindingCodes.RDS_KEY_NOT_FOUND]);
    expect(r.findings[0]?.rdsError).toContain("does not exist");
    const denied = await run(fakeKms(namedError("AccessDeniedException")));
    expect(denied.findings.map((f) => f.code)).toEqual([FindingCodes.RDS_CHECK_FAILED]);
    expect(denied.findings[0]?.message).toContain("AccessDeniedException");
  });

  it("the RDS key is a symmetric encryption key", async () => {
    const r = await run(fakeKms({ ...GOOD, KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" }));
    expect(r.findings.map((f) => f.code)).toEqual([FindingCodes.RDS_KEY_NOT_SYMMETRIC]);
  });

  it("the RDS key is enabled", async () => {
    const r = await run(fakeKms({ ...GOOD, KeyState: "PendingDeletion", Enabled: false }));
    expect(r.findings.map((f) => f.code)).toEqual([FindingCodes.RDS_KEY_DISABLED]);
    expect(r.findings[0]?.message).toContain("PendingDeletion");
  });

  it("the RDS key is customer managed (RDS refuses the default aws/ keys)", async () => {
    const r = await run(fakeKms({ ...GOOD, KeyManager: "AWS" }));
    expect(r.findings.map((f) => f.code)).toEqual([FindingCodes.RDS_KEY_AWS_MANAGED]);
  });

  it("the KMS key is in the bucket's region", async () => {
    const r = await run(fakeKms(GOOD), "us-east-2");
    expect(r.findings.map((f) => f.code)).toEqual([FindingCodes.RDS_REGION_MISMATCH]);
    expect(r.findings[0]?.message).toContain("eu-west-1 but the bucket is in us-east-2");
  });

  it("the RDS key unwraps x-amz-key with no encryption context", async () => {
    const r = await run(fakeKms(GOOD, namedError("IncorrectKeyException")));
    expect(r.findings.map((f) => f.code)).toEqual([FindingCodes.RDS_KEY_UNWRAP_FAILED]);
    expect(r.findings[0]?.message).toContain("IncorrectKeyException");
    expect(r.findings[0]?.message).toContain("different KMS key");
  });

  it("the key is named by its key ARN, the form @kms_master_key_arn takes", async () => {
    const r = await checkRdsKms({
      kms: fakeKms(GOOD),
      kmsKeyId: "alias/rds",
      bucketRegion: "eu-west-1",
      encryptedDataKey: blob,
    });
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([[FindingCodes.RDS_KEY_NOT_ARN, "warning"]]);
    expect(r.findings[0]?.fix).toBe(`pass @kms_master_key_arn='${ARN}'`);
  });

  it("reads the region of a KMS key ARN", () => {
    expect(regionOfKmsArn(ARN)).toBe("eu-west-1");
    expect(regionOfKmsArn("alias/x")).toBeUndefined();
  });
});
