import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { lstat, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { useCliCredentials, useTempDir, useTestAws } from "../support/fixtures.js";

const aws = useTestAws();
useCliCredentials();
const dir = useTempDir("s3cse-cli-target-");

async function upload(name: string, data: Buffer): Promise<string> {
  const file = join(dir, `${name}.src`);
  await writeFile(file, data);
  const url = `s3://${aws.bucket}/cli-target/${name}`;
  const up = await runCli([
    "upload",
    file,
    url,
    "--kms-key-id",
    aws.keyId,
    "--endpoint-url",
    aws.moto.endpoint,
  ]);
  expect(up.code).toBe(0);
  await rm(file);
  return url;
}

const download = (url: string, target: string, ...extra: string[]) =>
  runCli(["download", url, target, ...extra, "--endpoint-url", aws.moto.endpoint]);

describe("s3-cse download targets", () => {
  it("- writes the plaintext to stdout", async () => {
    // Text plaintext: the in-process runner captures stdout as a string.
    const data = Buffer.from(randomBytes(35_000).toString("hex"));
    const url = await upload("stdout.bin", data);
    const r = await download(url, "-");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(data.toString());
  });

  it("- with a tampered v3 object: nothing on stdout (authenticated first), exit 1", async () => {
    const url = await upload("tampered.bin", randomBytes(5000));
    const key = "cli-target/tampered.bin";
    const obj = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
    const body = Buffer.from(await obj.Body!.transformToByteArray());
    body[100]! ^= 1;
    await aws.s3.send(
      new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: body, Metadata: obj.Metadata }),
    );
    const r = await download(url, "-");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/authenticat/i);
    const delayed = await download(url, "-", "--delayed-authentication");
    expect(delayed.code).toBe(1);
    expect(delayed.stdout.length).toBeGreaterThan(0);
  });

  it("Precondition: download to - (stdout) is not combined with --json", async () => {
    const r = await download(`s3://${aws.bucket}/cli-target/none`, "-", "--json");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--json cannot be used with -/);
  });

  it("a FIFO target is refused (NOT_A_REGULAR_FILE) and stays a FIFO", async () => {
    const url = await upload("fifo.bin", randomBytes(1000));
    const fifo = join(dir, "out.fifo");
    execFileSync("mkfifo", [fifo]);
    const before = await readdir(dir);
    const r = await download(url, fifo, "--json");
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ ok: false, error: { code: "NOT_A_REGULAR_FILE" } });
    expect((await lstat(fifo)).isFIFO()).toBe(true);
    expect(await readdir(dir)).toEqual(before);
  });

  it("a symlink to /dev/null is refused; the link still points to a character device", async () => {
    const url = await upload("devnull.bin", randomBytes(1000));
    const link = join(dir, "null-link");
    await symlink("/dev/null", link);
    const r = await download(url, link);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/character device, not a regular file/);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect((await stat(link)).isCharacterDevice()).toBe(true);
  });

  it("a directory target gets DIR/<key basename>, named in the output", async () => {
    const data = randomBytes(3000);
    const url = await upload("into-dir.bin", data);
    const target = await mkdtemp(join(dir, "d-"));
    const r = await download(url, target);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(join(target, "into-dir.bin"));
    expect((await readFile(join(target, "into-dir.bin"))).equals(data)).toBe(true);
  });
});
