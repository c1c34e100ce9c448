/**
 * The T-SQL that restores an uploaded backup on RDS for SQL Server, ready to paste:
 * `rds_restore_database` with the object's S3 ARN and the key's ARN (aliases resolved with KMS
 * DescribeKey, because @kms_master_key_arn takes a key ARN), then `rds_task_status`.
 */
import { ErrorCodes, KeyringError, UsageError } from "../errors.js";
import { DescribeKeyCommand, type KmsClientLike, kmsError } from "../materials/kms-client.js";

export interface RestoreSqlInput {
  readonly bucket: string;
  /** Object key, or the RDS wildcard form (`prefix/name*`) for a striped set. */
  readonly key: string;
  /** Key ARN (already resolved). */
  readonly kmsKeyArn: string;
  readonly dbName: string;
  /**
   * Files in a striped set; omitted for a single file. `rds_restore_database` has no file-count
   * parameter (`@number_of_files` belongs to `rds_backup_database`): RDS restores every object the
   * wildcard matches, so the count goes into a comment above the call, for the reader to check.
   */
  readonly numberOfFiles?: number;
}

/** T-SQL string literal: single quotes doubled. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Database name from a file name: the base name without extension, with everything that is not a
 * letter, digit or underscore replaced by `_` (a name that also needs no brackets in later T-SQL).
 */
export function defaultDbName(fileOrKey: string): string {
  const base = fileOrKey.split(/[\\/]/).pop() ?? "";
  const stem = base.replace(/\.[^.]*$/, "");
  const clean = stem.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 128);
  return clean === "" || /^_+$/.test(clean) ? "restored_db" : /^[0-9]/.test(clean) ? `db_${clean}` : clean;
}

/** `exec msdb.dbo.rds_restore_database …;` then `exec msdb.dbo.rds_task_status …;`, one per line. */
export function restoreSql(input: RestoreSqlInput): string {
  /* Precondition: a restore database name is not empty and at most 128 characters. */
  if (input.dbName.length === 0 || input.dbName.length > 128)
    throw new UsageError("--db-name must be 1 to 128 characters");
  const params = [
    `@restore_db_name=${sqlString(input.dbName)}`,
    `@s3_arn_to_restore_from=${sqlString(`arn:aws:s3:::${input.bucket}/${input.key}`)}`,
    `@kms_master_key_arn=${sqlString(input.kmsKeyArn)}`,
  ];
  const set = input.numberOfFiles !== undefined && input.numberOfFiles > 1;
  return [
    ...(set
      ? [
          `-- striped backup set: ${input.numberOfFiles} files match arn:aws:s3:::${input.bucket}/${input.key} (RDS restores every object under that prefix)`,
        ]
      : []),
    `exec msdb.dbo.rds_restore_database ${params.join(", ")};`,
    `exec msdb.dbo.rds_task_status @db_name=${sqlString(input.dbName)};`,
  ].join("\n");
}

export interface ResolvedKey {
  readonly arn: string;
  readonly keySpec?: string;
  readonly keyState?: string;
  readonly enabled?: boolean;
}

/** KMS DescribeKey: key id, key ARN, alias name or alias ARN → key ARN and its spec/state. */
export async function resolveKmsKey(
  kms: KmsClientLike,
  keyId: string,
  signal?: AbortSignal,
): Promise<ResolvedKey> {
  let meta: {
    Arn?: string;
    KeySpec?: string;
    CustomerMasterKeySpec?: string;
    KeyState?: string;
    Enabled?: boolean;
  };
  try {
    const res = await kms.send(new DescribeKeyCommand({ KeyId: keyId }), { abortSignal: signal });
    meta = res?.KeyMetadata ?? {};
  } catch (err) {
    throw kmsError("DescribeKey", keyId, err);
  }
  /* Precondition: DescribeKey returns the key's ARN. */
  if (!meta.Arn)
    throw new KeyringError(
      ErrorCodes.KEYRING_FAILURE,
      `KMS DescribeKey for key ${keyId} returned no key ARN`,
    );
  const keySpec = meta.KeySpec ?? meta.CustomerMasterKeySpec;
  return {
    arn: meta.Arn,
    ...(keySpec ? { keySpec } : {}),
    ...(meta.KeyState ? { keyState: meta.KeyState } : {}),
    ...(meta.Enabled !== undefined ? { enabled: meta.Enabled } : {}),
  };
}
