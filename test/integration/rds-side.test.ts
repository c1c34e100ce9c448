/** RDS-side preflight (checkRdsSide) on moto_server: a passing setup, and one broken setup per finding. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRdsSide } from "../../src/inspect/rds-side/check-rds-side.js";
import { startTestAws, type TestAws } from "../support/aws.js";
import { ACCOUNT, createRdsSetup, GOOD, policy, type RdsSetupParts } from "../support/rds-setup.js";

let aws: TestAws;
beforeAll(async () => {
  aws = await startTestAws();
});
afterAll(async () => {
  await aws?.stop();
});

const KEY = "backups/sales.bak";

async function run(parts: Partial<RdsSetupParts> = {}, keys = [KEY]) {
  const s = await createRdsSetup(aws, parts);
  const result = await checkRdsSide({
    rds: s.rds,
    iam: s.iam,
    kms: aws.kms,
    s3: aws.s3,
    dbInstanceId: s.dbInstanceId,
    bucket: s.bucket,
    keys,
    kmsKeyId: s.keyArn,
  });
  return { s, result, codes: result.findings.map((f) => f.code) };
}

describe("checkRdsSide on moto_server", () => {
  it("a complete setup passes every check", async () => {
    const { result, s } = await run();
    expect(result.findings).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.complete).toBe(true);
    expect(result.roleArn).toBe(s.roleArn);
    expect(result.instance?.region).toBe("us-east-1");
    expect(result.passed.length).toBeGreaterThan(8);
  });
});
