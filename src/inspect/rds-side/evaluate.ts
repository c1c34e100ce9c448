/**
 * One IAM authorization decision, made by @cloud-copilot/iam-simulate (identity policies, the
 * resource policy, a permissions boundary, conditions, and the KMS key-policy / trust-policy rules
 * for same-account principals): Allowed, ExplicitlyDenied or ImplicitlyDenied, and which resource
 * policy statements denied it.
 */
import type { NamedPolicy } from "./role.js";
import type { IamSimulate } from "./sdk.js";

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

export interface DecisionInput {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly identityPolicies: readonly NamedPolicy[];
  readonly resourcePolicy?: unknown;
  readonly boundary?: readonly NamedPolicy[];
  readonly context?: Record<string, string>;
}

export interface DecisionResult {
  readonly decision: Decision;
  /** True when a statement of the resource policy (key, bucket or trust policy) denied explicitly. */
  readonly deniedByResourcePolicy: boolean;
  /** Sids (or statement numbers) of the resource policy's matching Deny statements. */
  readonly resourceDenyStatements: string[];
}

/** Thrown when the evaluator rejects its input (a malformed policy, an unknown action). */
export class PolicyEvaluationError extends Error {
  override name = "PolicyEvaluationError";
}

export async function decide(sim: IamSimulate, input: DecisionInput): Promise<DecisionResult> {
  const response = await sim.runSimulation(
    {
      request: {
        principal: input.principal,
        action: input.action,
        resource: { resource: input.resource, accountId: input.resourceAccount },
        contextVariables: input.context ?? {},
      },
      identityPolicies: input.identityPolicies.map((p) => ({ name: p.name, policy: p.policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(input.resourcePolicy !== undefined ? { resourcePolicy: input.resourcePolicy } : {}),
      ...(input.boundary && input.boundary.length > 0
        ? { permissionBoundaryPolicies: input.boundary.map((p) => ({ name: p.name, policy: p.policy })) }
        : {}),
    },
    {},
  );
  if (response.resultType === "error")
    throw new PolicyEvaluationError(
      `the policies could not be evaluated for ${input.action}: ${JSON.stringify(response.errors).slice(0, 300)}`,
    );
  const analysis = response.resultType === "single" ? response.result.analysis : undefined;
  const denies = analysis?.resourceAnalysis?.denyStatements ?? [];
  return {
    decision: response.overallResult as Decision,
    deniedByResourcePolicy: denies.length > 0,
    resourceDenyStatements: denies.map((s) => s.statement.sid() ?? `statement #${s.statement.index() + 1}`),
  };
}

/** A key policy that only delegates to the account (the KMS default): lets IAM policies decide. */
export function rootDelegationPolicy(account: string, partition = "aws"): unknown {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  };
}
