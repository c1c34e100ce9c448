/**
 * The RDS-side preflight's optional dependencies, loaded on first use: the RDS and IAM command
 * classes (`@aws-sdk/client-rds`, `@aws-sdk/client-iam`) and the IAM policy evaluator
 * (`@cloud-copilot/iam-simulate`). They are optional peer dependencies, so the rest of s3-cse
 * loads without them; a missing one is a usage error that names the package to install.
 */
import { UsageError } from "../../errors.js";

export type RdsSdk = typeof import("@aws-sdk/client-rds");
export type IamSdk = typeof import("@aws-sdk/client-iam");
export type IamSimulate = typeof import("@cloud-copilot/iam-simulate");

export interface PreflightSdk {
  readonly rds: RdsSdk;
  readonly iam: IamSdk;
  readonly simulate: IamSimulate;
}

async function load<T>(name: string, loader: () => Promise<T>): Promise<T> {
  try {
    return await loader();
  } catch (err) {
    /* Precondition: the RDS-side preflight's optional packages are installed. */
    throw new UsageError(
      `the RDS-side preflight (--db-instance) needs the package ${name}: npm install ${name}`,
      { cause: err },
    );
  }
}

let cached: Promise<PreflightSdk> | undefined;

/** The three packages, imported once. */
export function loadPreflightSdk(): Promise<PreflightSdk> {
  cached ??= (async () => ({
    rds: await load("@aws-sdk/client-rds", () => import("@aws-sdk/client-rds")),
    iam: await load("@aws-sdk/client-iam", () => import("@aws-sdk/client-iam")),
    simulate: await load("@cloud-copilot/iam-simulate", () => import("@cloud-copilot/iam-simulate")),
  }))();
  return cached;
}
