/**
 * Verifies one S3 object: HeadObject (+ instruction file when the metadata points there) →
 * classification and findings; optionally RDS readiness (format, size, bucket/key region, key
 * state, context-free KMS Decrypt of x-amz-key) and deep checks (full decrypt, backup header, compare).
 */
import { decodeBase64 } from "../codec/base64.js";
import type { StringMap } from "../codec/json-map.js";
import { Keys, normalizeMetadata } from "../codec/metadata-keys.js";
import { isS3CseError, UsageError } from "../errors.js";
import type { Keyring } from "../materials/keyring.js";
import type { KmsClientLike } from "../materials/kms-client.js";
import { KmsKeyring } from "../materials/kms-keyring.js";
import { getBucketRegion } from "../transfer/bucket-location.js";
import { fetchInstructionFile, headObject } from "../transfer/object-metadata.js";
import type { S3ClientLike } from "../transfer/s3-commands.js";
import { isNotFound } from "../transfer/s3-commands.js";
import type { ClientSideDetails } from "./client-side-details.js";
import { type DeepCheckResult, deepCheck } from "./deep-check.js";
import { type Finding, FindingCodes, finding, findingsPass } from "./findings.js";
import { guessGeneration } from "./generation.js";
import { type EncryptionLayers, type InstructionFileLookup, inspectObject } from "./inspect-object.js";
import { checkRdsFormat } from "./rds-format.js";
import { checkRdsKms, type RdsKeyFacts } from "./rds-kms.js";
import type { ServerSideDetails } from "./server-side.js";

export interface VerifyObjectOptions {
  readonly s3: S3ClientLike;
  /** Needed for `rds` and for `deep` (unless a keyring is given). */
  readonly kms?: KmsClientLike;
  readonly bucket: string;
  readonly key: string;
  /** RDS readiness against the key that will be passed as @kms_master_key_arn. */
  readonly rds?: { readonly kmsKeyId: string };
  /** Full decrypt without writing plaintext; implied by `compareFile`. */
  readonly deep?: boolean;
  readonly compareFile?: string;
  /** Keyring for deep checks (default: a KMS keyring on `kms`, limited to `rds.kmsKeyId` if given). */
  readonly keyring?: Keyring;
  /** KMS encryption context the object was written with, for deep checks of kms+context objects. */
  readonly encryptionContext?: StringMap;
  readonly signal?: AbortSignal;
}

export interface VerifyResult {
  readonly target: string;
  readonly bucket: string;
  readonly key: string;
  readonly ok: boolean;
  readonly encryption: EncryptionLayers;
  readonly clientSide: ClientSideDetails | null;
  readonly serverSide: ServerSideDetails | null;
  readonly findings: Finding[];
  readonly rds?: { readonly bucketRegion?: string; readonly key?: RdsKeyFacts };
  readonly deep?: DeepCheckResult;
}

async function lookupInstructionFile(o: VerifyObjectOptions): Promise<InstructionFileLookup> {
  try {
    const body = await fetchInstructionFile(o);
    return body ? { status: "found", body } : { status: "missing" };
  } catch (err) {
    if (isS3CseError(err) && (err.code === "INVALID_METADATA" || err.code === "INSTRUCTION_FILE_TOO_LARGE"))
      return { status: "invalid", reason: err.message };
    throw err;
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

/** Verifies one object. S3 failures on the object itself become an OBJECT_READ_FAILED finding. */
export async function verifyObject(o: VerifyObjectOptions): Promise<VerifyResult> {
  const target = `s3://${o.bucket}/${o.key}`;
  /* Precondition: RDS and deep checks have the KMS client (or keyring) they need. */
  if ((o.rds && !o.kms) || ((o.deep || o.compareFile) && !o.kms && !o.keyring)) {
    throw new UsageError("RDS and deep checks need a KMS client (or a keyring for deep checks)");
  }
  let inspection: ReturnType<typeof inspectObject>;
  try {
    const head = await headObject(o);
    const location = guessGeneration(normalizeMetadata(head.Metadata ?? {})).location;
    const instructionFile = location === "object" ? undefined : await lookupInstructionFile(o);
    inspection = inspectObject(head, instructionFile ? { instructionFile } : {});
  } catch (err) {
    if (o.signal?.aborted || !isS3CseError(err)) throw err;
    const f = isNotFound(err.cause)
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
    return {
      target,
      bucket: o.bucket,
      key: o.key,
      ok: false,
      encryption: { clientSide: null, serverSide: null },
      clientSide: null,
      serverSide: null,
      findings: [f],
    };
  }
  const findings = [...inspection.findings];
  let rds: VerifyResult["rds"];
  if (o.rds && o.kms) {
    findings.push(...checkRdsFormat(inspection));
    let bucketRegion: string | undefined;
    try {
      bucketRegion = await getBucketRegion(o);
    } catch (err) {
      if (o.signal?.aborted || !isS3CseError(err)) throw err;
      findings.push(
        finding(
          FindingCodes.RDS_CHECK_FAILED,
          "warning",
          `could not read the bucket's region: ${err.message}`,
        ),
      );
    }
    const kms = await checkRdsKms({
      kms: o.kms,
      kmsKeyId: o.rds.kmsKeyId,
      bucketRegion,
      encryptedDataKey:
        inspection.encryption.clientSide === "v1" ? decodedKey(inspection.effectiveMetadata) : undefined,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    findings.push(...kms.findings);
    rds = { ...(bucketRegion ? { bucketRegion } : {}), key: kms.key };
  }
  let deep: DeepCheckResult | undefined;
  if (o.deep || o.compareFile !== undefined) {
    if (inspection.encryption.clientSide && inspection.ok) {
      const keyring =
        o.keyring ?? new KmsKeyring({ client: o.kms!, ...(o.rds ? { keyId: o.rds.kmsKeyId } : {}) });
      const checked = await deepCheck({
        s3: o.s3,
        bucket: o.bucket,
        key: o.key,
        keyring,
        ...(o.compareFile !== undefined ? { compareFile: o.compareFile } : {}),
        expectBackup: o.rds !== undefined,
        ...(o.encryptionContext ? { encryptionContext: o.encryptionContext } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      });
      findings.push(...checked.findings);
      deep = checked.result;
    } else {
      findings.push(
        finding(
          FindingCodes.DEEP_SKIPPED,
          "info",
          "deep checks skipped: the object's encryption metadata has errors",
        ),
      );
    }
  }
  return {
    target,
    bucket: o.bucket,
    key: o.key,
    ok: findingsPass(findings),
    encryption: inspection.encryption,
    clientSide: inspection.clientSide,
    serverSide: inspection.serverSide,
    findings,
    ...(rds ? { rds } : {}),
    ...(deep ? { deep } : {}),
  };
}
