import type { Finding } from "../inspect/findings.js";
import type { BackupSetResult } from "../inspect/rds-set.js";
import type { RdsSideResult } from "../inspect/rds-side/check-rds-side.js";
import type { VerifyResult } from "../inspect/verify-object.js";

const MARK = { error: "✗", warning: "!", info: "·" } as const;

function describeClientSide(r: VerifyResult): string {
  const cs = r.clientSide;
  // An object that could not be read has no known encryption: claim nothing about it.
  if (!cs && r.findings.some((f) => f.code === "OBJECT_READ_FAILED"))
    return "client-side: unknown (object not read)";
  if (!cs) return "client-side: none";
  const parts = [
    cs.contentAlgorithm,
    cs.wrapAlgorithm ?? (cs.v1WrapGuess ? `wrap not recorded (looks like ${cs.v1WrapGuess})` : undefined),
    cs.ivLength === undefined ? undefined : `IV ${cs.ivLength} B`,
    cs.wrappedKeyLength === undefined ? undefined : `wrapped key ${cs.wrappedKeyLength} B`,
    cs.plaintextLength === undefined
      ? undefined
      : `plaintext ${cs.plaintextLength} B (${cs.plaintextLengthSource})`,
    cs.partCount === undefined ? undefined : `${cs.partCount} parts`,
    cs.metadataLocation === "instruction-file" ? "metadata in instruction file" : undefined,
  ].filter(Boolean);
  const desc = cs.encryptionContext ?? cs.materialsDescription;
  const descText = desc ? `, ${cs.encryptionContext ? "context" : "matdesc"} ${JSON.stringify(desc)}` : "";
  return `client-side: ${cs.format.toUpperCase()} (${parts.join(", ")}${descText})`;
}

function describeServerSide(r: VerifyResult): string {
  const ss = r.serverSide;
  if (!ss && r.findings.some((f) => f.code === "OBJECT_READ_FAILED"))
    return "server-side: unknown (object not read)";
  if (!ss) return "server-side: none";
  return `server-side: ${ss.kind}${ss.kmsKeyId ? ` (key ${ss.kmsKeyId})` : ""}`;
}

/** Human-readable report of one verified object. */
export function formatVerifyResult(r: VerifyResult): string {
  const lines = [
    `${r.ok ? "OK  " : "FAIL"} ${r.target}`,
    `  ${describeClientSide(r)}`,
    `  ${describeServerSide(r)}`,
  ];
  if (r.rds) {
    const k = r.rds.key;
    lines.push(
      `  rds: bucket region ${r.rds.bucketRegion ?? "unknown"}, key ${k?.keyArn ?? "unknown"} (${k?.keyRegion ?? "?"}, ${k?.keySpec ?? "?"}, ${k?.keyState ?? "?"})`,
    );
  }
  if (r.deep) {
    const d = r.deep;
    lines.push(
      `  deep: ${d.decrypted ? `decrypted ${d.plaintextBytes} B, SHA-256 ${d.sha256}` : "decryption failed"}` +
        (d.backupHeader
          ? `; ${d.backupHeader.looksLikeBackup ? "SQL Server backup" : "not a SQL Server backup"}`
          : "") +
        (d.compare ? `; ${d.compare.match ? "matches" : "differs from"} ${d.compare.file}` : ""),
    );
  }
  lines.push(...formatFindingLines(r.findings));
  return `${lines.join("\n")}\n`;
}

/** Finding lines (mark, code, message, the RDS error it prevents, the fix), indented. */
export function formatFindingLines(findings: readonly Finding[], indent = "  "): string[] {
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`${indent}${MARK[f.severity]} [${f.code}] ${f.message}`);
    if (f.rdsError) lines.push(`${indent}    RDS restore error this prevents: ${f.rdsError}`);
    if (f.fix) lines.push(`${indent}    fix: ${f.fix}`);
  }
  return lines;
}

/** The striped-set report of `verify 's3://B/prefix*'`. */
export function formatBackupSet(set: BackupSetResult): string {
  const lines = [
    `${set.ok ? "OK  " : "FAIL"} backup set ${set.pattern}: ${set.numberOfFiles} file${set.numberOfFiles === 1 ? "" : "s"}`,
    ...formatFindingLines(set.findings),
  ];
  return `${lines.join("\n")}\n`;
}

/** The RDS-side report of `verify --db-instance`. */
export function formatRdsSide(side: RdsSideResult, dbInstanceId: string): string {
  const i = side.instance;
  const lines = [
    `${side.ok ? "OK  " : "FAIL"} RDS side: DB instance ${dbInstanceId}${i?.engine ? ` (${i.engine}, ${i.region ?? "?"})` : ""}${i?.optionGroup ? `, option group ${i.optionGroup.name} (${i.optionGroup.status ?? "?"})` : ""}${side.roleArn ? `, role ${side.roleArn}` : ""}`,
    ...side.passed.map((p) => `  ✓ ${p}`),
    ...formatFindingLines(side.findings),
  ];
  if (!side.complete)
    lines.push('  NOT fully checked: the checks marked "not checked" above were not made (not a pass)');
  return `${lines.join("\n")}\n`;
}
