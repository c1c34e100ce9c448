/**
 * RDS readiness, the part that needs no AWS call: is the object in the form Amazon RDS for SQL
 * Server restores with `rds_restore_database … @kms_master_key_arn` (docs/formats.md#what-rds-reads)?
 */
import { Keys } from "../codec/metadata-keys.js";
import { type Finding, FindingCodes, finding } from "./findings.js";
import type { Inspection } from "./inspect-object.js";

/** The errors an RDS restore task reports for the problems the readiness checks catch. */
export const RdsErrors = {
  METADATA_INCOMPLETE: "Object metadata (x-amz-key) incomplete",
  MEDIA_FAMILY:
    "The media family on device '<file>' is incorrectly formed. SQL Server cannot process this media family.",
  KEY_DOES_NOT_EXIST: "Key '<kms_master_key_arn>' does not exist",
  KMS_DECRYPT_FAILED: "the restore task fails when KMS refuses to decrypt x-amz-key",
  S3_ACCESS: "the restore task cannot read the object from S3",
} as const;

/**
 * Documented limits (awsdocs amazon-rds-user-guide, SQLServer.Procedural.Importing): "Amazon S3
 * has a size limit of 5 TB per file. For native backups of larger databases, you can use multifile
 * backup", and "Native restores of databases on SQL Server Express Edition are limited to 10 GB".
 */
export const RDS_MAX_FILE_BYTES = 5 * 1024 ** 4;
export const RDS_EXPRESS_MAX_DATABASE_BYTES = 10 * 1024 ** 3;

const REUPLOAD =
  "re-upload the .bak with `s3-cse upload <file> s3://<bucket>/<key> --format rds --kms-key-id <key ARN>`";

/** Checks the object's format, metadata, size and server-side encryption for an RDS restore. */
export function checkRdsFormat(inspection: Inspection): Finding[] {
  const out: Finding[] = [];
  const cs = inspection.clientSide;
  /* Precondition: RDS restores V1 (x-amz-key) objects only. */
  if (cs?.format !== "v1") {
    const found = cs
      ? `${cs.format.toUpperCase()} (${cs.suite ?? cs.contentAlgorithm ?? "unknown algorithm"})`
      : "not client-side encrypted";
    out.push(
      finding(
        FindingCodes.RDS_NOT_V1,
        "error",
        `object is ${found}; RDS restores only the V1 "Encryption-Only" format (x-amz-key, AES-CBC)`,
        { rdsError: RdsErrors.METADATA_INCOMPLETE, fix: REUPLOAD },
      ),
    );
    return out;
  }
  /* Precondition: RDS reads the encryption metadata from the object, not from an instruction file. */
  if (cs.metadataLocation !== "object") {
    out.push(
      finding(
        FindingCodes.RDS_INSTRUCTION_FILE,
        "error",
        "the encryption metadata is in an instruction file; RDS reads only object metadata",
        { rdsError: RdsErrors.METADATA_INCOMPLETE, fix: REUPLOAD },
      ),
    );
  }
  const m = inspection.effectiveMetadata;
  const missing = [Keys.KEY_V1, Keys.IV, Keys.MATDESC].filter((k) => m[k] === undefined);
  /* Precondition: the object carries x-amz-key, x-amz-iv and x-amz-matdesc. */
  if (missing.length > 0) {
    out.push(
      finding(FindingCodes.RDS_METADATA_INCOMPLETE, "error", `object metadata lacks ${missing.join(", ")}`, {
        rdsError: RdsErrors.METADATA_INCOMPLETE,
        fix: REUPLOAD,
      }),
    );
  }
  const matdesc = cs.materialsDescription;
  /* Precondition: the material description is {} (the data key was wrapped with no encryption context). */
  if (m[Keys.MATDESC] !== undefined && (!matdesc || Object.keys(matdesc).length > 0)) {
    out.push(
      finding(
        FindingCodes.RDS_MATDESC_NOT_EMPTY,
        "error",
        `${Keys.MATDESC} is not {}: RDS unwraps x-amz-key with KMS Decrypt and no encryption context, which fails for a key wrapped with one`,
        { key: Keys.MATDESC, rdsError: RdsErrors.KMS_DECRYPT_FAILED, fix: REUPLOAD },
      ),
    );
  }
  const size = inspection.contentLength;
  /* Precondition: the backup file is within the documented 5 TB per-file limit. */
  if (size !== undefined && size > RDS_MAX_FILE_BYTES) {
    out.push(
      finding(
        FindingCodes.RDS_SIZE_LIMIT,
        "error",
        `object is ${size} bytes; RDS native backup/restore documents a limit of 5 TB per file`,
        { fix: "back up to several files (@number_of_files) and upload each one" },
      ),
    );
  } else if ((cs.plaintextLength ?? size ?? 0) > RDS_EXPRESS_MAX_DATABASE_BYTES) {
    out.push(
      finding(
        FindingCodes.RDS_EXPRESS_SIZE_LIMIT,
        "warning",
        "backup is larger than 10 GB; RDS limits native restores on SQL Server Express Edition to 10 GB databases",
        { fix: "restore to a Web, Standard or Enterprise Edition instance" },
      ),
    );
  }
  out.push(...serverSideFindings(inspection));
  return out;
}

function serverSideFindings(inspection: Inspection): Finding[] {
  const sse = inspection.serverSide;
  /* Precondition: RDS can read the object at rest (not SSE-C). */
  if (sse?.kind === "SSE-C") {
    return [
      finding(
        FindingCodes.RDS_SSE_C,
        "error",
        "object is SSE-C encrypted at rest; RDS cannot supply the customer key, so S3 refuses its GetObject",
        { rdsError: RdsErrors.S3_ACCESS, fix: "copy the object without SSE-C (SSE-S3 or SSE-KMS at rest)" },
      ),
    ];
  }
  if (sse?.kind === "SSE-KMS" || sse?.kind === "DSSE-KMS") {
    return [
      finding(
        FindingCodes.RDS_SSE_KMS_KEY_ACCESS,
        "warning",
        `object is ${sse.kind} at rest${sse.kmsKeyId ? ` under ${sse.kmsKeyId}` : ""}: the RDS restore role also needs kms:Decrypt on that key`,
        { rdsError: RdsErrors.S3_ACCESS },
      ),
    ];
  }
  return [];
}
