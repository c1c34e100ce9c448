import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBuiltCli } from "../support/cli.js";

let home: string;
let file: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "s3cse-msg-"));
  file = join(home, "a.bak");
  await writeFile(file, "x");
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

// A machine with no AWS setup at all: empty HOME, no AWS_* variables, no instance metadata.
const bare = () => ({ HOME: home, AWS_EC2_METADATA_DISABLED: "true" });
const upload = (...extra: string[]) => ["upload", file, "s3://b/k", "--kms-key-id", "alias/x", ...extra];

describe("messages that say how to fix it (built binary)", () => {
  it("no credentials: says to run aws configure / set AWS_PROFILE / the env variables", async () => {
    const r = await runBuiltCli(upload("--region", "us-east-1"), { env: bare(), onlyEnv: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hint: no AWS credentials found: run `aws configure`/);
    expect(r.stderr).toMatch(/AWS_PROFILE/);
    expect(r.stderr).toMatch(/AWS_ACCESS_KEY_ID/);
  }, 30_000);

  it("--profile nope: says the profile is not found", async () => {
    const r = await runBuiltCli(upload("--region", "us-east-1", "--profile", "nope"), {
      env: bare(),
      onlyEnv: true,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /hint: profile "nope" is not found in ~\/\.aws\/config or ~\/\.aws\/credentials/,
    );
  }, 30_000);

  it("a profile that exists but gives no credentials is not called missing", async () => {
    await mkdir(join(home, ".aws"), { recursive: true });
    await writeFile(join(home, ".aws", "config"), "[profile empty]\nregion = us-east-1\n");
    try {
      const r = await runBuiltCli(upload("--profile", "empty"), { env: bare(), onlyEnv: true });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/hint: profile "empty" gave no credentials/);
    } finally {
      await rm(join(home, ".aws"), { recursive: true, force: true });
    }
  }, 30_000);

  it("no region: says how to set it", async () => {
    const r = await runBuiltCli(upload(), {
      env: { ...bare(), AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" },
      onlyEnv: true,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hint: no AWS region: pass --region/);
    expect(r.stderr).toMatch(/AWS_REGION/);
    expect(r.stderr).not.toMatch(/secret/); // never the credentials
  }, 30_000);

  it("--concurrency 0 (and 65) says the range", async () => {
    for (const bad of ["0", "65"]) {
      const r = await runBuiltCli(upload("--concurrency", bad), { env: bare(), onlyEnv: true });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--concurrency must be a whole number from 1 to 64/);
    }
  }, 30_000);
});

describe("--help and output flags (built binary)", () => {
  it("every command --help has examples and the exit codes", async () => {
    const top = await runBuiltCli(["--help"], { env: bare(), onlyEnv: true });
    // the commands the built binary lists (not a list kept here)
    const commands = [...top.stdout.split("Commands:\n")[1]!.matchAll(/^ {2}([a-z-]+) /gm)]
      .map((m) => m[1]!)
      .filter((c) => c !== "help");
    expect(commands).toEqual(expect.arrayContaining(["upload", "download", "verify", "cp", "rewrap"]));
    expect(commands).toHaveLength(9);
    for (const command of commands) {
      const r = await runBuiltCli([command, "--help"], { env: bare(), onlyEnv: true });
      expect(r.code).toBe(0);
      expect(r.stdout, command).toMatch(new RegExp(`Examples:\\n  s3-cse ${command} `));
      expect(r.stdout, command).toMatch(
        /Exit codes:\n {2}0 {2}success\n {2}1 {2}failure.*\n {2}2 {2}usage error.*\n {2}130 .*SIGINT.*143 .*SIGTERM/,
      );
    }
  }, 60_000);

  it("Precondition: every required argument of the command is given", async () => {
    // commander alone checks required options first: `upload` with no FILE complained of --kms-key-id
    for (const [args, missing, usage] of [
      [["upload"], "file", "upload [options] <file>... <s3url>"],
      [
        ["upload", "a.bak", "--kms-key-id", "k", "--context", "a=b"],
        "s3url",
        "upload [options] <file>... <s3url>",
      ],
      [["cp", "a.bak"], "dst", "cp [options] <src> <dst>"],
      [["rewrap"], "s3url", "rewrap [options] <s3url>"],
      [["decrypt", "a.enc"], "out", "decrypt [options] <file> <out>"],
    ] as const) {
      const r = await runBuiltCli([...args], { env: bare(), onlyEnv: true });
      expect(r.code).toBe(2);
      expect(r.stderr.split("\n")[0]).toBe(
        `error: missing required argument '${missing}' (usage: s3-cse ${usage})`,
      );
    }
    // all arguments given: the missing required option is named, as before
    const r = await runBuiltCli(["upload", "a.bak", "s3://b/k"], { env: bare(), onlyEnv: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/required option '--kms-key-id <id>' not specified/);
  }, 60_000);

  it("upload and cp take every AWS CLI output and network flag", async () => {
    const r = await runBuiltCli(["cp", "--help"], { env: bare(), onlyEnv: true });
    for (const flag of [
      "--quiet",
      "--only-show-errors",
      "--no-progress",
      "--cli-connect-timeout",
      "--cli-read-timeout",
      "--sse",
      "--storage-class",
      "--object-lock-mode",
    ])
      expect(r.stdout).toContain(flag);
  }, 30_000);
});
