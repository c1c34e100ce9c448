/**
 * Ruby's official Aws::S3::EncryptionV2::Client (Debian ruby-aws-sdk-s3 1.117) and s3-cse,
 * both directions, V2 AES-GCM with `kms+context` and a user encryption context.
 */
import { describe, expect, test } from "vitest";
import { type KmsClientLike, KmsKeyring } from "../../src/index.js";
import { MULTIPART, SIZES, useInteropFixture } from "./support/fixture.js";
import { requireRuby, ruby, rubyOk } from "./support/ruby.js";
import { failEveryTestUnless } from "./support/runtime.js";
import { objectBody, s3cseDownload, s3cseUpload, userMetadata } from "./support/s3cse.js";

const CONTEXT = { team: "dba", purpose: "interop" };
const V2_GCM_KEYS = [
  "x-amz-cek-alg",
  "x-amz-iv",
  "x-amz-key-v2",
  "x-amz-matdesc",
  "x-amz-tag-len",
  "x-amz-unencrypted-content-length",
  "x-amz-wrap-alg",
];

failEveryTestUnless(requireRuby);

const fx = useInteropFixture();

const refFor = (key: string) => ({ s3: fx.aws.s3, bucket: fx.aws.bucket, key });
const rubyKms = (key: string) => ({
  endpoint: fx.aws.moto.endpoint,
  bucket: fx.aws.bucket,
  key,
  client: "v2" as const,
  keyring: { kind: "kms" as const, keyId: fx.aws.keyId },
});
const keyring = (keyId = fx.aws.keyId, client: KmsClientLike = fx.aws.kms) =>
  new KmsKeyring({ client, keyId });
const ALLOW_V2 = "REQUIRE_ENCRYPT_ALLOW_DECRYPT" as const;

describe("Ruby EncryptionV2 writes kms+context, s3-cse reads", () => {
  test.each(SIZES)("%i-byte object decrypts byte-exact with the same context", async (size) => {
    const p = fx.plaintext(size);
    const key = `ruby-v2-kms-${size}`;
    const put = await rubyOk({ ...rubyKms(key), op: "put", context: CONTEXT, file: p.file });
    expect(put.sha256).toBe(p.sha256);

    const meta = await userMetadata(refFor(key));
    expect(Object.keys(meta).sort()).toEqual(V2_GCM_KEYS);
    expect(meta["x-amz-wrap-alg"]).toBe("kms+context");
    expect(meta["x-amz-cek-alg"]).toBe("AES/GCM/NoPadding");
    expect(meta["x-amz-tag-len"]).toBe("128");
    expect(meta["x-amz-unencrypted-content-length"]).toBe(String(size));
    expect(JSON.parse(meta["x-amz-matdesc"]!)).toEqual({
      "aws:x-amz-cek-alg": "AES/GCM/NoPadding",
      ...CONTEXT,
    });
    expect(Buffer.from(meta["x-amz-iv"]!, "base64")).toHaveLength(12);
    expect((await objectBody(refFor(key))).length).toBe(size + 16);

    const got = await s3cseDownload(refFor(key), {
      keyring: keyring(fx.aws.keyArn),
      file: fx.outFile(`${key}.out`),
      context: CONTEXT,
      commitmentPolicy: ALLOW_V2,
    });
    expect(got).toMatchObject({
      format: "v2",
      contentAlgorithm: "AES/GCM/NoPadding",
      bytes: size,
      sha256: p.sha256,
    });
  });

  test("s3-cse refuses the object when the requested context differs, before calling KMS", async () => {
    const p = fx.plaintext(33);
    const key = "ruby-v2-kms-ctx-mismatch";
    await rubyOk({ ...rubyKms(key), op: "put", context: CONTEXT, file: p.file });
    const kmsCalls: string[] = [];
    const countingKms = {
      send: (command: object) => {
        kmsCalls.push(command.constructor.name);
        return fx.aws.kms.send(command as never);
      },
    };
    const read = (context: Record<string, string>) =>
      s3cseDownload(refFor(key), {
        keyring: keyring(fx.aws.keyId, countingKms),
        file: fx.outFile(`${key}.out`),
        context,
        commitmentPolicy: ALLOW_V2,
      });
    await expect(read({ team: "dba" })).rejects.toMatchObject({ code: "ENCRYPTION_CONTEXT_MISMATCH" });
    await expect(read({ ...CONTEXT, extra: "x" })).rejects.toMatchObject({
      code: "ENCRYPTION_CONTEXT_MISMATCH",
    });
    expect(kmsCalls).toEqual([]);
    expect((await read({ purpose: "interop", team: "dba" })).sha256).toBe(p.sha256);
    expect(kmsCalls).toEqual(["DecryptCommand"]);
  });

  test("s3-cse's default commitment policy refuses the non-committing V2 object", async () => {
    const p = fx.plaintext(5);
    const key = "ruby-v2-kms-policy";
    await rubyOk({ ...rubyKms(key), op: "put", file: p.file });
    await expect(
      s3cseDownload(refFor(key), { keyring: keyring(), file: fx.outFile(`${key}.out`) }),
    ).rejects.toMatchObject({ code: "COMMITMENT_POLICY" });
  });
});

describe("s3-cse writes V2 kms+context, Ruby EncryptionV2 reads", () => {
  test.each(SIZES)("%i-byte object decrypts byte-exact in Ruby with the same context", async (size) => {
    const p = fx.plaintext(size);
    const key = `s3cse-v2-kms-${size}`;
    const up = await s3cseUpload(refFor(key), {
      keyring: keyring(fx.aws.aliasName),
      format: "v2",
      file: p.file,
      context: CONTEXT,
    });
    const meta = await userMetadata(refFor(key));
    expect(Object.keys(meta).sort()).toEqual(V2_GCM_KEYS);
    expect(up.metadata).toEqual(meta);
    expect(meta["x-amz-wrap-alg"]).toBe("kms+context");
    expect(JSON.parse(meta["x-amz-matdesc"]!)).toEqual({
      "aws:x-amz-cek-alg": "AES/GCM/NoPadding",
      ...CONTEXT,
    });

    const got = await rubyOk({
      ...rubyKms(key),
      op: "get",
      context: CONTEXT,
      file: fx.outFile(`${key}.out`),
    });
    expect(got).toMatchObject({ bytes: size, sha256: p.sha256 });
  });

  test(`a ${MULTIPART.size}-byte multipart upload (5 MiB parts) decrypts byte-exact in Ruby`, async () => {
    const p = fx.plaintext(MULTIPART.size);
    const key = "s3cse-v2-kms-multipart";
    const up = await s3cseUpload(refFor(key), {
      keyring: keyring(),
      format: "v2",
      file: p.file,
      context: CONTEXT,
      partSize: MULTIPART.partSize,
    });
    expect(up.parts).toBe(MULTIPART.parts);
    const meta = await userMetadata(refFor(key));
    expect(Object.keys(meta).sort()).toEqual(V2_GCM_KEYS);
    expect(meta["x-amz-unencrypted-content-length"]).toBe(String(MULTIPART.size));
    const got = await rubyOk({
      ...rubyKms(key),
      op: "get",
      context: CONTEXT,
      file: fx.outFile(`${key}.out`),
    });
    expect(got).toMatchObject({ bytes: MULTIPART.size, sha256: p.sha256 });
  });

  test("Ruby refuses the object when its requested context differs", async () => {
    const p = fx.plaintext(40);
    const key = "s3cse-v2-kms-ctx-mismatch";
    await s3cseUpload(refFor(key), { keyring: keyring(), format: "v2", file: p.file, context: CONTEXT });
    const got = await ruby({
      ...rubyKms(key),
      op: "get",
      context: { team: "dba" },
      file: fx.outFile(`${key}.out`),
    });
    expect(got).toMatchObject({ ok: false, error: "Aws::S3::EncryptionV2::Errors::DecryptionError" });
    expect(got.message).toMatch(/encryption context/);
  });

  test("Ruby cannot read the RDS V1 format (x-amz-key wrapped by KMS, no wrap-alg)", async () => {
    const p = fx.plaintext(100);
    const key = "s3cse-rds";
    await s3cseUpload(refFor(key), { keyring: keyring(), format: "rds", file: p.file });
    const got = await ruby({
      ...rubyKms(key),
      op: "get",
      securityProfile: "v2_and_legacy",
      file: fx.outFile(`${key}.out`),
    });
    expect(got).toMatchObject({ ok: false, error: "ArgumentError", message: "Unsupported wrap-alg: " });
  });

  test("Ruby 1.117 cannot read V3 (no x-amz-key-v2/x-amz-key): it looks for an instruction file", async () => {
    const p = fx.plaintext(100);
    const key = "s3cse-v3";
    await s3cseUpload(refFor(key), { keyring: keyring(), format: "v3", file: p.file });
    const got = await ruby({
      ...rubyKms(key),
      op: "get",
      securityProfile: "v2_and_legacy",
      file: fx.outFile(`${key}.out`),
    });
    expect(got).toMatchObject({
      ok: false,
      error: "Aws::S3::EncryptionV2::Errors::DecryptionError",
      message: "unable to locate encryption envelope",
    });
  });
});
