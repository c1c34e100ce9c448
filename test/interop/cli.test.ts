/**
 * The s3-cse CLI against Ruby's official clients: `upload --format v2 --context …` read by
 * Aws::S3::EncryptionV2::Client, and `download` of objects the Ruby clients wrote.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { s3cseCli, useEmulatorCredentials } from "./support/cli.js";
import { useInteropFixture } from "./support/fixture.js";
import { requireRuby, rubyOk } from "./support/ruby.js";
import { failEveryTestUnless } from "./support/runtime.js";
import { fileSha256, userMetadata } from "./support/s3cse.js";

failEveryTestUnless(requireRuby);

const fx = useInteropFixture();
beforeAll(async () => {
  useEmulatorCredentials();
});

const url = (key: string) => `s3://${fx.aws.bucket}/${key}`;
const cli = (args: string[]) => s3cseCli(fx.aws.moto.endpoint, args);
const rubyReq = (key: string) => ({ endpoint: fx.aws.moto.endpoint, bucket: fx.aws.bucket, key });

describe("s3-cse CLI ⇄ Ruby", () => {
  test("upload --format v2 --context team=dba --context purpose=interop: Ruby EncryptionV2 reads it", async () => {
    const p = fx.plaintext(70_001);
    const key = "cli-v2.bak";
    const up = await cli([
      "upload",
      p.file,
      url(key),
      "--format",
      "v2",
      "--commitment-policy",
      "forbid-encrypt-allow-decrypt",
      "--kms-key-id",
      fx.aws.aliasName,
      "--context",
      "team=dba",
      "--context",
      "purpose=interop",
    ]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.json).toMatchObject({ ok: true });
    const meta = await userMetadata({ s3: fx.aws.s3, bucket: fx.aws.bucket, key });
    expect(meta["x-amz-wrap-alg"]).toBe("kms+context");
    expect(JSON.parse(meta["x-amz-matdesc"]!)).toEqual({
      "aws:x-amz-cek-alg": "AES/GCM/NoPadding",
      team: "dba",
      purpose: "interop",
    });
    const got = await rubyOk({
      ...rubyReq(key),
      op: "get",
      client: "v2",
      keyring: { kind: "kms", keyId: fx.aws.keyId },
      context: { team: "dba", purpose: "interop" },
      file: fx.outFile("ruby.out"),
    });
    expect(got).toMatchObject({ bytes: p.size, sha256: p.sha256 });
  });

  test("download --context … --commitment-policy require-encrypt-allow-decrypt of a Ruby V2 object", async () => {
    const p = fx.plaintext(4097);
    const key = "ruby-v2-for-cli";
    await rubyOk({
      ...rubyReq(key),
      op: "put",
      client: "v2",
      keyring: { kind: "kms", keyId: fx.aws.keyId },
      context: { team: "dba" },
      file: p.file,
    });
    const out = fx.outFile("cli-v2.out");
    const args = ["download", url(key), out, "--kms-key-id", fx.aws.keyId, "--context", "team=dba"];
    const refused = await cli(args);
    expect(refused.code).toBe(1);
    expect(refused.json).toMatchObject({ ok: false, error: { code: "COMMITMENT_POLICY" } });
    const done = await cli([...args, "--commitment-policy", "require-encrypt-allow-decrypt"]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.json).toMatchObject({ ok: true, format: "v2", bytes: p.size });
    expect(fileSha256(out)).toBe(p.sha256);
  });

  test("download --allow-legacy of a Ruby V1-client object (kms wrap, AES-CBC); refused without the flag", async () => {
    const p = fx.plaintext(100_000);
    const key = "ruby-v1-for-cli";
    await rubyOk({
      ...rubyReq(key),
      op: "put",
      client: "v1",
      keyring: { kind: "kms", keyId: fx.aws.keyId },
      file: p.file,
    });
    const out = fx.outFile("cli-v1.out");
    const refused = await cli(["download", url(key), out]);
    expect(refused.code).toBe(1);
    expect(refused.json).toMatchObject({ ok: false, error: { code: "LEGACY_MODE_REQUIRED" } });
    expect(refused.stderr).toContain("--allow-legacy");
    const done = await cli(["download", url(key), out, "--allow-legacy"]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.json).toMatchObject({ ok: true, contentAlgorithm: "AES/CBC/PKCS5Padding", bytes: p.size });
    expect(fileSha256(out)).toBe(p.sha256);
  });
});
