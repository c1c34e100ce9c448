/**
 * RDS-side preflight (checkRdsSide) on moto_server: a passing setup, and one broken setup per
 * finding. moto cannot put an option group in any state but "in-sync": that case uses
 * aws-sdk-client-mock for RDS. Reads the caller may not make are produced by a `{ send }` wrapper
 * that refuses one command with AccessDenied (moto does not enforce IAM).
 */
import { DescribeDBInstancesCommand, DescribeOptionGroupsCommand, RDSClient } from "@aws-sdk/client-rds";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS } from "../../scripts/support/moto-server.js";
import { checkRdsSide, type RdsSideCheckInput } from "../../src/inspect/rds-side/check-rds-side.js";
import type { SendClient } from "../../src/inspect/rds-side/reads.js";
import { startTestAws, type TestAws } from "../support/aws.js";
import {
  ACCOUNT,
  createRdsSetup,
  GOOD,
  policy,
  type RdsSetup,
  type RdsSetupParts,
} from "../support/rds-setup.js";

let aws: TestAws;
beforeAll(async () => {
  aws = await startTestAws();
});
afterAll(async () => {
  await aws?.stop();
});

const KEY = "backups/sales.bak";

function inputFor(s: RdsSetup, extra: Partial<RdsSideCheckInput> = {}): RdsSideCheckInput {
  return {
    rds: s.rds,
    iam: s.iam,
    kms: aws.kms,
    s3: aws.s3,
    dbInstanceId: s.dbInstanceId,
    bucket: s.bucket,
    keys: [KEY],
    kmsKeyId: s.keyArn,
    ...extra,
  };
}

async function run(parts: Partial<RdsSetupParts> = {}, extra: Partial<RdsSideCheckInput> = {}) {
  const s = await createRdsSetup(aws, parts);
  const result = await checkRdsSide(inputFor(s, extra));
  return { s, result, codes: result.findings.map((f) => f.code) };
}

/** Refuses the named command with AccessDenied; passes everything else to the real client. */
function denying(client: SendClient, commandName: string): SendClient {
  return {
    send: (command, options) => {
      if (command.constructor.name === commandName) {
        const err = Object.assign(
          new Error(`User: arn:aws:iam::${ACCOUNT}:user/dba is not authorized to perform this action`),
          {
            name: "AccessDenied",
            $metadata: { httpStatusCode: 403 },
          },
        );
        return Promise.reject(err);
      }
      return client.send(command, options);
    },
  };
}

const s3Statement = (bucket: string, actions: string[]) => ({
  Effect: "Allow",
  Action: actions,
  Resource: `arn:aws:s3:::${bucket}/*`,
});
const bucketStatement = (bucket: string) => ({
  Effect: "Allow",
  Action: ["s3:ListBucket", "s3:GetBucketLocation"],
  Resource: `arn:aws:s3:::${bucket}`,
});
const ALL_OBJECT = [
  "s3:GetObject",
  "s3:GetObjectAttributes",
  "s3:PutObject",
  "s3:ListMultipartUploadParts",
  "s3:AbortMultipartUpload",
];

describe("checkRdsSide on moto_server", () => {
  it("a complete setup passes every check", async () => {
    const { result, s } = await run();
    expect(result.findings).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.complete).toBe(true);
    expect(result.roleArn).toBe(s.roleArn);
    expect(result.instance?.region).toBe("us-east-1");
    expect(result.passed).toEqual(
      expect.arrayContaining([
        `DB instance ${s.dbInstanceId} runs sqlserver-se`,
        `rds.amazonaws.com may assume role ${s.roleArn.split("/").pop()}`,
        "role may kms:Decrypt, kms:DescribeKey on the key (restore)",
        "role may s3:GetObject, s3:GetObjectAttributes (restore)",
      ]),
    );
  });

  it("a key policy that names the role directly is enough without KMS statements in IAM", async () => {
    const { result } = await run({
      managed: () => undefined,
      keyPolicy: (roleArn) =>
        policy(
          {
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
            Action: "kms:*",
            Resource: "*",
          },
          {
            Effect: "Allow",
            Principal: { AWS: roleArn },
            Action: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey", "kms:Encrypt"],
            Resource: "*",
          },
        ),
    });
    expect(result.findings).toEqual([]);
  });

  it("Precondition: the DB instance exists (in this region).", async () => {
    const { codes, result } = await run({}, { dbInstanceId: "no-such-db" });
    expect(codes).toEqual(["RDS_INSTANCE_NOT_FOUND"]);
    expect(result.ok).toBe(false);
  });

  it("Precondition: the DB instance runs SQL Server (engine sqlserver-*).", async () => {
    const { codes, result } = await run({ engine: "postgres" });
    expect(codes).toContain("RDS_INSTANCE_NOT_SQLSERVER");
    expect(result.findings.find((f) => f.code === "RDS_INSTANCE_NOT_SQLSERVER")?.rdsError).toBe(
      "Could not find stored procedure 'msdb.dbo.rds_restore_database'.",
    );
  });

  it("Precondition: the DB instance is in the bucket's region.", async () => {
    const { result } = await run({ bucketRegion: "eu-west-1" });
    const f = result.findings.find((x) => x.code === "RDS_INSTANCE_REGION_MISMATCH");
    expect(f?.message).toMatch(/is in us-east-1 but bucket .* is in eu-west-1/);
    expect(f?.rdsError).toBe("Please specify a bucket that is in the same region as RDS instance");
  });

  it("Precondition: an option group of the DB instance has SQLSERVER_BACKUP_RESTORE.", async () => {
    const { codes, result } = await run({ option: false });
    expect(codes).toEqual(["RDS_OPTION_MISSING"]);
    const f = result.findings[0]!;
    expect(f.rdsError).toBe(
      "Database backup/restore option is not enabled yet or is in the process of being enabled. Please try again later.",
    );
    expect(f.fix).toMatch(
      /aws rds add-option-to-option-group --option-group-name og-\w+ --apply-immediately --options "OptionName=SQLSERVER_BACKUP_RESTORE,OptionSettings=\[\{Name=IAM_ROLE_ARN,Value=<restore role ARN>\}\]"/,
    );
  });

  it("Precondition: the SQLSERVER_BACKUP_RESTORE option names the role RDS assumes (IAM_ROLE_ARN).", async () => {
    const { codes } = await run({ roleSetting: false });
    expect(codes).toEqual(["RDS_OPTION_ROLE_MISSING"]);
  });

  it("Precondition: the role named by IAM_ROLE_ARN exists.", async () => {
    const { codes, result } = await run({ roleArnOverride: `arn:aws:iam::${ACCOUNT}:role/nobody` });
    expect(codes).toEqual(["RDS_ROLE_NOT_FOUND"]);
    expect(result.findings[0]!.message).toContain("role/nobody");
  });

  it("Precondition: the role's trust policy lets rds.amazonaws.com assume it for this DB instance.", async () => {
    const other = await run({
      trust: () =>
        policy({
          Effect: "Allow",
          Principal: { Service: "rds.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { ArnLike: { "aws:SourceArn": `arn:aws:rds:us-east-1:${ACCOUNT}:db:another-db` } },
        }),
    });
    expect(other.codes).toEqual(["RDS_ROLE_TRUST"]);
    const f = other.result.findings[0]!;
    expect(f.fix).toContain(`"aws:SourceArn":"${other.s.dbArn}"`);
    expect(f.fix).toContain("aws iam update-assume-role-policy");
    const ec2 = await run({
      trust: () =>
        policy({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }),
    });
    expect(ec2.codes).toEqual(["RDS_ROLE_TRUST"]);
  });

  it("a trust policy whose aws:SourceAccount is another account does not let RDS assume the role (RDS_ROLE_TRUST)", async () => {
    const { codes, result } = await run({
      trust: (dbArn) =>
        policy({
          Effect: "Allow",
          Principal: { Service: "rds.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": "999999999999" },
            ArnLike: { "aws:SourceArn": dbArn },
          },
        }),
    });
    expect(codes).toEqual(["RDS_ROLE_TRUST"]);
    expect(result.findings[0]!.fix).toContain(`"aws:SourceAccount":"${ACCOUNT}"`);
  });

  it("a trust policy conditioned on the option group's ARN (aws:SourceArn) passes", async () => {
    const { result } = await run({
      trust: () =>
        policy({
          Effect: "Allow",
          Principal: { Service: "rds.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { ArnLike: { "aws:SourceArn": `arn:aws:rds:us-east-1:${ACCOUNT}:og:og-*` } },
        }),
    });
    expect(result.findings).toEqual([]);
  });

  it("Precondition: IAM_ROLE_ARN is an IAM role ARN.", async () => {
    const { codes, result } = await run({ roleArnOverride: `arn:aws:iam::${ACCOUNT}:user/bob` });
    expect(codes).toEqual(["RDS_ROLE_NOT_FOUND"]);
    expect(result.findings[0]!.message).toContain("is not an IAM role ARN");
  });

  it("Precondition: the DB instance is in the key's region.", async () => {
    const { KMSClient, CreateKeyCommand } = await import("@aws-sdk/client-kms");
    const kmsEu = new KMSClient({
      endpoint: aws.moto.endpoint,
      region: "eu-west-1",
      credentials: EMULATOR_CREDENTIALS,
    });
    try {
      const euKey = (await kmsEu.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
      const { result } = await run({}, { kms: kmsEu, kmsKeyId: euKey });
      const f = result.findings.find((x) => x.code === "RDS_INSTANCE_REGION_MISMATCH");
      expect(f?.message).toMatch(/is in us-east-1 but KMS key .* is in eu-west-1/);
      expect(f?.rdsError).toBe(`Key ${euKey} does not exist`);
    } finally {
      kmsEu.destroy();
    }
  });

  it("the role lacks s3:ListBucket / s3:GetBucketLocation on the bucket (RDS_ROLE_S3_BUCKET)", async () => {
    const { codes, result, s } = await run({ inline: (b) => policy(s3Statement(b, ALL_OBJECT)) });
    expect(codes).toEqual(["RDS_ROLE_S3_BUCKET"]);
    const f = result.findings[0]!;
    expect(f.severity).toBe("error");
    expect(f.rdsError).toBe("Access Denied");
    expect(f.fix).toContain(
      `{"Effect":"Allow","Action":["s3:ListBucket","s3:GetBucketLocation"],"Resource":"arn:aws:s3:::${s.bucket}"}`,
    );
  });

  it("the role lacks s3:GetObject on the object (RDS_ROLE_S3_RESTORE), from an inline policy", async () => {
    const { codes, result, s } = await run({
      inline: (b) =>
        policy(
          bucketStatement(b),
          s3Statement(b, [
            "s3:GetObjectAttributes",
            "s3:PutObject",
            "s3:ListMultipartUploadParts",
            "s3:AbortMultipartUpload",
          ]),
        ),
    });
    expect(codes).toEqual(["RDS_ROLE_S3_RESTORE"]);
    expect(result.findings[0]!.message).toContain(
      `not allowed s3:GetObject on arn:aws:s3:::${s.bucket}/${KEY} (restore)`,
    );
    expect(result.findings[0]!.fix).toContain(
      `{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::${s.bucket}/*"}`,
    );
  });

  it("backup permissions are reported separately, as a warning (RDS_ROLE_S3_BACKUP)", async () => {
    const { codes, result } = await run({
      inline: (b) => policy(bucketStatement(b), s3Statement(b, ["s3:GetObject", "s3:GetObjectAttributes"])),
    });
    expect(codes).toEqual(["RDS_ROLE_S3_BACKUP"]);
    expect(result.findings[0]!.severity).toBe("warning");
    expect(result.findings[0]!.message).toContain(
      "s3:PutObject, s3:ListMultipartUploadParts, s3:AbortMultipartUpload",
    );
    expect(result.ok).toBe(true);
  });

  it("the role lacks kms:DescribeKey (RDS_ROLE_KMS_RESTORE) — the RDS message practitioners see", async () => {
    const { codes, result, s } = await run({
      managed: (_b, keyArn) =>
        policy({
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"],
          Resource: keyArn,
        }),
    });
    expect(codes).toEqual(["RDS_ROLE_KMS_RESTORE"]);
    const f = result.findings[0]!;
    const roleName = s.roleArn.split("/").pop();
    expect(f.rdsError).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/RDS-SqlServerBackupRestore is not authorized to perform: kms:DescribeKey on resource: ${s.keyArn}`,
    );
    expect(f.fix).toContain(`{"Effect":"Allow","Action":["kms:DescribeKey"],"Resource":"${s.keyArn}"}`);
  });

  it("the role lacks kms:GenerateDataKey / kms:Encrypt: a backup warning (RDS_ROLE_KMS_BACKUP)", async () => {
    const { codes, result } = await run({
      managed: (_b, keyArn) =>
        policy({ Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: keyArn }),
    });
    expect(codes).toEqual(["RDS_ROLE_KMS_BACKUP"]);
    expect(result.findings[0]!.severity).toBe("warning");
  });

  it("Precondition: the key policy lets the role use the key (directly, or by delegating to the account).", async () => {
    const { codes, result, s } = await run({
      keyPolicy: () =>
        policy({
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/key-admin` },
          Action: "kms:*",
          Resource: "*",
        }),
    });
    expect(codes).toEqual(["RDS_KEY_POLICY_NO_ROLE", "RDS_KEY_POLICY_NO_ROLE"]);
    const f = result.findings[0]!;
    expect(f.severity).toBe("error");
    expect(f.fix).toContain(
      `{"Sid":"AllowRdsBackupRestoreRole","Effect":"Allow","Principal":{"AWS":"${s.roleArn}"},"Action":["kms:Decrypt","kms:DescribeKey"],"Resource":"*"}`,
    );
    expect(f.fix).toContain("aws kms put-key-policy");
  });

  it("Precondition: no explicit Deny in the resource policy (bucket or key policy) blocks the role. (key policy)", async () => {
    const { codes, result } = await run({
      keyPolicy: (roleArn) =>
        policy(
          {
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
            Action: "kms:*",
            Resource: "*",
          },
          {
            Sid: "NoDecryptForRds",
            Effect: "Deny",
            Principal: { AWS: roleArn },
            Action: "kms:Decrypt",
            Resource: "*",
          },
        ),
    });
    expect(codes).toEqual(["RDS_KEY_POLICY_DENY"]);
    expect(result.findings[0]!.message).toContain("NoDecryptForRds");
  });

  it("Precondition: no explicit Deny in the resource policy (bucket or key policy) blocks the role. (bucket policy)", async () => {
    const { codes, result } = await run({
      bucketPolicy: (bucket, roleArn) =>
        policy({
          Sid: "LockBackups",
          Effect: "Deny",
          Principal: { AWS: roleArn },
          Action: "s3:GetObject",
          Resource: `arn:aws:s3:::${bucket}/backups/*`,
        }),
    });
    expect(codes).toEqual(["RDS_BUCKET_POLICY_DENY"]);
    expect(result.findings[0]!.message).toContain("LockBackups");
    expect(result.findings[0]!.fix).toContain("ArnNotEquals");
  });

  it("a bucket policy Deny that does not match the role (aws:SecureTransport false) passes", async () => {
    const { result } = await run({
      bucketPolicy: (bucket) =>
        policy({
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: `arn:aws:s3:::${bucket}/*`,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
    });
    expect(result.findings).toEqual([]);
  });

  it("managed policies are read at their default version", async () => {
    const { CreatePolicyVersionCommand, ListAttachedRolePoliciesCommand } = await import(
      "@aws-sdk/client-iam"
    );
    const s = await createRdsSetup(aws, {
      managed: (_b, keyArn) => policy({ Effect: "Allow", Action: ["kms:Decrypt"], Resource: keyArn }),
    });
    const before = await checkRdsSide(inputFor(s));
    expect(before.findings.map((f) => f.code)).toEqual(["RDS_ROLE_KMS_RESTORE", "RDS_ROLE_KMS_BACKUP"]);
    const roleName = s.roleArn.split("/").pop()!;
    const attached = await s.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
    await s.iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: attached.AttachedPolicies![0]!.PolicyArn!,
        SetAsDefault: true,
        PolicyDocument: JSON.stringify(GOOD.managed(s.bucket, s.keyArn)),
      }),
    );
    expect((await checkRdsSide(inputFor(s))).findings).toEqual([]);
  });

  it("a permissions boundary without KMS actions limits the role (RDS_ROLE_KMS_RESTORE)", async () => {
    const { CreatePolicyCommand, PutRolePermissionsBoundaryCommand } = await import("@aws-sdk/client-iam");
    const s = await createRdsSetup(aws);
    const boundary = await s.iam.send(
      new CreatePolicyCommand({
        PolicyName: `boundary-${s.dbInstanceId}`,
        PolicyDocument: JSON.stringify(policy({ Effect: "Allow", Action: "s3:*", Resource: "*" })),
      }),
    );
    await s.iam.send(
      new PutRolePermissionsBoundaryCommand({
        RoleName: s.roleArn.split("/").pop()!,
        PermissionsBoundary: boundary.Policy!.Arn!,
      }),
    );
    const r = await checkRdsSide(inputFor(s));
    expect(r.findings.map((f) => f.code)).toEqual(["RDS_ROLE_KMS_RESTORE", "RDS_ROLE_KMS_BACKUP"]);
  });

  it("a read the caller may not make is reported as not checked with the permission, never as a pass", async () => {
    const s = await createRdsSetup(aws, { managed: () => undefined }); // would fail the KMS checks
    const r = await checkRdsSide(inputFor(s, { iam: denying(s.iam, "GetRolePolicyCommand") }));
    expect(r.findings.map((f) => f.code)).toEqual(["RDS_NOT_CHECKED"]);
    expect(r.findings[0]!.message).toMatch(/not checked: missing permission iam:GetRolePolicy/);
    expect(r.complete).toBe(false);
    expect(r.passed.some((p) => p.includes("kms:"))).toBe(false);
    const k = await checkRdsSide(inputFor(s, { kms: denying(aws.kms, "GetKeyPolicyCommand") }));
    expect(k.findings.map((f) => f.code)).toContain("RDS_NOT_CHECKED");
    expect(k.findings.find((f) => f.code === "RDS_NOT_CHECKED")?.message).toContain(
      "missing permission kms:GetKeyPolicy",
    );
    expect(k.findings.some((f) => f.code.startsWith("RDS_ROLE_KMS"))).toBe(false);
    const d = await checkRdsSide(inputFor(s, { rds: denying(s.rds, "DescribeDBInstancesCommand") }));
    expect(d.findings.map((f) => f.code)).toEqual(["RDS_NOT_CHECKED"]);
    expect(d.findings[0]!.message).toContain("missing permission rds:DescribeDBInstances");
  });
});

describe("option group state (aws-sdk-client-mock: moto keeps every group in-sync)", () => {
  it("Precondition: the option group that carries SQLSERVER_BACKUP_RESTORE is in sync on the instance.", async () => {
    const s = await createRdsSetup(aws);
    const rds = mockClient(RDSClient);
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceArn: s.dbArn,
          Engine: "sqlserver-se",
          EngineVersion: "15.00.4043.16.v1",
          OptionGroupMemberships: [{ OptionGroupName: "og-new", Status: "pending-apply" }],
        },
      ],
    });
    rds.on(DescribeOptionGroupsCommand).resolves({
      OptionGroupsList: [
        {
          OptionGroupName: "og-new",
          Options: [
            {
              OptionName: "SQLSERVER_BACKUP_RESTORE",
              OptionSettings: [{ Name: "IAM_ROLE_ARN", Value: s.roleArn }],
            },
          ],
        },
      ],
    });
    try {
      const r = await checkRdsSide(inputFor(s, { rds: new RDSClient({ region: "us-east-1" }) }));
      expect(r.findings.map((f) => f.code)).toEqual(["RDS_OPTION_GROUP_NOT_IN_SYNC"]);
      expect(r.findings[0]!.message).toContain('"pending-apply"');
      expect(r.findings[0]!.rdsError).toMatch(/^Database backup\/restore option is not enabled yet/);
    } finally {
      rds.restore();
    }
  });
});

describe("cross-check with IAM SimulatePrincipalPolicy (crossCheckWithIam)", () => {
  /** Answers SimulatePrincipalPolicy with `decide(action, resource)`; passes everything else to moto. */
  function simulating(client: SendClient, decide: (action: string, resource: string) => string) {
    const calls: Record<string, unknown>[] = [];
    const send: SendClient["send"] = (command, options) => {
      if (command.constructor.name !== "SimulatePrincipalPolicyCommand") return client.send(command, options);
      const input = command.input as { ActionNames: string[]; ResourceArns: string[] };
      calls.push(command.input);
      return Promise.resolve({
        EvaluationResults: input.ActionNames.map((a) => ({
          EvalActionName: a,
          EvalResourceName: input.ResourceArns[0],
          EvalDecision: decide(a, input.ResourceArns[0]!),
        })),
      });
    };
    return { client: { send }, calls };
  }

  it("moto_server does not implement it: not checked (never a pass), the rest of the result unchanged", async () => {
    const s = await createRdsSetup(aws);
    const r = await checkRdsSide(inputFor(s, { crossCheckWithIam: true }));
    expect(r.findings.length).toBeGreaterThan(0);
    expect(r.findings.every((f) => f.code === "RDS_NOT_CHECKED")).toBe(true);
    expect(r.findings[0]!.message).toMatch(
      /IAM cross-check .* not checked: iam:SimulatePrincipalPolicy failed/,
    );
    expect(r.complete).toBe(false);
    expect(r.ok).toBe(true);
    expect(r.passed.some((p) => p.includes("SimulatePrincipalPolicy"))).toBe(false);
  });

  it("without iam:SimulatePrincipalPolicy: not checked: missing permission iam:SimulatePrincipalPolicy", async () => {
    const s = await createRdsSetup(aws);
    const r = await checkRdsSide(
      inputFor(s, { crossCheckWithIam: true, iam: denying(s.iam, "SimulatePrincipalPolicyCommand") }),
    );
    expect(r.findings[0]!.message).toContain("not checked: missing permission iam:SimulatePrincipalPolicy");
    expect(r.complete).toBe(false);
  });

  it("when AWS agrees: one call per resource, the key policy passed as the resource policy, and a passed line", async () => {
    const s = await createRdsSetup(aws);
    const sim = simulating(s.iam, () => "allowed");
    const r = await checkRdsSide(inputFor(s, { crossCheckWithIam: true, iam: sim.client }));
    expect(r.findings).toEqual([]);
    expect(r.passed.filter((p) => p.includes("SimulatePrincipalPolicy"))).toEqual([
      "IAM SimulatePrincipalPolicy agrees on all 11 decisions",
    ]);
    expect(sim.calls.map((c) => (c.ResourceArns as string[])[0])).toEqual([
      `arn:aws:s3:::${s.bucket}`,
      `arn:aws:s3:::${s.bucket}/${KEY}`,
      s.keyArn,
    ]);
    const keyCall = sim.calls[2]!;
    expect(keyCall.PolicySourceArn).toBe(s.roleArn);
    expect(JSON.parse(keyCall.ResourcePolicy as string).Statement[0].Principal.AWS).toBe(
      `arn:aws:iam::${ACCOUNT}:root`,
    );
    expect(keyCall.ResourceOwner).toBe(`arn:aws:iam::${ACCOUNT}:root`);
  });

  it("Precondition: IAM SimulatePrincipalPolicy agrees with the local evaluation.", async () => {
    const s = await createRdsSetup(aws);
    const sim = simulating(s.iam, (a) => (a === "kms:DescribeKey" ? "implicitDeny" : "allowed"));
    const r = await checkRdsSide(inputFor(s, { crossCheckWithIam: true, iam: sim.client }));
    expect(r.findings.map((f) => f.code)).toEqual(["RDS_IAM_SIMULATION_DISAGREES"]);
    expect(r.findings[0]!.message).toContain(
      `says implicitDeny for kms:DescribeKey on ${s.keyArn}, the local evaluation says allowed`,
    );
    expect(r.passed.some((p) => p.includes("agrees"))).toBe(false);
  });
});
