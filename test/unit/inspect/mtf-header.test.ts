import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkBackupHeader, MTF_HEAD_BYTES } from "../../../src/inspect/mtf-header.js";

const head = (name: string) =>
  readFileSync(new URL(`../../../fixtures/bak/${name}`, import.meta.url)).subarray(0, MTF_HEAD_BYTES);

describe("checkBackupHeader", () => {
  it("recognises the real SQL Server full and log backups", () => {
    for (const name of ["FullBackup.bak", "TransactionLogBackup.bak"]) {
      const r = checkBackupHeader(head(name));
      expect(r).toMatchObject({
        looksLikeBackup: true,
        checksumValid: true,
        softwareVendorId: 0x1200,
        softwareName: "Microsoft SQL Server",
        formatLogicalBlockSize: 1024,
        mtfMajorVersion: 1,
      });
    }
  });

  it("a SQL Server backup starts with the MTF TAPE descriptor block", () => {
    const r = checkBackupHeader(Buffer.from("PGDMP\u0001\u000e\u0000rest of a postgres dump"));
    expect(r.looksLikeBackup).toBe(false);
    expect(r.reason).toContain("PostgreSQL");
    expect(checkBackupHeader(Buffer.alloc(0)).reason).toContain("(none)");
    // CBC ciphertext (what RDS would see if the body were not decrypted) is not a backup either.
    expect(checkBackupHeader(Buffer.from("8f1c2a9e00112233", "hex")).reason).toContain("8f1c2a9e");
  });

  it("the TAPE block is complete", () => {
    const r = checkBackupHeader(head("FullBackup.bak").subarray(0, 60));
    expect(r).toMatchObject({ looksLikeBackup: false });
    expect(r.reason).toContain("only 60 bytes");
  });

  it("the TAPE block's header checksum is valid", () => {
    const b = Buffer.from(head("FullBackup.bak"));
    b[20] = (b[20] ?? 0) ^ 0xff;
    expect(checkBackupHeader(b)).toMatchObject({ looksLikeBackup: false, checksumValid: false });
  });

  it("the TAPE block was written by Microsoft SQL Server (vendor id 0x1200)", () => {
    const b = Buffer.from(head("FullBackup.bak"));
    b.writeUInt16LE(0x0cb0, 86);
    const r = checkBackupHeader(b);
    expect(r.looksLikeBackup).toBe(false);
    expect(r.reason).toContain("0xcb0");
  });
});
