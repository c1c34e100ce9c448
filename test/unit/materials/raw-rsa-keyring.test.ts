import { constants, generateKeyPairSync, publicEncrypt, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../../src/errors.js";
import { prepareEncryption } from "../../../src/materials/materials.js";
import { RawRsaKeyring } from "../../../src/materials/raw-rsa-keyring.js";
import { decryptObject, encryptObject } from "../../support/envelope.js";
import { cbcObject, gcmObject } from "../../support/legacy-objects.js";
import { rsaOaepSha256Mgf1Sha1Wrap, rsaPkcs1Wrap } from "../../support/legacy-writers.js";

const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const keyring = new RawRsaKeyring({ publicKey, privateKey });
const plain = Buffer.from("raw RSA keyring round trip ".repeat(7));
const legacy = { allowLegacy: true };

describe("RawRsaKeyring", () => {
  for (const format of ["v2", "v3"] as const) {
    it(`writes ${format} with RSA-OAEP-SHA1 over the pseudo data key and reads it back`, async () => {
      const obj = await encryptObject(format, keyring, plain);
      expect(obj.metadata[format === "v2" ? "x-amz-wrap-alg" : "x-amz-w"]).toBe(
        format === "v2" ? "RSA-OAEP-SHA1" : "22",
      );
      const opts = format === "v2" ? { commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" as const } : {};
      expect((await decryptObject(obj.metadata, obj.body, keyring, opts)).equals(plain)).toBe(true);
    });
  }

  it("decrypt-only keyring (private key alone) reads what the public key wrote", async () => {
    const obj = await encryptObject("v3", new RawRsaKeyring({ publicKey }), plain);
    expect(
      (await decryptObject(obj.metadata, obj.body, new RawRsaKeyring({ privateKey }))).equals(plain),
    ).toBe(true);
  });

  it("the pseudo data key carries the content algorithm: a V2-wrapped key is refused in a V3 object", async () => {
    const v2 = await encryptObject("v2", keyring, plain);
    const v3 = await encryptObject("v3", keyring, plain);
    const swapped = { ...v3.metadata, "x-amz-3": v2.metadata["x-amz-key-v2"]! };
    await expect(decryptObject(swapped, v3.body, keyring)).rejects.toMatchObject({
      code: ErrorCodes.AUTHENTICATION_FAILED,
      message: expect.stringMatching(/different content algorithm/),
    });
  });

  it("Precondition: the pseudo data key names a 16, 24 or 32-byte key followed by exactly the expected content algorithm", async () => {
    const v3 = await encryptObject("v3", keyring, plain);
    const bad = Buffer.concat([Buffer.from([20]), randomBytes(20), Buffer.from("115")]);
    const wrapped = publicEncrypt(
      { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
      bad,
    );
    const meta = { ...v3.metadata, "x-amz-3": wrapped.toString("base64") };
    await expect(decryptObject(meta, v3.body, keyring)).rejects.toMatchObject({
      code: ErrorCodes.AUTHENTICATION_FAILED,
    });
  });

  it("reads a V1 PKCS#1 v1.5 wrapped object with legacy wrapping enabled", async () => {
    const dataKey = randomBytes(32);
    const obj = cbcObject(dataKey, plain, {
      "x-amz-key": rsaPkcs1Wrap(publicKey, dataKey).toString("base64"),
      "x-amz-matdesc": "{}",
    });
    expect((await decryptObject(obj.metadata, obj.body, keyring, legacy)).equals(plain)).toBe(true);
  });

  it("Precondition: the PKCS#1 v1.5 block is 00 02, at least 8 non-zero padding bytes, 00, and a 16, 24 or 32-byte key", async () => {
    const dataKey = randomBytes(32);
    const wrongLength = rsaPkcs1Wrap(publicKey, randomBytes(20));
    const obj = cbcObject(dataKey, plain, {
      "x-amz-key": wrongLength.toString("base64"),
      "x-amz-matdesc": "{}",
    });
    await expect(decryptObject(obj.metadata, obj.body, keyring, legacy)).rejects.toMatchObject({
      code: ErrorCodes.AUTHENTICATION_FAILED,
    });
  });

  it("Precondition: a V1 key unwrapped as RSA is longer than 48 bytes (Java's AES/RSA rule)", async () => {
    const obj = cbcObject(randomBytes(32), plain, {
      "x-amz-key": randomBytes(48).toString("base64"),
      "x-amz-matdesc": "{}",
    });
    await expect(decryptObject(obj.metadata, obj.body, keyring, legacy)).rejects.toMatchObject({
      code: ErrorCodes.KEY_UNAVAILABLE,
      message: expect.stringMatching(/raw AES keyring/),
    });
  });

  it("reads RSA/ECB/OAEPWithSHA-256AndMGF1Padding with Java SunJCE's MGF1-SHA-1 and BouncyCastle's MGF1-SHA-256", async () => {
    const sunJce = randomBytes(32);
    const bc = randomBytes(32);
    const wraps = [
      [sunJce, rsaOaepSha256Mgf1Sha1Wrap(publicKey, sunJce)],
      [
        bc,
        publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, bc),
      ],
    ] as const;
    for (const [dataKey, wrapped] of wraps) {
      const obj = gcmObject(dataKey, plain, {
        "x-amz-key-v2": wrapped.toString("base64"),
        "x-amz-wrap-alg": "RSA/ECB/OAEPWithSHA-256AndMGF1Padding",
        "x-amz-matdesc": "{}",
      });
      expect((await decryptObject(obj.metadata, obj.body, keyring, legacy)).equals(plain)).toBe(true);
      await expect(
        decryptObject(obj.metadata, obj.body, keyring, { commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" }),
      ).rejects.toMatchObject({ code: ErrorCodes.LEGACY_MODE_REQUIRED });
    }
  });

  it("Precondition: the legacy OAEP-SHA-256 padding decodes to a 16, 24 or 32-byte key", async () => {
    const obj = gcmObject(randomBytes(32), plain, {
      "x-amz-key-v2": rsaOaepSha256Mgf1Sha1Wrap(publicKey, randomBytes(8)).toString("base64"),
      "x-amz-wrap-alg": "RSA/ECB/OAEPWithSHA-256AndMGF1Padding",
    });
    await expect(decryptObject(obj.metadata, obj.body, keyring, legacy)).rejects.toMatchObject({
      code: ErrorCodes.AUTHENTICATION_FAILED,
    });
  });

  it("fails with another private key", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const obj = await encryptObject("v3", keyring, plain);
    await expect(
      decryptObject(obj.metadata, obj.body, new RawRsaKeyring({ privateKey: other.privateKey })),
    ).rejects.toMatchObject({ code: ErrorCodes.AUTHENTICATION_FAILED });
  });

  it("Precondition: new objects are wrapped with RSA keys of at least 2048 bits (older keys stay readable)", async () => {
    const small = generateKeyPairSync("rsa", { modulusLength: 1024 });
    await expect(prepareEncryption("v3", new RawRsaKeyring({ publicKey: small.publicKey }))).rejects.toThrow(
      /2048/,
    );
  });

  it("Precondition: decrypting with an RSA keyring needs a private key", async () => {
    // A private key alone still encrypts (its public half is derived); a public-only keyring cannot decrypt.
    const obj = await encryptObject("v3", new RawRsaKeyring({ privateKey }), plain);
    await expect(
      decryptObject(obj.metadata, obj.body, new RawRsaKeyring({ publicKey })),
    ).rejects.toMatchObject({
      code: ErrorCodes.KEY_UNAVAILABLE,
    });
  });

  it("Precondition: an RSA keyring has a public or a private key", () => {
    expect(() => new RawRsaKeyring({})).toThrow(/public key/);
  });

  it("Precondition: RSA keyrings take RSA keys of the right kind", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    expect(() => new RawRsaKeyring({ publicKey: ec.publicKey })).toThrow(/RSA key/);
    expect(() => new RawRsaKeyring({ privateKey: publicKey })).toThrow(/RSA key/);
  });
});
