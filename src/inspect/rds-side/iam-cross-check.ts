/**
 * Opt-in cross-check of the local policy evaluation with AWS's own: IAM SimulatePrincipalPolicy
 * for the restore role, one call per resource (the bucket, each object, the key), with the bucket
 * or key policy passed as the resource policy. Where AWS and @cloud-copilot/iam-simulate disagree,
 * a warning names the action and both answers (AWS's is the one that counts). A call the caller may
 * not make, or that the endpoint does not implement (moto_server), is "not checked", never a pass.
 */
import { type Finding, FindingCodes, finding } from "../findings.js";
import type { LocalDecision } from "./permissions.js";
import { type SendClient, tryRead } from "./reads.js";
import type { IamSdk } from "./sdk.js";

export interface CrossCheckInput {
  readonly iam: SendClient;
  readonly sdk: IamSdk;
  readonly roleArn: string;
  readonly decisions: readonly LocalDecision[];
  readonly signal?: AbortSignal;
}

interface EvaluationResult {
  EvalActionName?: string;
  EvalResourceName?: string;
  EvalDecision?: string;
}

function byResource(decisions: readonly LocalDecision[]): Map<string, LocalDecision[]> {
  const groups = new Map<string, LocalDecision[]>();
  for (const d of decisions) groups.set(d.resource, [...(groups.get(d.resource) ?? []), d]);
  return groups;
}

async function simulate(input: CrossCheckInput, resource: string, group: LocalDecision[], out: Finding[]) {
  const first = group[0]!;
  const r = await tryRead<{ EvaluationResults?: EvaluationResult[] }>(
    out,
    `IAM cross-check of role ${input.roleArn} on ${resource}:`,
    "iam:SimulatePrincipalPolicy",
    async () => {
      const results: EvaluationResult[] = [];
      let marker: string | undefined;
      do {
        const page = await input.iam.send(
          new input.sdk.SimulatePrincipalPolicyCommand({
            PolicySourceArn: input.roleArn,
            ActionNames: group.map((d) => d.action),
            ResourceArns: [resource],
            ...(first.resourcePolicy
              ? {
                  ResourcePolicy: JSON.stringify(first.resourcePolicy),
                  ResourceOwner: `arn:aws:iam::${first.resourceAccount}:root`,
                }
              : {}),
            ...(marker ? { Marker: marker } : {}),
          }),
          { abortSignal: input.signal },
        );
        results.push(...(page?.EvaluationResults ?? []));
        marker = page?.IsTruncated ? page.Marker : undefined;
      } while (marker);
      return { EvaluationResults: results };
    },
    input.signal,
  );
  return r.ok ? (r.value.EvaluationResults ?? []) : undefined;
}

/** Runs the cross-check; adds a finding per disagreement and a passed line when AWS agrees on all. */
export async function crossCheckWithIam(
  input: CrossCheckInput,
  out: Finding[],
  passed: string[],
): Promise<void> {
  if (input.decisions.length === 0) return;
  let compared = 0;
  let complete = true;
  for (const [resource, group] of byResource(input.decisions)) {
    const results = await simulate(input, resource, group, out);
    if (!results) {
      complete = false;
      continue;
    }
    for (const d of group) {
      const aws = results.find((e) => e.EvalActionName?.toLowerCase() === d.action.toLowerCase());
      if (!aws?.EvalDecision) {
        complete = false;
        continue;
      }
      compared++;
      const awsAllows = aws.EvalDecision === "allowed";
      /* Precondition: IAM SimulatePrincipalPolicy agrees with the local evaluation. */
      if (awsAllows !== d.allowed)
        out.push(
          finding(
            FindingCodes.RDS_IAM_SIMULATION_DISAGREES,
            "warning",
            `IAM SimulatePrincipalPolicy says ${aws.EvalDecision} for ${d.action} on ${resource}, the local evaluation says ${d.allowed ? "allowed" : "denied"}: AWS's answer is the one RDS will meet`,
            {
              fix: `check ${d.action} for ${input.roleArn} in the IAM policy simulator (aws iam simulate-principal-policy --policy-source-arn ${input.roleArn} --action-names ${d.action} --resource-arns ${resource}) and trust its answer`,
            },
          ),
        );
    }
  }
  if (complete && !out.some((f) => f.code === FindingCodes.RDS_IAM_SIMULATION_DISAGREES))
    passed.push(`IAM SimulatePrincipalPolicy agrees on all ${compared} decisions`);
}
