import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type ContentKey,
  createContentEncryptor,
  generateContentKey,
} from "../../../src/ciphers/content-cipher.js";
import {
  ALG_AES_256_CBC_IV16_NO_KDF,
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
} from "../../../src/codec/algorithm-suites.js";
import { ENCRYPT_SLICE, encryptParts } from "../../../src/pipeline/encrypt-parts.js";
import { encryptPartsInWorker } from "../../../src/pipeline/encrypt-parts-worker.js";

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

type Summary = { partNumber: number; body: string; plaintextLength: number; last: boolean; crc?: string };

async function run(
  gen: AsyncGenerator<{
    partNumber: number;
    body: Buffer;
    plaintextLength: number;
    last: boolean;
    checksumCrc32?: string;
    release: () => void;
  }>,
): Promise<Summary[]> {
  const out: Summary[] = [];
  for await (const p of gen) {
    out.push({
      partNumber: p.partNumber,
      body: p.body.toString("hex"),
      plaintextLength: p.plaintextLength,
      last: p.last,
      ...(p.checksumCrc32 ? { crc: p.checksumCrc32 } : {}),
    });
    p.release();
  }
  return out;
}

const SUITES = [
  ALG_AES_256_CBC_IV16_NO_KDF,
  ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
];

describe("encryptPartsInWorker", () => {
  for (const suite of SUITES) {
    for (const [size, partSize, max] of [
      [0, 64, 1],
      [1, 64, 1],
      [129, 64, 1],
      [3000, 256, 1],
      [5000, 1024, 300],
      [3 * ENCRYPT_SLICE + 17, 2 * ENCRYPT_SLICE, 200_000],
      [4 * ENCRYPT_SLICE, ENCRYPT_SLICE, 3 * ENCRYPT_SLICE],
      [5 * 1024 * 1024 + 3, 1024 * 1024, 1024 * 1024],
    ] as const) {
      it(`${suite.name}: ${size} bytes in chunks of 1..${max} give the same parts as encryptParts`, async () => {
        const plain = randomBytes(size);
        const key: ContentKey = generateContentKey(suite);
        const inThread = await run(
          encryptParts(from(chunks(plain, max, size)), createContentEncryptor(key), { partSize }),
        );
        const inWorker = await run(encryptPartsInWorker(from(chunks(plain, max, size)), key, { partSize }));
        expect(inWorker).toEqual(inThread);
      });
    }
  }

  it("reports read progress and honours checksum: false", async () => {
    const key = generateContentKey(ALG_AES_256_GCM_IV12_TAG16_NO_KDF);
    const seen: number[] = [];
    const parts = await run(
      encryptPartsInWorker(from([randomBytes(100), randomBytes(50)]), key, {
        partSize: 64,
        checksum: false,
        onRead: (n) => seen.push(n),
      }),
    );
    expect(seen).toEqual([100, 150]);
    expect(parts.every((p) => p.crc === undefined)).toBe(true);
  });

  it("propagates a source error and stops the worker", async () => {
    const key = generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF);
    async function* failing(): AsyncGenerator<Buffer> {
      yield randomBytes(300);
      throw new Error("disk read failed");
    }
    await expect(run(encryptPartsInWorker(failing(), key, { partSize: 64 }))).rejects.toThrow(
      /disk read failed/,
    );
  });

  it("stops when the signal is aborted", async () => {
    const key = generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF);
    const ac = new AbortController();
    ac.abort();
    await expect(
      run(encryptPartsInWorker(from([randomBytes(10)]), key, { partSize: 64, signal: ac.signal })),
    ).rejects.toThrow();
  });

  it("Precondition: the part size is a positive multiple of 16", async () => {
    const key = generateContentKey(ALG_AES_256_CBC_IV16_NO_KDF);
    await expect(run(encryptPartsInWorker(from([]), key, { partSize: 8 }))).rejects.toThrow(/multiple of 16/);
  });
});

describe("useEncryptionWorker", () => {
  it("uses a worker when asked, not by default, and on auto only with more than two cores", async () => {
    const { useEncryptionWorker } = await import("../../../src/pipeline/part-source.js");
    expect(useEncryptionWorker(true, 2)).toBe(true);
    expect(useEncryptionWorker(false, 64)).toBe(false);
    expect(useEncryptionWorker("auto", 2)).toBe(false);
    expect(useEncryptionWorker("auto", 4)).toBe(true);
    expect(useEncryptionWorker(undefined, 64)).toBe(false);
  });
});
