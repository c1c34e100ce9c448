/** Flag combinations the CLI refuses before it talks to AWS: exit 2 (usage) or the error's own code. */
import { describe, expect, it } from "vitest";
import { runCli } from "../../support/cli.js";

const KEY = "arn:aws:kms:us-east-1:111122223333:key/k";

describe("upload --resume flags", () => {
  it("Precondition: --checkpoint is given with --resume", async () => {
    const r = await runCli([
      "upload",
      "a.bak",
      "s3://b/k",
      "--kms-key-id",
      KEY,
      "--checkpoint",
      "a.ckpt",
      "--json",
    ]);
    expect(r.code).toBe(2);
    expect(r.json()).toMatchObject({
      ok: false,
      error: {
        code: "INVALID_ARGUMENT",
        message: "--checkpoint names the checkpoint of a resumable upload: add --resume",
      },
    });
  });

  it("Precondition: stdin is not resumable", async () => {
    const r = await runCli(["upload", "-", "s3://b/k", "--kms-key-id", KEY, "--resume", "--json"], {
      stdin: Buffer.from("backup bytes"),
    });
    expect(r.code).not.toBe(0);
    expect(r.json()).toMatchObject({
      ok: false,
      error: { code: "NOT_RESUMABLE", message: expect.stringMatching(/^stdin cannot be resumed/) },
    });
  });
});

describe("verify --db-instance and RDS wildcards", () => {
  it("Precondition: --db-instance comes with --rds", async () => {
    const r = await runCli(["verify", "s3://b/k.bak", "--db-instance", "db1", "--json"]);
    expect(r.code).toBe(2);
    expect(r.json()).toMatchObject({
      error: { code: "INVALID_ARGUMENT", message: "--db-instance needs --rds --kms-key-id <key ARN>" },
    });
  });

  it("Precondition: --db-instance checks one object or one RDS wildcard, not a prefix", async () => {
    const r = await runCli([
      "verify",
      "s3://b/backups/",
      "--rds",
      "--kms-key-id",
      KEY,
      "--db-instance",
      "db1",
      "--json",
    ]);
    expect(r.code).toBe(2);
    expect(r.json()).toMatchObject({
      error: {
        code: "INVALID_ARGUMENT",
        message: expect.stringMatching(/^--db-instance needs one object .* not a prefix$/),
      },
    });
  });

  it("Precondition: an RDS wildcard has one '*', at the end", async () => {
    for (const url of ["s3://b/back*ups/db*", "s3://b/a*b"]) {
      const r = await runCli(["verify", url, "--rds", "--kms-key-id", KEY, "--json"]);
      expect(r.code).toBe(2);
      expect(r.json()).toMatchObject({
        error: {
          code: "INVALID_ARGUMENT",
          message: `"${url}": RDS restores a set with one trailing '*' (s3://bucket/prefix/name*), not a '*' inside the key`,
        },
      });
    }
  });
});

describe("rewrap size flags", () => {
  it("Precondition: size flags are positive whole numbers of bytes", async () => {
    for (const [flag, value] of [
      ["--copy-threshold", "0"],
      ["--copy-threshold", "-5"],
      ["--copy-part-size", "1.5"],
      ["--copy-part-size", "5MiB"],
    ] as const) {
      const r = await runCli([
        "rewrap",
        "s3://b/k",
        "--kms-key-id",
        "old",
        "--new-kms-key-id",
        "new",
        flag,
        value,
        "--json",
      ]);
      expect(r.code).toBe(2);
      expect(r.json()).toMatchObject({
        error: { code: "INVALID_ARGUMENT", message: `${flag} must be a positive number of bytes` },
      });
    }
  });
});
