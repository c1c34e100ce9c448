/**
 * `s3-cse verify --deep --compare` over objects the official clients wrote: the verifier
 * classifies them, decrypts them fully and matches the plaintext.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { s3cseCli, useEmulatorCredentials } from "./support/cli.js";
import { type Plaintext, useInteropFixture } from "./support/fixture.js";
import { buildGoDriver, type GoRequest, goDriverOk } from "./support/go.js";
import { type RubyRequest, requireRuby, rubyOk } from "./support/ruby.js";
import { failEveryTestUnless } from "./support/runtime.js";

failEveryTestUnless(requireRuby, buildGoDriver);

const fx = useInteropFixture(120_000);
let p: Plaintext;
beforeAll(async () => {
  useEmulatorCredentials();
  p = fx.plaintext(5000);
}, 120_000);

type Writer = (key: string) => Promise<unknown>;
const ruby =
  (rest: Partial<RubyRequest>): Writer =>
  (key) =>
    rubyOk({
      endpoint: fx.aws.moto.endpoint,
      bucket: fx.aws.bucket,
      key,
      op: "put",
      client: "v2",
      keyring: { kind: "kms", keyId: fx.aws.keyId },
      file: p.file,
      ...rest,
    });
const go =
  (rest: Pick<GoRequest, "client"> & Partial<GoRequest>): Writer =>
  (key) =>
    goDriverOk({
      endpoint: fx.aws.moto.endpoint,
      bucket: fx.aws.bucket,
      key,
      op: "put",
      kmsKeyId: fx.aws.keyId,
      file: p.file,
      ...rest,
    });

describe("s3-cse verify --deep --compare of official-client objects", () => {
  test.each([
    ["Ruby EncryptionV2 kms+context", ruby({}), "object", "kms+context", "AES/GCM/NoPadding"],
    [
      "Ruby EncryptionV2 instruction file",
      ruby({ envelopeLocation: "instruction_file" }),
      "instruction-file",
      "kms+context",
      "AES/GCM/NoPadding",
    ],
    ["Ruby V1 client kms", ruby({ client: "v1" }), "object", "kms", "AES/CBC/PKCS5Padding"],
    ["Go EncryptionClientV2", go({ client: "v2" }), "object", "kms+context", "AES/GCM/NoPadding"],
    [
      "Go V1 client CBC, instruction file",
      go({ client: "v1-cbc", instructionFile: true }),
      "instruction-file",
      "kms",
      "AES/CBC/PKCS5Padding",
    ],
  ] as const)("%s", async (_name, write, metadataLocation, wrapAlgorithm, contentAlgorithm) => {
    const key = `verify-${_name.replace(/\W+/g, "-")}`;
    await write(key);
    const r = await s3cseCli(fx.aws.moto.endpoint, [
      "verify",
      `s3://${fx.aws.bucket}/${key}`,
      "--kms-key-id",
      fx.aws.keyId,
      "--compare",
      p.file,
    ]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.json).toMatchObject({
      ok: true,
      encryption: { clientSide: "v2", serverSide: null },
      clientSide: {
        format: "v2",
        metadataLocation,
        wrapAlgorithm,
        contentAlgorithm,
        plaintextLength: p.size,
      },
      deep: { decrypted: true, plaintextBytes: p.size, sha256: p.sha256, compare: { match: true } },
    });
    const errors = (r.json!.findings as { severity: string }[]).filter((f) => f.severity === "error");
    expect(errors).toEqual([]);
  });
});
