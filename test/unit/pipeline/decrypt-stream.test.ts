import { randomBytes } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createContentDecryptor,
  createContentEncryptor,
  generateContentKey,
} from "../../../src/ciphers/content-cipher.js";
import { ALG_AES_256_GCM_IV12_TAG16_NO_KDF } from "../../../src/codec/algorithm-suites.js";
import { ErrorCodes } from "../../../src/errors.js";
import { createDecryptStream } from "../../../src/pipeline/decrypt-stream.js";

function encrypt(plain: Buffer) {
  const key = generateContentKey(ALG_AES_256_GCM_IV12_TAG16_NO_KDF, randomBytes(32));
  const enc = createContentEncryptor(key);
  return { key, body: Buffer.concat([enc.update(plain), enc.final()]) };
}

async function run(
  body: Buffer,
  key: ReturnType<typeof encrypt>["key"],
  chunk: number,
  opts: { hold: boolean; max?: number; expected?: number },
) {
  const received: Buffer[] = [];
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += chunk) chunks.push(body.subarray(i, i + chunk));
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      received.push(c);
      cb();
    },
  });
  const t = createDecryptStream(createContentDecryptor(key), {
    authenticateBeforeRelease: opts.hold,
    ...(opts.max !== undefined ? { maxBufferBytes: opts.max } : {}),
    ...(opts.expected !== undefined ? { expectedPlaintextLength: opts.expected } : {}),
  });
  const error = await pipeline(Readable.from(chunks), t, sink).then(
    () => undefined,
    (e) => e,
  );
  return { error, out: Buffer.concat(received) };
}

describe("createDecryptStream", () => {
  it("releases GCM plaintext only after the tag verified, at any chunking (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2000 }),
        fc.integer({ min: 1, max: 300 }),
        async (bytes, chunk) => {
          const plain = Buffer.from(bytes);
          const { key, body } = encrypt(plain);
          const { error, out } = await run(body, key, chunk, { hold: true });
          expect(error).toBeUndefined();
          expect(out.equals(plain)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("emits no plaintext at all when any single byte of a GCM body is changed (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 500 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.integer({ min: 1, max: 64 }),
        async (bytes, pos, flip, chunk) => {
          const { key, body } = encrypt(Buffer.from(bytes));
          body[pos % body.length]! ^= flip;
          const { error, out } = await run(body, key, chunk, { hold: true });
          expect(error).toMatchObject({ code: ErrorCodes.AUTHENTICATION_FAILED });
          expect(out.length).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("Precondition: the body decrypts to the declared plaintext length — an authentic body of another length is TRUNCATED, nothing released", async () => {
    const plain = randomBytes(100);
    const { key, body } = encrypt(plain);
    for (const expected of [99, 101, 0]) {
      const { error, out } = await run(body, key, 7, { hold: true, expected });
      expect(error).toMatchObject({
        code: ErrorCodes.TRUNCATED,
        message: `decrypted 100 bytes, but x-amz-unencrypted-content-length says ${expected}`,
      });
      expect(out.length).toBe(0);
    }
    expect(await run(body, key, 7, { hold: true, expected: 100 })).toEqual({ error: undefined, out: plain });
  });

  it("Precondition: held-back unauthenticated plaintext stays within maxBufferBytes", async () => {
    const { key, body } = encrypt(randomBytes(5000));
    const { error, out } = await run(body, key, 100, { hold: true, max: 4096 });
    expect(error).toMatchObject({
      code: ErrorCodes.BUFFER_LIMIT_EXCEEDED,
      message: expect.stringMatching(/delayedAuthentication/),
    });
    expect(out.length).toBe(0);
  });

  it("streams plaintext early when authentication is delayed, and still fails at the end on tampering", async () => {
    const { key, body } = encrypt(randomBytes(5000));
    body[body.length - 1]! ^= 1;
    const { error, out } = await run(body, key, 100, { hold: false });
    expect(out.length).toBeGreaterThan(0);
    expect(error).toMatchObject({ code: ErrorCodes.AUTHENTICATION_FAILED });
  });
});
