import { createDecipheriv, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CBC_FAILURE_MESSAGE,
  type ContentKey,
  createContentDecryptor,
  createContentEncryptor,
  generateContentKey,
  pkcs7PadLength,
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
import { seededInt } from "../../support/seeded-random.js";

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
        const chunkSize = seededInt(size + suite.name.length, 1, 64);
        const body = encryptAll(key, plain, chunkSize());
        expect(body.length).toBe(ciphertextLength(suite, size));
        const commitment =
          "messageId" in key ? deriveCommittedKeys(key.dataKey, key.messageId).commitment : undefined;
        expect(decryptAll(key, body, 1, commitment)).toEqual(plain);
        expect(decryptAll(key, body, chunkSize(), commitment)).toEqual(plain);
      });
    }
  }

  it("Precondition: V3 content keys carry a message id", () => {
    const suite = ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
    const ivKey = { suite, dataKey: randomBytes(32), iv: randomBytes(12) };
    for (const make of [
      () => createContentEncryptor(ivKey),
      () => createContentDecryptor(ivKey, randomBytes(28)),
    ]) {
      expect(make).toThrow(
        expect.objectContaining({
          code: ErrorCodes.INVALID_ARGUMENT,
          message: "V3 content key needs a message id",
        }),
      );
    }
  });

  it("Precondition: V1/V2 content keys carry an IV of the suite's length", () => {
    const dataKey = randomBytes(32);
    for (const [suite, iv] of [
      [ALG_AES_256_CBC_IV16_NO_KDF, randomBytes(12)],
      [ALG_AES_256_GCM_IV12_TAG16_NO_KDF, randomBytes(16)],
    ] as const) {
      expect(() => createContentEncryptor({ suite, dataKey, iv })).toThrow(
        expect.objectContaining({
          code: ErrorCodes.INVALID_ARGUMENT,
          message: `${suite.name} needs a ${suite.ivLength}-byte IV`,
        }),
      );
    }
    const messageIdKey = { suite: ALG_AES_256_GCM_IV12_TAG16_NO_KDF, dataKey, messageId: randomBytes(28) };
    expect(() => createContentDecryptor(messageIdKey)).toThrow(
      expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT }),
    );
  });

  it("Precondition: a GCM body ends with a 16-byte tag — a streamed body shorter than the tag is TRUNCATED", () => {
    const key = generateContentKey(ALG_AES_256_GCM_IV12_TAG16_NO_KDF, randomBytes(32));
    const body = encryptAll(key, Buffer.alloc(0), 1);
    expect(body.length).toBe(16);
    expect(() => decryptAll(key, body.subarray(0, 15), 1)).toThrow(
      expect.objectContaining({
        code: ErrorCodes.TRUNCATED,
        message: expect.stringMatching(/shorter than its 16-byte tag/),
      }),
    );
    expect(decryptAll(key, body, 1)).toEqual(Buffer.alloc(0));
  });

  it("Precondition: the V3 data key is 32 bytes and the message id 28 bytes", () => {
    const usage = expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT });
    expect(() => deriveCommittedKeys(randomBytes(16), randomBytes(28))).toThrow(usage);
    expect(() => deriveCommittedKeys(randomBytes(32), randomBytes(27))).toThrow(usage);
    expect(deriveCommittedKeys(randomBytes(32), randomBytes(28)).commitment.length).toBe(28);
  });

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

  it("Precondition: a CBC body is a non-empty multiple of 16 bytes, as long as declared, and ends with valid PKCS#7 padding that leaves the declared plaintext length", () => {
    const key = generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF, randomBytes(32));
    const body = encryptAll(key, randomBytes(40), 16);
    expect(() => decryptAll(key, body.subarray(0, 40), 8)).toThrow(cbcError);
  });
});

const cbcError = expect.objectContaining({
  code: ErrorCodes.AUTHENTICATION_FAILED,
  message: CBC_FAILURE_MESSAGE,
});

/** Decrypts with the metadata's lengths, as a download does; returns the error (code + message) or "ok". */
function cbcOutcome(key: ContentKey, body: Buffer, stated?: number, declared = body.length): string {
  try {
    const dec = createContentDecryptor(key, undefined, {
      ciphertextLength: declared,
      ...(stated !== undefined ? { expectedPlaintextLength: stated } : {}),
    });
    for (let i = 0; i < body.length; i += 7) dec.update(body.subarray(i, i + 7));
    dec.final();
    return "ok";
  } catch (err) {
    const e = err as { code?: string; message: string };
    return `${e.code}: ${e.message}`;
  }
}

describe("CBC: no padding oracle", () => {
  const key = generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF, randomBytes(32));
  const plain = randomBytes(40); // 48-byte body, 8 bytes of padding
  const body = encryptAll(key, plain, 16);

  it("bad padding and a valid padding of the wrong length fail with the same code and message", () => {
    // Bad padding: flip the last byte of the block before the last one (changes the last padding byte).
    const badPad = Buffer.from(body);
    badPad[31]! ^= 0x01;
    // Valid padding of another length: make the last plaintext byte 0x01 (pad 1 instead of 8).
    const wrongLength = Buffer.from(body);
    wrongLength[31]! ^= 0x08 ^ 0x01;
    const a = cbcOutcome(key, badPad, plain.length);
    const b = cbcOutcome(key, wrongLength, plain.length);
    expect(a).not.toBe("ok");
    expect(a).toBe(b);
    expect(a).toBe(`${ErrorCodes.AUTHENTICATION_FAILED}: ${CBC_FAILURE_MESSAGE}`);
    expect(a).not.toMatch(/\d/); // no lengths
    // Truncated, longer than declared, and declared length ≠ stated plaintext: the same error again.
    expect(cbcOutcome(key, body.subarray(0, 32), plain.length, 48)).toBe(a);
    expect(cbcOutcome(key, Buffer.concat([body, body.subarray(0, 16)]), plain.length, 48)).toBe(a);
    expect(cbcOutcome(key, body, plain.length + 16)).toBe(a);
    expect(cbcOutcome(key, body.subarray(0, 40), undefined, 40)).toBe(a);
    expect(cbcOutcome(key, body, plain.length)).toBe("ok");
  });

  it("Precondition: a CBC body's declared length fits the metadata before anything is decrypted", () => {
    expect(() => createContentDecryptor(key, undefined, { ciphertextLength: 0 })).toThrow(cbcError);
    expect(() => createContentDecryptor(key, undefined, { ciphertextLength: 2 ** 53 })).toThrow(cbcError);
    expect(() =>
      createContentDecryptor(key, undefined, { ciphertextLength: 48, expectedPlaintextLength: 50 }),
    ).toThrow(cbcError);
    expect(() => createContentDecryptor(key, undefined, { ciphertextLength: 47 })).toThrow(cbcError);
  });

  it("pkcs7PadLength accepts exactly the PKCS#7 paddings", () => {
    for (let pad = 1; pad <= 16; pad++) {
      const block = Buffer.alloc(16, 0xaa);
      block.fill(pad, 16 - pad);
      expect(pkcs7PadLength(block)).toBe(pad);
      block[16 - pad]! ^= 1;
      expect(pkcs7PadLength(block)).toBe(0);
    }
    expect(pkcs7PadLength(Buffer.alloc(16, 0))).toBe(0);
    expect(pkcs7PadLength(Buffer.alloc(16, 17))).toBe(0);
  });

  it("measured: single-byte flips over a 1 KiB object are detected only when they reach the last block's padding", () => {
    const k = generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF, randomBytes(32));
    const p = randomBytes(1000); // 1008-byte body (8 bytes of padding), as in issue 9
    const c = encryptAll(k, p, 64);
    let detected = 0;
    let flips = 0;
    for (let i = 0; i < c.length; i++) {
      const t = Buffer.from(c);
      t[i]! ^= 0x01;
      flips++;
      if (cbcOutcome(k, t, p.length) !== "ok") detected++;
    }
    // Only flips in the last two blocks can touch the padding: the 16 bytes of the last block
    // (they garble it, so the padding breaks almost always) and the 8 bytes of the block before it
    // that sit over the padding bytes. Every other flip decrypts "successfully" to altered plaintext.
    expect(flips).toBe(1008);
    expect(detected).toBeLessThanOrEqual(32);
    expect(detected).toBeGreaterThanOrEqual(8);
    console.log(`CBC single-byte flips detected: ${detected} of ${flips}`);
  });
});
