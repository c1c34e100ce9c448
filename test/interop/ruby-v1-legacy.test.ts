/**
 * Ruby's legacy Aws::S3::Encryption::Client ("V1 client", maintenance mode) writes objects that
 * s3-cse reads only with the legacy flag: `kms` wrap with AES-CBC (x-amz-key-v2).
 */
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import { describe, expect, test } from "vitest";
import { KmsKeyring } from "../../src/index.js";
import { SIZES, useInteropFixture } from "./support/fixture.js";
import { requireRuby, ruby, rubyOk } from "./support/ruby.js";
import { failEveryTestUnless } from "./support/runtime.js";
import { objectBody, s3cseDownload, userMetadata } from "./support/s3cse.js";

failEveryTestUnless(requireRuby);

const fx = useInteropFixture();

const refFor = (key: string) => ({ s3: fx.aws.s3, bucket: fx.aws.bucket, key });
const cbcLength = (n: number) => 16 * (Math.floor(n / 16) + 1);

describe("Ruby V1 client with a KMS key (kms wrap, AES-CBC), s3-cse reads with --allow-legacy", () => {
  test.each(SIZES)("%i-byte object decrypts byte-exact; refused without the legacy flag", async (size) => {
    const p = fx.plaintext(size);
    const key = `ruby-v1-kms-${size}`;
    await rubyOk({
      endpoint: fx.aws.moto.endpoint,
      bucket: fx.aws.bucket,
      key,
      op: "put",
      client: "v1",
      keyring: { kind: "kms", keyId: fx.aws.aliasName },
      file: p.file,
    });
    const meta = await userMetadata(refFor(key));
    expect(Object.keys(meta).sort()).toEqual([
      "x-amz-cek-alg",
      "x-amz-iv",
      "x-amz-key-v2",
      "x-amz-matdesc",
      "x-amz-unencrypted-content-length",
      "x-amz-wrap-alg",
    ]);
    expect(meta).toMatchObject({
      "x-amz-wrap-alg": "kms",
      "x-amz-cek-alg": "AES/CBC/PKCS5Padding",
      "x-amz-unencrypted-content-length": String(size),
      // The key id exactly as the writer configured it (here an alias), which KMS binds as context.
      "x-amz-matdesc": JSON.stringify({ kms_cmk_id: fx.aws.aliasName }),
    });
    expect(Buffer.from(meta["x-amz-iv"]!, "base64")).toHaveLength(16);
    expect((await objectBody(refFor(key))).length).toBe(cbcLength(size));

    const keyring = new KmsKeyring({ client: fx.aws.kms, keyId: fx.aws.keyId });
    const file = fx.outFile(`${key}.out`);
    await expect(
      s3cseDownload(refFor(key), { keyring, file, commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" }),
    ).rejects.toMatchObject({
      code: "LEGACY_MODE_REQUIRED",
      message: expect.stringContaining("--allow-legacy"),
    });
    const got = await s3cseDownload(refFor(key), { keyring, file, allowLegacy: true });
    expect(got).toMatchObject({ format: "v2", contentAlgorithm: "AES/CBC/PKCS5Padding", sha256: p.sha256 });
  });
});

describe("which KMS key a Ruby reader names on Decrypt for a legacy kms object", () => {
  test("EncryptionV2 (v2_and_legacy) sends its configured KeyId; the V1 client sends none", async () => {
    const other = (await fx.aws.kms.send(new CreateKeyCommand({ Description: "another key" }))).KeyMetadata!
      .KeyId!;
    const p = fx.plaintext(300);
    const key = "ruby-v1-kms-keyid";
    const common = { endpoint: fx.aws.moto.endpoint, bucket: fx.aws.bucket, key };
    await rubyOk({
      ...common,
      op: "put",
      client: "v1",
      keyring: { kind: "kms", keyId: fx.aws.keyId },
      file: p.file,
    });

    const v2 = await ruby({
      ...common,
      op: "get",
      client: "v2",
      securityProfile: "v2_and_legacy",
      keyring: { kind: "kms", keyId: other },
      file: fx.outFile("v2.out"),
    });
    expect(v2).toMatchObject({ ok: false, error: "Aws::KMS::Errors::AccessDeniedException" });

    const v1 = await ruby({
      ...common,
      op: "get",
      client: "v1",
      keyring: { kind: "kms", keyId: other },
      file: fx.outFile("v1.out"),
    });
    expect(v1).toMatchObject({ ok: true, sha256: p.sha256 });
  });
});
