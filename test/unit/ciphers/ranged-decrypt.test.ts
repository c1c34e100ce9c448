import { createDecipheriv, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { gcmCounterBlock, planRangedRead } from "../../../src/ciphers/byte-range.js";
import {
  CBC_FAILURE_MESSAGE,
  type ContentKey,
  createContentEncryptor,
  generateContentKey,
} from "../../../src/ciphers/content-cipher.js";
import { deriveCommittedKeys } from "../../../src/ciphers/key-commitment.js";
import { createRangedDecryptor } from "../../../src/ciphers/ranged-decrypt.js";
import {
  ALG_AES_256_CBC_IV16_NO_KDF,
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
  type AlgorithmSuite,
} from "../../../src/codec/algorithm-suites.js";
import { ErrorCodes } from "../../../src/errors.js";
import { chunks } from "../../support/envelope.js";

// Go S3EC V3 vector (docs/formats.md#published-vectors): TestDecryptionClientV4_GetMockV3Object.
const GO_V3 = {
  dataKey: Buffer.from("lP6AbIQTmptyb/+WQq+ubDw+w7na0T1LGSByZGuaono=", "base64"),
  messageId: Buffer.from("sE9zLb4tsEBJkvEhLMZFxMj9oZJBbQ6ZOgOqHA==", "base64"),
  commitment: Buffer.from("6JOSx47RkdyfciJkNauuC4RpkMcWZY4a+i1RzQ==", "base64"),
  body: Buffer.from(
    "2d4ff4dafe27f69f628872d82b5a1002ed1a21b8485d532bd8159f6487945b3641af5865fc0a029a3650053600c6d213625b9a0cc9c239577c09f3423dedc5641e88b6835824417c",
    "hex",
  ),
  plaintext: Buffer.from(
    "8f2c59c6dbfcacf356f3da40788cbde67ca38161a4702cbcf757af663e1c24a600001b2f500417dbf5a050f57db6737422b2ed6a44c75e0d",
    "hex",
  ),
};

function encrypt(key: ContentKey, plain: Buffer): Buffer {
  const enc = createContentEncryptor(key);
  return Buffer.concat([enc.update(plain), enc.final()]);
}

function readRange(
  key: ContentKey,
  body: Buffer,
  start: number,
  end: number | undefined,
  commitment?: Uint8Array,
  chunk = 5,
): Buffer {
  const plan = planRangedRead(key.suite, { start, end }, body.length);
  const dec = createRangedDecryptor(key, plan, commitment);
  const out: Buffer[] = [];
  for (const c of chunks(body.subarray(plan.fetch.start, plan.fetch.end + 1), chunk))
    out.push(...dec.update(c));
  out.push(...dec.final());
  return Buffer.concat(out);
}

describe("ranged decryption (docs/formats.md#ranged-reads)", () => {
  it("the V3 CTR counter is twelve 0x01 bytes ‖ 00000002 and reproduces the Go V3 vector", () => {
    const { derivedKey, commitment } = deriveCommittedKeys(GO_V3.dataKey, GO_V3.messageId);
    expect(commitment.equals(GO_V3.commitment)).toBe(true);
    expect(derivedKey.toString("hex")).toBe(
      "0bd256e569a37d67567f522c38dbe32fdd0c1e28333dec1324197b54325eade6",
    );
    const counter = gcmCounterBlock(Buffer.alloc(12, 1), 0);
    expect(counter.toString("hex")).toBe(`${"01".repeat(12)}00000002`);
    const ctr = createDecipheriv("aes-256-ctr", derivedKey, counter);
    expect(ctr.update(GO_V3.body.subarray(0, 56)).equals(GO_V3.plaintext)).toBe(true);
  });

  it("reads every range of the Go V3 vector through the library (commitment checked)", () => {
    const key: ContentKey = {
      suite: ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
      dataKey: GO_V3.dataKey,
      messageId: GO_V3.messageId,
    };
    for (let s = 0; s < 56; s += 3) {
      for (const e of [s, s + 1, 15, 16, 31, 32, 55, 200]) {
        if (e < s) continue;
        const got = readRange(key, GO_V3.body, s, e, GO_V3.commitment);
        expect(got.equals(GO_V3.plaintext.subarray(s, Math.min(e, 55) + 1))).toBe(true);
      }
    }
  });

  it("Precondition: ranged V3 decryption checks the stored key commitment", () => {
    const key: ContentKey = {
      suite: ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
      dataKey: GO_V3.dataKey,
      messageId: GO_V3.messageId,
    };
    const plan = planRangedRead(key.suite, { start: 0, end: 10 }, GO_V3.body.length);
    expect(() => createRangedDecryptor(key, plan)).toThrow(/commitment/);
    const wrong = Buffer.from(GO_V3.commitment);
    wrong[0]! ^= 1;
    expect(() => createRangedDecryptor(key, plan, wrong)).toThrow(
      expect.objectContaining({ code: ErrorCodes.AUTHENTICATION_FAILED }),
    );
  });

  const suites: [string, AlgorithmSuite][] = [
    ["V2 GCM", ALG_AES_256_GCM_IV12_TAG16_NO_KDF],
    ["V3 committing GCM", ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY],
    ["CBC", ALG_AES_256_CBC_IV16_NO_KDF],
  ];
  for (const [name, suite] of suites) {
    it(`${name}: every range at block edges, first and last byte equals the slice of the plaintext`, () => {
      for (const size of [1, 15, 16, 17, 47, 48, 100]) {
        const plain = randomBytes(size);
        const key = generateContentKey(suite);
        const body = encrypt(key, plain);
        const commitment =
          suite.keyCommitting && "messageId" in key
            ? deriveCommittedKeys(key.dataKey, key.messageId).commitment
            : undefined;
        const edges = [0, 1, 14, 15, 16, 17, 31, 32, 33, size - 2, size - 1].filter(
          (x) => x >= 0 && x < size,
        );
        for (const s of edges) {
          for (const e of [...edges, size + 20]) {
            if (e < s) continue;
            for (const chunk of [1, 16, 1000]) {
              const got = readRange(key, body, s, e, commitment, chunk);
              expect(
                got.equals(plain.subarray(s, Math.min(e, size - 1) + 1)),
                `${size}:${s}-${e}/${chunk}`,
              ).toBe(true);
            }
          }
          expect(readRange(key, body, s, undefined, commitment).equals(plain.subarray(s))).toBe(true);
        }
      }
    });
  }

  it("plans GCM reads from the block holding start, without the tag", () => {
    expect(planRangedRead(ALG_AES_256_GCM_IV12_TAG16_NO_KDF, { start: 40, end: 1000 }, 116)).toMatchObject({
      mode: "ctr",
      fetch: { start: 32, end: 99 },
      plaintext: { start: 40, end: 99 },
    });
  });

  it("plans CBC reads with one leading IV block and whole blocks up to the end", () => {
    expect(planRangedRead(ALG_AES_256_CBC_IV16_NO_KDF, { start: 40, end: 50 }, 112)).toMatchObject({
      mode: "cbc",
      fetch: { start: 16, end: 63 },
      firstPlaintextOffset: 32,
      includesFinalBlock: false,
    });
    expect(planRangedRead(ALG_AES_256_CBC_IV16_NO_KDF, { start: 5 }, 112)).toMatchObject({
      fetch: { start: 0, end: 111 },
      firstPlaintextOffset: 0,
      includesFinalBlock: true,
    });
  });

  it("Precondition: the range starts inside the plaintext", () => {
    expect(() => planRangedRead(ALG_AES_256_GCM_IV12_TAG16_NO_KDF, { start: 100 }, 116)).toThrow(
      /not satisfiable/,
    );
    expect(() => planRangedRead(ALG_AES_256_CBC_IV16_NO_KDF, { start: 111 }, 112)).toThrow(/not satisfiable/);
    // CBC: the exact end is known only after unpadding.
    const key = generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF);
    const body = encrypt(key, randomBytes(20)); // 32 bytes, 12 of padding
    // Where the plaintext ends depends on the padding byte: the one CBC failure, not a length (no oracle).
    expect(() => readRange(key, body, 25, 30)).toThrow(CBC_FAILURE_MESSAGE);
  });

  it("Precondition: the range starts inside the plaintext once the padding is removed", () => {
    const key = generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF);
    const body = encrypt(key, randomBytes(32)); // 48 bytes: a whole block of padding
    expect(readRange(key, body, 31, 40).length).toBe(1);
    expect(() => readRange(key, body, 32, 40)).toThrow(
      expect.objectContaining({ code: ErrorCodes.AUTHENTICATION_FAILED, message: CBC_FAILURE_MESSAGE }),
    );
  });

  it("Precondition: a range starts at a non-negative integer and does not end before it starts", () => {
    expect(() => planRangedRead(ALG_AES_256_GCM_IV12_TAG16_NO_KDF, { start: -1 }, 116)).toThrow(
      /non-negative/,
    );
    expect(() => planRangedRead(ALG_AES_256_GCM_IV12_TAG16_NO_KDF, { start: 5, end: 4 }, 116)).toThrow(
      /not less/,
    );
  });

  it("Precondition: a GCM object is at least as long as its tag", () => {
    expect(() => planRangedRead(ALG_AES_256_GCM_IV12_TAG16_NO_KDF, { start: 0 }, 15)).toThrow(
      /shorter than its 16-byte tag/,
    );
  });

  it("Precondition: a CBC object is a non-empty multiple of 16 bytes", () => {
    expect(() => planRangedRead(ALG_AES_256_CBC_IV16_NO_KDF, { start: 0 }, 40)).toThrow(/multiple of 16/);
  });

  it("Precondition: the ciphertext length is a non-negative integer", () => {
    expect(() => planRangedRead(ALG_AES_256_CBC_IV16_NO_KDF, { start: 0 }, -16)).toThrow(/ciphertext length/);
  });

  it("Precondition: CTR counters are computed from a 12-byte GCM IV at a block-aligned offset", () => {
    expect(() => gcmCounterBlock(Buffer.alloc(16), 0)).toThrow(/12-byte IV/);
    expect(() => gcmCounterBlock(Buffer.alloc(12), 8)).toThrow(/block offset/);
    expect(gcmCounterBlock(Buffer.alloc(12), 16 * 10).readUInt32BE(12)).toBe(12);
  });

  it("Precondition: the ranged response holds exactly the requested whole CBC blocks", () => {
    const key = generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF);
    const body = encrypt(key, randomBytes(100));
    const plan = planRangedRead(key.suite, { start: 20, end: 60 }, body.length);
    const dec = createRangedDecryptor(key, plan);
    dec.update(body.subarray(plan.fetch.start, plan.fetch.end - 15));
    expect(() => dec.final()).toThrow(
      expect.objectContaining({ code: ErrorCodes.AUTHENTICATION_FAILED, message: CBC_FAILURE_MESSAGE }),
    );
  });

  it("Precondition: the final CBC block ends with valid PKCS#7 padding", () => {
    const key = generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF);
    const body = encrypt(key, randomBytes(40));
    body[body.length - 17]! ^= 0x55; // flips the padding bytes of the last block
    expect(() => readRange(key, body, 0, undefined)).toThrow(
      expect.objectContaining({ code: ErrorCodes.AUTHENTICATION_FAILED }),
    );
  });

  it("Precondition: CTR range decryption is only for GCM content", () => {
    const cbcKey = generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF);
    const gcmPlan = planRangedRead(ALG_AES_256_GCM_IV12_TAG16_NO_KDF, { start: 0 }, 48);
    expect(() => createRangedDecryptor(cbcKey, gcmPlan)).toThrow(/GCM objects only/);
  });

  it("Precondition: CBC range decryption is only for CBC content", () => {
    const gcmKey = generateContentKey(ALG_AES_256_GCM_IV12_TAG16_NO_KDF);
    const cbcPlan = planRangedRead(ALG_AES_256_CBC_IV16_NO_KDF, { start: 0 }, 48);
    expect(() => createRangedDecryptor(gcmKey, cbcPlan)).toThrow(/CBC objects only/);
  });
});

describe("legacy data-key lengths", () => {
  it("Precondition: data keys are 256-bit (16 or 24 bytes also allowed for non-committing suites)", () => {
    for (const n of [16, 24, 32]) {
      const key: ContentKey = {
        suite: ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
        dataKey: randomBytes(n),
        iv: randomBytes(12),
      };
      expect(encrypt(key, Buffer.from("x")).length).toBe(17);
    }
    const short: ContentKey = {
      suite: ALG_AES_256_CBC_IV16_NO_KDF,
      dataKey: randomBytes(20),
      iv: randomBytes(16),
    };
    expect(() => createContentEncryptor(short)).toThrow(/16, 24, 32 bytes/);
    const v3: ContentKey = {
      suite: ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
      dataKey: randomBytes(16),
      messageId: randomBytes(28),
    };
    expect(() => createContentEncryptor(v3)).toThrow(/32 bytes/);
  });
});
