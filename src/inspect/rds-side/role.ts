/**
 * The restore role named by the option: its trust policy and every identity policy that applies
 * to it — inline policies, attached managed policies at their default version, and the permissions
 * boundary. Any policy that cannot be read makes the set incomplete (then nothing is evaluated on it).
 */
import { type Finding, FindingCodes, finding } from "../findings.js";
import { RdsSideErrors } from "./rds-errors.js";
import { isMissing, parsePolicyDocument, type SendClient, tryRead } from "./reads.js";
import type { IamSdk } from "./sdk.js";

export interface NamedPolicy {
  readonly name: string;
  readonly policy: unknown;
}

export interface RolePolicies {
  readonly roleArn: string;
  readonly roleName: string;
  readonly account: string;
  readonly trustPolicy?: unknown;
  /** Undefined when any inline or attached policy could not be read. */
  readonly identityPolicies?: NamedPolicy[];
  /** Undefined when the role has a boundary that could not be read; [] without a boundary. */
  readonly boundary?: NamedPolicy[];
}

export interface RoleLoadInput {
  readonly iam: SendClient;
  readonly sdk: IamSdk;
  readonly roleArn: string;
  readonly signal?: AbortSignal;
}

/** `arn:aws:iam::<account>:role/<path/>name` → account and role name. */
export function roleArnParts(arn: string): { account: string; roleName: string } | undefined {
  const m = /^arn:[a-z-]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m ? { account: m[1]!, roleName: m[2]! } : undefined;
}

type Send = <T>(what: string, permission: string, command: unknown) => Promise<T | undefined>;

function sender(input: RoleLoadInput, out: Finding[]): Send {
  return async <T>(what: string, permission: string, command: unknown) => {
    const r = await tryRead<T>(
      out,
      what,
      permission,
      () => input.iam.send(command, { abortSignal: input.signal }),
      input.signal,
    );
    return r.ok ? r.value : undefined;
  };
}

async function inlinePolicies(input: RoleLoadInput, roleName: string, send: Send) {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await send<{ PolicyNames?: string[]; IsTruncated?: boolean; Marker?: string }>(
      `inline policies of role ${roleName}:`,
      "iam:ListRolePolicies",
      new input.sdk.ListRolePoliciesCommand({ RoleName: roleName, ...(marker ? { Marker: marker } : {}) }),
    );
    if (!page) return undefined;
    names.push(...(page.PolicyNames ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  const out: NamedPolicy[] = [];
  for (const name of names) {
    const got = await send<{ PolicyDocument?: string }>(
      `inline policy ${name} of role ${roleName}:`,
      "iam:GetRolePolicy",
      new input.sdk.GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }),
    );
    if (!got) return undefined;
    out.push({ name: `inline:${name}`, policy: parsePolicyDocument(got.PolicyDocument) });
  }
  return out;
}

/** A managed policy's default version (GetPolicy → DefaultVersionId → GetPolicyVersion). */
async function managedPolicy(
  input: RoleLoadInput,
  arn: string,
  send: Send,
): Promise<NamedPolicy | undefined> {
  const meta = await send<{ Policy?: { DefaultVersionId?: string } }>(
    `managed policy ${arn}:`,
    "iam:GetPolicy",
    new input.sdk.GetPolicyCommand({ PolicyArn: arn }),
  );
  const versionId = meta?.Policy?.DefaultVersionId;
  if (!versionId) return undefined;
  const version = await send<{ PolicyVersion?: { Document?: string } }>(
    `managed policy ${arn} version ${versionId}:`,
    "iam:GetPolicyVersion",
    new input.sdk.GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId }),
  );
  if (!version) return undefined;
  return { name: `${arn}#${versionId}`, policy: parsePolicyDocument(version.PolicyVersion?.Document) };
}

async function attachedPolicies(input: RoleLoadInput, roleName: string, send: Send) {
  const arns: string[] = [];
  let marker: string | undefined;
  do {
    const page = await send<{
      AttachedPolicies?: { PolicyArn?: string }[];
      IsTruncated?: boolean;
      Marker?: string;
    }>(
      `attached policies of role ${roleName}:`,
      "iam:ListAttachedRolePolicies",
      new input.sdk.ListAttachedRolePoliciesCommand({
        RoleName: roleName,
        ...(marker ? { Marker: marker } : {}),
      }),
    );
    if (!page) return undefined;
    for (const p of page.AttachedPolicies ?? []) if (p.PolicyArn) arns.push(p.PolicyArn);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  const out: NamedPolicy[] = [];
  for (const arn of arns) {
    const p = await managedPolicy(input, arn, send);
    if (!p) return undefined;
    out.push(p);
  }
  return out;
}

/** GetRole and the role's policies; undefined when the role does not exist or cannot be read. */
export async function loadRole(
  input: RoleLoadInput,
  out: Finding[],
  passed: string[],
): Promise<RolePolicies | undefined> {
  const parts = roleArnParts(input.roleArn);
  /* Precondition: IAM_ROLE_ARN is an IAM role ARN. */
  if (!parts) {
    out.push(
      finding(
        FindingCodes.RDS_ROLE_NOT_FOUND,
        "error",
        `IAM_ROLE_ARN ${input.roleArn} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`,
        { rdsError: RdsSideErrors.ACCESS_DENIED, fix: "set IAM_ROLE_ARN to the restore role's ARN" },
      ),
    );
    return undefined;
  }
  let role: {
    Role?: { AssumeRolePolicyDocument?: string; PermissionsBoundary?: { PermissionsBoundaryArn?: string } };
  };
  try {
    const r = await tryRead<typeof role>(
      out,
      `role ${parts.roleName}:`,
      "iam:GetRole",
      () =>
        input.iam.send(new input.sdk.GetRoleCommand({ RoleName: parts.roleName }), {
          abortSignal: input.signal,
        }),
      input.signal,
      (err) => isMissing(err, "NoSuchEntityException", "NoSuchEntity"),
    );
    if (!r.ok) return undefined;
    role = r.value;
  } catch (err) {
    if (!isMissing(err, "NoSuchEntityException", "NoSuchEntity")) throw err;
    /* Precondition: the role named by IAM_ROLE_ARN exists. */
    out.push(
      finding(
        FindingCodes.RDS_ROLE_NOT_FOUND,
        "error",
        `role ${input.roleArn} (the option's IAM_ROLE_ARN) does not exist`,
        {
          rdsError: RdsSideErrors.ACCESS_DENIED,
          fix: `create it (aws iam create-role --role-name ${parts.roleName} --assume-role-policy-document file://trust.json, see docs/rds-workflow.md §2.2) or point IAM_ROLE_ARN at the existing restore role`,
        },
      ),
    );
    return undefined;
  }
  passed.push(`role ${parts.roleName} exists`);
  const send = sender(input, out);
  const inline = await inlinePolicies(input, parts.roleName, send);
  const attached = await attachedPolicies(input, parts.roleName, send);
  const boundaryArn = role.Role?.PermissionsBoundary?.PermissionsBoundaryArn;
  const boundaryPolicy = boundaryArn ? await managedPolicy(input, boundaryArn, send) : undefined;
  return {
    roleArn: input.roleArn,
    ...parts,
    trustPolicy: parsePolicyDocument(role.Role?.AssumeRolePolicyDocument),
    ...(inline && attached ? { identityPolicies: [...inline, ...attached] } : {}),
    ...(boundaryArn === undefined ? { boundary: [] } : boundaryPolicy ? { boundary: [boundaryPolicy] } : {}),
  };
}
