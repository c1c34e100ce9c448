/** The RDS-side preflight's optional peers, and key resolution for the restore T-SQL. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { resolveKmsKey } from "../../../src/inspect/rds-restore-sql.js";

afterEach(() => {
  vi.doUnmock("@cloud-copilot/iam-simulate");
  vi.resetModules();
});

describe("RDS-side preflight packages", () => {
  it("Precondition: the RDS-side preflight's optional packages are installed.", async () => {
    vi.resetModules();
    vi.doMock("@cloud-copilot/iam-simulate", () => {
      throw new Error("Cannot find package '@cloud-copilot/iam-simulate'");
    });
    const { loadPreflightSdk } = await import("../../../src/inspect/rds-side/sdk.js");
    await expect(loadPreflightSdk()).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("npm install @cloud-copilot/iam-simulate"),
    });
  });
});

describe("resolveKmsKey", () => {
  it("Precondition: DescribeKey returns the key's ARN.", async () => {
    const kms = { send: async () => ({ KeyMetadata: { KeyId: "k" } }) };
    await expect(resolveKmsKey(kms as never, "alias/x")).rejects.toMatchObject({
      code: "KEYRING_FAILURE",
      message: expect.stringContaining("returned no key ARN"),
    });
  });
});
