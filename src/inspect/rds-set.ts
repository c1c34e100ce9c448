/**
 * A striped backup set as RDS restores it: `@s3_arn_to_restore_from='arn:aws:s3:::B/prefix*'`
 * matches every object under the prefix, at most 10 (RDS's limit). Files named like
 * `name1-of-3.bak` (what `rds_backup_database … @number_of_files` writes) must all be there,
 * nothing else may share the prefix, and with deep checks the decrypted MTF media headers must
 * belong together (each media family once, one media set).
 */
import { INSTRUCTION_FILE_SUFFIX } from "../codec/metadata-keys.js";
import { type Finding, FindingCodes, finding } from "./findings.js";
import { RdsErrors } from "./rds-format.js";
import type { VerifyResult } from "./verify-object.js";

/** RDS restores from at most 10 files (RDS User Guide, native backup and restore limitations). */
export const RDS_MAX_SET_FILES = 10;

export const SetErrors = {
  /** [DOC] RDS troubleshooting table. */
  TOO_MANY_FILES:
    "The Restore task is unable to restore from more than 10 backup file(s). Please reduce the number of files matched and try again.",
  /** [SQL] Msg 3132. */
  MISSING_FAMILY:
    "The media set has <n> media families but only <m> are provided. All members must be provided.",
} as const;

export interface BackupSetInput {
  readonly bucket: string;
  /** The wildcard key, `prefix*`. */
  readonly pattern: string;
  /** Every object key under the prefix (what RDS will match), folder markers excluded. */
  readonly listedKeys: readonly string[];
  /** The per-object verify results (with `deep` when deep checks ran). */
  readonly results: readonly VerifyResult[];
}

export interface StripeName {
  readonly key: string;
  readonly n: number;
  readonly m: number;
}

export interface BackupSetResult {
  readonly ok: boolean;
  readonly pattern: string;
  readonly files: string[];
  readonly numberOfFiles: number;
  readonly findings: Finding[];
}

/** `…3-of-5…` in the part after the prefix → n = 3, m = 5. */
export function stripeName(prefix: string, key: string): StripeName | undefined {
  const m = /(\d+)-of-(\d+)/.exec(key.slice(prefix.length));
  return m ? { key, n: Number(m[1]), m: Number(m[2]) } : undefined;
}

function memberFindings(input: BackupSetInput, prefix: string): Finding[] {
  const out: Finding[] = [];
  const stripes = input.listedKeys.map((k) => stripeName(prefix, k));
  const named = stripes.filter((s): s is StripeName => s !== undefined);
  const foreign = input.listedKeys.filter(
    (k, i) => k.endsWith(INSTRUCTION_FILE_SUFFIX) || (named.length > 0 && stripes[i] === undefined),
  );
  /* Precondition: nothing but the set's files shares the set's prefix. */
  if (foreign.length > 0)
    out.push(
      finding(
        FindingCodes.RDS_SET_FOREIGN_OBJECT,
        "error",
        `${foreign.join(", ")} ${foreign.length === 1 ? "matches" : "match"} ${input.pattern} but ${foreign.length === 1 ? "is" : "are"} not part of the backup set; RDS restores every object under the prefix`,
        {
          rdsError: RdsErrors.MEDIA_FAMILY,
          fix: "move the other objects away from the prefix, or give the set a prefix of its own",
        },
      ),
    );
  if (named.length === 0) return out;
  const counts = [...new Set(named.map((s) => s.m))];
  const m = Math.max(...counts);
  const missing: number[] = [];
  for (let i = 1; i <= m; i++) if (!named.some((s) => s.n === i && s.m === m)) missing.push(i);
  /* Precondition: every member 1..M of an NofM set is there, all with the same M. */
  if (missing.length > 0 || counts.length > 1)
    out.push(
      finding(
        FindingCodes.RDS_SET_MEMBER_MISSING,
        "error",
        counts.length > 1
          ? `the files under ${input.pattern} name different set sizes (${counts.map((c) => `of-${c}`).join(", ")})`
          : `backup set ${input.pattern} is ${m} files but ${missing.map((i) => `${i}-of-${m}`).join(", ")} ${missing.length === 1 ? "is" : "are"} missing`,
        {
          rdsError: SetErrors.MISSING_FAMILY.replace("<n>", String(m)).replace(
            "<m>",
            String(m - missing.length),
          ),
          fix: "upload every file of the set (s3-cse upload a.bak b.bak c.bak s3://bucket/prefix/ --format rds …)",
        },
      ),
    );
  return out;
}

function headerFindings(input: BackupSetInput): Finding[] {
  const heads = input.results
    .map((r) => ({ key: r.key, h: r.deep?.backupHeader }))
    .filter((x) => x.h?.looksLikeBackup);
  if (heads.length < 2) return [];
  const out: Finding[] = [];
  const byFamily = new Map<number, string[]>();
  for (const { key, h } of heads) {
    const id = h!.mediaFamilyId!;
    byFamily.set(id, [...(byFamily.get(id) ?? []), key]);
  }
  const dup = [...byFamily.values()].filter((keys) => keys.length > 1);
  /* Precondition: each media family of the set is there once (distinct MTF media family IDs). */
  if (dup.length > 0)
    out.push(
      finding(
        FindingCodes.RDS_SET_MEDIA_MISMATCH,
        "error",
        `${dup.map((d) => d.join(" and ")).join("; ")} hold the same MTF media family (the same stripe uploaded twice?)`,
        {
          rdsError: SetErrors.MISSING_FAMILY.replace("<n>", String(heads.length)).replace(
            "<m>",
            String(byFamily.size),
          ),
          fix: "upload each stripe file of the BACKUP … TO DISK=…, DISK=… once",
        },
      ),
    );
  const sets = new Set(heads.map((x) => x.h!.mediaSetId ?? "?"));
  /* Precondition: all files of the set belong to one SQL Server media set. */
  if (sets.size > 1)
    out.push(
      finding(
        FindingCodes.RDS_SET_MEDIA_MISMATCH,
        "warning",
        `the files under ${input.pattern} carry ${sets.size} different SQL Server media-set ids: they look like stripes of different backups (media-set id read from the RAID descriptor; layout inferred from real backups)`,
        {
          rdsError: RdsErrors.MEDIA_FAMILY,
          fix: "upload the stripes of one BACKUP command only under the prefix",
        },
      ),
    );
  return out;
}

/** Checks the set as a set (the per-object checks are in `results`). */
export function checkBackupSet(input: BackupSetInput): BackupSetResult {
  const prefix = input.pattern.replace(/\*$/, "");
  const findings: Finding[] = [];
  /* Precondition: the RDS wildcard matches at least one object. */
  if (input.listedKeys.length === 0)
    findings.push(
      finding(
        FindingCodes.RDS_SET_EMPTY,
        "error",
        `no object matches s3://${input.bucket}/${input.pattern}`,
        {
          fix: "check the prefix (s3-cse verify s3://bucket/prefix/ lists what is there)",
        },
      ),
    );
  /* Precondition: a set has at most 10 files (RDS's limit). */
  if (input.listedKeys.length > RDS_MAX_SET_FILES)
    findings.push(
      finding(
        FindingCodes.RDS_SET_TOO_MANY_FILES,
        "error",
        `${input.listedKeys.length} objects match ${input.pattern}; RDS restores from at most ${RDS_MAX_SET_FILES}`,
        { rdsError: SetErrors.TOO_MANY_FILES, fix: "narrow the prefix, or back up to fewer, larger files" },
      ),
    );
  findings.push(...memberFindings(input, prefix), ...headerFindings(input));
  return {
    ok: !findings.some((f) => f.severity === "error"),
    pattern: input.pattern,
    files: [...input.listedKeys],
    numberOfFiles: input.listedKeys.length,
    findings,
  };
}
