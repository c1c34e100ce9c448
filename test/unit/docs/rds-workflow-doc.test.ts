/**
 * docs/rds-workflow.md stays true: the commands come in the order of a first restore (key → role →
 * option group → preflight → upload → restore), and the error table links every RDS error s3-cse
 * quotes to the findings that predict it, with every RDS finding code present.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FindingCodes } from "../../../src/inspect/findings.js";
import { RdsErrors } from "../../../src/inspect/rds-format.js";
import { SetErrors } from "../../../src/inspect/rds-set.js";
import { RdsSideErrors } from "../../../src/inspect/rds-side/rds-errors.js";

const doc = readFileSync(new URL("../../../docs/rds-workflow.md", import.meta.url), "utf8");
const section = (start: string, end: string) =>
  doc.slice(doc.indexOf(start), doc.indexOf(end, doc.indexOf(start)));
const order = section("## Commands in order", "## 1. ");
const table = section("### Which finding predicts which RDS error", "Failures of `s3-cse` itself");

/** Placeholders differ between the doc and the code (`<file>`, `<ARN>`): compare the words around them. */
const words = (text: string) =>
  text
    .replace(/<[^>]*>/g, " ")
    .replace(/['`]/g, "")
    .split(/\s+/)
    .filter(Boolean)
    .join(" ");

describe("docs/rds-workflow.md", () => {
  it("lists the commands in order: create key → role → option group → preflight → upload → restore", () => {
    const steps = [
      "aws kms create-key",
      "aws iam create-role",
      "aws kms put-key-policy",
      "aws rds create-option-group",
      "aws rds add-option-to-option-group",
      "--before-upload",
      "s3-cse upload",
      "--db-instance sales-prod\n",
      "rds_restore_database",
      "rds_task_status",
      "rds_backup_database",
      "s3-cse download",
    ];
    const at = steps.map((s) => order.indexOf(s));
    expect(
      at.every((i) => i >= 0),
      steps.filter((_, i) => at[i]! < 0).join(", "),
    ).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it("the error table names every RDS finding code", () => {
    const codes = Object.values(FindingCodes).filter((c) => c.startsWith("RDS_"));
    const missing = codes.filter((c) => !table.includes(`\`${c}\``));
    expect(missing).toEqual([]);
    expect(table).toContain("`NOT_A_SQL_SERVER_BACKUP`");
  });

  it("the error table quotes every RDS error message the findings carry", () => {
    const quoted = [
      RdsErrors.METADATA_INCOMPLETE,
      RdsErrors.MEDIA_FAMILY,
      RdsErrors.KEY_DOES_NOT_EXIST,
      ...Object.values(RdsSideErrors),
      ...Object.values(SetErrors),
      "is not authorized to perform: kms:DescribeKey on resource:",
    ];
    const text = words(table);
    expect(quoted.filter((q) => !text.includes(words(q)))).toEqual([]);
  });
});
