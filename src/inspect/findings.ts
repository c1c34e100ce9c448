/**
 * Verifier findings: every problem (or notable fact) the verifier reports, with a stable
 * `code` (safe to switch on, used by `--json`), a severity and a plain-language message.
 * Messages name metadata keys, lengths and algorithms — never key bytes or plaintext.
 */

export type Severity = "error" | "warning" | "info";

export const FindingCodes = {
  // Classification
  NOT_CLIENT_SIDE_ENCRYPTED: "NOT_CLIENT_SIDE_ENCRYPTED",
  MIXED_GENERATIONS: "MIXED_GENERATIONS",
  LEGACY_FORMAT: "LEGACY_FORMAT",
  // Metadata keys and values
  MISSING_KEY: "MISSING_KEY",
  EXTRA_KEY: "EXTRA_KEY",
  INVALID_BASE64: "INVALID_BASE64",
  DOUBLE_BASE64: "DOUBLE_BASE64",
  IV_LENGTH: "IV_LENGTH",
  TAG_LENGTH: "TAG_LENGTH",
  UNSUPPORTED_CONTENT_ALGORITHM: "UNSUPPORTED_CONTENT_ALGORITHM",
  UNSUPPORTED_WRAP_ALGORITHM: "UNSUPPORTED_WRAP_ALGORITHM",
  WRAPPED_KEY_LENGTH: "WRAPPED_KEY_LENGTH",
  MESSAGE_ID_LENGTH: "MESSAGE_ID_LENGTH",
  COMMITMENT_LENGTH: "COMMITMENT_LENGTH",
  INVALID_MATDESC: "INVALID_MATDESC",
  MATDESC_DOUBLE_ENCODED: "MATDESC_DOUBLE_ENCODED",
  RFC2047_ENCODED: "RFC2047_ENCODED",
  CONTEXT_ALGORITHM_MISMATCH: "CONTEXT_ALGORITHM_MISMATCH",
  INVALID_UNENCRYPTED_LENGTH: "INVALID_UNENCRYPTED_LENGTH",
  CIPHERTEXT_LENGTH: "CIPHERTEXT_LENGTH",
  // Instruction files
  INSTRUCTION_FILE_MISSING: "INSTRUCTION_FILE_MISSING",
  INSTRUCTION_FILE_INVALID: "INSTRUCTION_FILE_INVALID",
  INSTRUCTION_FILE_FORBIDDEN_KEYS: "INSTRUCTION_FILE_FORBIDDEN_KEYS",
  // RDS readiness
  RDS_NOT_V1: "RDS_NOT_V1",
  RDS_INSTRUCTION_FILE: "RDS_INSTRUCTION_FILE",
  RDS_METADATA_INCOMPLETE: "RDS_METADATA_INCOMPLETE",
  RDS_MATDESC_NOT_EMPTY: "RDS_MATDESC_NOT_EMPTY",
  RDS_SIZE_LIMIT: "RDS_SIZE_LIMIT",
  RDS_EXPRESS_SIZE_LIMIT: "RDS_EXPRESS_SIZE_LIMIT",
  RDS_SSE_C: "RDS_SSE_C",
  RDS_SSE_KMS_KEY_ACCESS: "RDS_SSE_KMS_KEY_ACCESS",
  RDS_REGION_MISMATCH: "RDS_REGION_MISMATCH",
  RDS_KEY_NOT_FOUND: "RDS_KEY_NOT_FOUND",
  RDS_KEY_NOT_ARN: "RDS_KEY_NOT_ARN",
  RDS_KEY_NOT_SYMMETRIC: "RDS_KEY_NOT_SYMMETRIC",
  RDS_KEY_DISABLED: "RDS_KEY_DISABLED",
  RDS_KEY_AWS_MANAGED: "RDS_KEY_AWS_MANAGED",
  RDS_KEY_UNWRAP_FAILED: "RDS_KEY_UNWRAP_FAILED",
  RDS_CHECK_FAILED: "RDS_CHECK_FAILED",
  // RDS side (verify --rds --db-instance): instance, option group, role, policies
  RDS_INSTANCE_NOT_FOUND: "RDS_INSTANCE_NOT_FOUND",
  RDS_INSTANCE_NOT_SQLSERVER: "RDS_INSTANCE_NOT_SQLSERVER",
  RDS_INSTANCE_REGION_MISMATCH: "RDS_INSTANCE_REGION_MISMATCH",
  RDS_OPTION_MISSING: "RDS_OPTION_MISSING",
  RDS_OPTION_ROLE_MISSING: "RDS_OPTION_ROLE_MISSING",
  RDS_OPTION_GROUP_NOT_IN_SYNC: "RDS_OPTION_GROUP_NOT_IN_SYNC",
  RDS_ROLE_NOT_FOUND: "RDS_ROLE_NOT_FOUND",
  RDS_ROLE_TRUST: "RDS_ROLE_TRUST",
  RDS_ROLE_S3_BUCKET: "RDS_ROLE_S3_BUCKET",
  RDS_ROLE_S3_RESTORE: "RDS_ROLE_S3_RESTORE",
  RDS_ROLE_S3_BACKUP: "RDS_ROLE_S3_BACKUP",
  RDS_ROLE_KMS_RESTORE: "RDS_ROLE_KMS_RESTORE",
  RDS_ROLE_KMS_BACKUP: "RDS_ROLE_KMS_BACKUP",
  RDS_KEY_POLICY_NO_ROLE: "RDS_KEY_POLICY_NO_ROLE",
  RDS_KEY_POLICY_DENY: "RDS_KEY_POLICY_DENY",
  RDS_BUCKET_POLICY_DENY: "RDS_BUCKET_POLICY_DENY",
  RDS_NOT_CHECKED: "RDS_NOT_CHECKED",
  // Striped backup sets (verify 's3://B/prefix/name*' --rds)
  RDS_SET_EMPTY: "RDS_SET_EMPTY",
  RDS_SET_TOO_MANY_FILES: "RDS_SET_TOO_MANY_FILES",
  RDS_SET_MEMBER_MISSING: "RDS_SET_MEMBER_MISSING",
  RDS_SET_MEDIA_MISMATCH: "RDS_SET_MEDIA_MISMATCH",
  // Deep checks
  DEEP_SKIPPED: "DEEP_SKIPPED",
  DEEP_UNWRAP_FAILED: "DEEP_UNWRAP_FAILED",
  DEEP_CONTEXT_MISMATCH: "DEEP_CONTEXT_MISMATCH",
  DEEP_DECRYPT_FAILED: "DEEP_DECRYPT_FAILED",
  DEEP_LENGTH_MISMATCH: "DEEP_LENGTH_MISMATCH",
  NOT_A_SQL_SERVER_BACKUP: "NOT_A_SQL_SERVER_BACKUP",
  COMPARE_MISMATCH: "COMPARE_MISMATCH",
  // Reading the object
  OBJECT_READ_FAILED: "OBJECT_READ_FAILED",
} as const;

export type FindingCode = (typeof FindingCodes)[keyof typeof FindingCodes];

export interface Finding {
  readonly code: FindingCode;
  readonly severity: Severity;
  readonly message: string;
  /** The metadata key the finding is about, when there is one. */
  readonly key?: string;
  /** For RDS readiness findings: the RDS restore error this problem would cause. */
  readonly rdsError?: string;
  /** How to fix it, when the message alone does not say. */
  readonly fix?: string;
}

export function finding(
  code: FindingCode,
  severity: Severity,
  message: string,
  extra: Pick<Finding, "key" | "rdsError" | "fix"> = {},
): Finding {
  return { code, severity, message, ...extra };
}

/** True if no finding is an error. */
export function findingsPass(findings: readonly Finding[]): boolean {
  return !findings.some((f) => f.severity === "error");
}
