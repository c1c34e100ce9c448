import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
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
import { ErrorCodes } from "../../../src/errors.js";
import { type EncryptedPart, encryptParts } from "../../../src/pipeline/encrypt-parts.js";
import { eventLoopTurns } from "../../support/seeded-random.js";

const SUITES = [
  ALG_AES_256_CBC_IV16_NO_KDF,
  ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
];

function source(data: Buffer, chunkSizes: number[]): Readable {
  const chunks: Buffer[] = [];
  let off = 0;
  let i = 0;
  while (off < data.length) {
    const n = Math.max(1, chunkSizes[i++ % chunkSizes.length] ?? 1);
    chunks.push(data.subarray(off, off + n));
    off += n;
  }
  return Readable.from(chunks);
}

async function collect(gen: AsyncIterable<EncryptedPart>): Promise<EncryptedPart[]> {
  const out: EncryptedPart[] = [];
  for await (const p of gen) out.push(p);
  return out;
}

async function roundTrip(suiteIndex: number, data: Buffer, partSize: number, chunkSizes: number[]) {
  const suite = SUITES[suiteIndex]!;
  const key = generateContentKey(suite, randomBytes(32));
  const parts = await collect(
    encryptParts(source(data, chunkSizes), createContentEncryptor(key), { partSize }),
  );
  const commitment =
    "messageId" in key ? deriveCommittedKeys(key.dataKey, key.messageId).commitment : undefined;
  const dec = createContentDecryptor(key, commitment);
  const plain = Buffer.concat([...parts.flatMap((p) => dec.update(p.body)), ...dec.final()]);
  return { parts, plain, suite };
}

describe("encryptParts", () => {
  it("round-trips any size and chunking, every suite; non-final parts are exactly partSize (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 }),
        fc.uint8Array({ minLength: 0, maxLength: 700 }),
        fc.integer({ min: 1, max: 8 }).map((n) => n * 16),
        fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 1, maxLength: 10 }),
        async (s, bytes, partSize, chunkSizes) => {
          const data = Buffer.from(bytes);
          const { parts, plain, suite } = await roundTrip(s, data, partSize, chunkSizes);
          expect(plain.equals(data)).toBe(true);
          expect(parts.at(-1)!.last).toBe(true);
          expect(parts.filter((p) => p.last)).toHaveLength(1);
          for (const p of parts.slice(0, -1)) expect(p.body.length).toBe(partSize);
          expect(parts.map((p) => p.partNumber)).toEqual(parts.map((_, i) => i + 1));
          expect(parts.reduce((n, p) => n + p.body.length, 0)).toBe(ciphertextLength(suite, data.length));
          expect(parts.reduce((n, p) => n + p.plaintextLength, 0)).toBe(data.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  for (const size of [0, 1, 15, 16, 17, 63, 64, 65, 200]) {
    it(`${size} bytes at 1-byte chunks with 64-byte parts`, async () => {
      for (let s = 0; s < SUITES.length; s++) {
        const data = randomBytes(size);
        const { parts, plain } = await roundTrip(s, data, 64, [1]);
        expect(plain.equals(data)).toBe(true);
        expect(parts).toHaveLength(Math.max(1, Math.ceil(size / 64)));
      }
    });
  }

  it("Precondition: the part size is a positive multiple of 16", async () => {
    const enc = createContentEncryptor(generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF));
    await expect(
      collect(encryptParts(Readable.from([Buffer.alloc(1)]), enc, { partSize: 100 })),
    ).rejects.toMatchObject({
      code: ErrorCodes.INVALID_ARGUMENT,
    });
  });

  it("is pull-based: reads no further than the part being produced", async () => {
    let pulled = 0;
    const src = new Readable({
      highWaterMark: 16,
      read() {
        pulled += 16;
        this.push(Buffer.alloc(16));
      },
    });
    const gen = encryptParts(src, createContentEncryptor(generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF)), {
      partSize: 64,
    });
    await gen.next();
    await eventLoopTurns(50);
    expect(pulled).toBeLessThanOrEqual(64 + 16 * 4);
    await gen.return(undefined);
    src.destroy();
  });

  it("stops with ABORTED when the signal fires", async () => {
    const controller = new AbortController();
    const enc = createContentEncryptor(generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF));
    const gen = encryptParts(Readable.from([Buffer.alloc(64), Buffer.alloc(64), Buffer.alloc(64)]), enc, {
      partSize: 64,
      signal: controller.signal,
    });
    await gen.next();
    controller.abort();
    await expect(gen.next()).rejects.toMatchObject({ code: ErrorCodes.ABORTED });
  });
});
