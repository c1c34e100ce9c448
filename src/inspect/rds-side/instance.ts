/**
 * The DB instance and its option group: the instance exists and runs SQL Server, sits in the
 * bucket's and the key's region, and an option group it is a member of has `SQLSERVER_BACKUP_RESTORE`
 * with an `IAM_ROLE_ARN` setting and is in sync.
 */
import { type Finding, FindingCodes, finding } from "../findings.js";
import { RdsSideErrors } from "./rds-errors.js";
import { isMissing, type SendClient, tryRead } from "./reads.js";
import type { RdsSdk } from "./sdk.js";

export const BACKUP_RESTORE_OPTION = "SQLSERVER_BACKUP_RESTORE";

export interface InstanceFacts {
  readonly id: string;
  readonly arn?: string;
  readonly engine?: string;
  readonly engineVersion?: string;
  readonly region?: string;
  readonly account?: string;
  /** The option group that has SQLSERVER_BACKUP_RESTORE (or the first membership). */
  readonly optionGroup?: { readonly name: string; readonly arn?: string; readonly status?: string };
  /** The option's IAM_ROLE_ARN setting. */
  readonly roleArn?: string;
}

export interface InstanceCheckInput {
  readonly rds: SendClient;
  readonly sdk: RdsSdk;
  readonly dbInstanceId: string;
  readonly bucket: string;
  readonly bucketRegion: string | undefined;
  readonly keyArn: string | undefined;
  readonly keyRegion: string | undefined;
  readonly signal?: AbortSignal;
}

interface DbInstance {
  DBInstanceArn?: string;
  Engine?: string;
  EngineVersion?: string;
  OptionGroupMemberships?: { OptionGroupName?: string; Status?: string }[];
}

interface OptionGroup {
  OptionGroupName?: string;
  OptionGroupArn?: string;
  Options?: { OptionName?: string; OptionSettings?: { Name?: string; Value?: string }[] }[];
}

/** `arn:aws:rds:<region>:<account>:db:<id>` → region and account. */
function arnParts(arn: string | undefined): { region?: string; account?: string } {
  const p = arn?.split(":") ?? [];
  return p.length >= 6 ? { region: p[3], account: p[4] } : {};
}

function regionFindings(input: InstanceCheckInput, region: string | undefined): Finding[] {
  const out: Finding[] = [];
  /* Precondition: the DB instance is in the bucket's region. */
  if (region && input.bucketRegion && region !== input.bucketRegion)
    out.push(
      finding(
        FindingCodes.RDS_INSTANCE_REGION_MISMATCH,
        "error",
        `DB instance ${input.dbInstanceId} is in ${region} but bucket ${input.bucket} is in ${input.bucketRegion}`,
        {
          rdsError: RdsSideErrors.BUCKET_REGION,
          fix: `upload the backup to a bucket in ${region} (s3-cse upload … s3://<bucket in ${region}>/… --format rds), with a key in ${region}`,
        },
      ),
    );
  /* Precondition: the DB instance is in the key's region. */
  if (region && input.keyRegion && region !== input.keyRegion)
    out.push(
      finding(
        FindingCodes.RDS_INSTANCE_REGION_MISMATCH,
        "error",
        `DB instance ${input.dbInstanceId} is in ${region} but KMS key ${input.keyArn ?? ""} is in ${input.keyRegion}`,
        {
          rdsError: RdsSideErrors.KEY_DOES_NOT_EXIST.replace("<kms_master_key_arn>", input.keyArn ?? "<key>"),
          fix: `encrypt with a key in ${region} (aws kms create-key --region ${region}) and upload again`,
        },
      ),
    );
  return out;
}

function majorVersion(engineVersion: string | undefined): string {
  const m = /^(\d+)\.(\d+)/.exec(engineVersion ?? "");
  return m ? `${m[1]}.${m[2]}` : "<major version, e.g. 15.00>";
}

function addOptionFix(db: InstanceFacts, groupName: string | undefined): string {
  const add = (g: string) =>
    `aws rds add-option-to-option-group --option-group-name ${g} --apply-immediately --options "OptionName=${BACKUP_RESTORE_OPTION},OptionSettings=[{Name=IAM_ROLE_ARN,Value=<restore role ARN>}]"`;
  if (groupName && !groupName.startsWith("default:")) return add(groupName);
  return [
    `aws rds create-option-group --option-group-name sqlserver-backup-restore --engine-name ${db.engine ?? "<engine>"} --major-engine-version ${majorVersion(db.engineVersion)} --option-group-description "native backup/restore"`,
    add("sqlserver-backup-restore"),
    `aws rds modify-db-instance --db-instance-identifier ${db.id} --option-group-name sqlserver-backup-restore --apply-immediately`,
  ].join("; ");
}

async function describeGroup(
  input: InstanceCheckInput,
  name: string,
  out: Finding[],
): Promise<OptionGroup | undefined> {
  const read = await tryRead<{ OptionGroupsList?: OptionGroup[] }>(
    out,
    `option group ${name}:`,
    "rds:DescribeOptionGroups",
    () =>
      input.rds.send(new input.sdk.DescribeOptionGroupsCommand({ OptionGroupName: name }), {
        abortSignal: input.signal,
      }),
    input.signal,
  );
  return read.ok ? read.value.OptionGroupsList?.[0] : undefined;
}

function optionRole(group: OptionGroup): { has: boolean; roleArn?: string } {
  const option = group.Options?.find((o) => o.OptionName === BACKUP_RESTORE_OPTION);
  if (!option) return { has: false };
  const role = option.OptionSettings?.find((s) => s.Name === "IAM_ROLE_ARN")?.Value;
  return { has: true, ...(role ? { roleArn: role } : {}) };
}

async function optionGroupFindings(
  input: InstanceCheckInput,
  db: InstanceFacts,
  memberships: { OptionGroupName?: string; Status?: string }[],
  out: Finding[],
  passed: string[],
): Promise<InstanceFacts> {
  let incomplete = false;
  for (const m of memberships) {
    if (!m.OptionGroupName) continue;
    const group = await describeGroup(input, m.OptionGroupName, out);
    if (!group) {
      incomplete = true;
      continue;
    }
    const { has, roleArn } = optionRole(group);
    if (!has) continue;
    const optionGroup = {
      name: m.OptionGroupName,
      ...(group.OptionGroupArn ? { arn: group.OptionGroupArn } : {}),
      ...(m.Status ? { status: m.Status } : {}),
    };
    passed.push(`option group ${m.OptionGroupName} has ${BACKUP_RESTORE_OPTION}`);
    /* Precondition: the SQLSERVER_BACKUP_RESTORE option names the role RDS assumes (IAM_ROLE_ARN). */
    if (!roleArn)
      out.push(
        finding(
          FindingCodes.RDS_OPTION_ROLE_MISSING,
          "error",
          `option ${BACKUP_RESTORE_OPTION} in option group ${m.OptionGroupName} has no IAM_ROLE_ARN setting`,
          {
            rdsError: RdsSideErrors.ACCESS_DENIED,
            fix: `aws rds add-option-to-option-group --option-group-name ${m.OptionGroupName} --apply-immediately --options "OptionName=${BACKUP_RESTORE_OPTION},OptionSettings=[{Name=IAM_ROLE_ARN,Value=<restore role ARN>}]"`,
          },
        ),
      );
    /* Precondition: the option group that carries SQLSERVER_BACKUP_RESTORE is in sync on the instance. */
    if (m.Status !== "in-sync")
      out.push(
        finding(
          FindingCodes.RDS_OPTION_GROUP_NOT_IN_SYNC,
          "error",
          `option group ${m.OptionGroupName} is "${m.Status ?? "unknown"}" on DB instance ${db.id}, not "in-sync": the option is not active yet`,
          {
            rdsError: RdsSideErrors.OPTION_NOT_ENABLED,
            fix: `wait until aws rds describe-db-instances --db-instance-identifier ${db.id} shows the option group "in-sync" (a "pending-reboot" group needs aws rds reboot-db-instance --db-instance-identifier ${db.id})`,
          },
        ),
      );
    else passed.push(`option group ${m.OptionGroupName} is in sync`);
    return { ...db, optionGroup, ...(roleArn ? { roleArn } : {}) };
  }
  /* Precondition: an option group of the DB instance has SQLSERVER_BACKUP_RESTORE. */
  if (!incomplete) {
    const name = memberships.find((m) => m.OptionGroupName)?.OptionGroupName;
    out.push(
      finding(
        FindingCodes.RDS_OPTION_MISSING,
        "error",
        `no option group of DB instance ${db.id} (${memberships.map((m) => m.OptionGroupName).join(", ") || "none"}) has the ${BACKUP_RESTORE_OPTION} option`,
        { rdsError: RdsSideErrors.OPTION_NOT_ENABLED, fix: addOptionFix(db, name) },
      ),
    );
  }
  return db;
}

/** Describes the instance and its option groups; returns what is known (undefined: no such instance). */
export async function checkInstance(
  input: InstanceCheckInput,
  out: Finding[],
  passed: string[],
): Promise<InstanceFacts | undefined> {
  let read: Awaited<ReturnType<typeof tryRead<{ DBInstances?: DbInstance[] }>>>;
  try {
    read = await tryRead<{ DBInstances?: DbInstance[] }>(
      out,
      `DB instance ${input.dbInstanceId}:`,
      "rds:DescribeDBInstances",
      () =>
        input.rds.send(
          new input.sdk.DescribeDBInstancesCommand({ DBInstanceIdentifier: input.dbInstanceId }),
          { abortSignal: input.signal },
        ),
      input.signal,
      (err) => isMissing(err, "DBInstanceNotFoundFault", "DBInstanceNotFound"),
    );
  } catch (err) {
    if (!isMissing(err, "DBInstanceNotFoundFault", "DBInstanceNotFound")) throw err;
    /* Precondition: the DB instance exists (in this region). */
    out.push(
      finding(
        FindingCodes.RDS_INSTANCE_NOT_FOUND,
        "error",
        `DB instance ${input.dbInstanceId} does not exist in this region`,
        {
          fix: `check the identifier (aws rds describe-db-instances --query "DBInstances[].DBInstanceIdentifier") and pass the instance's region with --region${input.bucketRegion ? ` (the bucket is in ${input.bucketRegion})` : ""}`,
        },
      ),
    );
    return undefined;
  }
  if (!read.ok) return undefined;
  const d = read.value.DBInstances?.[0] ?? {};
  const { region, account } = arnParts(d.DBInstanceArn);
  const db: InstanceFacts = {
    id: input.dbInstanceId,
    ...(d.DBInstanceArn ? { arn: d.DBInstanceArn } : {}),
    ...(d.Engine ? { engine: d.Engine } : {}),
    ...(d.EngineVersion ? { engineVersion: d.EngineVersion } : {}),
    ...(region ? { region } : {}),
    ...(account ? { account } : {}),
  };
  /* Precondition: the DB instance runs SQL Server (engine sqlserver-*). */
  if (!d.Engine?.startsWith("sqlserver"))
    out.push(
      finding(
        FindingCodes.RDS_INSTANCE_NOT_SQLSERVER,
        "error",
        `DB instance ${input.dbInstanceId} runs ${d.Engine ?? "an unknown engine"}, not SQL Server: rds_restore_database exists only on RDS for SQL Server`,
        {
          rdsError: RdsSideErrors.NO_PROCEDURE,
          fix: "pass the identifier of an RDS for SQL Server instance",
        },
      ),
    );
  else passed.push(`DB instance ${input.dbInstanceId} runs ${d.Engine}`);
  const regionProblems = regionFindings(input, region);
  out.push(...regionProblems);
  if (regionProblems.length === 0 && region) passed.push(`DB instance, bucket and key are in ${region}`);
  return optionGroupFindings(input, db, d.OptionGroupMemberships ?? [], out, passed);
}
