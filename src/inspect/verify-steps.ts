/**
 * The steps of `verifyObject`, one per concern: read and classify the object, RDS readiness,
 * deep checks. Each returns the findings it adds (and the facts it learnt); none throws for a
 * problem with the object itself, only for a cancelled call or a bug.
 */
import { decodeBase64 } from "../codec/base64.js";
import type { StringMap } from "../codec/json-map.js";
import { Keys, normalizeMetadata } from "../codec/metadata-keys.js";
import { isS3CseError, type S3CseError } from "../errors.js";
import type { Keyring } from "../materials/keyring.js";
import type { KmsClientLike } from "../materials/kms-client.js";
import { KmsKeyring } from "../materials/kms-keyring.js";
import { getBucketRegion } from "../transfer/bucket-location.js";
import { fetchInstructionFile, headObject, type ObjectLocator } from "../transfer/object-metadata.js";
import { isNotFound } from "../transfer/s3-commands.js";
import { type DeepCheckResult, deepCheck } from "./deep-check.js";
import { type Finding, FindingCodes, finding } from "./findings.js";
import { guessGeneration } from "./generation.js";
import { type Inspection, type InstructionFileLookup, inspectObject } from "./inspect-object.js";
import { checkRdsFormat } from "./rds-format.js";
import { checkRdsKms, type RdsKeyFacts } from "./rds-kms.js";

/** An S3CseError from reading the object is a finding, unless the caller cancelled. */
function rethrowUnlessFinding(err: unknown, signal: AbortSignal | undefined): asserts err is S3CseError {
  if (signal?.aborted || !isS3CseError(err)) throw err;
}

async function lookupInstructionFile(o: ObjectLocator): Promise<InstructionFileLookup> {
  try {
    const body = await fetchInstructionFile(o);
    return body ? { status: "found", body } : { status: "missing" };
  } catch (err) {
    if (isS3CseError(err) && (err.code === "INVALID_METADATA" || err.code === "INSTRUCTION_FILE_TOO_LARGE"))
      return { status: "invalid", reason: err.message };
    throw err;
  }
}

function readFailure(o: ObjectLocator, err: S3CseError): Finding {
  return isNotFound(err.cause)
    ? finding(
        FindingCodes.OBJECT_READ_FAILED,
        "error",
        `no such object or bucket: s3://${o.bucket}/${o.key} (HeadObject returned 404 Not Found)`,
        {
          fix: "check the bucket name and the key (to see what is there: s3-cse verify s3://bucket/prefix/)",
        },
      )
    : finding(FindingCodes.OBJECT_READ_FAILED, "error", err.message, {
        fix: "check the bucket, key, region and permissions (s3:GetObject; an SSE-C object also needs its customer key)",
      });
}

/** Step 1: HeadObject (+ the instruction file when the metadata points there) → inspection, or why not. */
export async function readInspection(
  o: ObjectLocator,
): Promise<{ readonly inspection: Inspection } | { readonly failure: Finding }> {
  try {
    const head = await headObject(o);
    const location = guessGeneration(normalizeMetadata(head.Metadata ?? {})).location;
    const instructionFile = location === "object" ? undefined : await lookupInstructionFile(o);
    return { inspection: inspectObject(head, instructionFile ? { instructionFile } : {}) };
  } catch (err) {
    rethrowUnlessFinding(err, o.signal);
    return { failure: readFailure(o, err) };
  }
}

function decodedKey(m: Readonly<Record<string, string>>): Uint8Array | undefined {
  const v = m[Keys.KEY_V1];
  if (v === undefined) return undefined;
  try {
    return decodeBase64(v, Keys.KEY_V1);
  } catch {
    return undefined; // already reported as INVALID_BASE64
  }
}

export interface RdsReadiness {
  readonly findings: Finding[];
  readonly facts: { readonly bucketRegion?: string; readonly key?: RdsKeyFacts };
}

async function bucketRegionOrFinding(o: ObjectLocator): Promise<{ region?: string; finding?: Finding }> {
  try {
    return { region: await getBucketRegion(o) };
  } catch (err) {
    rethrowUnlessFinding(err, o.signal);
    return {
      finding: finding(
        FindingCodes.RDS_CHECK_FAILED,
        "warning",
        `could not read the bucket's region: ${err.message}`,
      ),
    };
  }
}

/** Step 2: RDS readiness — format and size, bucket and key region, key state, context-free KMS Decrypt. */
export async function checkRdsReadiness(
  o: ObjectLocator & { readonly kms: KmsClientLike; readonly kmsKeyId: string },
  inspection: Inspection,
): Promise<RdsReadiness> {
  const findings = checkRdsFormat(inspection);
  const region = await bucketRegionOrFinding(o);
  if (region.finding) findings.push(region.finding);
  const kms = await checkRdsKms({
    kms: o.kms,
    kmsKeyId: o.kmsKeyId,
    bucketRegion: region.region,
    encryptedDataKey:
      inspection.encryption.clientSide === "v1" ? decodedKey(inspection.effectiveMetadata) : undefined,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  findings.push(...kms.findings);
  return { findings, facts: { ...(region.region ? { bucketRegion: region.region } : {}), key: kms.key } };
}

export interface DeepStepOptions extends ObjectLocator {
  readonly keyring: Keyring;
  readonly compareFile?: string;
  readonly expectBackup: boolean;
  readonly encryptionContext?: StringMap;
}

/** Step 3: deep checks (full decrypt, backup header, compare) — only on metadata without errors. */
export async function runDeepChecks(
  o: DeepStepOptions,
  inspection: Inspection,
): Promise<{ readonly findings: Finding[]; readonly result?: DeepCheckResult }> {
  if (!inspection.encryption.clientSide || !inspection.ok) {
    return {
      findings: [
        finding(
          FindingCodes.DEEP_SKIPPED,
          "info",
          "deep checks skipped: the object's encryption metadata has errors",
        ),
      ],
    };
  }
  const checked = await deepCheck({
    s3: o.s3,
    bucket: o.bucket,
    key: o.key,
    keyring: o.keyring,
    ...(o.compareFile !== undefined ? { compareFile: o.compareFile } : {}),
    expectBackup: o.expectBackup,
    ...(o.encryptionContext ? { encryptionContext: o.encryptionContext } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return { findings: checked.findings, result: checked.result };
}

/** The keyring deep checks use by default: KMS on `kms`, limited to the RDS key when one is named. */
export function defaultDeepKeyring(kms: KmsClientLike, kmsKeyId: string | undefined): Keyring {
  return new KmsKeyring({ client: kms, ...(kmsKeyId ? { keyId: kmsKeyId } : {}) });
}
