import { randomBytes } from "node:crypto";
import { DecryptCommand, GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import {
  ALG_AES_256_CBC_IV16_NO_KDF,
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
} from "../../../src/codec/algorithm-suites.js";
import type { ContentMetadata } from "../../../src/codec/content-metadata.js";
import { ErrorCodes } from "../../../src/errors.js";
import { KmsKeyring } from "../../../src/materials/kms-keyring.js";
import { awsError, fakeKms } from "../../support/fake-kms.js";

const v1 = (): ContentMetadata => ({
  format: "v1",
  suite: ALG_AES_256_CBC_IV16_NO_KDF,
  encryptedDataKey: randomBytes(100),
  iv: randomBytes(16),
  materialsDescription: {},
});
const v3 = (desc: Record<string, string>): ContentMetadata => ({
  format: "v3",
  suite: ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  wrapAlgorithm: "kms+context",
  encryptedDataKey: randomBytes(100),
  messageId: randomBytes(28),
  commitment: randomBytes(28),
  materialsDescription: desc,
});

describe("KmsKeyring", () => {
  it("V1 (RDS): GenerateDataKey without context; Decrypt without context, with the configured KeyId", async () => {
    const kms = fakeKms();
    const ring = new KmsKeyring({ client: kms.kms, keyId: "alias/rds" });
    const wrapped = await ring.generateDataKey({
      format: "v1",
      suite: ALG_AES_256_CBC_IV16_NO_KDF,
      encryptionContext: {},
    });
    expect(wrapped).toMatchObject({ wrapAlgorithm: undefined, materialsDescription: {} });
    expect(kms.mock.commandCalls(GenerateDataKeyCommand)[0]!.args[0].input).toEqual({
      KeyId: "alias/rds",
      KeySpec: "AES_256",
    });
    const m = v1();
    await ring.unwrapDataKey({ metadata: m, encryptionContext: {} });
    expect(kms.mock.commandCalls(DecryptCommand)[0]!.args[0].input).toEqual({
      CiphertextBlob: m.encryptedDataKey,
      KeyId: "alias/rds",
    });
  });

  it("discovery mode (no key id) decrypts without KeyId but cannot encrypt", async () => {
    const kms = fakeKms();
    const ring = new KmsKeyring({ client: kms.kms });
    await ring.unwrapDataKey({ metadata: v1(), encryptionContext: {} });
    expect(kms.mock.commandCalls(DecryptCommand)[0]!.args[0].input.KeyId).toBeUndefined();
    await expect(
      ring.generateDataKey({
        format: "v3",
        suite: ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
        encryptionContext: {},
      }),
    ).rejects.toThrow(/--kms-key-id/);
  });

  it("Precondition: the caller's encryption context must not use the reserved key aws:x-amz-cek-alg", async () => {
    const ring = new KmsKeyring({ client: fakeKms().kms, keyId: "k" });
    await expect(
      ring.generateDataKey({
        format: "v2",
        suite: ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
        encryptionContext: { "aws:x-amz-cek-alg": "x" },
      }),
    ).rejects.toThrow(/reserved/);
  });

  it("Precondition: the encryption context requested on read equals the stored one (reserved keys aside)", async () => {
    const kms = fakeKms();
    const ring = new KmsKeyring({ client: kms.kms, keyId: "k" });
    const m = v3({ "aws:x-amz-cek-alg": "115", team: "dba" });
    await expect(ring.unwrapDataKey({ metadata: m, encryptionContext: {} })).rejects.toMatchObject({
      code: ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH,
    });
    await expect(ring.unwrapDataKey({ metadata: m, encryptionContext: { team: "ops" } })).rejects.toThrow(
      /does not match/,
    );
    expect(kms.mock.commandCalls(DecryptCommand)).toHaveLength(0);
    await ring.unwrapDataKey({ metadata: m, encryptionContext: { team: "dba" } });
    expect(kms.mock.commandCalls(DecryptCommand)[0]!.args[0].input.EncryptionContext).toEqual({
      "aws:x-amz-cek-alg": "115",
      team: "dba",
    });
  });

  it("Precondition: the stored aws:x-amz-cek-alg names the object's content algorithm", async () => {
    const ring = new KmsKeyring({ client: fakeKms().kms, keyId: "k" });
    await expect(
      ring.unwrapDataKey({
        metadata: v3({ "aws:x-amz-cek-alg": "AES/GCM/NoPadding" }),
        encryptionContext: {},
      }),
    ).rejects.toMatchObject({ code: ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH });
  });

  it("Precondition: the unwrapped data key is 32 bytes (16 or 24 also for non-committing suites)", async () => {
    const kms = fakeKms();
    kms.mock.on(DecryptCommand).resolves({ Plaintext: randomBytes(20) });
    await expect(
      new KmsKeyring({ client: kms.kms }).unwrapDataKey({ metadata: v1(), encryptionContext: {} }),
    ).rejects.toThrow(/data key of 20 bytes/);
  });

  it("Precondition: KMS returned a 32-byte data key and a ciphertext blob", async () => {
    const kms = fakeKms();
    kms.mock.on(GenerateDataKeyCommand).resolves({ Plaintext: randomBytes(32) });
    await expect(
      new KmsKeyring({ client: kms.kms, keyId: "k" }).generateDataKey({
        format: "v1",
        suite: ALG_AES_256_CBC_IV16_NO_KDF,
        encryptionContext: {},
      }),
    ).rejects.toThrow(/no 32-byte data key/);
  });

  it("maps KMS Decrypt failures to KEYRING_FAILURE naming the fix, never the key bytes", async () => {
    const kms = fakeKms();
    kms.mock
      .on(DecryptCommand)
      .rejects(awsError("IncorrectKeyException", "The key ID in the request does not identify a CMK"));
    const m = v1();
    const err = await new KmsKeyring({ client: kms.kms, keyId: "alias/other" })
      .unwrapDataKey({ metadata: m, encryptionContext: {} })
      .catch((e) => e);
    expect(err).toMatchObject({
      code: ErrorCodes.KEYRING_FAILURE,
      message: expect.stringMatching(/different KMS key/),
    });
    expect(err.message).not.toContain(Buffer.from(m.encryptedDataKey).toString("base64"));
  });

  it("Precondition: the KMS keyring needs a client with send()", () => {
    expect(() => new KmsKeyring({ client: {} as never })).toThrow(/send\(\)/);
  });
});
