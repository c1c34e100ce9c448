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

describe("KmsKeyring on legacy kms and V1 wraps (allowLegacy)", () => {
  /** A V2 kms+context object relabelled "kms" (the stored context kept, so KMS still decrypts it). */
  async function relabelled(context: Record<string, string>) {
    const kms = statefulFakeKms("k");
    const keyring = new KmsKeyring({ client: kms, keyId: "k" });
    const v2 = await encryptObject("v2", keyring, plain, 64, context);
    const meta: Record<string, string> = { ...v2.metadata, "x-amz-wrap-alg": "kms" };
    return { kms, keyring, v2, meta };
  }

  it("Precondition: a legacy kms or V1 object is read with no caller encryption context", async () => {
    const kms = statefulFakeKms("k");
    const keyring = new KmsKeyring({ client: kms, keyId: "k" });
    const v1 = await encryptObject("rds", keyring, plain);
    const before = kms.calls.length;
    await expect(
      decryptObject(v1.metadata, v1.body, keyring, { allowLegacy: true }, 64, { team: "db" }),
    ).rejects.toMatchObject({ code: ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH, message: /remove --context/ });
    // A legacy V2 "kms" object (what Java SDK v1 / .NET V1 write): {"kms_cmk_id": …} is not a caller context.
    const legacy = { ...v1.metadata };
    delete legacy["x-amz-key"];
    Object.assign(legacy, {
      "x-amz-key-v2": v1.metadata["x-amz-key"]!,
      "x-amz-wrap-alg": "kms",
      "x-amz-cek-alg": "AES/CBC/PKCS5Padding",
      "x-amz-matdesc": '{"kms_cmk_id":"k"}',
    });
    await expect(
      decryptObject(legacy, v1.body, keyring, { allowLegacy: true }, 64, { kms_cmk_id: "k" }),
    ).rejects.toMatchObject({ code: ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH });
    expect(kms.calls.length).toBe(before);
  });

  it("a kms+context object downgraded to kms is refused when the caller expects a context", async () => {
    const { kms, keyring, v2, meta } = await relabelled({ team: "db" });
    const before = kms.calls.length;
    for (const ctx of [{ team: "web" }, { team: "db" }]) {
      await expect(
        decryptObject(meta, v2.body, keyring, { allowLegacy: true }, 64, ctx),
      ).rejects.toMatchObject({ code: ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH });
    }
    expect(kms.calls.length).toBe(before);
  });

  it("Precondition: a legacy kms or V1 material description does not carry aws:x-amz-cek-alg", async () => {
    const { kms, keyring, v2, meta } = await relabelled({});
    const before = kms.calls.length;
    await expect(decryptObject(meta, v2.body, keyring, { allowLegacy: true })).rejects.toMatchObject({
      code: ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH,
      message: /relabelled V2\/V3 data key/,
    });
    // The same relabelling onto the V1 (rds) wrap.
    const v1 = {
      "x-amz-key": meta["x-amz-key-v2"]!,
      "x-amz-iv": Buffer.alloc(16).toString("base64"),
      "x-amz-matdesc": meta["x-amz-matdesc"]!,
    };
    await expect(decryptObject(v1, Buffer.alloc(16), keyring, { allowLegacy: true })).rejects.toMatchObject({
      code: ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH,
    });
    expect(kms.calls.length).toBe(before);
    // Untouched, the object still reads with its context.
    expect((await decryptObject(v2.metadata, v2.body, keyring, { allowLegacy: true })).equals(plain)).toBe(
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
  });
});

describe("prepareEncryption preconditions", () => {
  /** A keyring that returns a 32-byte key with the given wrap algorithm (or none). */
  const keyringWrapping = (wrapAlgorithm?: string) => ({
    description: "custom keyring",
    generateDataKey: async () => ({
      dataKey: new Uint8Array(32),
      encryptedDataKey: new Uint8Array(8),
      ...(wrapAlgorithm ? { wrapAlgorithm } : {}),
      materialsDescription: {},
    }),
    unwrapDataKey: async () => new Uint8Array(32),
  });

  it("Precondition: the write format is rds, v2 or v3", async () => {
    const keyring = keyringWrapping("AES/GCM");
    for (const format of ["v1", "V2", "", "rds2"]) {
      await expect(prepareEncryption(format as never, keyring as never)).rejects.toMatchObject({
        code: ErrorCodes.INVALID_ARGUMENT,
        message: `unknown format "${format}" (use rds, v2 or v3)`,
      });
    }
    await expect(prepareEncryption("v3", keyring as never)).resolves.toMatchObject({
      metadata: { format: "v3" },
    });
  });

  it("Precondition: V2/V3 keyrings name their wrap algorithm", async () => {
    for (const format of ["v2", "v3"] as const) {
      await expect(prepareEncryption(format, keyringWrapping() as never)).rejects.toMatchObject({
        code: ErrorCodes.KEYRING_FAILURE,
        message: "custom keyring did not name a wrap algorithm",
      });
    }
    // RDS (V1) metadata has no wrap algorithm field, so none is needed.
    await expect(prepareEncryption("rds", keyringWrapping() as never)).resolves.toMatchObject({
      metadata: { format: "v1" },
    });
  });

  it("Precondition: V3 allows only AES/GCM, kms+context and RSA-OAEP-SHA1 wrapping", async () => {
    for (const wrap of ["kms", "AESWrap", "RSA/ECB/OAEPWithSHA-256AndMGF1Padding"]) {
      await expect(prepareEncryption("v3", keyringWrapping(wrap) as never)).rejects.toMatchObject({
        code: ErrorCodes.KEYRING_FAILURE,
        message: `wrap algorithm ${wrap} is not allowed in V3`,
      });
    }
    for (const wrap of ["AES/GCM", "kms+context", "RSA-OAEP-SHA1"]) {
      await expect(prepareEncryption("v3", keyringWrapping(wrap) as never)).resolves.toMatchObject({
        metadata: { format: "v3" },
      });
    }
  });
});

describe("KmsKeyring preconditions", () => {
  it("Precondition: encrypting with KMS needs a key id — a keyring without one still decrypts", async () => {
    const kms = statefulFakeKms();
    const stored = await encryptObject("v3", new KmsKeyring({ client: kms, keyId: "test-key" }), plain, 64);
    for (const keyId of [undefined, "", "   "]) {
      const before = kms.calls.length;
      const keyring = new KmsKeyring({ client: kms, ...(keyId !== undefined ? { keyId } : {}) });
      await expect(prepareEncryption("v3", keyring)).rejects.toMatchObject({
        code: ErrorCodes.INVALID_ARGUMENT,
        message: expect.stringMatching(/a KMS key id, ARN or alias is required to encrypt/),
      });
      expect(kms.calls.length).toBe(before);
      expect((await decryptObject(stored.metadata, stored.body, keyring)).equals(plain)).toBe(true);
    }
  });
});
