import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeContentMetadata } from "../../../src/codec/decode.js";
import { ErrorCodes } from "../../../src/errors.js";
import { prepareDecryption, prepareEncryption } from "../../../src/materials/materials.js";
import { resolveReadPolicy } from "../../../src/materials/policy.js";
import { RawAesKeyring } from "../../../src/materials/raw-aes-keyring.js";
import { decryptObject, encryptObject } from "../../support/envelope.js";
import { cbcObject, gcmObject } from "../../support/legacy-objects.js";
import { aesEcbWrap, aesKeyWrap } from "../../support/legacy-writers.js";

const kek = randomBytes(32);
const keyring = new RawAesKeyring({ key: kek, materialsDescription: { purpose: "test" } });
const plain = Buffer.from("raw AES keyring round trip ".repeat(9));

describe("RawAesKeyring", () => {
  for (const format of ["v2", "v3"] as const) {
    it(`writes ${format} with the AES/GCM wrap and reads it back`, async () => {
      const obj = await encryptObject(format, keyring, plain);
      expect(obj.contentMetadata.encryptedDataKey.length).toBe(60);
      const wrapKey = format === "v2" ? "x-amz-wrap-alg" : "x-amz-w";
      expect(obj.metadata[wrapKey]).toBe(format === "v2" ? "AES/GCM" : "02");
      expect(obj.metadata[format === "v2" ? "x-amz-matdesc" : "x-amz-m"]).toBe('{"purpose":"test"}');
      const opts = format === "v2" ? { commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" as const } : {};
      expect((await decryptObject(obj.metadata, obj.body, keyring, opts)).equals(plain)).toBe(true);
    });
  }

  it("binds the AES/GCM wrap to the content algorithm (AAD): a V2-wrapped key does not unwrap as V3", async () => {
    const v2 = await encryptObject("v2", keyring, plain);
    const v3 = await encryptObject("v3", keyring, plain);
    const swapped = { ...v3.metadata, "x-amz-3": v2.metadata["x-amz-key-v2"]! };
    await expect(decryptObject(swapped, v3.body, keyring)).rejects.toMatchObject({
      code: ErrorCodes.AUTHENTICATION_FAILED,
    });
  });

  it("fails to unwrap with a different key", async () => {
    const obj = await encryptObject("v3", keyring, plain);
    await expect(
      decryptObject(obj.metadata, obj.body, new RawAesKeyring({ key: randomBytes(32) })),
    ).rejects.toMatchObject({
      code: ErrorCodes.AUTHENTICATION_FAILED,
    });
  });

  it("picks an additional decryption key by the object's material description", async () => {
    const old = new RawAesKeyring({ key: kek, materialsDescription: { generation: "1" } });
    const obj = await encryptObject("v3", old, plain);
    const rotated = new RawAesKeyring({
      key: randomBytes(32),
      additionalDecryptionKeys: [{ materialsDescription: { generation: "1" }, key: kek }],
    });
    expect((await decryptObject(obj.metadata, obj.body, rotated)).equals(plain)).toBe(true);
  });

  it("reads a V1 AES-ECB wrapped object (legacy) and refuses it without the legacy flag", async () => {
    const dataKey = randomBytes(32);
    const obj = cbcObject(dataKey, plain, {
      "x-amz-key": aesEcbWrap(kek, dataKey).toString("base64"),
      "x-amz-matdesc": "{}",
    });
    expect((await decryptObject(obj.metadata, obj.body, keyring, { allowLegacy: true })).equals(plain)).toBe(
      true,
    );
    await expect(
      decryptObject(obj.metadata, obj.body, keyring, { commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" }),
    ).rejects.toThrow(/--allow-legacy/);
  });

  it("Precondition: a V1 key unwrapped as AES-ECB is at most 48 bytes (Java's AES/RSA rule)", async () => {
    const dataKey = randomBytes(32);
    const obj = cbcObject(dataKey, plain, {
      "x-amz-key": randomBytes(256).toString("base64"),
      "x-amz-matdesc": "{}",
    });
    await expect(decryptObject(obj.metadata, obj.body, keyring, { allowLegacy: true })).rejects.toMatchObject(
      {
        code: ErrorCodes.KEY_UNAVAILABLE,
        message: expect.stringMatching(/RSA or KMS keyring/),
      },
    );
  });

  it("reads a V2 AESWrap (RFC 3394) object only with legacy wrapping enabled", async () => {
    const dataKey = randomBytes(32);
    const obj = gcmObject(dataKey, plain, {
      "x-amz-key-v2": aesKeyWrap(kek, dataKey).toString("base64"),
      "x-amz-wrap-alg": "AESWrap",
      "x-amz-matdesc": "{}",
    });
    expect((await decryptObject(obj.metadata, obj.body, keyring, { allowLegacy: true })).equals(plain)).toBe(
      true,
    );
    await expect(
      decryptObject(obj.metadata, obj.body, keyring, { commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" }),
    ).rejects.toMatchObject({ code: ErrorCodes.LEGACY_MODE_REQUIRED });
  });

  it("unwraps the RFC 3394 §4.6 test vector (256-bit KEK, 256-bit key)", async () => {
    const k = Buffer.from("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", "hex");
    const wrapped = "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21";
    const cm = decodeContentMetadata({
      "x-amz-key-v2": Buffer.from(wrapped, "hex").toString("base64"),
      "x-amz-iv": randomBytes(12).toString("base64"),
      "x-amz-wrap-alg": "AESWrap",
      "x-amz-cek-alg": "AES/GCM/NoPadding",
      "x-amz-tag-len": "128",
    });
    const m = await prepareDecryption(
      cm,
      new RawAesKeyring({ key: k }),
      resolveReadPolicy({ allowLegacy: true }),
    );
    expect(Buffer.from(m.contentKey.dataKey).toString("hex")).toBe(
      "00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f",
    );
  });

  it("Precondition: raw keyrings write V2 and V3 only; their V1 wraps are legacy and read-only", async () => {
    await expect(prepareEncryption("rds", keyring)).rejects.toMatchObject({
      code: ErrorCodes.INVALID_ARGUMENT,
    });
  });

  it("Precondition: raw keyrings take no encryption context (it is a KMS feature; use a material description)", async () => {
    await expect(prepareEncryption("v3", keyring, { tenant: "a" })).rejects.toThrow(/material description/);
  });

  it("Precondition: an AES key-encryption key is 16, 24 or 32 bytes", () => {
    expect(() => new RawAesKeyring({ key: randomBytes(20) })).toThrow(/16, 24 or 32/);
    for (const n of [16, 24])
      expect(new RawAesKeyring({ key: randomBytes(n) }).description).toContain(`${n * 8}`);
  });

  it("Precondition: a material description maps strings to US-ASCII strings", () => {
    expect(() => new RawAesKeyring({ key: kek, materialsDescription: { k: "é" } })).toThrow(/US-ASCII/);
  });

  it("Precondition: an AES-ECB wrapped key is a non-empty multiple of 16 bytes", async () => {
    const obj = cbcObject(randomBytes(32), plain, { "x-amz-key": randomBytes(40).toString("base64") });
    await expect(decryptObject(obj.metadata, obj.body, keyring, { allowLegacy: true })).rejects.toMatchObject(
      {
        code: ErrorCodes.AUTHENTICATION_FAILED,
        message: expect.stringMatching(/V1 AES-ECB unwrap failed/),
      },
    );
  });

  it("Precondition: an RFC 3394 wrapped key is a multiple of 8 bytes, at least 24", async () => {
    for (const n of [16, 36]) {
      const obj = gcmObject(randomBytes(32), plain, {
        "x-amz-key-v2": randomBytes(n).toString("base64"),
        "x-amz-wrap-alg": "AESWrap",
      });
      await expect(
        decryptObject(obj.metadata, obj.body, keyring, { allowLegacy: true }),
      ).rejects.toMatchObject({
        code: ErrorCodes.AUTHENTICATION_FAILED,
        message: expect.stringMatching(/AESWrap unwrap failed/),
      });
    }
  });

  it("Precondition: an AES/GCM wrapped key holds a nonce, at least one byte and a tag", async () => {
    const obj = await encryptObject("v3", keyring, plain);
    const wrapped = Buffer.from(obj.metadata["x-amz-3"]!, "base64");
    const short = { ...obj.metadata, "x-amz-3": wrapped.subarray(0, 28).toString("base64") };
    await expect(decryptObject(short, obj.body, keyring)).rejects.toMatchObject({
      code: ErrorCodes.AUTHENTICATION_FAILED,
    });
  });
});
