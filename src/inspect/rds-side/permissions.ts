/**
 * What the restore role may do, evaluated on its real policies: RDS may assume it (trust policy,
 * with any aws:SourceArn / aws:SourceAccount condition), and it may read the bucket and the
 * objects and use the key (restore), and write the objects and make data keys (backup, reported
 * separately, as warnings). Each failure names the RDS error it causes and the statement to add.
 */
import { type Finding, type FindingCode, FindingCodes, finding, type Severity } from "../findings.js";
import {
  type Decision,
  type DecisionInput,
  decide,
  PolicyEvaluationError,
  rootDelegationPolicy,
} from "./evaluate.js";
import { kmsNotAuthorized, RdsSideErrors } from "./rds-errors.js";
import type { NamedPolicy, RolePolicies } from "./role.js";
import type { IamSimulate } from "./sdk.js";

export const S3_BUCKET_ACTIONS = ["s3:ListBucket", "s3:GetBucketLocation"] as const;
export const S3_RESTORE_ACTIONS = ["s3:GetObject", "s3:GetObjectAttributes"] as const;
export const S3_BACKUP_ACTIONS = [
  "s3:PutObject",
  "s3:ListMultipartUploadParts",
  "s3:AbortMultipartUpload",
] as const;
export const KMS_RESTORE_ACTIONS = ["kms:Decrypt", "kms:DescribeKey"] as const;
export const KMS_BACKUP_ACTIONS = ["kms:GenerateDataKey", "kms:Encrypt"] as const;

export interface PermissionInput {
  readonly sim: IamSimulate;
  readonly role: RolePolicies;
  readonly bucket: string;
  readonly keys: readonly string[];
  readonly keyArn?: string;
  /** undefined: could not be read (then the KMS checks are not made). null: none. */
  readonly keyPolicy: unknown | undefined;
  /** undefined: could not be read (then the S3 checks are not made). null: no bucket policy. */
  readonly bucketPolicy: unknown | null | undefined;
}

const json = (v: unknown) => JSON.stringify(v);

function roleContext(role: RolePolicies): Record<string, string> {
  return {
    "aws:SecureTransport": "true",
    "aws:PrincipalArn": role.roleArn,
    "aws:PrincipalAccount": role.account,
  };
}

function notEvaluated(what: string, err: unknown): Finding {
  return finding(
    FindingCodes.RDS_NOT_CHECKED,
    "warning",
    `${what} not checked: ${err instanceof Error ? err.message : String(err)}`,
    { fix: "check this by hand (IAM policy simulator)" },
  );
}

/** The trust policy lets rds.amazonaws.com assume the role, for this instance (or its option group). */
export async function checkTrust(
  sim: IamSimulate,
  role: RolePolicies,
  instance: { arn?: string; account?: string; optionGroupArn?: string },
  out: Finding[],
  passed: string[],
): Promise<void> {
  const account = instance.account ?? role.account;
  const sources = [instance.arn, instance.optionGroupArn].filter((a): a is string => a !== undefined);
  let allowed = false;
  try {
    for (const sourceArn of sources.length > 0 ? sources : [undefined]) {
      const r = await decide(sim, {
        principal: "rds.amazonaws.com",
        action: "sts:AssumeRole",
        resource: role.roleArn,
        resourceAccount: role.account,
        identityPolicies: [],
        resourcePolicy: role.trustPolicy ?? { Version: "2012-10-17", Statement: [] },
        context: { "aws:SourceAccount": account, ...(sourceArn ? { "aws:SourceArn": sourceArn } : {}) },
      });
      if (r.decision === "Allowed") allowed = true;
    }
  } catch (err) {
    if (!(err instanceof PolicyEvaluationError)) throw err;
    out.push(notEvaluated(`trust policy of role ${role.roleName}:`, err));
    return;
  }
  /* Precondition: the role's trust policy lets rds.amazonaws.com assume it for this DB instance. */
  if (!allowed) {
    const statement = {
      Effect: "Allow",
      Principal: { Service: "rds.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: {
        StringEquals: { "aws:SourceAccount": account },
        ...(instance.arn ? { ArnLike: { "aws:SourceArn": instance.arn } } : {}),
      },
    };
    out.push(
      finding(
        FindingCodes.RDS_ROLE_TRUST,
        "error",
        `the trust policy of role ${role.roleName} does not let rds.amazonaws.com assume it${instance.arn ? ` for ${instance.arn}` : ""} (aws:SourceAccount ${account})`,
        {
          rdsError: RdsSideErrors.ACCESS_DENIED,
          fix: `add this statement to the role's trust policy (aws iam update-assume-role-policy --role-name ${role.roleName} --policy-document file://trust.json): ${json(statement)}`,
        },
      ),
    );
  } else passed.push(`rds.amazonaws.com may assume role ${role.roleName}`);
}

interface Group {
  readonly purpose: "restore" | "backup";
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

type Outcome = {
  action: string;
  resource: string;
  result: Decision;
  resourceDeny: string[];
  keyPolicyGap?: boolean;
};

async function s3Outcomes(
  input: PermissionInput,
  group: Group,
  identity: readonly NamedPolicy[],
  record: LocalDecision[],
): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const resource of group.resources)
    for (const action of group.actions) {
      const base: DecisionInput = {
        principal: input.role.roleArn,
        action,
        resource,
        resourceAccount: input.role.account,
        identityPolicies: identity,
        ...(input.role.boundary ? { boundary: input.role.boundary } : {}),
        context: roleContext(input.role),
      };
      const r = await decide(input.sim, {
        ...base,
        ...(input.bucketPolicy ? { resourcePolicy: input.bucketPolicy } : {}),
      });
      record.push({
        action,
        resource,
        allowed: r.decision === "Allowed",
        resourceAccount: input.role.account,
        ...(input.bucketPolicy ? { resourcePolicy: input.bucketPolicy } : {}),
      });
      if (r.decision !== "Allowed")
        out.push({ action, resource, result: r.decision, resourceDeny: r.resourceDenyStatements });
    }
  return out;
}

async function kmsOutcomes(
  input: PermissionInput,
  keyArn: string,
  group: Group,
  identity: readonly NamedPolicy[],
  record: LocalDecision[],
) {
  const out: Outcome[] = [];
  const keyAccount = keyArn.split(":")[4] ?? input.role.account;
  for (const action of group.actions) {
    const base: DecisionInput = {
      principal: input.role.roleArn,
      action,
      resource: keyArn,
      resourceAccount: keyAccount,
      identityPolicies: identity,
      ...(input.role.boundary ? { boundary: input.role.boundary } : {}),
      context: roleContext(input.role),
    };
    const r = await decide(input.sim, { ...base, resourcePolicy: input.keyPolicy });
    record.push({
      action,
      resource: keyArn,
      allowed: r.decision === "Allowed",
      resourceAccount: keyAccount,
      resourcePolicy: input.keyPolicy,
    });
    if (r.decision === "Allowed") continue;
    // Would the role's own policies allow it if the key policy delegated to the account?
    const delegated =
      r.decision === "ImplicitlyDenied"
        ? (await decide(input.sim, { ...base, resourcePolicy: rootDelegationPolicy(keyAccount) })).decision
        : r.decision;
    out.push({
      action,
      resource: keyArn,
      result: r.decision,
      resourceDeny: r.resourceDenyStatements,
      keyPolicyGap: r.decision === "ImplicitlyDenied" && delegated === "Allowed",
    });
  }
  return out;
}

function keyUserStatement(roleArn: string, actions: readonly string[]) {
  return {
    Sid: "AllowRdsBackupRestoreRole",
    Effect: "Allow",
    Principal: { AWS: roleArn },
    Action: actions,
    Resource: "*",
  };
}

/**
 * What differs between the bucket and the key when a permission is missing: the resource policy
 * (its name, its Deny finding and fix), the RDS error quoted, and the statement that grants it.
 */
interface ResourceSide {
  /** "the bucket policy of B" / "the key policy of K". */
  readonly policy: string;
  readonly denyCode: FindingCode;
  readonly rdsError: (actions: readonly string[]) => string;
  readonly denyFix: (sids: readonly string[]) => string;
  readonly grantFix: (actions: readonly string[]) => string;
}

function bucketSide(input: PermissionInput, group: Group): ResourceSide {
  const role = input.role;
  const statementResource = group.resources[0]?.includes("/")
    ? `arn:aws:s3:::${input.bucket}/*`
    : `arn:aws:s3:::${input.bucket}`;
  return {
    policy: `the bucket policy of ${input.bucket}`,
    denyCode: FindingCodes.RDS_BUCKET_POLICY_DENY,
    rdsError: () => RdsSideErrors.ACCESS_DENIED,
    denyFix: (sids) =>
      `change Deny statement ${sids.join(", ")} of the bucket policy (aws s3api get-bucket-policy --bucket ${input.bucket}) so it does not match ${role.roleArn}, e.g. add "Condition": {"ArnNotEquals": {"aws:PrincipalArn": "${role.roleArn}"}}`,
    grantFix: (actions) =>
      `add this statement to a policy of role ${role.roleName} (aws iam put-role-policy --role-name ${role.roleName} --policy-name rds-native-backup-restore --policy-document file://policy.json): ${json({ Effect: "Allow", Action: actions, Resource: statementResource })}`,
  };
}

function keySide(input: PermissionInput, keyArn: string): ResourceSide {
  const role = input.role;
  return {
    policy: `the key policy of ${keyArn}`,
    denyCode: FindingCodes.RDS_KEY_POLICY_DENY,
    rdsError: (actions) => kmsNotAuthorized(role.roleArn, actions[0] ?? "kms:Decrypt", keyArn),
    denyFix: (sids) =>
      `change Deny statement ${sids.join(", ")} of the key policy (aws kms get-key-policy --key-id ${keyArn} --policy-name default) so it does not match ${role.roleArn}, then aws kms put-key-policy`,
    grantFix: (actions) =>
      `add this statement to a policy of role ${role.roleName} (aws iam put-role-policy --role-name ${role.roleName} --policy-name rds-native-backup-restore-kms --policy-document file://policy.json): ${json({ Effect: "Allow", Action: actions, Resource: keyArn })}; or add the role to the key policy: ${json(keyUserStatement(role.roleArn, actions))}`,
  };
}

const unique = (values: readonly string[]) => [...new Set(values)];

/** The key policy neither names the role nor delegates to the account: the role's IAM policies do not count. */
function keyPolicyGapFinding(
  input: PermissionInput,
  keyArn: string,
  severity: Severity,
  group: Group,
  actions: readonly string[],
): Finding {
  return finding(
    FindingCodes.RDS_KEY_POLICY_NO_ROLE,
    severity,
    `the key policy of ${keyArn} neither names role ${input.role.roleName} nor delegates to account ${input.role.account} (root), so the role's IAM policies do not count: ${actions.join(", ")} refused (${group.purpose})`,
    {
      rdsError: kmsNotAuthorized(input.role.roleArn, actions[0]!, keyArn),
      fix: `add this statement to the key policy (aws kms get-key-policy --key-id ${keyArn} --policy-name default > kp.json; edit; aws kms put-key-policy --key-id ${keyArn} --policy-name default --policy file://kp.json): ${json(keyUserStatement(input.role.roleArn, actions))}`,
    },
  );
}

/**
 * The findings of one group of actions on one side (bucket or key): an explicit Deny in the
 * resource policy, a key policy that leaves the role out, and what the role's policies do not allow.
 */
function permissionFindings(
  input: PermissionInput,
  side: ResourceSide,
  code: FindingCode,
  severity: Severity,
  group: Group,
  bad: readonly Outcome[],
  keyArn?: string,
): Finding[] {
  const findings: Finding[] = [];
  const denied = bad.filter((o) => o.resourceDeny.length > 0);
  /* Precondition: no explicit Deny in the resource policy (bucket or key policy) blocks the role. */
  if (denied.length > 0) {
    const sids = unique(denied.flatMap((o) => o.resourceDeny));
    const actions = unique(denied.map((o) => o.action));
    findings.push(
      finding(
        side.denyCode,
        severity,
        `${side.policy} explicitly denies role ${input.role.roleName} ${actions.join(", ")} (${group.purpose}; statement ${sids.join(", ")})`,
        { rdsError: side.rdsError(actions), fix: side.denyFix(sids) },
      ),
    );
  }
  const gap = unique(bad.filter((o) => o.keyPolicyGap).map((o) => o.action));
  /* Precondition: the key policy lets the role use the key (directly, or by delegating to the account). */
  if (gap.length > 0 && keyArn) findings.push(keyPolicyGapFinding(input, keyArn, severity, group, gap));
  const missing = bad.filter((o) => o.resourceDeny.length === 0 && !o.keyPolicyGap);
  if (missing.length > 0) {
    const actions = unique(missing.map((o) => o.action));
    const resources = unique(missing.map((o) => o.resource));
    const explicit = missing.some((o) => o.result === "ExplicitlyDenied");
    findings.push(
      finding(
        code,
        severity,
        `role ${input.role.roleName} is ${explicit ? "explicitly denied" : "not allowed"} ${actions.join(", ")} on ${resources.join(", ")} (${group.purpose})`,
        {
          rdsError: side.rdsError(actions),
          fix: explicit
            ? `remove the Deny for ${actions.join(", ")} from the role's policies`
            : side.grantFix(actions),
        },
      ),
    );
  }
  return findings;
}

const S3_GROUPS = (input: PermissionInput) => {
  const objects = input.keys.map((k) => `arn:aws:s3:::${input.bucket}/${k}`);
  return [
    {
      code: FindingCodes.RDS_ROLE_S3_BUCKET,
      severity: "error" as const,
      group: {
        purpose: "restore" as const,
        actions: S3_BUCKET_ACTIONS,
        resources: [`arn:aws:s3:::${input.bucket}`],
      },
    },
    {
      code: FindingCodes.RDS_ROLE_S3_RESTORE,
      severity: "error" as const,
      group: { purpose: "restore" as const, actions: S3_RESTORE_ACTIONS, resources: objects },
    },
    {
      code: FindingCodes.RDS_ROLE_S3_BACKUP,
      severity: "warning" as const,
      group: { purpose: "backup" as const, actions: S3_BACKUP_ACTIONS, resources: objects },
    },
  ];
};

const KMS_GROUPS = [
  {
    code: FindingCodes.RDS_ROLE_KMS_RESTORE,
    severity: "error" as const,
    group: { purpose: "restore" as const, actions: KMS_RESTORE_ACTIONS, resources: [] },
  },
  {
    code: FindingCodes.RDS_ROLE_KMS_BACKUP,
    severity: "warning" as const,
    group: { purpose: "backup" as const, actions: KMS_BACKUP_ACTIONS, resources: [] },
  },
];

/** One decision of the local evaluation, for the cross-check with IAM SimulatePrincipalPolicy. */
export interface LocalDecision {
  readonly action: string;
  readonly resource: string;
  readonly allowed: boolean;
  readonly resourceAccount: string;
  /** The bucket or key policy it was evaluated with. */
  readonly resourcePolicy?: unknown;
}

/**
 * Evaluates every S3 and KMS action of restore and backup; adds findings and passed checks, and
 * returns every decision made (empty when nothing could be evaluated).
 */
export async function checkRolePermissions(
  input: PermissionInput,
  out: Finding[],
  passed: string[],
): Promise<LocalDecision[]> {
  const decisions: LocalDecision[] = [];
  const identity = input.role.identityPolicies;
  if (!identity || !input.role.boundary) return decisions; // the "not checked" findings were added when reading
  try {
    if (input.bucketPolicy !== undefined)
      for (const g of S3_GROUPS(input)) {
        const bad = await s3Outcomes(input, g.group, identity, decisions);
        if (bad.length === 0) passed.push(`role may ${g.group.actions.join(", ")} (${g.group.purpose})`);
        out.push(...permissionFindings(input, bucketSide(input, g.group), g.code, g.severity, g.group, bad));
      }
    if (input.keyArn && input.keyPolicy !== undefined)
      for (const g of KMS_GROUPS) {
        const bad = await kmsOutcomes(input, input.keyArn, g.group, identity, decisions);
        if (bad.length === 0)
          passed.push(`role may ${g.group.actions.join(", ")} on the key (${g.group.purpose})`);
        out.push(
          ...permissionFindings(
            input,
            keySide(input, input.keyArn),
            g.code,
            g.severity,
            g.group,
            bad,
            input.keyArn,
          ),
        );
      }
  } catch (err) {
    if (!(err instanceof PolicyEvaluationError)) throw err;
    out.push(notEvaluated(`permissions of role ${input.role.roleName}:`, err));
    return [];
  }
  return decisions;
}
