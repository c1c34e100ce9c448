/**
 * Ruby's Aws::S3::EncryptionV2::Client with `envelope_location: :instruction_file`: the S3EC
 * keys go to `<key>.instruction` (JSON), the object keeps only the plaintext length.
 */
import { describe, expect, test } from "vitest";
import { KmsKeyring } from "../../src/index.js";
import { useInteropFixture } from "./support/fixture.js";
import { requireRuby, rubyOk } from "./support/ruby.js";
import { failEveryTestUnless } from "./support/runtime.js";
import { objectBody, s3cseDownload, userMetadata } from "./support/s3cse.js";

const CONTEXT = { stage: "instruction-file" };

failEveryTestUnless(requireRuby);

const fx = useInteropFixture();

describe("Ruby EncryptionV2 writes kms+context with an instruction file, s3-cse reads", () => {
  test.each([0, 1000])("%i-byte object decrypts byte-exact from <key>.instruction", async (size) => {
    const p = fx.plaintext(size);
    const key = `ruby-v2-instr-${size}`;
    const ref = { s3: fx.aws.s3, bucket: fx.aws.bucket, key };
    await rubyOk({
      endpoint: fx.aws.moto.endpoint,
      bucket: fx.aws.bucket,
      key,
      op: "put",
      client: "v2",
      envelopeLocation: "instruction_file",
      keyring: { kind: "kms", keyId: fx.aws.keyId },
      context: CONTEXT,
      file: p.file,
    });
    expect(await userMetadata(ref)).toEqual({ "x-amz-unencrypted-content-length": String(size) });
    const instructionRef = { ...ref, key: `${key}.instruction` };
    expect(await userMetadata(instructionRef)).toEqual({});
    const instruction = JSON.parse((await objectBody(instructionRef)).toString("utf8"));
    expect(Object.keys(instruction).sort()).toEqual([
      "x-amz-cek-alg",
      "x-amz-iv",
      "x-amz-key-v2",
      "x-amz-matdesc",
      "x-amz-tag-len",
      "x-amz-wrap-alg",
    ]);
    expect(instruction).toMatchObject({
      "x-amz-wrap-alg": "kms+context",
      "x-amz-cek-alg": "AES/GCM/NoPadding",
    });
    expect(JSON.parse(instruction["x-amz-matdesc"])).toEqual({
      "aws:x-amz-cek-alg": "AES/GCM/NoPadding",
      ...CONTEXT,
    });

    const got = await s3cseDownload(ref, {
      keyring: new KmsKeyring({ client: fx.aws.kms, keyId: fx.aws.keyId }),
      file: fx.outFile(`${key}.out`),
      context: CONTEXT,
      commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
    });
    expect(got).toMatchObject({ format: "v2", bytes: size, sha256: p.sha256 });
  });
});
