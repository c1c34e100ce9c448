/** The checks `verify --rds s3://bucket/prefix*` makes on the set as a whole (checkBackupSet). */
import { describe, expect, it } from "vitest";
import { FindingCodes } from "../../../src/inspect/findings.js";
import { checkBackupSet, RDS_MAX_SET_FILES, SetErrors } from "../../../src/inspect/rds-set.js";

const pattern = "backups/db*";
/** A per-object result whose deep check read an MTF header with these ids. */
const striped = (key: string, mediaFamilyId: number, mediaSetId = "set-1") =>
  ({ key, deep: { backupHeader: { looksLikeBackup: true, mediaFamilyId, mediaSetId } } }) as never;
const check = (listedKeys: string[], results: never[] = []) =>
  checkBackupSet({ bucket: "b", pattern, listedKeys, results });
const codes = (r: ReturnType<typeof check>) => r.findings.map((f) => f.code);

describe("checkBackupSet", () => {
  it("a complete striped set of distinct families from one media set passes", () => {
    const keys = ["backups/db1-of-2.bak", "backups/db2-of-2.bak"];
    const r = check(keys, [striped(keys[0]!, 1), striped(keys[1]!, 2)]);
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it("Precondition: the RDS wildcard matches at least one object", () => {
    const r = check([]);
    expect(r.ok).toBe(false);
    expect(r.findings).toEqual([
      expect.objectContaining({
        code: FindingCodes.RDS_SET_EMPTY,
        severity: "error",
        message: "no object matches s3://b/backups/db*",
      }),
    ]);
  });

  it("Precondition: a set has at most 10 files (RDS's limit)", () => {
    const keys = Array.from({ length: RDS_MAX_SET_FILES + 1 }, (_, i) => `backups/db${i + 1}-of-11.bak`);
    const r = check(keys);
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        code: FindingCodes.RDS_SET_TOO_MANY_FILES,
        severity: "error",
        message: "11 objects match backups/db*; RDS restores from at most 10",
        rdsError: SetErrors.TOO_MANY_FILES,
      }),
    );
    expect(codes(check(keys.slice(0, 10).map((k) => k.replace("of-11", "of-10"))))).toEqual([]);
  });

  it("Precondition: nothing but the set's files shares the set's prefix", () => {
    const r = check([
      "backups/db1-of-2.bak",
      "backups/db2-of-2.bak",
      "backups/db-notes.txt",
      "backups/db1-of-2.bak.instruction",
    ]);
    expect(r.ok).toBe(false);
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        code: FindingCodes.RDS_SET_FOREIGN_OBJECT,
        message: expect.stringMatching(
          /^backups\/db-notes\.txt, backups\/db1-of-2\.bak\.instruction match backups\/db\* but are not part/,
        ),
      }),
    );
  });

  it("Precondition: every member 1..M of an NofM set is there, all with the same M", () => {
    const missing = check(["backups/db1-of-3.bak", "backups/db3-of-3.bak"]);
    expect(missing.findings).toContainEqual(
      expect.objectContaining({
        code: FindingCodes.RDS_SET_MEMBER_MISSING,
        message: "backup set backups/db* is 3 files but 2-of-3 is missing",
        rdsError: "The media set has 3 media families but only 2 are provided. All members must be provided.",
      }),
    );
    const mixed = check(["backups/db1-of-2.bak", "backups/db2-of-2.bak", "backups/db1-of-3.bak"]);
    expect(mixed.findings).toContainEqual(
      expect.objectContaining({
        code: FindingCodes.RDS_SET_MEMBER_MISSING,
        message: "the files under backups/db* name different set sizes (of-2, of-3)",
      }),
    );
  });

  it("Precondition: each media family of the set is there once (distinct MTF media family IDs)", () => {
    const keys = ["backups/db1-of-2.bak", "backups/db2-of-2.bak"];
    const r = check(keys, [striped(keys[0]!, 7), striped(keys[1]!, 7)]);
    expect(r.ok).toBe(false);
    expect(r.findings).toEqual([
      expect.objectContaining({
        code: FindingCodes.RDS_SET_MEDIA_MISMATCH,
        severity: "error",
        message:
          "backups/db1-of-2.bak and backups/db2-of-2.bak hold the same MTF media family (the same stripe uploaded twice?)",
      }),
    ]);
  });

  it("Precondition: all files of the set belong to one SQL Server media set (a warning)", () => {
    const keys = ["backups/db1-of-2.bak", "backups/db2-of-2.bak"];
    const r = check(keys, [striped(keys[0]!, 1, "set-a"), striped(keys[1]!, 2, "set-b")]);
    expect(r.ok).toBe(true);
    expect(r.findings).toEqual([
      expect.objectContaining({
        code: FindingCodes.RDS_SET_MEDIA_MISMATCH,
        severity: "warning",
        message: expect.stringMatching(
          /^the files under backups\/db\* carry 2 different SQL Server media-set ids/,
        ),
      }),
    ]);
  });
});
