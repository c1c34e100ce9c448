/** Inputs of the RDS restore helpers checked before they are used: the KMS key's ARN, the role's ARN. */
import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../../src/errors.js";
import { type Finding, FindingCodes } from "../../../src/inspect/findings.js";
import { resolveKmsKey } from "../../../src/inspect/rds-restore-sql.js";
import { loadRole } from "../../../src/inspect/rds-side/role.js";

const ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

describe("resolveKmsKey", () => {
  it("Precondition: DescribeKey returns the key's ARN", async () => {
    const kms = (metadata: Record<string, unknown> | undefined) => ({
      send: async () => ({ KeyMetadata: metadata }),
    });
    await expect(resolveKmsKey(kms({ KeySpec: "SYMMETRIC_DEFAULT" }), "alias/rds")).rejects.toMatchObject({
      code: ErrorCodes.KEYRING_FAILURE,
      message: "KMS DescribeKey for key alias/rds returned no key ARN",
    });
    await expect(resolveKmsKey(kms(undefined), "alias/rds")).rejects.toMatchObject({
      code: ErrorCodes.KEYRING_FAILURE,
    });
    await expect(
      resolveKmsKey(
        kms({ Arn: ARN, KeySpec: "SYMMETRIC_DEFAULT", KeyState: "Enabled", Enabled: true }),
        "alias/rds",
      ),
    ).resolves.toMatchObject({ arn: ARN });
  });
});

describe("loadRole", () => {
  it("Precondition: IAM_ROLE_ARN is an IAM role ARN — reported as a finding, IAM is not asked", async () => {
    const sent: unknown[] = [];
    const iam = { send: async (c: unknown) => sent.push(c) };
    for (const roleArn of ["arn:aws:iam::111122223333:user/alice", "rds-restore", "arn:aws:s3:::bucket"]) {
      const out: Finding[] = [];
      const passed: string[] = [];
      await expect(loadRole({ iam, sdk: {} as never, roleArn }, out, passed)).resolves.toBeUndefined();
      expect(out).toEqual([
        expect.objectContaining({
          code: FindingCodes.RDS_ROLE_NOT_FOUND,
          severity: "error",
          message: `IAM_ROLE_ARN ${roleArn} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`,
        }),
      ]);
      expect(passed).toEqual([]);
    }
    expect(sent).toEqual([]);
  });
});
