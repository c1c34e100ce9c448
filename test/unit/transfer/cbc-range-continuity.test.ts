/**
 * A parallel CBC download decrypts each range with the ciphertext block before it as its IV,
 * fetched again by that range. The two reads of that block must agree, and the plaintext must have
 * the declared length: an S3 (or a path to it) that returns different bytes is caught even where
 * S3 stored no checksum.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCodes, SecurityError } from "../../../src/errors.js";
import { KmsKeyring } from "../../../src/materials/kms-keyring.js";
import { downloadToFile } from "../../../src/transfer/download-file.js";
import { assertCbcPlaintextLength } from "../../../src/transfer/parallel-download.js";
import { encryptAndUpload } from "../../../src/transfer/upload.js";
import { statefulFakeKms } from "../../support/kms-doubles.js";
import { type MemoryS3, memoryS3 } from "../../support/memory-s3.js";

const RANGE = 64;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "s3-cse-cbc-continuity-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** memoryS3 whose ranged GET starting at `start` returns its first bytes with byte `flip` changed. */
function lyingAt(s3: MemoryS3, start: number, flip: number) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: structural SDK-shaped client.
    async send(command: any, options?: { abortSignal?: AbortSignal }) {
      const out = await s3.send(command, options);
      const range = command.constructor.name === "GetObjectCommand" ? String(command.input.Range ?? "") : "";
      if (!range.startsWith(`bytes=${start}-`)) return out;
      const chunks: Buffer[] = [];
      for await (const c of out.Body as Readable) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      body[flip] = (body[flip] ?? 0) ^ 0x01;
      return { ...out, Body: Readable.from([body]) };
    },
  };
}

describe("parallel CBC download: ranges agree with each other", () => {
  it("Precondition: each range's IV block equals the last ciphertext block before it (received by the previous range, or re-encrypted from the partial file).", async () => {
    const kms = statefulFakeKms("k");
    const keyring = new KmsKeyring({ client: kms, keyId: "k" });
    const s3 = memoryS3({ bodyChunk: 7 });
    const plain = Buffer.alloc(5 * RANGE + 9, 0x5a);
    await encryptAndUpload({
      s3,
      bucket: "b",
      key: "db.bak",
      source: Readable.from([plain]),
      keyring,
      format: "rds",
    });
    // The second range is fetched from RANGE - 16: its first 16 bytes are the first range's last block.
    const target = join(dir, "db.bak");
    const failure = await downloadToFile({
      s3: lyingAt(s3, RANGE - 16, 3),
      bucket: "b",
      key: "db.bak",
      keyring,
      allowLegacy: true,
      file: target,
      partSize: RANGE,
      concurrency: 3,
    }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(SecurityError);
    expect((failure as SecurityError).code).toBe(ErrorCodes.CHECKSUM_MISMATCH);
    expect((failure as Error).message).toBe(
      `s3://b/db.bak: two ranged reads returned different bytes at ${RANGE - 16}-${RANGE - 1}: the ciphertext was corrupted in transit`,
    );
    expect(await readdir(dir)).toEqual([]);
    // The same object through an honest S3 downloads.
    await downloadToFile({
      s3,
      bucket: "b",
      key: "db.bak",
      keyring,
      allowLegacy: true,
      file: target,
      partSize: RANGE,
    });
    expect(await readdir(dir)).toEqual(["db.bak"]);
  });

  it("Precondition: a CBC download decrypts to the declared plaintext length.", () => {
    expect(() => assertCbcPlaintextLength(100, 100)).not.toThrow();
    expect(() => assertCbcPlaintextLength(100, undefined)).not.toThrow();
    for (const declared of [99, 101, 0]) {
      let thrown: unknown;
      try {
        assertCbcPlaintextLength(100, declared);
      } catch (err) {
        thrown = err;
      }
      // The one CBC failure: no lengths in it, the same code as bad padding.
      expect(thrown).toBeInstanceOf(SecurityError);
      expect((thrown as SecurityError).code).toBe(ErrorCodes.AUTHENTICATION_FAILED);
      expect((thrown as Error).message).not.toMatch(/\d/);
    }
  });
});
