import { describe, expect, it, vi } from "vitest";

// This file stands for an installation without the RDS SDK: importing it fails as a missing module does.
vi.mock("@aws-sdk/client-rds", () => {
  throw Object.assign(new Error("Cannot find package '@aws-sdk/client-rds'"), {
    code: "ERR_MODULE_NOT_FOUND",
  });
});

describe("createPreflightClients without the optional RDS/IAM SDK packages", () => {
  it("Precondition: the RDS and IAM SDK clients are installed for the RDS-side preflight.", async () => {
    const { createPreflightClients } = await import("../../../src/aws/clients.js");
    const { UsageError } = await import("../../../src/errors.js");
    const failure = await createPreflightClients({ region: "us-east-1" }, {}).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(UsageError);
    expect((failure as Error).message).toBe(
      "the RDS-side preflight (--db-instance) needs @aws-sdk/client-rds and @aws-sdk/client-iam: npm install @aws-sdk/client-rds @aws-sdk/client-iam @cloud-copilot/iam-simulate",
    );
    expect((failure as Error).cause).toBeInstanceOf(Error);
  });
});
