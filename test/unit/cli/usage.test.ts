import { describe, expect, it } from "vitest";
import { parseConcurrency } from "../../../src/cli/byte-size.js";
import { parsePairs, parseS3Url } from "../../../src/cli/s3-url.js";
import { runCli } from "../../support/cli.js";

describe("CLI usage errors exit with 2 and say what is wrong", () => {
  it("unknown command", async () => {
    const r = await runCli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
  });

  it("upload without --kms-key-id", async () => {
    const r = await runCli(["upload", "a.bak", "s3://b/k"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--kms-key-id/);
  });

  it("unknown --format", async () => {
    const r = await runCli(["upload", "a.bak", "s3://b/k", "--kms-key-id", "k", "--format", "v9"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/rds, v2, v3/);
  });

  it("bad --part-size, with a JSON error object under --json", async () => {
    const r = await runCli([
      "upload",
      "a.bak",
      "s3://b/k",
      "--kms-key-id",
      "k",
      "--part-size",
      "huge",
      "--json",
    ]);
    expect(r.code).toBe(2);
    expect(r.json()).toMatchObject({
      ok: false,
      error: { code: "INVALID_ARGUMENT", message: expect.stringMatching(/not a size/) },
    });
  });

  it("Precondition: --concurrency is a whole number from 1 to 64", async () => {
    // 65 and 10001: the library's own limit is 64, so the CLI states that range (it said 1-10000 before)
    for (const bad of ["0", "1.5", "65", "10001", "many", "-1", "1e1"]) {
      for (const command of [
        ["upload", "a.bak", "s3://b/k", "--kms-key-id", "k"],
        ["upload-encrypted", "a.enc", "s3://b/k"],
      ]) {
        const r = await runCli([...command, "--concurrency", bad]);
        expect(r.code).toBe(2);
        // the message names the flag and says the allowed range, not just "invalid"
        expect(r.stderr).toMatch(/--concurrency must be a whole number from 1 to 64 \(parts in flight/);
      }
    }
    expect(parseConcurrency("64")).toBe(64);
    expect(parseConcurrency(undefined)).toBe(4);
  });

  it("Precondition: download --concurrency is a whole number from 1 to 10000", async () => {
    for (const bad of ["0", "1.5", "10001", "many"]) {
      const r = await runCli(["download", "s3://b/k", "out.bak", "--concurrency", bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /--concurrency must be a whole number from 1 to 10000 \(ranged GETs in flight/,
      );
    }
    const r = await runCli(["download", "s3://b/k", "out.bak", "--part-size", "huge"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a size/);
  });

  it("Precondition: an S3 location is written s3://bucket/key", async () => {
    expect(parseS3Url("s3://bucket/a/b.bak")).toEqual({ bucket: "bucket", key: "a/b.bak" });
    expect(() => parseS3Url("https://bucket/a")).toThrow(/not an S3 URL/);
    expect(() => parseS3Url("s3://bucket/")).toThrow(/names no object key/);
    expect(parseS3Url("s3://bucket/pre/", { allowPrefix: true })).toEqual({ bucket: "bucket", key: "pre/" });
    const r = await runCli(["download", "bucket/key", "out.bak"]);
    expect(r.code).toBe(2);
  });

  it("Precondition: each --context entry is key=value with a non-empty key", () => {
    expect(parsePairs(["a=b", "c=d=e", "f="], "--context")).toEqual({ a: "b", c: "d=e", f: "" });
    expect(() => parsePairs(["=x"], "--context")).toThrow(/key=value/);
  });

  it("--help exits 0", async () => {
    const r = await runCli(["upload", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--part-size/);
  });
});
