/**
 * The errors an RDS for SQL Server restore (or backup) task reports for the RDS-side problems the
 * preflight catches. Strings marked [DOC] are copied from the RDS User Guide's native backup and
 * restore troubleshooting table; [SQL] from SQL Server's own messages; [REPORTED] as practitioners
 * quote them (placeholders in <>).
 */
export const RdsSideErrors = {
  /** [DOC] */
  OPTION_NOT_ENABLED:
    "Database backup/restore option is not enabled yet or is in the process of being enabled. Please try again later.",
  /** [DOC] */
  ACCESS_DENIED: "Access Denied",
  /** [DOC] */
  BUCKET_REGION: "Please specify a bucket that is in the same region as RDS instance",
  /** [DOC] */
  KEY_DOES_NOT_EXIST: "Key <kms_master_key_arn> does not exist",
  /** [SQL] Msg 2812, on an instance that is not SQL Server's RDS flavour there is no such procedure. */
  NO_PROCEDURE: "Could not find stored procedure 'msdb.dbo.rds_restore_database'.",
} as const;

/** [REPORTED] The KMS refusal RDS relays, for one action (the role's session is RDS-SqlServerBackupRestore). */
export function kmsNotAuthorized(roleArn: string, action: string, keyArn: string): string {
  const [, , , , account = "<account>", resource = ""] = roleArn.split(":");
  const roleName = resource.split("/").pop() ?? "<role>";
  return `User: arn:aws:sts::${account}:assumed-role/${roleName}/RDS-SqlServerBackupRestore is not authorized to perform: ${action} on resource: ${keyArn}`;
}
