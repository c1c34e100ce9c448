import { createDecipheriv, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type ContentKey,
  createContentDecryptor,
  createContentEncryptor,
  generateContentKey,
} from "../../../src/ciphers/content-cipher.js";
import { deriveCommittedKeys } from "../../../src/ciphers/key-commitment.js";
import {
  ALG_AES_256_CBC_IV16_NO_KDF,
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
  ciphertextLength,
} from "../../../src/codec/algorithm-suites.js";
import { decodeContentMetadata } from "../../../src/codec/decode.js";
import { ErrorCodes } from "../../../src/errors.js";

function encryptAll(key: ContentKey, plain: Buffer, chunk: number): Buffer {
  const enc = createContentEncryptor(key);
  const out: Buffer[] = [];
  for (let i = 0; i < plain.length; i += chunk) out.push(enc.update(plain.subarray(i, i + chunk)));
  out.push(enc.final());
  return Buffer.concat(out);
}

function decryptAll(key: ContentKey, body: Buffer, chunk: number, commitment?: Uint8Array): Buffer {
  const dec = createContentDecryptor(key, commitment);
  const out: Buffer[] = [];
  for (let i = 0; i < body.length; i += chunk) out.push(...dec.update(body.subarray(i, i + chunk)));
  out.push(...dec.final());
  return Buffer.concat(out);
}

describe("content ciphers", () => {
  it("decrypts the Ruby V1 vector (AES-ECB wrapped key, CBC body) to 'secret'", () => {
    const kek = Buffer.from("kM5UVbhE/4rtMZJfsadYEdm2vaKFsmV2f5+URSeUCV4=", "base64");
    const meta = decodeContentMetadata({
      "x-amz-key": "gX+a4JQYj7FP0y5TAAvxTz4e2l0DvOItbXByml/NPtKQcUlsoGHoYR/T0TuYHcNj",
      "x-amz-iv": "TO5mQgtOzWkTfoX4RE5tsA==",
      "x-amz-matdesc": "{}",
    });
    expect(meta.format).toBe("v1");
    const ecb = createDecipheriv("aes-256-ecb", kek, null);
    const dataKey = Buffer.concat([ecb.update(meta.encryptedDataKey), ecb.final()]);
    if (meta.format !== "v1") throw new Error("expected v1");
    const plain = decryptAll(
      { suite: meta.suite, dataKey, iv: meta.iv },
      Buffer.from("JIgXCTXpeQerPLiU6dVL4Q==", "base64"),
      1,
    );
    expect(plain.toString()).toBe("secret");
  });

  it("reproduces the Go V3 vector's commitment from its data key and message id", () => {
    const dataKey = Buffer.from("lP6AbIQTmptyb/+WQq+ubDw+w7na0T1LGSByZGuaono=", "base64");
    const messageId = Buffer.from("sE9zLb4tsEBJkvEhLMZFxMj9oZJBbQ6ZOgOqHA==", "base64");
    const { commitment, derivedKey } = deriveCommittedKeys(dataKey, messageId);
    expect(commitment.toString("base64")).toBe("6JOSx47RkdyfciJkNauuC4RpkMcWZY4a+i1RzQ==");
    expect(derivedKey.toString("hex")).toBe(
      "0bd256e569a37d67567f522c38dbe32fdd0c1e28333dec1324197b54325eade6",
    );
  });

  for (const suite of [
    ALG_AES_256_CBC_IV16_NO_KDF,
    ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
    ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  ]) {
    for (const size of [0, 1, 15, 16, 17, 1000]) {
      it(`${suite.name} round-trips ${size} bytes at 1-byte and random chunk sizes`, () => {
        const key = generateContentKey(suite, randomBytes(32));
        const plain = randomBytes(size);
        const body = encryptAll(key, plain, 1 + Math.floor(Math.random() * 64));
        expect(body.length).toBe(ciphertextLength(suite, size));
        const commitment =
          "messageId" in key ? deriveCommittedKeys(key.dataKey, key.messageId).commitment : undefined;
        expect(decryptAll(key, body, 1, commitment)).toEqual(plain);
        expect(decryptAll(key, body, 1 + Math.floor(Math.random() * 40), commitment)).toEqual(plain);
      });
    }
  }

  it("rejects a GCM body with one flipped bit, with code AUTHENTICATION_FAILED", () => {
    const key = generateContentKey(ALG_AES_256_GCM_IV12_TAG16_NO_KDF, randomBytes(32));
    const body = encryptAll(key, randomBytes(100), 7);
    body[50]! ^= 1;
    expect(() => decryptAll(key, body, 13)).toThrow(
      expect.objectContaining({ code: ErrorCodes.AUTHENTICATION_FAILED }),
    );
  });

  it("Precondition: the stored key commitment equals the one derived from the unwrapped data key", () => {
    const key = generateContentKey(ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY, randomBytes(32));
    expect(() => createContentDecryptor(key, Buffer.alloc(28))).toThrow(/key commitment mismatch/);
  });

  it("Precondition: a CBC body is a non-empty multiple of 16 bytes", () => {
    const key = generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF, randomBytes(32));
    const body = encryptAll(key, randomBytes(40), 16);
    expect(() => decryptAll(key, body.subarray(0, 40), 8)).toThrow(
      expect.objectContaining({ code: ErrorCodes.TRUNCATED }),
    );
  });
});
