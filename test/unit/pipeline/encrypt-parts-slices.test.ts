import { randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { createContentEncryptor, generateContentKey } from "../../../src/ciphers/content-cipher.js";
import {
  ALG_AES_256_CBC_IV16_NO_KDF,
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
  type AlgorithmSuite,
} from "../../../src/codec/algorithm-suites.js";
import { ENCRYPT_SLICE, type EncryptedPart, encryptParts } from "../../../src/pipeline/encrypt-parts.js";
import { PartBufferPool } from "../../../src/pipeline/part-buffers.js";

const SUITES: AlgorithmSuite[] = [
  ALG_AES_256_CBC_IV16_NO_KDF,
  ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
];

/** A deterministic pseudo-random chunking of `data` (sizes 1..max). */
function* chunks(data: Buffer, max: number, seed: number): Generator<Buffer> {
  let s = seed;
  for (let i = 0; i < data.length; ) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (s % max);
    yield data.subarray(i, i + n);
    i += n;
  }
}

async function* from(it: Iterable<Buffer>): AsyncGenerator<Buffer> {
  yield* it;
}

/** Runs encryptParts, copying each body (and releasing it, when `release`). */
async function collect(
  suite: AlgorithmSuite,
  source: Iterable<Buffer>,
  partSize: number,
  options: { release?: boolean; pool?: PartBufferPool } = {},
) {
  const key = generateContentKey(suite);
  const parts: (Omit<EncryptedPart, "body" | "release"> & { body: Buffer })[] = [];
  for await (const p of encryptParts(from(source), createContentEncryptor(key), { partSize, ...options })) {
    parts.push({ ...p, body: Buffer.from(p.body) });
    if (options.release) p.release();
  }
  return { key, parts };
}

function oneShot(key: ReturnType<typeof generateContentKey>, plain: Buffer): Buffer {
  const enc = createContentEncryptor(key);
  return Buffer.concat([enc.update(plain), enc.final()]);
}

const crcBase64 = (b: Buffer) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b) >>> 0);
  return out.toString("base64");
};

describe("encryptParts", () => {
  for (const suite of SUITES) {
    for (const [size, partSize, max] of [
      [0, 64, 1],
      [1, 64, 1],
      [63, 64, 1],
      [64, 64, 1],
      [128, 64, 7],
      [3 * 64 + 5, 64, 1],
      [5000, 1024, 300],
      [3 * ENCRYPT_SLICE + 17, ENCRYPT_SLICE * 2, 200_000],
      [4 * ENCRYPT_SLICE, ENCRYPT_SLICE, 3 * ENCRYPT_SLICE],
    ] as const) {
      it(`${suite.name}: ${size} bytes in chunks of 1..${max}, ${partSize}-byte parts equal one-shot encryption`, async () => {
        const plain = randomBytes(size);
        const { key, parts } = await collect(suite, chunks(plain, max, size + max), partSize, {
          release: true,
        });
        expect(Buffer.concat(parts.map((p) => p.body)).equals(oneShot(key, plain))).toBe(true);
        expect(parts.map((p) => p.partNumber)).toEqual(parts.map((_, i) => i + 1));
        expect(parts.map((p) => p.last)).toEqual(parts.map((_, i) => i === parts.length - 1));
        for (const p of parts.slice(0, -1)) expect(p.body.length).toBe(partSize);
        expect(parts.reduce((n, p) => n + p.plaintextLength, 0)).toBe(size);
        for (const p of parts) expect(p.checksumCrc32).toBe(crcBase64(p.body));
      });
    }
  }

  it("a source ending on a part boundary puts the tag/padding into a final part of partSize + 16", async () => {
    const plain = randomBytes(256);
    const { key, parts } = await collect(ALG_AES_256_GCM_IV12_TAG16_NO_KDF, [plain], 128);
    expect(parts.map((p) => p.body.length)).toEqual([128, 144]);
    expect(Buffer.concat(parts.map((p) => p.body)).equals(oneShot(key, plain))).toBe(true);
  });

  it("reuses released buffers and never hands out one that is still held", async () => {
    const pool = new PartBufferPool(64, 2);
    const key = generateContentKey(ALG_AES_256_GCM_IV12_TAG16_NO_KDF);
    const plain = randomBytes(64 * 10 + 3);
    const held: EncryptedPart[] = [];
    const seen = new Set<ArrayBufferLike>();
    let reused = 0;
    const copies: Buffer[] = [];
    for await (const p of encryptParts(from(chunks(plain, 50, 7)), createContentEncryptor(key), {
      partSize: 64,
      pool,
    })) {
      for (const h of held) expect(h.body.buffer).not.toBe(p.body.buffer);
      if (seen.has(p.body.buffer)) reused++;
      seen.add(p.body.buffer);
      copies.push(Buffer.from(p.body));
      held.push(p);
      if (held.length === 2) held.shift()!.release();
    }
    expect(reused).toBeGreaterThan(0);
    expect(Buffer.concat(copies).equals(oneShot(key, plain))).toBe(true);
  });

  it("leaves the checksum out when asked", async () => {
    const { parts } = await collect(ALG_AES_256_CBC_IV16_NO_KDF, [randomBytes(100)], 64);
    expect(parts.every((p) => typeof p.checksumCrc32 === "string")).toBe(true);
    const key = generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF);
    for await (const p of encryptParts(from([randomBytes(100)]), createContentEncryptor(key), {
      partSize: 64,
      checksum: false,
    })) {
      expect(p.checksumCrc32).toBeUndefined();
    }
  });

  it("Precondition: the part size is a positive multiple of 16", async () => {
    const key = generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF);
    const gen = encryptParts(from([]), createContentEncryptor(key), { partSize: 40 });
    await expect(gen.next()).rejects.toThrow(/multiple of 16/);
  });
});

describe("PartBufferPool", () => {
  it("keeps at most max released buffers and ignores foreign or duplicate ones", () => {
    const pool = new PartBufferPool(32, 1);
    const a = pool.acquire();
    const b = pool.acquire();
    pool.release(a);
    pool.release(a);
    pool.release(b);
    pool.release(Buffer.alloc(16));
    expect(pool.available).toBe(1);
    expect(pool.acquire()).toBe(a);
  });
});

describe("encryptParts part layout", () => {
  it("cuts parts where the plaintext crosses a boundary, even when CBC holds the extra bytes back", async () => {
    for (const suite of SUITES) {
      const plain = randomBytes(128 + 1);
      const { parts } = await collect(suite, [plain.subarray(0, 120), plain.subarray(120)], 128);
      expect(parts.map((p) => [p.body.length, p.plaintextLength])).toEqual([
        [128, 128],
        [suite.cipher === "cbc" ? 16 : 17, 1],
      ]);
    }
  });
});
