/**
 * A complete RDS native backup/restore setup on moto_server (bucket, KMS key and key policy, role
 * with trust and permissions policies, option group with SQLSERVER_BACKUP_RESTORE, SQL Server DB
 * instance), each part replaceable so a test can break exactly one thing.
 */
import { randomUUID } from "node:crypto";
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { CreateKeyCommand, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import {
  CreateDBInstanceCommand,
  CreateOptionGroupCommand,
  ModifyOptionGroupCommand,
  RDSClient,
} from "@aws-sdk/client-rds";
import { CreateBucketCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from "../../scripts/support/moto-server.js";
import type { TestAws } from "./aws.js";

export const ACCOUNT = "123456789012";

export type Policy = { Version: string; Statement: Record<string, unknown>[] };
export const policy = (...Statement: Record<string, unknown>[]): Policy => ({
  Version: "2012-10-17",
  Statement,
});

export interface RdsSetupParts {
  trust: (dbArn: string) => Policy;
  /** Inline role policy (undefined: none). */
  inline: (bucket: string, keyArn: string) => Policy | undefined;
  /** Managed policy attached to the role (undefined: none). */
  managed: (bucket: string, keyArn: string) => Policy | undefined;
  keyPolicy: (roleArn: string) => Policy;
  bucketPolicy: (bucket: string, roleArn: string) => Policy | undefined;
  engine: string;
  option: boolean;
  roleSetting: boolean;
  /** Role ARN in the option (default: the created role). */
  roleArnOverride?: string;
  /** Region of the bucket (default: the emulator's, us-east-1). */
  bucketRegion?: string;
}

export const GOOD: RdsSetupParts = {
  trust: (dbArn) =>
    policy({
      Effect: "Allow",
      Principal: { Service: "rds.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT }, ArnLike: { "aws:SourceArn": dbArn } },
    }),
  inline: (bucket) =>
    policy(
      {
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation"],
        Resource: `arn:aws:s3:::${bucket}`,
      },
      {
        Effect: "Allow",
        Action: [
          "s3:GetObject",
          "s3:GetObjectAttributes",
          "s3:PutObject",
          "s3:ListMultipartUploadParts",
          "s3:AbortMultipartUpload",
        ],
        Resource: `arn:aws:s3:::${bucket}/*`,
      },
    ),
  managed: (_bucket, keyArn) =>
    policy({
      Effect: "Allow",
      Action: ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"],
      Resource: keyArn,
    }),
  // The KMS default: the account root, so the role's IAM policies decide.
  keyPolicy: () =>
    policy({
      Sid: "Enable IAM User Permissions",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: "kms:*",
      Resource: "*",
    }),
  bucketPolicy: () => undefined,
  engine: "sqlserver-se",
  option: true,
  roleSetting: true,
};

export interface RdsSetup {
  rds: RDSClient;
  iam: IAMClient;
  bucket: string;
  keyArn: string;
  roleArn: string;
  dbInstanceId: string;
  dbArn: string;
}

export function rdsClients(aws: TestAws): { rds: RDSClient; iam: IAMClient } {
  const common = { endpoint: aws.moto.endpoint, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS };
  return { rds: new RDSClient(common), iam: new IAMClient(common) };
}

/** Builds one complete setup with fresh names; `parts` replaces any piece of {@link GOOD}. */
export async function createRdsSetup(aws: TestAws, parts: Partial<RdsSetupParts> = {}): Promise<RdsSetup> {
  const p = { ...GOOD, ...parts };
  const { rds, iam } = rdsClients(aws);
  const id = randomUUID().slice(0, 8);
  const bucket = `rds-${id}`;
  await aws.s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      ...(p.bucketRegion
        ? { CreateBucketConfiguration: { LocationConstraint: p.bucketRegion as "eu-west-1" } }
        : {}),
    }),
  );
  const key = await aws.kms.send(new CreateKeyCommand({ Description: "rds preflight test" }));
  const keyArn = key.KeyMetadata!.Arn!;
  const dbInstanceId = `db-${id}`;
  const dbArn = `arn:aws:rds:${EMULATOR_REGION}:${ACCOUNT}:db:${dbInstanceId}`;
  const roleName = `rds-restore-${id}`;
  const role = await iam.send(
    new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(p.trust(dbArn)) }),
  );
  const roleArn = role.Role!.Arn!;
  const inline = p.inline(bucket, keyArn);
  if (inline)
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: "s3",
        PolicyDocument: JSON.stringify(inline),
      }),
    );
  const managed = p.managed(bucket, keyArn);
  if (managed) {
    const created = await iam.send(
      new CreatePolicyCommand({ PolicyName: `kms-${id}`, PolicyDocument: JSON.stringify(managed) }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: created.Policy!.Arn! }));
  }
  await aws.kms.send(
    new PutKeyPolicyCommand({
      KeyId: keyArn,
      PolicyName: "default",
      Policy: JSON.stringify(p.keyPolicy(roleArn)),
    }),
  );
  const bucketPolicy = p.bucketPolicy(bucket, roleArn);
  if (bucketPolicy)
    await aws.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(bucketPolicy) }));
  const group = `og-${id}`;
  await rds.send(
    new CreateOptionGroupCommand({
      OptionGroupName: group,
      EngineName: "sqlserver-se",
      MajorEngineVersion: "15.00",
      OptionGroupDescription: "test",
    }),
  );
  if (p.option)
    await rds.send(
      new ModifyOptionGroupCommand({
        OptionGroupName: group,
        ApplyImmediately: true,
        OptionsToInclude: [
          {
            OptionName: "SQLSERVER_BACKUP_RESTORE",
            ...(p.roleSetting
              ? { OptionSettings: [{ Name: "IAM_ROLE_ARN", Value: p.roleArnOverride ?? roleArn }] }
              : {}),
          },
        ],
      }),
    );
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: dbInstanceId,
      Engine: p.engine,
      DBInstanceClass: "db.m5.large",
      AllocatedStorage: 20,
      MasterUsername: "admin",
      MasterUserPassword: "Passw0rd!Passw0rd",
      OptionGroupName: group,
      LicenseModel: "license-included",
    }),
  );
  return { rds, iam, bucket, keyArn, roleArn, dbInstanceId, dbArn };
}
