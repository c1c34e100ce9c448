/**
 * The RDS-side preflight: will this DB instance be able to restore these objects with this key?
 * Read-only calls only (RDS Describe*, IAM Get and List calls, KMS DescribeKey/GetKeyPolicy, S3
 * GetBucketLocation/GetBucketPolicy); policies are evaluated locally with @cloud-copilot/iam-simulate.
 * Clients are injected as `{ send }`.
 */
import { GetKeyPolicyCommand, type KmsClientLike } from "../../materials/kms-client.js";
import { getBucketRegion } from "../../transfer/bucket-location.js";
import { getBucketPolicy } from "../../transfer/bucket-policy.js";
import type { S3ClientLike } from "../../transfer/s3-commands.js";
import { type Finding, FindingCodes, findingsPass } from "../findings.js";
import { regionOfKmsArn } from "../rds-kms.js";
import { resolveKmsKey } from "../rds-restore-sql.js";
import { crossCheckWithIam } from "./iam-cross-check.js";
import { checkInstance, type InstanceFacts } from "./instance.js";
import { checkRolePermissions, checkTrust } from "./permissions.js";
import { notChecked, parsePolicyDocument, type SendClient, tryRead } from "./reads.js";
import { loadRole } from "./role.js";
import { loadPreflightSdk } from "./sdk.js";

export interface RdsSideCheckInput {
  /** An RDSClient (or anything with its `send`). */
  readonly rds: SendClient;
  /** An IAMClient. */
  readonly iam: SendClient;
  readonly kms: KmsClientLike;
  readonly s3: S3ClientLike;
  readonly dbInstanceId: string;
  readonly bucket: string;
  /** The objects to restore (one, or every member of a striped set). */
  readonly keys: readonly string[];
  /** The key that will be passed as @kms_master_key_arn (id, ARN or alias: resolved with DescribeKey). */
  readonly kmsKeyId: string;
  /**
   * Also ask AWS: IAM SimulatePrincipalPolicy for every decision (key and bucket policy passed as
   * the resource policy); needs iam:SimulatePrincipalPolicy. Off by default (moto does not implement it).
   */
  readonly crossCheckWithIam?: boolean;
  readonly signal?: AbortSignal;
}

export interface RdsSideResult {
  /** No error finding. */
  readonly ok: boolean;
  /** Every check could be made (no RDS_NOT_CHECKED finding). */
  readonly complete: boolean;
  readonly findings: Finding[];
  /** The checks that passed, in plain words. */
  readonly passed: string[];
  readonly instance?: InstanceFacts;
  readonly roleArn?: string;
  readonly keyArn?: string;
  readonly bucketRegion?: string;
}

async function keyAndBucket(input: RdsSideCheckInput, out: Finding[]) {
  let keyArn: string | undefined;
  try {
    keyArn = (await resolveKmsKey(input.kms, input.kmsKeyId, input.signal)).arn;
  } catch (err) {
    if (input.signal?.aborted) throw err;
    out.push(notChecked(`KMS key ${input.kmsKeyId}:`, "kms:DescribeKey", (err as Error).cause ?? err));
  }
  const region = await tryRead(
    out,
    `region of bucket ${input.bucket}:`,
    "s3:GetBucketLocation",
    () => getBucketRegion(input),
    input.signal,
  );
  return { keyArn, bucketRegion: region.ok ? region.value : undefined };
}

async function resourcePolicies(input: RdsSideCheckInput, keyArn: string | undefined, out: Finding[]) {
  const keyPolicy = keyArn
    ? await tryRead(
        out,
        `key policy of ${keyArn}:`,
        "kms:GetKeyPolicy",
        async () =>
          parsePolicyDocument(
            (
              await input.kms.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: "default" }), {
                abortSignal: input.signal,
              })
            )?.Policy,
          ),
        input.signal,
      )
    : { ok: false as const };
  const bucketPolicy = await tryRead(
    out,
    `bucket policy of ${input.bucket}:`,
    "s3:GetBucketPolicy",
    async () => {
      try {
        return parsePolicyDocument(await getBucketPolicy(input)) ?? null;
      } catch (err) {
        throw (err as Error).cause ?? err;
      }
    },
    input.signal,
  );
  return {
    keyPolicy: keyPolicy.ok ? keyPolicy.value : undefined,
    bucketPolicy: bucketPolicy.ok ? bucketPolicy.value : undefined,
  };
}

/** Runs every RDS-side check; AWS failures become findings (never throws for them, except aborts). */
export async function checkRdsSide(input: RdsSideCheckInput): Promise<RdsSideResult> {
  const sdk = await loadPreflightSdk();
  const findings: Finding[] = [];
  const passed: string[] = [];
  const { keyArn, bucketRegion } = await keyAndBucket(input, findings);
  const instance = await checkInstance(
    {
      rds: input.rds,
      sdk: sdk.rds,
      dbInstanceId: input.dbInstanceId,
      bucket: input.bucket,
      bucketRegion,
      keyArn,
      keyRegion: regionOfKmsArn(keyArn),
      ...(input.signal ? { signal: input.signal } : {}),
    },
    findings,
    passed,
  );
  const roleArn = instance?.roleArn;
  if (roleArn) {
    const role = await loadRole(
      { iam: input.iam, sdk: sdk.iam, roleArn, ...(input.signal ? { signal: input.signal } : {}) },
      findings,
      passed,
    );
    if (role) {
      await checkTrust(
        sdk.simulate,
        role,
        {
          ...(instance.arn ? { arn: instance.arn } : {}),
          ...(instance.account ? { account: instance.account } : {}),
          ...(instance.optionGroup?.arn ? { optionGroupArn: instance.optionGroup.arn } : {}),
        },
        findings,
        passed,
      );
      const { keyPolicy, bucketPolicy } = await resourcePolicies(input, keyArn, findings);
      const decisions = await checkRolePermissions(
        {
          sim: sdk.simulate,
          role,
          bucket: input.bucket,
          keys: input.keys,
          ...(keyArn ? { keyArn } : {}),
          keyPolicy,
          bucketPolicy,
        },
        findings,
        passed,
      );
      if (input.crossCheckWithIam)
        await crossCheckWithIam(
          {
            iam: input.iam,
            sdk: sdk.iam,
            roleArn,
            decisions,
            ...(input.signal ? { signal: input.signal } : {}),
          },
          findings,
          passed,
        );
    }
  }
  return {
    ok: findingsPass(findings),
    complete: !findings.some((f) => f.code === FindingCodes.RDS_NOT_CHECKED),
    findings,
    passed,
    ...(instance ? { instance } : {}),
    ...(roleArn ? { roleArn } : {}),
    ...(keyArn ? { keyArn } : {}),
    ...(bucketRegion ? { bucketRegion } : {}),
  };
}
