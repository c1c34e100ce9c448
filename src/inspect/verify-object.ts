/**
 * Verifies one S3 object: HeadObject (+ instruction file when the metadata points there) →
 * classification and findings; optionally RDS readiness (format, size, bucket/key region, key
 * state, context-free KMS Decrypt of x-amz-key) and deep checks (full decrypt, backup header, compare).
 * The steps live in verify-steps.ts, one per concern; this file composes them.
 */
import type { StringMap } from "../codec/json-map.js";
import { UsageError } from "../errors.js";
import type { Keyring } from "../materials/keyring.js";
import type { KmsClientLike } from "../materials/kms-client.js";
import type { S3ClientLike } from "../transfer/s3-commands.js";
import type { ClientSideDetails } from "./client-side-details.js";
import type { DeepCheckResult } from "./deep-check.js";
import { type Finding, findingsPass } from "./findings.js";
import type { EncryptionLayers } from "./inspect-object.js";
import type { RdsKeyFacts } from "./rds-kms.js";
import type { ServerSideDetails } from "./server-side.js";
import { checkRdsReadiness, defaultDeepKeyring, readInspection, runDeepChecks } from "./verify-steps.js";

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

function assertChecksHaveKms(o: VerifyObjectOptions): void {
  /* Precondition: RDS and deep checks have the KMS client (or keyring) they need. */
  if ((o.rds && !o.kms) || ((o.deep || o.compareFile) && !o.kms && !o.keyring)) {
    throw new UsageError("RDS and deep checks need a KMS client (or a keyring for deep checks)");
  }
}

/** Verifies one object. S3 failures on the object itself become an OBJECT_READ_FAILED finding. */
export async function verifyObject(o: VerifyObjectOptions): Promise<VerifyResult> {
  assertChecksHaveKms(o);
  const base = { target: `s3://${o.bucket}/${o.key}`, bucket: o.bucket, key: o.key };
  const read = await readInspection(o);
  if ("failure" in read) {
    const encryption = { clientSide: null, serverSide: null };
    return { ...base, ok: false, encryption, clientSide: null, serverSide: null, findings: [read.failure] };
  }
  const { inspection } = read;
  const findings = [...inspection.findings];
  let rds: VerifyResult["rds"];
  if (o.rds && o.kms) {
    const checked = await checkRdsReadiness({ ...o, kms: o.kms, kmsKeyId: o.rds.kmsKeyId }, inspection);
    findings.push(...checked.findings);
    rds = checked.facts;
  }
  let deep: DeepCheckResult | undefined;
  if (o.deep || o.compareFile !== undefined) {
    const checked = await runDeepChecks(
      {
        ...o,
        // assertChecksHaveKms: without a keyring there is a KMS client.
        keyring: o.keyring ?? defaultDeepKeyring(o.kms as KmsClientLike, o.rds?.kmsKeyId),
        expectBackup: o.rds !== undefined,
      },
      inspection,
    );
    findings.push(...checked.findings);
    deep = checked.result;
  }
  return {
    ...base,
    ok: findingsPass(findings),
    encryption: inspection.encryption,
    clientSide: inspection.clientSide,
    serverSide: inspection.serverSide,
    findings,
    ...(rds ? { rds } : {}),
    ...(deep ? { deep } : {}),
  };
}
