<<<<<<< HEAD
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

  it("Precondition: the unwrapped data key is 32 bytes", async () => {
    const kms = fakeKms();
    kms.mock.on(DecryptCommand).resolves({ Plaintext: randomBytes(16) });
    await expect(
      new KmsKeyring({ client: kms.kms }).unwrapDataKey({ metadata: v1(), encryptionContext: {} }),
    ).rejects.toThrow(/not 32 bytes/);
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
=======
import { describe, expect, it } from "vitest";
import { decodeContentMetadata } from "../../../src/codec/decode.js";
import { ErrorCodes } from "../../../src/errors.js";
import { KmsKeyring } from "../../../src/materials/kms-keyring.js";
import { prepareDecryption, prepareEncryption } from "../../../src/materials/materials.js";
import { resolveReadPolicy } from "../../../src/materials/policy.js";
import { decryptObject, encryptObject } from "../../support/envelope.js";
import { statefulFakeKms, vectorFakeKms } from "../../support/kms-doubles.js";

const plain = Buffer.from("kms keyring");

describe("KmsKeyring against the spec and the official clients", () => {
  it("V3 and V2 store the caller's context plus aws:x-amz-cek-alg, and send exactly that to KMS", async () => {
    const kms = statefulFakeKms("k");
    const keyring = new KmsKeyring({ client: kms, keyId: "k" });
    const v3 = await encryptObject("v3", keyring, plain, 64, { team: "db" });
    expect(JSON.parse(v3.metadata["x-amz-t"]!)).toEqual({ team: "db", "aws:x-amz-cek-alg": "115" });
    const v2 = await encryptObject("v2", keyring, plain, 64, { team: "db" });
    expect(JSON.parse(v2.metadata["x-amz-matdesc"]!)).toEqual({
      team: "db",
      "aws:x-amz-cek-alg": "AES/GCM/NoPadding",
    });
    expect(kms.calls.map((c) => c.input.EncryptionContext)).toEqual([
      { team: "db", "aws:x-amz-cek-alg": "115" },
      { team: "db", "aws:x-amz-cek-alg": "AES/GCM/NoPadding" },
    ]);
    expect((await decryptObject(v3.metadata, v3.body, keyring, {}, 64, { team: "db" })).equals(plain)).toBe(
      true,
    );
  });

  it("the requested context must equal the stored one (reserved keys aside), checked before KMS", async () => {
    const kms = statefulFakeKms("k");
    const keyring = new KmsKeyring({ client: kms, keyId: "k" });
    const v3 = await encryptObject("v3", keyring, plain, 64, { team: "db" });
    const before = kms.calls.length;
    const contexts: Record<string, string>[] = [{}, { team: "web" }, { team: "db", extra: "1" }];
    for (const ctx of contexts) {
      await expect(decryptObject(v3.metadata, v3.body, keyring, {}, 64, ctx)).rejects.toMatchObject({
        code: ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH,
      });
    }
    expect(kms.calls.length).toBe(before);
  });

  it("rejects a stored aws:x-amz-cek-alg that does not name the object's algorithm (substitution)", async () => {
    const kms = statefulFakeKms("k");
    const keyring = new KmsKeyring({ client: kms, keyId: "k" });
    const v3 = await encryptObject("v3", keyring, plain);
    const meta = { ...v3.metadata, "x-amz-t": '{"aws:x-amz-cek-alg":"AES/GCM/NoPadding"}' };
    await expect(decryptObject(meta, v3.body, keyring)).rejects.toMatchObject({
      code: ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH,
    });
  });

  it("Precondition: the caller's encryption context must not use the reserved key aws:x-amz-cek-alg", async () => {
    const keyring = new KmsKeyring({ client: statefulFakeKms("k"), keyId: "k" });
    await expect(prepareEncryption("v3", keyring, { "aws:x-amz-cek-alg": "x" })).rejects.toThrow(/reserved/);
  });

  it("Precondition: encryption context entries are printable US-ASCII (S3 would double-encode anything else)", async () => {
    const keyring = new KmsKeyring({ client: statefulFakeKms("k"), keyId: "k" });
    await expect(prepareEncryption("v3", keyring, { owner: "José" })).rejects.toThrow(/US-ASCII/);
  });

  it("Precondition: the unwrapped data key is 32 bytes (16 or 24 also for non-committing suites)", async () => {
    const v2 = {
      "x-amz-key-v2": "AQID",
      "x-amz-iv": "dqqlq2dRVSQ5hFRb",
      "x-amz-matdesc": '{"kms_cmk_id":"k"}',
      "x-amz-wrap-alg": "kms",
      "x-amz-cek-alg": "AES/GCM/NoPadding",
    };
    const legacy = resolveReadPolicy({ allowLegacy: true });
    const aes128 = new KmsKeyring({ client: vectorFakeKms(Buffer.alloc(16, 7), { kms_cmk_id: "k" }) });
    const m = await prepareDecryption(decodeContentMetadata(v2), aes128, legacy);
    expect(m.contentKey.dataKey.length).toBe(16);
    const odd = new KmsKeyring({ client: vectorFakeKms(Buffer.alloc(20), { kms_cmk_id: "k" }) });
    await expect(prepareDecryption(decodeContentMetadata(v2), odd, legacy)).rejects.toMatchObject({
      code: ErrorCodes.KEYRING_FAILURE,
    });
    const v3 = {
      "x-amz-3": "AQID",
      "x-amz-c": "115",
      "x-amz-w": "12",
      "x-amz-t": '{"aws:x-amz-cek-alg":"115"}',
      "x-amz-d": Buffer.alloc(28).toString("base64"),
      "x-amz-i": Buffer.alloc(28, 1).toString("base64"),
    };
    const v3Keyring = new KmsKeyring({
      client: vectorFakeKms(Buffer.alloc(16), { "aws:x-amz-cek-alg": "115" }),
    });
    await expect(
      prepareDecryption(decodeContentMetadata(v3), v3Keyring, resolveReadPolicy()),
    ).rejects.toThrow(/needs 32/);
  });

  it("the RDS (V1) format wraps with no encryption context and reads back with none", async () => {
    const kms = statefulFakeKms("k");
    const keyring = new KmsKeyring({ client: kms, keyId: "k" });
    const v1 = await encryptObject("rds", keyring, plain);
    expect(v1.metadata["x-amz-matdesc"]).toBe("{}");
    expect(kms.calls[0]?.input.EncryptionContext).toBeUndefined();
    expect((await decryptObject(v1.metadata, v1.body, keyring, { allowLegacy: true })).equals(plain)).toBe(
      true,
    );
  });
});

describe("prepareEncryption", () => {
  it("Precondition: keyrings return 256-bit data keys for new objects", async () => {
    const short = {
      description: "custom keyring",
      generateDataKey: async () => ({
        dataKey: new Uint8Array(16),
        encryptedDataKey: new Uint8Array(8),
        wrapAlgorithm: "AES/GCM" as const,
        materialsDescription: {},
      }),
      unwrapDataKey: async () => new Uint8Array(16),
    };
    await expect(prepareEncryption("v2", short)).rejects.toMatchObject({
      code: ErrorCodes.KEYRING_FAILURE,
      message: expect.stringMatching(/16-byte data key; new objects need 32/),
    });
>>>>>>> formats
  });
});
