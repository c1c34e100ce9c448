/**
 * s3-cse's instruction-file mode (`metadataPlacement: "instruction-file"`) read by the official
 * clients: Ruby EncryptionV2 with `envelope_location: :instruction_file`, and Go's
 * DecryptionClientV2, which falls back to `<key>.instruction` when the object carries no keys.
 */
import { describe, expect, test } from "vitest";
import { encryptAndUploadFile, KmsKeyring } from "../../src/index.js";
import { useInteropFixture } from "./support/fixture.js";
import { buildGoDriver, goDriverOk } from "./support/go.js";
import { requireRuby, rubyOk } from "./support/ruby.js";
import { failEveryTestUnless } from "./support/runtime.js";
import { objectBody, userMetadata } from "./support/s3cse.js";

const CONTEXT = { stage: "instruction-file" };

failEveryTestUnless(requireRuby, buildGoDriver);

const fx = useInteropFixture(120_000);

describe("s3-cse writes V2 kms+context to <key>.instruction", () => {
  test.each([0, 5000])(
    "%i-byte object: exact split, then Ruby and Go decrypt it byte-exact",
    async (size) => {
      const p = fx.plaintext(size);
      const key = `s3cse-instr-${size}`;
      const ref = { s3: fx.aws.s3, bucket: fx.aws.bucket, key };
      const up = await encryptAndUploadFile({
        ...ref,
        file: p.file,
        keyring: new KmsKeyring({ client: fx.aws.kms, keyId: fx.aws.keyId }),
        format: "v2",
        commitmentPolicy: "FORBID_ENCRYPT_ALLOW_DECRYPT",
        encryptionContext: CONTEXT,
        metadataPlacement: "instruction-file",
      });
      expect(up.instructionFileKey).toBe(`${key}.instruction`);
      expect(await userMetadata(ref)).toEqual({ "x-amz-unencrypted-content-length": String(size) });
      const instructionRef = { ...ref, key: `${key}.instruction` };
      expect(await userMetadata(instructionRef)).toEqual({ "x-amz-crypto-instr-file": "" });
      const instruction = JSON.parse((await objectBody(instructionRef)).toString("utf8"));
      expect(Object.keys(instruction).sort()).toEqual([
        "x-amz-cek-alg",
        "x-amz-iv",
        "x-amz-key-v2",
        "x-amz-matdesc",
        "x-amz-tag-len",
        "x-amz-wrap-alg",
      ]);

      const ruby = await rubyOk({
        endpoint: fx.aws.moto.endpoint,
        bucket: fx.aws.bucket,
        key,
        op: "get",
        client: "v2",
        envelopeLocation: "instruction_file",
        keyring: { kind: "kms", keyId: fx.aws.keyId },
        context: CONTEXT,
        file: fx.outFile(`${key}.ruby`),
      });
      expect(ruby).toMatchObject({ bytes: size, sha256: p.sha256 });
      const go = await goDriverOk({
        endpoint: fx.aws.moto.endpoint,
        bucket: fx.aws.bucket,
        key,
        op: "get",
        client: "v2",
        kmsKeyId: fx.aws.keyId,
        file: fx.outFile(`${key}.go`),
      });
      expect(go).toMatchObject({ bytes: size, sha256: p.sha256 });
    },
  );
});
