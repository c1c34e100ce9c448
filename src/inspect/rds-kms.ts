/**
 * RDS readiness, the KMS part: the key RDS will be given (`@kms_master_key_arn`) exists in the
 * bucket's region, is a symmetric, enabled, customer-managed key, and unwraps `x-amz-key` with
 * no encryption context — the exact KMS Decrypt RDS makes.
 */
import { DecryptCommand, DescribeKeyCommand, type KmsClientLike, kmsError } from "../materials/kms-client.js";
import { type Finding, FindingCodes, finding } from "./findings.js";
import { RdsErrors } from "./rds-format.js";

export interface RdsKmsCheckInput {
  readonly kms: KmsClientLike;
  /** The key that will be passed to rds_restore_database as @kms_master_key_arn. */
  readonly kmsKeyId: string;
  /** The bucket's region (GetBucketLocation); undefined if it could not be read. */
  readonly bucketRegion: string | undefined;
  /** The wrapped data key (x-amz-key, decoded); undefined if the metadata has none. */
  readonly encryptedDataKey: Uint8Array | undefined;
  readonly signal?: AbortSignal;
}

export interface RdsKeyFacts {
  readonly keyArn?: string;
  readonly keyRegion?: string;
  readonly keySpec?: string;
  readonly keyState?: string;
}

export interface RdsKmsCheck {
  readonly findings: Finding[];
  readonly key: RdsKeyFacts;
}

interface KeyMetadata {
  Arn?: string;
  KeySpec?: string;
  CustomerMasterKeySpec?: string;
  KeyUsage?: string;
  KeyState?: string;
  Enabled?: boolean;
  KeyManager?: string;
}

const KEY_ARN = /^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** Region of a KMS key ARN (`arn:<partition>:kms:<region>:<account>:key/<id>`). */
export function regionOfKmsArn(arn: string | undefined): string | undefined {
  const parts = arn?.split(":");
  return parts && parts.length >= 6 && parts[0] === "arn" && parts[2] === "kms" ? parts[3] : undefined;
}

function keyFindings(meta: KeyMetadata, input: RdsKmsCheckInput, keyRegion: string | undefined): Finding[] {
  const out: Finding[] = [];
  const spec = meta.KeySpec ?? meta.CustomerMasterKeySpec;
  /* Precondition: the RDS key is a symmetric encryption key. */
  if ((spec && spec !== "SYMMETRIC_DEFAULT") || (meta.KeyUsage && meta.KeyUsage !== "ENCRYPT_DECRYPT")) {
    out.push(
      finding(
        FindingCodes.RDS_KEY_NOT_SYMMETRIC,
        "error",
        `KMS key ${input.kmsKeyId} is ${spec ?? "?"} / ${meta.KeyUsage ?? "?"}; RDS needs a symmetric ENCRYPT_DECRYPT key`,
        { rdsError: RdsErrors.KMS_DECRYPT_FAILED, fix: "use a SYMMETRIC_DEFAULT key and re-upload" },
      ),
    );
  }
  /* Precondition: the RDS key is enabled. */
  if (meta.Enabled === false || (meta.KeyState && meta.KeyState !== "Enabled")) {
    out.push(
      finding(
        FindingCodes.RDS_KEY_DISABLED,
        "error",
        `KMS key ${input.kmsKeyId} is ${meta.KeyState ?? "disabled"}`,
        { rdsError: RdsErrors.KMS_DECRYPT_FAILED, fix: "enable the key (or cancel its deletion) in KMS" },
      ),
    );
  }
  /* Precondition: the RDS key is customer managed (RDS refuses the default aws/ keys). */
  if (meta.KeyManager === "AWS") {
    out.push(
      finding(
        FindingCodes.RDS_KEY_AWS_MANAGED,
        "error",
        `KMS key ${input.kmsKeyId} is AWS managed; RDS native backup/restore does not accept the default keys`,
        { fix: "use a customer managed key and re-upload" },
      ),
    );
  }
  /* Precondition: the key is named by its key ARN, the form @kms_master_key_arn takes. */
  if (!KEY_ARN.test(input.kmsKeyId)) {
    out.push(
      finding(
        FindingCodes.RDS_KEY_NOT_ARN,
        "warning",
        `${input.kmsKeyId} is not a key ARN; rds_restore_database takes @kms_master_key_arn in the form arn:aws:kms:<region>:<account>:key/<key-id>`,
        { fix: meta.Arn ? `pass @kms_master_key_arn='${meta.Arn}'` : "pass the key ARN" },
      ),
    );
  }
  /* Precondition: the KMS key is in the bucket's region. */
  if (keyRegion && input.bucketRegion && keyRegion !== input.bucketRegion) {
    out.push(
      finding(
        FindingCodes.RDS_REGION_MISMATCH,
        "error",
        `KMS key is in ${keyRegion} but the bucket is in ${input.bucketRegion}; RDS restores from a bucket in its own region and looks the key up there`,
        {
          rdsError: RdsErrors.KEY_DOES_NOT_EXIST,
          fix: `use a key in ${input.bucketRegion} (or a multi-Region replica there) and re-upload`,
        },
      ),
    );
  }
  return out;
}

async function describe(input: RdsKmsCheckInput, out: Finding[]): Promise<KeyMetadata | undefined> {
  try {
    const res = await input.kms.send(new DescribeKeyCommand({ KeyId: input.kmsKeyId }), {
      abortSignal: input.signal,
    });
    return (res?.KeyMetadata ?? {}) as KeyMetadata;
  } catch (err) {
    const name = err instanceof Error ? err.name : "Error";
    /* Precondition: the RDS key exists. */
    if (name === "NotFoundException") {
      out.push(
        finding(
          FindingCodes.RDS_KEY_NOT_FOUND,
          "error",
          `KMS key ${input.kmsKeyId} does not exist in this region`,
          {
            rdsError: RdsErrors.KEY_DOES_NOT_EXIST,
            fix: "pass the key ARN exactly as you will give it to @kms_master_key_arn, in the bucket's region",
          },
        ),
      );
    } else {
      out.push(
        finding(FindingCodes.RDS_CHECK_FAILED, "error", kmsError("DescribeKey", input.kmsKeyId, err).message),
      );
    }
    return undefined;
  }
}

async function tryUnwrap(input: RdsKmsCheckInput, out: Finding[]): Promise<void> {
  if (!input.encryptedDataKey) return;
  try {
    const res = await input.kms.send(
      new DecryptCommand({ CiphertextBlob: input.encryptedDataKey, KeyId: input.kmsKeyId }),
      { abortSignal: input.signal },
    );
    const plaintext: Uint8Array | undefined = res?.Plaintext;
    plaintext?.fill(0);
  } catch (err) {
    /* Precondition: the RDS key unwraps x-amz-key with no encryption context. */
    out.push(
      finding(
        FindingCodes.RDS_KEY_UNWRAP_FAILED,
        "error",
        `KMS Decrypt of x-amz-key with key ${input.kmsKeyId} and no encryption context failed: ${kmsError("Decrypt", input.kmsKeyId, err).message}`,
        {
          key: "x-amz-key",
          rdsError: RdsErrors.KMS_DECRYPT_FAILED,
          fix: "re-upload with this key in the rds format (no encryption context), or restore with the key the object was written under",
        },
      ),
    );
  }
}

/** Runs the KMS checks; never throws for a KMS failure (it becomes a finding). */
export async function checkRdsKms(input: RdsKmsCheckInput): Promise<RdsKmsCheck> {
  const findings: Finding[] = [];
  const meta = await describe(input, findings);
  let key: RdsKeyFacts = {};
  if (meta) {
    const keyRegion = regionOfKmsArn(meta.Arn) ?? regionOfKmsArn(input.kmsKeyId);
    key = {
      ...(meta.Arn ? { keyArn: meta.Arn } : {}),
      ...(keyRegion ? { keyRegion } : {}),
      ...((meta.KeySpec ?? meta.CustomerMasterKeySpec)
        ? { keySpec: meta.KeySpec ?? meta.CustomerMasterKeySpec }
        : {}),
      ...(meta.KeyState ? { keyState: meta.KeyState } : {}),
    };
    findings.push(...keyFindings(meta, input, keyRegion));
    await tryUnwrap(input, findings);
  }
  return { findings, key };
}
