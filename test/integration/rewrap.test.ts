import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import type { WriteFormat } from "../../src/materials/materials.js";
import { openDecryptedStream } from "../../src/transfer/download.js";
import { MiB } from "../../src/transfer/part-size.js";
import { rewrapObject, rewrapPrefix } from "../../src/transfer/rewrap.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import { runCli } from "../support/cli.js";
import { useCliCredentials, useTestAws } from "../support/fixtures.js";
import { writePolicyFor } from "../support/write-policy.js";

const aws = useTestAws();
useCliCredentials();
let newKeyId: string;
let otherKeyId: string;
beforeAll(async () => {
  newKeyId = (await aws.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  otherKeyId = (await aws.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
});

const ctxFor = (format: WriteFormat): Record<string, string> => (format === "rds" ? {} : { tenant: "t1" });

async function put(key: string, format: WriteFormat, size: number, extra: Record<string, unknown> = {}) {
  const plain = randomBytes(size);
  await encryptAndUpload({
    s3: aws.s3,
    bucket: aws.bucket,
    key,
    source: Readable.from([plain]),
    contentLength: size,
    keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
    format,
    commitmentPolicy: writePolicyFor(format),
    encryptionContext: ctxFor(format),
    partSize: 5 * MiB,
    metadata: { owner: "dba" },
    objectParams: { ContentType: "application/x-sql-backup", Tagging: "project=p1&tier=gold" },
    ...extra,
  });
  return plain;
}

async function readWith(key: string, keyId: string, format: WriteFormat) {
  const { stream } = await openDecryptedStream({
    s3: aws.s3,
    bucket: aws.bucket,
    key,
    keyring: new KmsKeyring({ client: aws.kms, keyId }),
    allowLegacy: format === "rds",
    encryptionContext: ctxFor(format),
  });
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const common = () => ({
  s3: aws.s3,
  kms: aws.kms,
  bucket: aws.bucket,
  kmsKeyId: aws.keyId,
  newKmsKeyId: newKeyId,
});

describe("rewrap against moto_server", () => {
  const cases: [WriteFormat, number, number | undefined, string][] = [
    ["rds", 1000, undefined, "copy-object"],
    ["v3", 1000, undefined, "copy-object"],
    ["rds", 11 * MiB + 3, 5 * MiB, "upload-part-copy"],
    ["v3", 11 * MiB + 3, 5 * MiB, "upload-part-copy"],
  ];
  for (const [format, size, threshold, write] of cases) {
    it(`${format}, ${size} bytes (${write}): new key decrypts byte-exact, old key refused, tags/metadata/type kept`, async () => {
      const key = `rw/${format}-${size}`;
      const plain = await put(key, format, size);
      const before = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
      const result = await rewrapObject({
        ...common(),
        key,
        encryptionContext: ctxFor(format),
        ...(threshold ? { copyThreshold: threshold, copyPartSize: 5 * MiB } : {}),
      });
      expect(result).toMatchObject({ status: "rewrapped", write, placement: "object" });
      const after = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
      const field = format === "rds" ? "x-amz-key" : "x-amz-3";
      expect(after.Metadata![field]).not.toBe(before.Metadata![field]);
      const { [field]: _a, ...restAfter } = after.Metadata!;
      const { [field]: _b, ...restBefore } = before.Metadata!;
      expect(restAfter).toEqual(restBefore);
      expect(after.Metadata!.owner).toBe("dba");
      expect(after.ContentType).toBe("application/x-sql-backup");
      expect(after.ContentLength).toBe(before.ContentLength);
      const tags = await aws.s3.send(new GetObjectTaggingCommand({ Bucket: aws.bucket, Key: key }));
      expect(tags.TagSet!.map((t) => `${t.Key}=${t.Value}`).sort()).toEqual(["project=p1", "tier=gold"]);
      expect((await readWith(key, newKeyId, format)).equals(plain)).toBe(true);
      await expect(readWith(key, aws.keyId, format)).rejects.toMatchObject({ code: "KEYRING_FAILURE" });
      const uploads = await aws.s3.send(new ListMultipartUploadsCommand({ Bucket: aws.bucket }));
      expect(uploads.Uploads ?? []).toEqual([]);

      const again = await rewrapObject({ ...common(), key, encryptionContext: ctxFor(format) });
      expect(again.status).toBe("already");
    });
  }

  it("V3 instruction-file object: only the instruction file is rewritten, the object is untouched", async () => {
    const key = "rw/v3-instr";
    const plain = await put(key, "v3", 2000, { metadataPlacement: "instruction-file" });
    const before = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
    const instrBefore = JSON.parse(
      await (
        await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: `${key}.instruction` }))
      ).Body!.transformToString(),
    );
    const result = await rewrapObject({ ...common(), key, encryptionContext: ctxFor("v3") });
    expect(result).toMatchObject({
      status: "rewrapped",
      write: "instruction-file",
      placement: "instruction-file",
    });
    const after = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
    expect(after.ETag).toBe(before.ETag);
    expect(after.LastModified).toEqual(before.LastModified);
    const instrAfter = JSON.parse(
      await (
        await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: `${key}.instruction` }))
      ).Body!.transformToString(),
    );
    expect(instrAfter["x-amz-3"]).not.toBe(instrBefore["x-amz-3"]);
    expect({ ...instrAfter, "x-amz-3": "" }).toEqual({ ...instrBefore, "x-amz-3": "" });
    expect((await readWith(key, newKeyId, "v3")).equals(plain)).toBe(true);
    await expect(readWith(key, aws.keyId, "v3")).rejects.toMatchObject({ code: "KEYRING_FAILURE" });
  });

  it("--dry-run changes nothing and reports would-rewrap", async () => {
    const key = "rw/dry";
    const plain = await put(key, "rds", 500);
    const before = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
    const result = await rewrapObject({ ...common(), key, dryRun: true });
    expect(result).toMatchObject({ status: "would-rewrap", write: "copy-object", changes: ["x-amz-key"] });
    const after = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
    expect(after.Metadata).toEqual(before.Metadata);
    expect(after.ETag).toBe(before.ETag);
    expect((await readWith(key, aws.keyId, "rds")).equals(plain)).toBe(true);
  });

  it("Precondition: the old KMS key is the one that unwraps the data key", async () => {
    const key = "rw/other-key";
    await put(key, "rds", 100);
    const before = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
    await expect(rewrapObject({ ...common(), key, kmsKeyId: otherKeyId })).rejects.toMatchObject({
      code: "KEY_UNAVAILABLE",
    });
    const after = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
    expect(after.Metadata).toEqual(before.Metadata);
  });

  it("Precondition: the rewrap's encryption context equals the stored one (reserved keys aside)", async () => {
    const key = "rw/ctx";
    await put(key, "v3", 100);
    await expect(
      rewrapObject({ ...common(), key, encryptionContext: { tenant: "t2" } }),
    ).rejects.toMatchObject({ code: "ENCRYPTION_CONTEXT_MISMATCH" });
  });

  it("Precondition: V1 and legacy kms wraps take no caller encryption context", async () => {
    const key = "rw/v1-ctx";
    await put(key, "rds", 100);
    await expect(rewrapObject({ ...common(), key, encryptionContext: { a: "b" } })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });

  it("Precondition: the new KMS key differs from the old one", async () => {
    const key = "rw/same";
    await put(key, "rds", 100);
    await expect(rewrapObject({ ...common(), key, newKmsKeyId: aws.aliasName })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });

  it("decrypt-encrypt method rewraps too (V2)", async () => {
    const key = "rw/v2-de";
    const plain = await put(key, "v2", 300);
    const result = await rewrapObject({
      ...common(),
      key,
      encryptionContext: ctxFor("v2"),
      method: "decrypt-encrypt",
    });
    expect(result.status).toBe("rewrapped");
    const { stream } = await openDecryptedStream({
      s3: aws.s3,
      bucket: aws.bucket,
      key,
      keyring: new KmsKeyring({ client: aws.kms, keyId: newKeyId }),
      encryptionContext: ctxFor("v2"),
      commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
    });
    const parts: Buffer[] = [];
    for await (const c of stream) parts.push(c as Buffer);
    expect(Buffer.concat(parts).equals(plain)).toBe(true);
  });

  it("prefix rewrap: a summary with one failing (not encrypted) object reported; a re-run reports already", async () => {
    const plains = [await put("pfx/a.bak", "rds", 700), await put("pfx/b.bak", "rds", 900)];
    await aws.s3.send(
      new PutObjectCommand({ Bucket: aws.bucket, Key: "pfx/plain.txt", Body: "not encrypted" }),
    );
    const summary = await rewrapPrefix({ ...common(), prefix: "pfx/" });
    expect(summary.counts).toEqual({ rewrapped: 2, already: 0, "would-rewrap": 0, failed: 1 });
    expect(summary.failures).toMatchObject([{ key: "pfx/plain.txt", code: "UNSUPPORTED_FORMAT" }]);
    expect((await readWith("pfx/a.bak", newKeyId, "rds")).equals(plains[0]!)).toBe(true);
    const again = await rewrapPrefix({ ...common(), prefix: "pfx/" });
    expect(again.counts).toEqual({ rewrapped: 0, already: 2, "would-rewrap": 0, failed: 1 });
  });

  it("CLI: s3-cse rewrap --dry-run --json, then rewrap, then prefix summary", async () => {
    const plain = await put("cli/x.bak", "rds", 1234);
    const url = `s3://${aws.bucket}/cli/x.bak`;
    const args = [
      "--kms-key-id",
      aws.keyId,
      "--new-kms-key-id",
      newKeyId,
      "--endpoint-url",
      aws.moto.endpoint,
    ];
    const dry = await runCli(["rewrap", url, ...args, "--dry-run", "--json"]);
    expect(dry.code).toBe(0);
    expect(dry.json()).toMatchObject({ ok: true, dryRun: true, status: "would-rewrap" });
    const done = await runCli(["rewrap", url, ...args]);
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^rewrapped/);
    expect((await readWith("cli/x.bak", newKeyId, "rds")).equals(plain)).toBe(true);
    const prefix = await runCli(["rewrap", `s3://${aws.bucket}/cli/`, ...args]);
    expect(prefix.code).toBe(0);
    expect(prefix.stdout).toContain(
      "0 rewrapped, 0 would be rewrapped, 1 already under the new key, 0 failed",
    );
  });
});
