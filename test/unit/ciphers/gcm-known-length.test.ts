import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ContentKey,
  createContentDecryptor,
  createContentEncryptor,
  generateContentKey,
} from "../../../src/ciphers/content-cipher.js";
import { deriveCommittedKeys } from "../../../src/ciphers/key-commitment.js";
import {
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
} from "../../../src/codec/algorithm-suites.js";
import { ErrorCodes } from "../../../src/errors.js";

function encrypt(suiteIndex: number, plain: Buffer) {
  const suite = [ALG_AES_256_GCM_IV12_TAG16_NO_KDF, ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY][suiteIndex]!;
  const key = generateContentKey(suite, randomBytes(32));
  const enc = createContentEncryptor(key);
  const commitment =
    "messageId" in key ? deriveCommittedKeys(key.dataKey, key.messageId).commitment : undefined;
  return { key, commitment, body: Buffer.concat([enc.update(plain), enc.final()]) };
}

function decrypt(
  key: ContentKey,
  commitment: Uint8Array | undefined,
  body: Buffer,
  sizes: number[],
  declared: number,
) {
  const dec = createContentDecryptor(key, commitment, { ciphertextLength: declared });
  const out: Buffer[] = [];
  let i = 0;
  for (let off = 0; off < body.length; ) {
    const n = Math.max(1, sizes[i++ % sizes.length]!);
    out.push(...dec.update(body.subarray(off, off + n)));
    off += n;
  }
  out.push(...dec.final());
  return Buffer.concat(out);
}

describe("GCM decryption with a known ciphertext length", () => {
  it("decrypts at any chunking, the tag split anywhere across chunks (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1 }),
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 8 }),
        (s, bytes, sizes) => {
          const plain = Buffer.from(bytes);
          const { key, commitment, body } = encrypt(s, plain);
          expect(decrypt(key, commitment, body, sizes, body.length).equals(plain)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("emits one buffer per chunk: nothing is held back away from the tag", () => {
    const { key, body } = encrypt(0, randomBytes(1000));
    const dec = createContentDecryptor(key, undefined, { ciphertextLength: body.length });
    expect(dec.update(body.subarray(0, 500))).toHaveLength(1);
    expect(dec.update(body.subarray(500, 900))[0]!.length).toBe(400);
  });

  it("Precondition: the body is as long as declared", () => {
    const { key, body } = encrypt(0, randomBytes(100));
    expect(() => decrypt(key, undefined, body.subarray(0, 110), [7], body.length)).toThrow(
      expect.objectContaining({ code: ErrorCodes.TRUNCATED }),
    );
  });

  it("Precondition: the body is no longer than its declared length", () => {
    const { key, body } = encrypt(0, randomBytes(100));
    expect(() => decrypt(key, undefined, Buffer.concat([body, Buffer.alloc(1)]), [50], body.length)).toThrow(
      /longer than the declared/,
    );
  });

  it("Precondition: a GCM body of known length is at least its 16-byte tag", () => {
    const { key } = encrypt(0, Buffer.alloc(0));
    expect(() => createContentDecryptor(key, undefined, { ciphertextLength: 15 })).toThrow(
      expect.objectContaining({ code: ErrorCodes.TRUNCATED }),
    );
  });

  it("a flipped bit anywhere fails authentication", () => {
    const { key, body } = encrypt(0, randomBytes(300));
    for (const pos of [0, 150, body.length - 17, body.length - 1]) {
      const bad = Buffer.from(body);
      bad[pos]! ^= 4;
      expect(() => decrypt(key, undefined, bad, [33], bad.length)).toThrow(
        expect.objectContaining({ code: ErrorCodes.AUTHENTICATION_FAILED }),
      );
    }
  });
});
