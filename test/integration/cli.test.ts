import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { HeadObjectCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { runCli, spawnCli } from "../support/cli.js";
import { useCliCredentials, useTempDir, useTestAws } from "../support/fixtures.js";

const aws = useTestAws();
useCliCredentials();
const dir = useTempDir("s3cse-cli-");
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("s3-cse CLI against moto_server", () => {
  it("upload --format rds --json prints the contract fields; download needs --allow-legacy and names it", async () => {
    const file = join(dir, "FullBackup.bak");
    const original = await readFile("fixtures/bak/FullBackup.bak");
    await writeFile(file, original);
    const url = `s3://${aws.bucket}/cli/FullBackup.bak`;
    const up = await runCli([
      "upload",
      file,
      url,
      "--kms-key-id",
      aws.aliasName,
      "--format",
      "rds",
      "--json",
      "--endpoint-url",
      aws.moto.endpoint,
    ]);
    expect(up.code).toBe(0);
    const j = up.json();
    expect(j).toMatchObject({
      ok: true,
      bucket: aws.bucket,
      key: "cli/FullBackup.bak",
      format: "rds",
      bytes: original.length,
      parts: 0,
    });
    expect(Object.keys(j.metadata as object).sort()).toEqual([
      "x-amz-iv",
      "x-amz-key",
      "x-amz-matdesc",
      "x-amz-unencrypted-content-length",
    ]);

    const out = join(dir, "restored.bak");
    const blocked = await runCli(["download", url, out, "--endpoint-url", aws.moto.endpoint]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/--allow-legacy/);
    expect(existsSync(out)).toBe(false);

    const down = await runCli([
      "download",
      url,
      out,
      "--allow-legacy",
      "--kms-key-id",
      aws.keyArn,
      "--json",
      "--endpoint-url",
      aws.moto.endpoint,
    ]);
    expect(down.code).toBe(0);
    expect(down.json()).toMatchObject({ ok: true, format: "v1", bytes: original.length });
    expect(sha(await readFile(out))).toBe(sha(original));
  });

  it("download with the wrong --kms-key-id fails, leaves no output or temporary file", async () => {
    const file = join(dir, "small.bak");
    await writeFile(file, randomBytes(1000));
    const url = `s3://${aws.bucket}/cli/small.bak`;
    expect(
      (
        await runCli([
          "upload",
          file,
          url,
          "--kms-key-id",
          aws.keyId,
          "--format",
          "rds",
          "--endpoint-url",
          aws.moto.endpoint,
        ])
      ).code,
    ).toBe(0);
    const other = await runCli([
      "upload",
      file,
      `s3://${aws.bucket}/cli/other.bak`,
      "--kms-key-id",
      aws.keyId,
      "--endpoint-url",
      aws.moto.endpoint,
    ]);
    expect(other.code).toBe(0);
    const before = await readdir(dir);
    const out = join(dir, "wrong-key.bak");
    const r = await runCli([
      "download",
      url,
      out,
      "--allow-legacy",
      "--kms-key-id",
      "alias/does-not-exist",
      "--endpoint-url",
      aws.moto.endpoint,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/KMS Decrypt/);
    expect(await readdir(dir)).toEqual(before);
  });

  it("v3 (default format) with --context round-trips; a different --context is refused", async () => {
    const file = join(dir, "v3.bin");
    const data = randomBytes(70_000);
    await writeFile(file, data);
    const url = `s3://${aws.bucket}/cli/v3.bin`;
    const up = await runCli([
      "upload",
      file,
      url,
      "--kms-key-id",
      aws.keyArn,
      "--context",
      "db=sales",
      "--json",
      "--endpoint-url",
      aws.moto.endpoint,
    ]);
    expect(up.code).toBe(0);
    expect(up.json().format).toBe("v3");
    const out = join(dir, "v3.out");
    const wrong = await runCli([
      "download",
      url,
      out,
      "--context",
      "db=hr",
      "--endpoint-url",
      aws.moto.endpoint,
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/encryption context/);
    const ok = await runCli([
      "download",
      url,
      out,
      "--context",
      "db=sales",
      "--endpoint-url",
      aws.moto.endpoint,
    ]);
    expect(ok.code).toBe(0);
    expect((await readFile(out)).equals(data)).toBe(true);
  });

  it("upload --commitment-policy: every policy × format pair is allowed or refused as the official clients do", async () => {
    const file = join(dir, "policy.bin");
    await writeFile(file, randomBytes(100));
    const cases: [string | undefined, string, boolean][] = [
      [undefined, "v3", true],
      [undefined, "v2", false],
      [undefined, "rds", true],
      ["require-encrypt-require-decrypt", "v2", false],
      ["require-encrypt-allow-decrypt", "v2", false],
      ["require-encrypt-allow-decrypt", "v3", true],
      ["forbid-encrypt-allow-decrypt", "v2", true],
      ["forbid-encrypt-allow-decrypt", "v3", false],
      ["forbid-encrypt-allow-decrypt", "rds", true],
    ];
    for (const [policy, format, allowed] of cases) {
      const key = `cli/policy-${policy ?? "default"}-${format}`;
      const up = await runCli([
        "upload",
        file,
        `s3://${aws.bucket}/${key}`,
        "--kms-key-id",
        aws.keyId,
        "--format",
        format,
        ...(policy ? ["--commitment-policy", policy] : []),
        "--json",
        "--endpoint-url",
        aws.moto.endpoint,
      ]);
      expect(up.code, `${policy} ${format}: ${up.stderr}`).toBe(allowed ? 0 : 1);
      if (!allowed) {
        expect(up.json()).toMatchObject({ ok: false, error: { code: "COMMITMENT_POLICY" } });
        const head = aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
        await expect(head).rejects.toMatchObject({ name: "NotFound" });
      }
    }
  });

  it("--instruction-file and --unsigned-payload: metadata in <key>.instruction, body readable back", async () => {
    const file = join(dir, "instr.bin");
    const data = randomBytes(6 * 1024 * 1024 + 5);
    await writeFile(file, data);
    const url = `s3://${aws.bucket}/cli/instr.bin`;
    const up = await runCli([
      "upload",
      file,
      url,
      "--kms-key-id",
      aws.keyId,
      "--format",
      "v2",
      "--commitment-policy",
      "forbid-encrypt-allow-decrypt",
      "--instruction-file",
      "--unsigned-payload",
      "--part-size",
      "5MiB",
      "--json",
      "--endpoint-url",
      aws.moto.endpoint,
    ]);
    expect(up.code).toBe(0);
    expect(up.json()).toMatchObject({ parts: 2, instructionFileKey: "cli/instr.bin.instruction" });
    const head = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: "cli/instr.bin" }));
    expect(Object.keys(head.Metadata ?? {}).filter((k) => k.startsWith("x-amz-key"))).toEqual([]);
    const out = join(dir, "instr.out");
    const down = await runCli([
      "download",
      url,
      out,
      "--commitment-policy",
      "require-encrypt-allow-decrypt",
      "--endpoint-url",
      aws.moto.endpoint,
    ]);
    expect(down.code).toBe(0);
    expect((await readFile(out)).equals(data)).toBe(true);
  });

  it("uses AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_KMS from the environment (path-style)", async () => {
    const file = join(dir, "env.bak");
    await writeFile(file, randomBytes(5000));
    const child = spawnCli(
      [
        "upload",
        file,
        `s3://${aws.bucket}/cli/env.bak`,
        "--kms-key-id",
        aws.keyId,
        "--format",
        "rds",
        "--json",
      ],
      {
        AWS_ENDPOINT_URL_S3: aws.moto.endpoint,
        AWS_ENDPOINT_URL_KMS: aws.moto.endpoint,
      },
    );
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    const code = await new Promise((r) => child.on("exit", r));
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, bytes: 5000 });
  });

  it("SIGINT during a multipart upload aborts it: exit 130, no upload left behind", async () => {
    const bucket = await aws.newBucket();
    const child = spawnCli(
      [
        "upload",
        "-",
        `s3://${bucket}/stdin.bak`,
        "--kms-key-id",
        aws.keyId,
        "--format",
        "rds",
        "--part-size",
        "5MiB",
        "--endpoint-url",
        aws.moto.endpoint,
      ],
      {},
    );
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.stdin.on("error", () => undefined); // the child stops reading once it is interrupted
    const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    child.stdin.write(randomBytes(12 * 1024 * 1024)); // two parts' worth; stdin stays open
    let uploads = 0;
    for (let i = 0; i < 100 && uploads === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      uploads = (await aws.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads?.length ?? 0;
    }
    expect(uploads).toBe(1);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/SIGINT/);
    const after = await aws.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(after.Uploads ?? []).toEqual([]);
  });
});
