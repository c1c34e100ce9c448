import { createDecipheriv, createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DecryptCommand } from "@aws-sdk/client-kms";
import { GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import type { WriteFormat } from "../../src/materials/materials.js";
import { openDecryptedStream } from "../../src/transfer/download.js";
import { decryptFile, encryptFile } from "../../src/transfer/offline.js";
import { MiB } from "../../src/transfer/part-size.js";
import { uploadEncryptedFile } from "../../src/transfer/upload-encrypted.js";
import { runCli } from "../support/cli.js";
import { useCliCredentials, useTempDir, useTestAws } from "../support/fixtures.js";
import { writePolicyFor } from "../support/write-policy.js";

const aws = useTestAws();
useCliCredentials();
const dir = useTempDir("s3cse-offline-");
const LOG = new URL("../../fixtures/bak/TransactionLogBackup.bak", import.meta.url).pathname;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

const ctxFor = (f: WriteFormat): Record<string, string> => (f === "rds" ? {} : { tenant: "t1" });
const keyring = () => new KmsKeyring({ client: aws.kms, keyId: aws.keyId });

describe("offline encryption against moto_server", () => {
  it("CLI encrypt --format rds → upload-encrypted → independent V1 check (node:crypto CBC + raw KMS Decrypt) and verify --rds --deep", async () => {
    const plain = await readFile(LOG);
    const enc = join(dir, "log.bak.enc");
    const e = await runCli([
      "encrypt",
      LOG,
      enc,
      "--kms-key-id",
      aws.keyId,
      "--format",
      "rds",
      "--endpoint-url",
      aws.moto.endpoint,
      "--json",
    ]);
    expect(e.code, e.stderr).toBe(0);
    const sidecar = JSON.parse(await readFile(`${enc}.s3cse.json`, "utf8"));
    expect(sidecar.plaintext).toEqual({ length: plain.length, sha256: sha(plain) });
    const cipher = await readFile(enc);
    expect(sidecar.ciphertext).toEqual({ length: cipher.length, sha256: sha(cipher) });
    expect(Object.keys(sidecar.metadata).sort()).toEqual([
      "x-amz-iv",
      "x-amz-key",
      "x-amz-matdesc",
      "x-amz-unencrypted-content-length",
    ]);
    expect(sidecar.instructionFile.instructionFile["x-amz-key"]).toBe(sidecar.metadata["x-amz-key"]);

    const url = `s3://${aws.bucket}/offline/log.bak`;
    const u = await runCli(["upload-encrypted", enc, url, "--endpoint-url", aws.moto.endpoint]);
    expect(u.code, u.stderr).toBe(0);

    // Independent V1 check: no s3-cse code, just KMS Decrypt with no context and AES-256-CBC.
    const obj = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: "offline/log.bak" }));
    const body = Buffer.from(await obj.Body!.transformToByteArray());
    const md = obj.Metadata!;
    expect(md["x-amz-matdesc"]).toBe("{}");
    const dk = await aws.kms.send(
      new DecryptCommand({ CiphertextBlob: Buffer.from(md["x-amz-key"]!, "base64") }),
    );
    const d = createDecipheriv("aes-256-cbc", dk.Plaintext!, Buffer.from(md["x-amz-iv"]!, "base64"));
    expect(Buffer.concat([d.update(body), d.final()]).equals(plain)).toBe(true);

    const v = await runCli([
      "verify",
      url,
      "--rds",
      "--kms-key-id",
      aws.keyArn,
      "--deep",
      "--compare",
      LOG,
      "--json",
      "--endpoint-url",
      aws.moto.endpoint,
    ]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.json()).toMatchObject({ ok: true, deep: { decrypted: true, compare: { match: true } } });
  });

  for (const format of ["rds", "v2", "v3"] as WriteFormat[]) {
    it(`${format}: encrypt → decrypt locally byte-exact (1-byte, empty and random sizes)`, async () => {
      for (const size of [0, 1, 16, 8 * MiB + 7]) {
        const plain = randomBytes(size);
        const src = join(dir, `p-${format}-${size}`);
        await writeFile(src, plain);
        await encryptFile({
          input: src,
          output: `${src}.enc`,
          keyring: keyring(),
          format,
          commitmentPolicy: writePolicyFor(format),
          encryptionContext: ctxFor(format),
        });
        const out = `${src}.out`;
        const r = await decryptFile({
          input: `${src}.enc`,
          output: out,
          keyring: keyring(),
          encryptionContext: ctxFor(format),
          ...(format === "v3" ? {} : { allowLegacy: true }),
        });
        expect(r.bytes).toBe(size);
        expect((await readFile(out)).equals(plain)).toBe(true);
      }
    });
  }

  it("decrypt of an rds file needs --allow-legacy (the download policy), and says so", async () => {
    const src = join(dir, "legacy");
    await writeFile(src, randomBytes(100));
    await encryptFile({ input: src, output: `${src}.enc`, keyring: keyring(), format: "rds" });
    const r = await runCli(["decrypt", `${src}.enc`, `${src}.out`, "--endpoint-url", aws.moto.endpoint]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--allow-legacy");
    expect(existsSync(`${src}.out`)).toBe(false);
  });

  it("Precondition: the ciphertext file matches the sidecar's length and SHA-256 (tampered ciphertext refused by upload and decrypt)", async () => {
    const src = join(dir, "tamper");
    await writeFile(src, randomBytes(5000));
    await encryptFile({ input: src, output: `${src}.enc`, keyring: keyring(), format: "rds" });
    const c = await readFile(`${src}.enc`);
    c[100] = (c[100] ?? 0) ^ 1;
    await writeFile(`${src}.enc`, c);
    await expect(
      uploadEncryptedFile({ s3: aws.s3, bucket: aws.bucket, key: "offline/tamper", file: `${src}.enc` }),
    ).rejects.toMatchObject({ code: "AUTHENTICATION_FAILED" });
    await expect(
      aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: "offline/tamper" })),
    ).rejects.toThrow();
    await expect(
      decryptFile({ input: `${src}.enc`, output: `${src}.out`, keyring: keyring(), allowLegacy: true }),
    ).rejects.toMatchObject({ code: "AUTHENTICATION_FAILED" });
    expect(existsSync(`${src}.out`)).toBe(false);
  });

  it("a tampered sidecar is refused: changed metadata (IV) fails the plaintext hash; changed digests fail the ciphertext check", async () => {
    const src = join(dir, "sc");
    const plain = randomBytes(3000);
    await writeFile(src, plain);
    await encryptFile({ input: src, output: `${src}.enc`, keyring: keyring(), format: "rds" });
    const original = await readFile(`${src}.enc.s3cse.json`, "utf8");
    const sc = JSON.parse(original);
    sc.metadata["x-amz-iv"] = randomBytes(16).toString("base64");
    await writeFile(`${src}.enc.s3cse.json`, JSON.stringify(sc));
    await expect(
      decryptFile({ input: `${src}.enc`, output: `${src}.out`, keyring: keyring(), allowLegacy: true }),
    ).rejects.toMatchObject({ code: "AUTHENTICATION_FAILED" });
    expect(existsSync(`${src}.out`)).toBe(false);
    const sc2 = JSON.parse(original);
    sc2.ciphertext.sha256 = "0".repeat(64);
    await writeFile(`${src}.enc.s3cse.json`, JSON.stringify(sc2));
    await expect(
      uploadEncryptedFile({ s3: aws.s3, bucket: aws.bucket, key: "offline/sc", file: `${src}.enc` }),
    ).rejects.toMatchObject({ code: "AUTHENTICATION_FAILED" });
    await writeFile(`${src}.enc.s3cse.json`, "{}");
    await expect(
      uploadEncryptedFile({ s3: aws.s3, bucket: aws.bucket, key: "offline/sc", file: `${src}.enc` }),
    ).rejects.toMatchObject({ code: "INVALID_METADATA" });
  });

  it("Precondition: the sidecar's lengths agree with its content algorithm", async () => {
    const src = join(dir, "len");
    await writeFile(src, randomBytes(300));
    await encryptFile({
      input: src,
      output: `${src}.enc`,
      keyring: keyring(),
      format: "v3",
      encryptionContext: ctxFor("v3"),
    });
    const sc = JSON.parse(await readFile(`${src}.enc.s3cse.json`, "utf8"));
    sc.plaintext.length = 299;
    await writeFile(`${src}.enc.s3cse.json`, JSON.stringify(sc));
    await expect(
      decryptFile({
        input: `${src}.enc`,
        output: `${src}.out`,
        keyring: keyring(),
        encryptionContext: ctxFor("v3"),
      }),
    ).rejects.toMatchObject({ code: "TRUNCATED" });
  });

  it("v3 multipart upload-encrypted (5 MiB parts, 11 MiB) and instruction-file placement download byte-exact", async () => {
    const plain = randomBytes(11 * MiB + 5);
    const src = join(dir, "big");
    await writeFile(src, plain);
    await encryptFile({
      input: src,
      output: `${src}.enc`,
      keyring: keyring(),
      format: "v3",
      encryptionContext: ctxFor("v3"),
    });
    for (const placement of ["object", "instruction-file"] as const) {
      const key = `offline/big-${placement}`;
      const r = await uploadEncryptedFile({
        s3: aws.s3,
        bucket: aws.bucket,
        key,
        file: `${src}.enc`,
        partSize: 5 * MiB,
        metadataPlacement: placement,
      });
      expect(r.parts).toBe(3);
      const { stream } = await openDecryptedStream({
        s3: aws.s3,
        bucket: aws.bucket,
        key,
        keyring: keyring(),
        encryptionContext: ctxFor("v3"),
        delayedAuthentication: true,
      });
      const parts: Buffer[] = [];
      for await (const c of stream) parts.push(c as Buffer);
      expect(Buffer.concat(parts).equals(plain)).toBe(true);
    }
    const uploads = await aws.s3.send(new ListMultipartUploadsCommand({ Bucket: aws.bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it("Precondition: the rds format keeps its metadata on the object (RDS does not read instruction files) — upload-encrypted", async () => {
    const src = join(dir, "rdsinstr");
    await writeFile(src, randomBytes(10));
    await encryptFile({ input: src, output: `${src}.enc`, keyring: keyring(), format: "rds" });
    await expect(
      uploadEncryptedFile({
        s3: aws.s3,
        bucket: aws.bucket,
        key: "x",
        file: `${src}.enc`,
        metadataPlacement: "instruction-file",
      }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});
